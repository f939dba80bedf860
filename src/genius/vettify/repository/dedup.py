"""Duplicates and merges' SQL: the merge history (keyset pages on ``(merged_at, id)``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from genius.core.kit.pagination import Page, cursor_after, decode_cursor, page_of
from genius.vettify.models import Merge

MERGES_ORDER = "merges"  # the cursor's order tag: newest first


def merges_page(
    session: Session, entity: str, survivor_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[Merge]:
    query = select(Merge).where(Merge.entity == entity, Merge.survivor_id == survivor_id)
    if cursor:
        key = decode_cursor(cursor, MERGES_ORDER, (datetime, uuid.UUID))
        query = query.where(cursor_after((Merge.merged_at, Merge.id), key, desc=True))
    rows = session.scalars(query.order_by(Merge.merged_at.desc(), Merge.id.desc()).limit(limit + 1)).all()
    return page_of(rows, limit, MERGES_ORDER, key=lambda m: (m.merged_at, m.id))
