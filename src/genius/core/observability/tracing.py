"""OpenTelemetry: a tracer provider always exists (so every request has a W3C trace id to log and
propagate); exporting spans is off unless GENIUS_OTEL_EXPORTER says console, otlp or file.

W3C trace context crosses process boundaries as a ``traceparent`` string: HTTP headers (the
middleware), Celery task headers (``genius.workers.observability``) and event envelopes
(:func:`current_traceparent` when publishing, :func:`continue_trace` when consuming).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

if TYPE_CHECKING:
    from genius.config import Settings

_configured = False
_PROPAGATOR = TraceContextTextMapPropagator()


class JsonLinesSpanExporter(SpanExporter):
    """One compact JSON object per span, appended to a file (several processes may share it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = "".join(json.dumps(json.loads(s.to_json()), separators=(",", ":")) + "\n" for s in spans)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, lines.encode())
            finally:
                os.close(fd)
        return SpanExportResult.SUCCESS


def configure_tracing(
    service_name: str, exporter: str = "none", endpoint: str | None = None, file: Path | None = None
) -> None:
    global _configured
    if _configured:
        return
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    if exporter == "file":
        # Written as each span ends: a Celery pool child may be replaced without flushing a batch.
        provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(file or Path("spans.jsonl"))))
    else:
        span_exporter: SpanExporter | None = None
        if exporter == "console":
            span_exporter = ConsoleSpanExporter()
        elif exporter == "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            span_exporter = OTLPSpanExporter(endpoint=endpoint) if endpoint else OTLPSpanExporter()
        if span_exporter is not None:
            provider.add_span_processor(BatchSpanProcessor(span_exporter))
    trace.set_tracer_provider(provider)
    _configured = True


def configure_from_settings(settings: Settings, role: str | None = None) -> None:
    """configure_tracing with GENIUS_OTEL_*; ``role`` suffixes the service name (``genius-worker``)."""
    configure_tracing(
        f"{settings.service_name}-{role}" if role else settings.service_name,
        settings.otel_exporter,
        settings.otel_endpoint,
        settings.otel_file or Path(settings.data_dir) / "spans.jsonl",
    )


def tracer() -> trace.Tracer:
    return trace.get_tracer("genius")


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the current span (to store with an outbox row or send along), or
    None outside a valid span."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get("traceparent")


def context_from_traceparent(traceparent: str | None) -> otel_context.Context | None:
    if not traceparent:
        return None
    ctx = _PROPAGATOR.extract({"traceparent": traceparent})
    if not trace.get_current_span(ctx).get_span_context().is_valid:
        return None
    return ctx


@contextlib.contextmanager
def continue_trace(
    traceparent: str | None,
    name: str = "continue",
    kind: trace.SpanKind = trace.SpanKind.CONSUMER,
    attributes: dict[str, str] | None = None,
) -> Iterator[trace.Span]:
    """A span that continues the trace of ``traceparent`` (its parent is the remote span). Without a
    valid traceparent the span starts under the current context (usually a new trace)."""
    parent = context_from_traceparent(traceparent)
    with tracer().start_as_current_span(name, context=parent, kind=kind, attributes=attributes) as span:
        yield span
