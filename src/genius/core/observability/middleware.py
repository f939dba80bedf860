"""One pure-ASGI middleware for every request: request id, W3C trace context, the per-IP rate limit,
structured access log and the Prometheus request metrics."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from prometheus_client import Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from genius.core.kit.errors import PROBLEM_JSON, problem_body
from genius.core.kit.ratelimit import Limit, RateLimiter
from genius.core.observability.tracing import tracer

log = structlog.get_logger("genius.http")

REQUEST_DURATION = Histogram(
    "genius_http_request_duration_seconds",
    "HTTP request duration",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
REQUESTS = Counter("genius_http_requests_total", "HTTP requests", ["route", "method", "status"])
# livesum: under uvicorn --workers N the scrape adds up the live processes (multiprocess mode).
IN_PROGRESS = Gauge(
    "genius_http_requests_in_progress", "HTTP requests being served", multiprocess_mode="livesum"
)

_PROPAGATOR = TraceContextTextMapPropagator()
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Probes and scrapes are not rate limited and not access-logged at info level.
QUIET_PATHS = ("/health", "/metrics")


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


class RequestContextMiddleware:
    def __init__(
        self, app: ASGIApp, limiter: RateLimiter | None = None, ip_limit: Limit | None = None
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.ip_limit = ip_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        incoming = headers.get("x-request-id", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        method = scope["method"]
        path: str = scope["path"]
        client = (scope.get("client") or ("unknown", 0))[0]

        parent = _PROPAGATOR.extract(headers)
        status_holder = {"status": 500}
        start = time.perf_counter()
        IN_PROGRESS.inc()
        with tracer().start_as_current_span(
            f"{method} {path}", context=parent, kind=trace.SpanKind.SERVER
        ) as span:
            ctx = span.get_span_context()
            trace_id = format(ctx.trace_id, "032x")
            structlog.contextvars.clear_contextvars()
            structlog.contextvars.bind_contextvars(request_id=request_id, trace_id=trace_id)
            carrier: dict[str, str] = {}
            _PROPAGATOR.inject(carrier)

            async def send_wrapper(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status_holder["status"] = message["status"]
                    # W3C Server-Timing: the server-side time until the response starts (benchmarks read it).
                    took_ms = (time.perf_counter() - start) * 1000
                    extra = [
                        (b"x-request-id", request_id.encode()),
                        (b"server-timing", f"app;dur={took_ms:.2f}".encode()),
                    ]
                    if "traceparent" in carrier:
                        extra.append((b"traceparent", carrier["traceparent"].encode()))
                    message["headers"] = list(message.get("headers", [])) + extra
                await send(message)

            try:
                if (
                    self.limiter is not None
                    and self.ip_limit is not None
                    and not path.startswith(QUIET_PATHS)
                ):
                    decision = self.limiter.hit(f"ip:{client}", self.ip_limit, "ip")
                    if not decision.allowed:
                        await _too_many(send_wrapper, path, request_id, decision.retry_after)
                        return
                await self.app(scope, receive, send_wrapper)
            finally:
                IN_PROGRESS.dec()
                elapsed = time.perf_counter() - start
                route = scope.get("route")
                route_label = getattr(route, "path", None) or "unmatched"
                status = str(status_holder["status"])
                REQUEST_DURATION.labels(route_label, method, status).observe(elapsed)
                REQUESTS.labels(route_label, method, status).inc()
                span.set_attribute("http.request.method", method)
                span.set_attribute("http.route", route_label)
                span.set_attribute("http.response.status_code", status_holder["status"])
                # Auth runs in a worker thread whose contextvars do not flow back here; read the state.
                principal = scope.get("state", {}).get("principal")
                who = {"tid": str(principal.tid), "sub": principal.sub} if principal is not None else {}
                level = log.debug if path.startswith(QUIET_PATHS) else log.info
                level(
                    "request",
                    method=method,
                    path=path,
                    route=route_label,
                    status=status_holder["status"],
                    duration_ms=round(elapsed * 1000, 2),
                    client=client,
                    **who,
                )


async def _too_many(send: Any, path: str, request_id: str, retry_after: int) -> None:
    import json

    body = problem_body(
        429, "Too many requests", "Rate limit exceeded for this address.", "rate-limited", None
    )
    body.update({"instance": path, "request_id": request_id})
    raw = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(raw)).encode()),
                (b"retry-after", str(retry_after).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": raw})
