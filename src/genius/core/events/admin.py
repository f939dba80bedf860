"""Rules of the outbox admin API: list a tenant's outbox, send a dead event again.

Flushes, never commits (the request's ``TenantDB`` commits). Kept apart from ``service.py``
(``publish``), which the outbox-carrying-tasks work is changing; the two can merge afterwards.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from genius.core.audit import service as audit
from genius.core.db.base import utcnow
from genius.core.events import repository
from genius.core.events.models import OutboxEvent
from genius.core.events.repository import OutboxStatus
from genius.core.kit.errors import Conflict, NotFound
from genius.core.kit.pagination import Page


def outbox_page(
    session: Session, status: OutboxStatus, *, cursor: str | None, limit: int
) -> Page[OutboxEvent]:
    return repository.outbox_list_page(session, status, cursor=cursor, limit=limit)


def retry(
    session: Session, tid: uuid.UUID, event_id: uuid.UUID, *, actor: str, request_id: str
) -> OutboxEvent:
    """A dead (or failing) event goes back to the relay now, with a fresh attempt budget; audited."""
    row = repository.get(session, event_id)
    if row is None:
        raise NotFound("No such outbox event.")
    if row.published_at is not None:
        raise Conflict("The event was already published.")
    row.dead = False
    row.attempts = 0
    row.next_attempt_at = utcnow()
    audit.record(
        session,
        tid,
        "events.outbox.retried",
        actor=actor,
        target=str(event_id),
        data={"topic": row.topic},
        request_id=request_id,
    )
    session.flush()
    return row
