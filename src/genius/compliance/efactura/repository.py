"""Every SQL statement of e-Factura: submissions and the ZIP archive (tenant sessions; RLS applies)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from genius.compliance.common.repository import SubmissionRepository
from genius.compliance.efactura.models import ArchivedZip, ReceivedMessage, Submission

# by key, by id, locked, add, known upload indexes, pages: the statements every submission table shares
submissions = SubmissionRepository(Submission)


# --- archive ----------------------------------------------------------------------------------------
def archived(session: Session, tid: uuid.UUID, id_descarcare: str) -> ArchivedZip | None:
    return session.get(ArchivedZip, (tid, id_descarcare))


def add_archived(session: Session, row: ArchivedZip) -> ArchivedZip:
    session.add(row)
    return row


def flush(session: Session) -> None:
    session.flush()


# --- the SPV inbox ----------------------------------------------------------------------------------
def list_received(session: Session, tid: uuid.UUID, rows: list[dict[str, object]]) -> int:
    """Record listed messages; one already known is left alone (the primary key decides). Returns the
    number of new rows."""
    if not rows:
        return 0
    stmt = (
        pg_insert(ReceivedMessage)
        .values([{**row, "tid": tid} for row in rows])
        .on_conflict_do_nothing(index_elements=["tid", "id_descarcare"])
        .returning(ReceivedMessage.id_descarcare)
    )
    return len(session.execute(stmt).all())


def inbox_to_fetch(session: Session, tid: uuid.UUID, max_attempts: int, limit: int) -> list[str]:
    return list(
        session.scalars(
            select(ReceivedMessage.id_descarcare)
            .where(
                ReceivedMessage.tid == tid,
                ReceivedMessage.state == "listed",
                ReceivedMessage.attempts < max_attempts,
            )
            .order_by(ReceivedMessage.message_created_at, ReceivedMessage.id_descarcare)
            .limit(limit)
        )
    )


def claim_received(session: Session, tid: uuid.UUID, id_descarcare: str) -> ReceivedMessage | None:
    """The listed message, locked; ``None`` when another run holds it or already fetched it."""
    return session.scalars(
        select(ReceivedMessage)
        .where(
            ReceivedMessage.tid == tid,
            ReceivedMessage.id_descarcare == id_descarcare,
            ReceivedMessage.state == "listed",
        )
        .with_for_update(skip_locked=True)
    ).one_or_none()


def received(session: Session, tid: uuid.UUID, id_descarcare: str) -> ReceivedMessage | None:
    return session.get(ReceivedMessage, (tid, id_descarcare))


def inbox_has_messages(session: Session, tid: uuid.UUID) -> bool:
    return (
        session.scalar(select(ReceivedMessage.id_descarcare).where(ReceivedMessage.tid == tid).limit(1))
        is not None
    )
