"""The SQL of ``compliance.common``: the shared OAuth token row and ``SubmissionRepository``, the
submission tables' common statements (by idempotency key, by id, locked by id, add, ANAF upload ids,
keyset pages). The callers' sessions are tenant sessions
(``tenant_session``), so RLS already limits every statement to the tenant; the ``tid`` checks are
belt and braces."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from genius.compliance.common.lifecycle import KeyedRow
from genius.compliance.common.models import OAuthToken
from genius.core.kit.pagination import Page, cursor_after, decode_cursor, page_of

Row = TypeVar("Row", bound=KeyedRow)


# --- OAuth tokens -----------------------------------------------------------------------------------
def oauth_token(session: Session, tid: uuid.UUID) -> OAuthToken | None:
    return session.get(OAuthToken, tid)


def add_oauth_token(session: Session, tid: uuid.UUID) -> OAuthToken:
    row = OAuthToken(tid=tid)
    session.add(row)
    return row


def flush(session: Session) -> None:
    session.flush()


# --- submission tables ------------------------------------------------------------------------------
class SubmissionRepository(Generic[Row]):
    """The SQL every submission table shares (e-Factura's submissions, e-Transport's declarations, REGES'
    submissions, SAF-T's reports), for one model: each sibling's ``repository.py`` holds one instance
    and only the statements of its own."""

    def __init__(self, model: type[Row]) -> None:
        self.model = model
        self.order = f"{getattr(model, '__tablename__', model.__name__)}:-created_at"  # the cursor's tag

    def by_key(self, session: Session, tid: uuid.UUID, key: str) -> Row | None:
        """The row recorded under this idempotency key, if any."""
        model = self.model
        return session.scalar(select(model).where(model.tid == tid, model.idempotency_key == key))

    def get(self, session: Session, tid: uuid.UUID, row_id: uuid.UUID) -> Row | None:
        row = session.get(self.model, row_id)
        return row if row is not None and row.tid == tid else None

    def locked(self, session: Session, tid: uuid.UUID, row_id: uuid.UUID) -> Row | None:
        """The row, locked (``FOR UPDATE``) until the transaction ends."""
        row = session.scalar(select(self.model).where(self.model.id == row_id).with_for_update())
        return row if row is not None and row.tid == tid else None

    def add(self, session: Session, row: Row) -> Row:
        session.add(row)
        session.flush()
        return row

    def known_upload_indexes(self, session: Session, tid: uuid.UUID) -> set[str | None]:
        """Every ``index_incarcare`` (ANAF's upload id) the tenant's rows already know."""
        column = cast(Any, self.model).index_incarcare  # e-Factura, e-Transport
        return set(session.scalars(select(column).where(self.model.tid == tid, column.is_not(None))))

    def page(
        self,
        session: Session,
        tid: uuid.UUID,
        *,
        cursor: str | None,
        limit: int,
        where: Sequence[ColumnElement[bool]] = (),
    ) -> Page[Row]:
        """The tenant's rows, newest first, as a keyset page (``where``: the list's filters)."""
        model = self.model
        query = select(model).where(model.tid == tid, *where)
        if cursor:
            created_at, row_id = decode_cursor(cursor, self.order, (datetime, uuid.UUID))
            query = query.where(cursor_after((model.created_at, model.id), (created_at, row_id), desc=True))
        rows = session.scalars(
            query.order_by(model.created_at.desc(), model.id.desc()).limit(limit + 1)
        ).all()
        return page_of(rows, limit, self.order, key=lambda r: (r.created_at, r.id))
