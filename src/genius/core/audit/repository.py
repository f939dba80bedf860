"""Every SQL statement of the audit log (``core.audit_log``, ``core.audit_heads``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from genius.core.audit.models import AuditEntry
from genius.core.kit.pagination import Page, decode_cursor, page_of

AUDIT_ORDER = "audit:-seq"  # the cursor's tag: newest first


def lock_head(session: Session, tid: uuid.UUID, genesis: str) -> tuple[int, str]:
    """The tenant's chain head (seq, hash), created at ``(0, genesis)`` if absent, locked until commit."""
    session.execute(
        text(
            "INSERT INTO core.audit_heads (tid, seq, hash) VALUES (:tid, 0, :h) ON CONFLICT (tid) DO NOTHING"
        ),
        {"tid": tid, "h": genesis},
    )
    seq, prev = session.execute(
        text("SELECT seq, hash FROM core.audit_heads WHERE tid = :tid FOR UPDATE"), {"tid": tid}
    ).one()
    return int(seq), str(prev)


def append(session: Session, entry: AuditEntry) -> None:
    """Insert the entry and move the tenant's head to it (the head must be locked by ``lock_head``)."""
    session.add(entry)
    session.flush()
    session.execute(
        text("UPDATE core.audit_heads SET seq = :seq, hash = :h WHERE tid = :tid"),
        {"seq": entry.seq, "h": entry.hash, "tid": entry.tid},
    )


def page(session: Session, *, limit: int, before_seq: int | None, action: str | None) -> list[AuditEntry]:
    q = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    if before_seq is not None:
        q = q.where(AuditEntry.seq < before_seq)
    if action:
        q = q.where(AuditEntry.action == action)
    return list(session.scalars(q))


def list_page(session: Session, *, cursor: str | None, limit: int, action: str | None) -> Page[AuditEntry]:
    """The API's keyset page of the session's tenant's log, newest first."""
    q = select(AuditEntry)
    if cursor:
        (seq,) = decode_cursor(cursor, AUDIT_ORDER, (int,))
        q = q.where(AuditEntry.seq < seq)
    if action:
        q = q.where(AuditEntry.action == action)
    rows = session.scalars(q.order_by(AuditEntry.seq.desc()).limit(limit + 1)).all()
    return page_of(rows, limit, AUDIT_ORDER, key=lambda e: (e.seq,))


def chain(session: Session) -> Iterator[AuditEntry]:
    """The session's tenant's whole chain in ``seq`` order, streamed in batches."""
    yield from session.execute(
        select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=1000)
    ).scalars()
