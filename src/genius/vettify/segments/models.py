"""The segments table (DDL in migrations/versions/2026_12_04_0034_crm_segments.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from genius.vettify.models import SCHEMA, CrmRecord


class Segment(CrmRecord):
    """A saved filter (``schemas.SegmentFilter`` as JSON) over ``entity`` (contact or lead)."""

    __tablename__ = "segments"
    __table_args__ = {"schema": SCHEMA}

    name: Mapped[str] = mapped_column(String(200))
    entity: Mapped[str] = mapped_column(String(8), default="contact")
    description: Mapped[str | None] = mapped_column(Text)
    filter: Mapped[dict[str, Any]] = mapped_column(JSONB)
