"""Attachments' SQL: a record's files (keyset pages on ``(uploaded_at, id)``, newest first) and one file."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from genius.core.kit.pagination import Page, cursor_after, decode_cursor, page_of
from genius.vettify.attachments.models import Attachment

ORDER = "attachments"  # the cursor's order tag: newest first


def page_for(
    session: Session, entity_type: str, entity_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[Attachment]:
    query = select(Attachment).where(
        Attachment.entity_type == entity_type,
        Attachment.entity_id == entity_id,
        Attachment.deleted_at.is_(None),
    )
    if cursor:
        key = decode_cursor(cursor, ORDER, (datetime, uuid.UUID))
        query = query.where(cursor_after((Attachment.uploaded_at, Attachment.id), key, desc=True))
    rows = session.scalars(
        query.order_by(Attachment.uploaded_at.desc(), Attachment.id.desc()).limit(limit + 1)
    ).all()
    return page_of(rows, limit, ORDER, key=lambda a: (a.uploaded_at, a.id))


def find(session: Session, attachment_id: uuid.UUID, *, lock: bool = False) -> Attachment | None:
    query = select(Attachment).where(Attachment.id == attachment_id, Attachment.deleted_at.is_(None))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).first()


def add(session: Session, row: Attachment) -> None:
    session.add(row)
    session.flush()
