"""Every SQL statement of the event bus: the outbox admin API's, the relay's (as ``genius_relay``,
across tenants, on its own connection) and the consumers' inbox."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from genius.core.events.models import OutboxEvent
from genius.core.kit.pagination import Page, decode_cursor, page_of

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


def outbox_list_page(
    session: Session, status: OutboxStatus, *, cursor: str | None, limit: int
) -> Page[OutboxEvent]:
    """The outbox admin API's keyset page of the session's tenant's rows (RLS), newest first; the cursor
    is tied to the status it was made for."""
    order = f"outbox:{status}:-seq"
    before_seq = decode_cursor(cursor, order, (int,))[0] if cursor else None
    rows = outbox_page(session, status, limit + 1, before_seq)
    return page_of(rows, limit, order, key=lambda e: (e.seq,))


def get(session: Session, event_id: uuid.UUID) -> OutboxEvent | None:
    return session.get(OutboxEvent, event_id)


# --- the relay --------------------------------------------------------------------------------------
_PENDING = text(
    """
    SELECT id, seq, tid, kind, topic, queue, version, aggregate_id, occurred_at, correlation_id, trace_id,
           traceparent, data, attempts, next_attempt_at <= now() AS due
    FROM core.outbox
    WHERE published_at IS NULL AND NOT dead AND kind = ANY(:kinds)
    ORDER BY seq
    LIMIT :limit
    """
)


def pending(conn: Connection, kinds: list[str], limit: int) -> Sequence[Any]:
    """Unpublished rows of these kinds in publication order, with whether each is due."""
    return conn.execute(_PENDING, {"limit": limit, "kinds": kinds}).mappings().all()


def mark_published(conn: Connection, ids: Sequence[uuid.UUID]) -> None:
    conn.execute(
        text("UPDATE core.outbox SET published_at = now(), last_error = NULL WHERE id = ANY(:ids)"),
        {"ids": list(ids)},
    )


def record_failure(
    conn: Connection, row_id: uuid.UUID, *, attempts: int, dead: bool, error: str, delay: float
) -> None:
    conn.execute(
        text(
            "UPDATE core.outbox SET attempts = :a, dead = :dead, last_error = :err, "
            "next_attempt_at = now() + make_interval(secs => :delay) WHERE id = :id"
        ),
        {"a": attempts, "dead": dead, "err": error, "delay": delay, "id": row_id},
    )


def backlog(conn: Connection) -> tuple[float, int, int]:
    """Age of the oldest live unpublished row (seconds), live unpublished rows, dead rows."""
    age, live, dead = conn.execute(
        text(
            "SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(occurred_at) "
            "FILTER (WHERE NOT dead)), 0), "
            "count(*) FILTER (WHERE NOT dead), count(*) FILTER (WHERE dead) "
            "FROM core.outbox WHERE published_at IS NULL"
        )
    ).one()
    return float(age), int(live), int(dead)


def try_advisory_lock(conn: Connection, key: int) -> bool:
    return bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())


def advisory_unlock(conn: Connection, key: int) -> None:
    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})


# --- consumers ----------------------------------------------------------------------------------------
def record_in_inbox(
    session: Session, *, tid: uuid.UUID, consumer: str, event_id: uuid.UUID, topic: str
) -> bool:
    """Record the event as handled by ``consumer`` in the handler's transaction; False when it was."""
    inserted = session.execute(
        text(
            "INSERT INTO core.inbox (tid, consumer, event_id, topic) VALUES (:tid, :c, :e, :t) "
            "ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id"
        ),
        {"tid": tid, "c": consumer, "e": event_id, "t": topic},
    ).first()
    return inserted is not None
