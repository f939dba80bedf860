"""W3C trace context crosses into the workers: a task sent inside a span runs, in a real `genius worker`
subprocess (prefork pool, Redis broker), in a span of the same trace whose parent is the sender's span.
The worker writes its spans as JSON lines (GENIUS_OTEL_EXPORTER=file); the sender's spans go to an
in-memory exporter. The worker's own metrics port serves its registry (pool children included)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from genius.core.observability.tracing import configure_tracing, continue_trace, current_traceparent, tracer
from tests.conftest import free_port


def memory_exporter() -> InMemorySpanExporter:
    configure_tracing("genius-test")  # no-op when another test configured it
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


def worker_span(spans_file: Path, task_id: str, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if spans_file.exists():
            for line in spans_file.read_text().splitlines():
                span = json.loads(line)
                if span["attributes"].get("messaging.message.id") == task_id:
                    return span
        time.sleep(0.2)
    raise AssertionError(f"no span for task {task_id} in {spans_file}")


def hex_id(value: int, width: int) -> str:
    return "0x" + format(value, f"0{width}x")


def test_task_span_continues_the_senders_trace(start_worker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    exporter = memory_exporter()
    spans_file = tmp_path / "worker-spans.jsonl"
    metrics_port = free_port()
    w = start_worker(
        "registry",
        GENIUS_OTEL_EXPORTER="file",
        GENIUS_OTEL_FILE=str(spans_file),
        GENIUS_METRICS_PORT_WORKER=str(metrics_port),
    )

    # 1. The current context is injected into the task headers.
    with tracer().start_as_current_span("POST /v1/things", kind=trace.SpanKind.SERVER) as caller:
        result = w.app.send_task("registry.ping", args=["traced"])
        caller_ctx = caller.get_span_context()
    assert result.get(timeout=30) == "traced"
    span = worker_span(spans_file, result.id)
    assert span["name"] == "registry.ping run"
    assert span["kind"] == "SpanKind.CONSUMER"
    assert span["context"]["trace_id"] == hex_id(caller_ctx.trace_id, 32)
    assert span["parent_id"] == hex_id(caller_ctx.span_id, 16)
    assert span["resource"]["attributes"]["service.name"] == "genius-worker"
    assert span["status"]["status_code"] == "UNSET"
    sent = [s for s in exporter.get_finished_spans() if s.name == "POST /v1/things"]
    assert sent and sent[0].context.span_id == caller_ctx.span_id

    # 2. A traceparent the sender set itself (the relay: the one stored with the outbox row) wins
    #    over the sender's current context.
    stored = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    with tracer().start_as_current_span("relay batch"):
        result = w.app.send_task("registry.ping", args=["relayed"], headers={"traceparent": stored})
    assert result.get(timeout=30) == "relayed"
    span = worker_span(spans_file, result.id)
    assert span["context"]["trace_id"] == "0x0af7651916cd43dd8448eb211c80319c"
    assert span["parent_id"] == "0xb7ad6b7169203331"

    # 3. Without any trace context the task starts a trace of its own.
    result = w.app.send_task("registry.ping", args=["untraced"])
    assert result.get(timeout=30) == "untraced"
    assert worker_span(spans_file, result.id)["parent_id"] is None

    # The worker's metrics port answers (multiprocess mode: main process and pool children merged).
    deadline = time.monotonic() + 20
    text = ""
    while (
        time.monotonic() < deadline
        and 'genius_worker_heartbeat_latency_seconds_count{tag="registry"}' not in text
    ):
        try:
            text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=2).text
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    assert 'genius_worker_heartbeat_latency_seconds_count{tag="registry"}' in text


def test_continue_trace_and_current_traceparent() -> None:
    exporter = memory_exporter()
    assert current_traceparent() is None  # no span, nothing to propagate
    incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    with continue_trace(incoming, "crm.account.verification_requested process") as span:
        ctx = span.get_span_context()
        assert format(ctx.trace_id, "032x") == "4bf92f3577b34da6a3ce929d0e0e4736"
        tp = current_traceparent()
        assert tp == f"00-4bf92f3577b34da6a3ce929d0e0e4736-{format(ctx.span_id, '016x')}-01"
    finished = [s for s in exporter.get_finished_spans() if s.context.span_id == ctx.span_id]
    assert finished and finished[0].parent is not None and finished[0].parent.span_id == 0x00F067AA0BA902B7
    for bad in (None, "", "garbage", "00-00000000000000000000000000000000-0000000000000000-01"):
        with continue_trace(bad, "no parent") as span:
            assert span.get_span_context().trace_id != 0x4BF92F3577B34DA6A3CE929D0E0E4736
        assert exporter.get_finished_spans()[-1].parent is None
