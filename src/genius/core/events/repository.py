"""SQL of the outbox admin API (``core/events/api.py``). The relay's, the consumers' and ``publish``'s
statements are not here yet (docs/architecture.md, remaining departures)."""

from __future__ import annotations

import uuid
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from genius.core.events.models import OutboxEvent

OutboxStatus = Literal["pending", "dead", "published", "all"]


def outbox_page(
    session: Session, status: OutboxStatus, limit: int, before_seq: int | None
) -> list[OutboxEvent]:
    """The session's tenant's outbox rows (RLS), newest first."""
    q = select(OutboxEvent).order_by(OutboxEvent.seq.desc()).limit(limit)
    if status == "pending":
        q = q.where(OutboxEvent.published_at.is_(None), OutboxEvent.dead.is_(False))
    elif status == "dead":
        q = q.where(OutboxEvent.dead.is_(True))
    elif status == "published":
        q = q.where(OutboxEvent.published_at.is_not(None))
    if before_seq is not None:
        q = q.where(OutboxEvent.seq < before_seq)
    return list(session.scalars(q))


def get(session: Session, event_id: uuid.UUID) -> OutboxEvent | None:
    return session.get(OutboxEvent, event_id)
