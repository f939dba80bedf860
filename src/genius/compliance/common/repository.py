"""The SQL of ``compliance.common``: the shared OAuth token row and the submission tables' common
look-ups (by idempotency key, by id, locked by id). The callers' sessions are tenant sessions
(``tenant_session``), so RLS already limits every statement to the tenant; the ``tid`` checks are
belt and braces."""

from __future__ import annotations

import uuid
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from genius.compliance.common.lifecycle import KeyedRow
from genius.compliance.common.models import OAuthToken

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
def by_key(session: Session, model: type[Row], tid: uuid.UUID, key: str) -> Row | None:
    """The row recorded under this idempotency key, if any."""
    return session.scalar(select(model).where(model.tid == tid, model.idempotency_key == key))


def by_id(session: Session, model: type[Row], tid: uuid.UUID, row_id: uuid.UUID) -> Row | None:
    row = session.get(model, row_id)
    return row if row is not None and row.tid == tid else None


def locked(session: Session, model: type[Row], tid: uuid.UUID, row_id: uuid.UUID) -> Row | None:
    """The row, locked (``FOR UPDATE``) until the transaction ends."""
    row = session.scalar(select(model).where(model.id == row_id).with_for_update())
    return row if row is not None and row.tid == tid else None


def add(session: Session, row: Row) -> Row:
    session.add(row)
    session.flush()
    return row
