"""The campaigns table (DDL in migrations/versions/2026_11_30_0010_crm_attachments.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CHAR, Date, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from genius.vettify.models import SCHEMA, CrmRecord


class Campaign(CrmRecord):
    __tablename__ = "campaigns"
    __table_args__ = {"schema": SCHEMA}

    name: Mapped[str] = mapped_column(String(300))
    channel: Mapped[str] = mapped_column(String(16), default="email")
    status: Mapped[str] = mapped_column(String(12), default="draft")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    budget: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(CHAR(3), default="RON")
    target_segment: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
