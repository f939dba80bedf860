"""``crm.attachments``: one row per uploaded file.

DDL in migrations/versions/2026_11_30_0010_crm_attachments.py.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CHAR, BigInteger, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from genius.core.db.base import Base, new_id, utcnow
from genius.vettify.models import SCHEMA


class Attachment(Base):
    __tablename__ = "attachments"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    entity_type: Mapped[str] = mapped_column(String(16))  # account | contact | lead | opportunity
    entity_id: Mapped[uuid.UUID] = mapped_column()
    filename: Mapped[str] = mapped_column(String(255))  # sanitised
    content_type: Mapped[str] = mapped_column(String(100))  # sniffed from the bytes
    declared_type: Mapped[str | None] = mapped_column(String(255))  # what the client said; not trusted
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(CHAR(64))
    storage_key: Mapped[str] = mapped_column(String(300))
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_by: Mapped[str | None] = mapped_column(String(200))
