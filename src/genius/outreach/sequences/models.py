"""Sequence and template tables (schema ``outreach``; DDL in migration 0022_outreach_sequences).

A **sequence** is an ordered list of **steps** (a delay after the previous step, a channel, a template);
a journey **enrolled** in a sequence is walked through its steps by the scheduler (``scheduler.py``),
driven by ``sequence_enrollments.next_action_at``. A **template** holds spintax content and its declared
variables; its **versions** are the A/B variants (open and reply counters per version).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from genius.core.db.base import Base, new_id, utcnow
from genius.outreach.models import CHANNEL, SCHEMA, TS


class EnrollmentStatus(StrEnum):
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    STOPPED = "STOPPED"


class Template(Base):
    __tablename__ = "outreach_templates"
    __table_args__ = (UniqueConstraint("tid", "name", name="uq_outreach_templates_tid"), {"schema": SCHEMA})

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(CHANNEL)
    subject: Mapped[str | None] = mapped_column(String(300))
    content: Mapped[str] = mapped_column(Text)
    # [{"name": "first_name", "required": true, "default": null}, …]
    variables: Mapped[list[Any]] = mapped_column(JSONB, default=list)
    has_media: Mapped[bool] = mapped_column(Boolean, default=False)
    media_url: Mapped[str | None] = mapped_column(String(1000))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(TS, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TS, default=utcnow)


class TemplateVersion(Base):
    """One A/B variant of a template: its own content, a weight in the split and its counters."""

    __tablename__ = "outreach_template_versions"
    __table_args__ = (
        UniqueConstraint("template_id", "label", name="uq_outreach_template_versions_template_id"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    template_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(f"{SCHEMA}.outreach_templates.id", ondelete="CASCADE")
    )
    label: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str | None] = mapped_column(String(300))
    content: Mapped[str] = mapped_column(Text)
    has_media: Mapped[bool] = mapped_column(Boolean, default=False)
    media_url: Mapped[str | None] = mapped_column(String(1000))
    weight: Mapped[int] = mapped_column(Integer, default=1)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    sent_count: Mapped[int] = mapped_column(BigInteger, default=0)
    open_count: Mapped[int] = mapped_column(BigInteger, default=0)
    reply_count: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(TS, default=utcnow)


class Sequence(Base):
    __tablename__ = "outreach_sequences"
    __table_args__ = (UniqueConstraint("tid", "name", name="uq_outreach_sequences_tid"), {"schema": SCHEMA})

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(TS, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TS, default=utcnow)


class SequenceStep(Base):
    __tablename__ = "outreach_sequence_steps"
    __table_args__ = (
        UniqueConstraint("sequence_id", "step_number", name="uq_outreach_sequence_steps_sequence_id"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    sequence_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(f"{SCHEMA}.outreach_sequences.id", ondelete="CASCADE")
    )
    step_number: Mapped[int] = mapped_column(Integer)
    delay_hours: Mapped[int] = mapped_column(Integer, default=0)
    delay_minutes: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str] = mapped_column(CHANNEL)
    template_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(f"{SCHEMA}.outreach_templates.id", ondelete="RESTRICT")
    )
    stop_on_reply: Mapped[bool] = mapped_column(Boolean, default=True)
    respect_business_hours: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(TS, default=utcnow)


class Enrollment(Base):
    """A journey walking a sequence: ``current_step`` is the last step sent (0: none yet)."""

    __tablename__ = "sequence_enrollments"
    __table_args__ = (
        UniqueConstraint("sequence_id", "journey_id", name="uq_sequence_enrollments_sequence_id"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    sequence_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(f"{SCHEMA}.outreach_sequences.id", ondelete="CASCADE")
    )
    journey_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(f"{SCHEMA}.gold_lead_journey.id", ondelete="CASCADE")
    )
    lead_id: Mapped[uuid.UUID] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default=EnrollmentStatus.ACTIVE.value)
    current_step: Mapped[int] = mapped_column(Integer, default=0)
    next_action_at: Mapped[datetime | None] = mapped_column(TS)
    stop_reason: Mapped[str | None] = mapped_column(Text)
    enrolled_at: Mapped[datetime] = mapped_column(TS, default=utcnow)
    last_step_at: Mapped[datetime | None] = mapped_column(TS)
    finished_at: Mapped[datetime | None] = mapped_column(TS)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(TS, default=utcnow)
