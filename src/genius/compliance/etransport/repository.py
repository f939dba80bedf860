"""Every SQL statement of e-Transport: the declarations (tenant sessions; RLS applies)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from genius.compliance.common import repository as common
from genius.compliance.etransport.models import Declaration


def by_key(session: Session, tid: uuid.UUID, key: str) -> Declaration | None:
    return common.by_key(session, Declaration, tid, key)


def get(session: Session, tid: uuid.UUID, declaration_id: uuid.UUID) -> Declaration | None:
    return common.by_id(session, Declaration, tid, declaration_id)


def locked(session: Session, tid: uuid.UUID, declaration_id: uuid.UUID) -> Declaration | None:
    return common.locked(session, Declaration, tid, declaration_id)


def add(session: Session, row: Declaration) -> Declaration:
    return common.add(session, row)


def known_upload_indexes(session: Session, tid: uuid.UUID) -> set[str | None]:
    """Every ``index_incarcare`` the tenant's declarations already know."""
    return set(
        session.scalars(
            select(Declaration.index_incarcare).where(
                Declaration.tid == tid, Declaration.index_incarcare.is_not(None)
            )
        )
    )


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
