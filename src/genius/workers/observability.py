"""Tracing and metrics plumbing of Celery, for senders and workers alike.

* ``before_task_publish``: the sender's current W3C trace context rides in the task headers as
  ``traceparent`` (unless the sender set one already: the outbox relay passes the traceparent of the
  request that wrote the row).
* ``task_prerun``/``task_postrun``: the worker runs each task inside a CONSUMER span whose parent is
  that traceparent, so the task's logs and spans continue the API request's trace.
* Worker processes configure tracing (GENIUS_OTEL_*) and, in the prefork pool children, drop the
  inherited metrics listening socket and report their death to the multiprocess metrics directory.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import structlog
from celery import signals
from opentelemetry import context as otel_context
from opentelemetry import trace

from genius.config import get_settings
from genius.core.observability import metrics
from genius.core.observability.tracing import (
    configure_from_settings,
    context_from_traceparent,
    current_traceparent,
    tracer,
)

TRACEPARENT = "traceparent"

_spans: dict[str, tuple[trace.Span, object]] = {}
_lock = threading.Lock()


@signals.before_task_publish.connect
def _inject_traceparent(headers: dict[str, Any] | None = None, **_: Any) -> None:
    if headers is None or headers.get(TRACEPARENT):
        return
    traceparent = current_traceparent()
    if traceparent:
        headers[TRACEPARENT] = traceparent


def traceparent_of(request: Any) -> str | None:
    if request is None:
        return None
    value = (getattr(request, "headers", None) or {}).get(TRACEPARENT) or getattr(request, TRACEPARENT, None)
    return str(value) if value else None


@signals.task_prerun.connect
def _start_task_span(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    if not task_id or task is None:
        return
    request = getattr(task, "request", None)
    parent = context_from_traceparent(traceparent_of(request))
    delivery = getattr(request, "delivery_info", None) or {}
    span = tracer().start_span(
        f"{task.name} run",
        context=parent,
        kind=trace.SpanKind.CONSUMER,
        attributes={
            "messaging.system": "celery",
            "messaging.operation": "process",
            "messaging.destination.name": str(delivery.get("routing_key") or ""),
            "messaging.message.id": task_id,
            "celery.task_name": task.name,
        },
    )
    token = otel_context.attach(trace.set_span_in_context(span))
    span_context = span.get_span_context()
    if span_context.is_valid:
        structlog.contextvars.bind_contextvars(trace_id=format(span_context.trace_id, "032x"))
    with _lock:
        _spans[task_id] = (span, token)


@signals.task_postrun.connect
def _end_task_span(task_id: str | None = None, state: str | None = None, **_: Any) -> None:
    with _lock:
        entry = _spans.pop(task_id or "", None)
    if entry is None:
        return
    span, token = entry
    if state:
        span.set_attribute("celery.state", state)
        if state == "FAILURE":
            span.set_status(trace.Status(trace.StatusCode.ERROR))
    span.end()
    with contextlib.suppress(Exception):  # detached in another context; the span has ended anyway
        otel_context.detach(token)  # type: ignore[arg-type]
    structlog.contextvars.unbind_contextvars("trace_id")


@signals.worker_init.connect
def _worker_tracing(**_: Any) -> None:
    configure_from_settings(get_settings(), "worker")


@signals.beat_init.connect
def _beat_tracing(**_: Any) -> None:
    configure_from_settings(get_settings(), "beat")


@signals.worker_process_init.connect
def _pool_child_started(**_: Any) -> None:
    metrics.close_inherited_server()


@signals.worker_process_shutdown.connect
def _pool_child_stopping(**_: Any) -> None:
    metrics.mark_this_process_dead()
