"""The e-mail sequence tables (DDL in migrations/versions/2026_12_04_0040_crm_email_sequences.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from genius.core.db.base import Base, new_id, utcnow
from genius.vettify.models import SCHEMA

DEFAULT_WINDOW: dict[str, Any] = {"start_hour": 9, "end_hour": 18, "weekdays": [1, 2, 3, 4, 5]}


class EmailSequence(Base):
    """A sequence (draft → active ⇄ paused, any → archived) and its sending window in the tenant's time
    zone; ``version`` (migration 0048) moves on with every change and is its ETag."""

    __tablename__ = "email_sequences"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(8), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)
    # start_hour, end_hour, weekdays (``campaigns.window.Window``)
    window: Mapped[dict[str, Any]] = mapped_column("send_window", JSONB, default=lambda: dict(DEFAULT_WINDOW))
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EmailSequenceStep(Base):
    """One step: the delay after the previous step (the first: after the enrolment), the template as
    written and as compiled (``campaigns.templates.compile_message``), and the condition to send it.
    A removed step keeps its row (``removed_at``, migration 0048) for its sends' history; the position
    is unique among the live steps (a partial unique index)."""

    __tablename__ = "email_sequence_steps"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    sequence_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("crm.email_sequences.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(SmallInteger)
    delay_minutes: Mapped[int] = mapped_column(Integer, default=0)
    condition: Mapped[str] = mapped_column(String(12), default="none")
    subject: Mapped[str] = mapped_column(String(998))
    body: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(4), default="html")
    html: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class EmailSequenceEnrolment(Base):
    """A contact in a sequence: active until its last step (completed) or a stop (with the reason);
    ``step`` is the position due next, at ``next_due_at``."""

    __tablename__ = "email_sequence_enrolments"
    __table_args__ = (
        UniqueConstraint("sequence_id", "contact_id", name="uq_email_sequence_enrolments_contact"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    sequence_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("crm.email_sequences.id", ondelete="CASCADE"))
    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("crm.contacts.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(10), default="active")
    stop_reason: Mapped[str | None] = mapped_column(String(16))
    step: Mapped[int] = mapped_column(SmallInteger, default=1)
    next_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(8), default="manual")
    enrolled_by: Mapped[str] = mapped_column(String(200), default="")
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    replied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EmailSequenceSend(Base):
    """The ledger: one row per enrolment and step, written in the transaction that queues the e-mail
    (``queued``) or passes the step by (``skipped``, with the reason). Its id is the tracking id."""

    __tablename__ = "email_sequence_sends"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "step_id", name="uq_email_sequence_sends_step"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    enrolment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("crm.email_sequence_enrolments.id", ondelete="CASCADE")
    )
    step_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("crm.email_sequence_steps.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(SmallInteger)
    state: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    clicked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    opens: Mapped[int] = mapped_column(Integer, default=0)
    clicks: Mapped[int] = mapped_column(Integer, default=0)
