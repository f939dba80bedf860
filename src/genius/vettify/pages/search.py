"""The CRM's results in the Shell's command menu (Ctrl+K): accounts, contacts, leads, opportunities."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from genius.core.kit.manifest import SearchHit


def command_search(db: Session, account: Any, query: str, limit: int) -> list[SearchHit]:
    return []  # filled in by the leads/accounts pages work
