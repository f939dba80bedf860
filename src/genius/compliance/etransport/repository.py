"""Every SQL statement of e-Transport: the declarations (tenant sessions; RLS applies)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from genius.compliance.common.repository import SubmissionRepository
from genius.compliance.etransport.models import Declaration

# by key, by id, locked, add, known upload indexes, pages: the statements every submission table shares
declarations = SubmissionRepository(Declaration)


def notifications_with_uit(
    session: Session, tid: uuid.UUID, uit: str, *, besides: uuid.UUID
) -> Iterator[Declaration]:
    """The tenant's notifications (``notificare``) that carry this UIT, other than ``besides``."""
    yield from session.scalars(
        select(Declaration).where(
            Declaration.tid == tid,
            Declaration.uit == uit,
            Declaration.kind == "notificare",
            Declaration.id != besides,
        )
    )


def declarations_by_id(
    session: Session, tid: uuid.UUID, ids: list[uuid.UUID]
) -> dict[uuid.UUID, Declaration]:
    """The tenant's declarations among ``ids`` (one statement), by id."""
    if not ids:
        return {}
    rows = session.scalars(select(Declaration).where(Declaration.tid == tid, Declaration.id.in_(ids)))
    return {row.id: row for row in rows}
