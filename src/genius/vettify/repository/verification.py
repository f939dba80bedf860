"""CUI verification's SQL: the accounts a request or an ANAF answer is about."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from genius.vettify.models import Account


def current_cuis(session: Session, account_ids: Iterable[uuid.UUID]) -> list[tuple[uuid.UUID, str | None]]:
    """``(id, cui)`` of the live accounts among ``account_ids``."""
    rows = session.execute(
        select(Account.id, Account.cui).where(Account.id.in_(list(account_ids)), Account.deleted_at.is_(None))
    ).all()
    return [(row.id, row.cui) for row in rows]


def live_accounts_with_cui(session: Session, cui: str) -> Sequence[Account]:
    """The tenant's live, unmerged accounts with this CUI, locked ``FOR UPDATE``."""
    return session.scalars(
        select(Account)
        .where(Account.cui == cui, Account.deleted_at.is_(None), Account.merged_into_id.is_(None))
        .with_for_update()
    ).all()


def add(session: Session, row: Any) -> None:
    session.add(row)
