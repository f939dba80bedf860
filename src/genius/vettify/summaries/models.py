"""``crm.summaries`` (DDL in migrations/versions/2026_12_04_0028_crm_summaries.py)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CHAR, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from genius.core.db.base import Base, new_id, utcnow
from genius.vettify.models import SCHEMA


class Summary(Base):
    """The summary of one lead or opportunity: pending → ready | failed."""

    __tablename__ = "summaries"
    __table_args__ = (
        UniqueConstraint("tid", "subject_type", "subject_id", name="uq_summaries_subject"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    subject_type: Mapped[str] = mapped_column(String(12))
    subject_id: Mapped[uuid.UUID] = mapped_column()
    status: Mapped[str] = mapped_column(String(8), default="pending")
    text: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(2))
    provider: Mapped[str | None] = mapped_column(String(40))
    model: Mapped[str | None] = mapped_column(String(200))
    prompt_version: Mapped[str | None] = mapped_column(String(40))
    input_hash: Mapped[str | None] = mapped_column(CHAR(64))
    sources: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(1000))
    requested_by: Mapped[str] = mapped_column(String(200), default="")
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    summarized_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
