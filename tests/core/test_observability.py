"""Health, metrics, W3C trace context and structured logs."""

from __future__ import annotations

import io
import json

import structlog

from genius.core.observability.logging import configure_logging
from genius.core.observability.tracing import configure_tracing


def test_health_and_ready(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/health").json()["status"] == "ok"
    ready = client.get("/health/ready")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "redis": "ok"}


def test_metrics_expose_request_histogram(client) -> None:  # type: ignore[no-untyped-def]
    client.get("/health")
    client.get("/v1/auth/me")
    text = client.get("/metrics").text
    assert (
        'genius_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/health",status="200"}'
        in text
    )
    assert 'genius_http_request_duration_seconds_count{method="GET",route="/v1/auth/me",status="401"}' in text
    assert "genius_auth_failures_total" in text


def test_traceparent_is_propagated_and_logged(client, tenant) -> None:  # type: ignore[no-untyped-def]
    configure_tracing("genius-test")
    stream = io.StringIO()
    configure_logging("INFO", True, stream=stream)
    try:
        trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
        r = client.get(
            "/v1/auth/me",
            headers={
                **tenant.headers,
                "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01",
                "x-request-id": "req-123",
            },
        )
        assert r.status_code == 200
        assert r.headers["x-request-id"] == "req-123"
        assert r.headers["traceparent"].split("-")[1] == trace_id
        lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
        access = [entry for entry in lines if entry.get("event") == "request"]
        assert access, lines
        assert access[-1]["trace_id"] == trace_id and access[-1]["request_id"] == "req-123"
        assert access[-1]["tid"] == str(tenant.id)
    finally:
        configure_logging("WARNING", True)
        structlog.contextvars.clear_contextvars()
