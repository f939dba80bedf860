"""``publish`` and ``defer``: an event, or a task to run, is an outbox row written in the caller's
transaction.

Nothing is sent from inside a transaction: the relay publishes committed rows afterwards, so an
event or a task exists if and only if the change that caused it committed, and a broker outage only
delays it. Nothing in a request or a consumer calls ``send_task``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from opentelemetry import trace
from pydantic import BaseModel
from sqlalchemy.orm import Session

from genius.core.events.models import OutboxEvent
from genius.core.events.registry import spec
from genius.core.events.schemas import Envelope


def publish(
    session: Session,
    topic: str,
    data: BaseModel | dict[str, Any],
    *,
    tid: uuid.UUID,
    aggregate_id: str | uuid.UUID | None = None,
    correlation_id: str | None = None,
    version: int | None = None,
) -> OutboxEvent:
    """Validate ``data`` against the topic's contract and queue it in this transaction."""
    event_spec = spec(topic, version)
    model = (
        data
        if isinstance(data, event_spec.model)
        else event_spec.model.model_validate(data.model_dump() if isinstance(data, BaseModel) else data)
    )
    trace_id, traceparent = _trace_context()
    row = OutboxEvent(
        tid=tid,
        topic=topic,
        kind="event",
        version=event_spec.version,
        aggregate_id=str(aggregate_id) if aggregate_id is not None else None,
        correlation_id=correlation_id or uuid.uuid4().hex,
        trace_id=trace_id,
        traceparent=traceparent,
        data=model.model_dump(mode="json"),
    )
    session.add(row)
    session.flush()
    return row


def defer(
    session: Session,
    task: str,
    *,
    tid: uuid.UUID,
    args: Sequence[Any] = (),
    kwargs: dict[str, Any] | None = None,
    queue: str | None = None,
    aggregate_id: str | uuid.UUID | None = None,
    correlation_id: str | None = None,
) -> OutboxEvent:
    """Queue the Celery task ``task(*args, **kwargs)`` in this transaction; the relay sends it after
    commit (task id = the row's id, header ``genius_tid``), to ``queue`` or the queue its name routes to.

    Arguments must be JSON. The task runs at least once: its effect must be idempotent (the platform's
    idempotency keys, a job's ledger or lease). With ``aggregate_id``, tasks and events of one aggregate
    leave in the order they were written."""
    trace_id, traceparent = _trace_context()
    row = OutboxEvent(
        tid=tid,
        topic=task,
        kind="task",
        queue=queue,
        version=1,
        aggregate_id=str(aggregate_id) if aggregate_id is not None else None,
        correlation_id=correlation_id or uuid.uuid4().hex,
        trace_id=trace_id,
        traceparent=traceparent,
        data={"args": list(args), "kwargs": dict(kwargs or {})},
    )
    session.add(row)
    session.flush()
    return row


def _trace_context() -> tuple[str | None, str | None]:
    """The current span's trace id and W3C ``traceparent`` (version 00), when a span is recording."""
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None, None
    trace_id = format(ctx.trace_id, "032x")
    return trace_id, f"00-{trace_id}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"


def envelope_of(row: OutboxEvent) -> Envelope:
    return Envelope(
        id=row.id,
        topic=row.topic,
        tid=row.tid,
        occurred_at=row.occurred_at,
        correlation_id=row.correlation_id,
        trace_id=row.trace_id,
        traceparent=row.traceparent,
        version=row.version,
        aggregate_id=row.aggregate_id,
        data=row.data,
    )
