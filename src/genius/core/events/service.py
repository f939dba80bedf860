"""``publish``: an event is an outbox row written in the caller's transaction.

Nothing is sent from inside a transaction: the relay publishes committed rows afterwards, so an
event exists if and only if the change that caused it committed.
"""

from __future__ import annotations

import uuid
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
    ctx = trace.get_current_span().get_span_context()
    row = OutboxEvent(
        tid=tid,
        topic=topic,
        version=event_spec.version,
        aggregate_id=str(aggregate_id) if aggregate_id is not None else None,
        correlation_id=correlation_id or uuid.uuid4().hex,
        trace_id=format(ctx.trace_id, "032x") if ctx.is_valid else None,
        data=model.model_dump(mode="json"),
    )
    session.add(row)
    session.flush()
    return row


def envelope_of(row: OutboxEvent) -> Envelope:
    return Envelope(
        id=row.id,
        topic=row.topic,
        tid=row.tid,
        occurred_at=row.occurred_at,
        correlation_id=row.correlation_id,
        trace_id=row.trace_id,
        version=row.version,
        aggregate_id=row.aggregate_id,
        data=row.data,
    )
