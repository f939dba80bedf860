from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Identity, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from genius.core.db.base import Base, new_id, utcnow


class OutboxEvent(Base):
    """Tenant table: events and tasks written in the caller's transaction, published after commit by the
    relay. An event row's ``topic`` is the event topic; a task row's (``kind = 'task'``) is the Celery
    task name, with ``{"args": [...], "kwargs": {...}}`` in ``data``."""

    __tablename__ = "outbox"
    __table_args__ = (CheckConstraint("kind IN ('event', 'task')", name="kind"), {"schema": "core"})

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # Publication order; the relay keeps it per aggregate.
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True))
    tid: Mapped[uuid.UUID] = mapped_column()
    topic: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)
    aggregate_id: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    correlation_id: Mapped[str | None] = mapped_column(String(64))
    trace_id: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    dead: Mapped[bool] = mapped_column(default=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kind: Mapped[str] = mapped_column(String(10), default="event", server_default="event")
    # A task's queue when the writer names one; otherwise the task router picks it by name.
    queue: Mapped[str | None] = mapped_column(String(120))
    # The writer's W3C trace context: the event envelope and the task headers carry it on.
    traceparent: Mapped[str | None] = mapped_column(String(64))


class InboxEntry(Base):
    """Tenant table: one row per (consumer, event) processed, written in the handler's transaction."""

    __tablename__ = "inbox"
    __table_args__ = {"schema": "core"}

    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    tid: Mapped[uuid.UUID] = mapped_column()
    topic: Mapped[str] = mapped_column(String(120))
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
