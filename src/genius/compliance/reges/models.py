"""REGES table (schema ``compliance``; a tenant table with ``tid`` and forced RLS).

``reges_submissions``: one row per message to send (an employee or contract operation), keyed by
(tenant, idempotency key) and written before the call. ``state``: ``pending`` (recorded, not sent) →
``submitted`` (sent; ``receipt_id`` is REGES's ``responseId``, or NULL when the call timed out — the
result is then matched by the message's ``messageId``) → ``succeeded`` / ``failed`` (the status queue's
result, kept in ``result``). A row that left ``pending`` is never sent again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from genius.compliance.common.lifecycle import SubmissionRow
from genius.core.db.base import Base

SCHEMA = "compliance"
STATES = ("pending", "submitted", "succeeded", "failed")
FINAL_STATES = frozenset({"succeeded", "failed"})


class RegesSubmission(SubmissionRow, Base):
    __tablename__ = "reges_submissions"
    __table_args__ = (
        UniqueConstraint("tid", "idempotency_key", name="uq_reges_submissions_tid_key"),
        {"schema": SCHEMA},
    )
    final_states = FINAL_STATES

    entity: Mapped[str] = mapped_column(String(16))  # salariat | contract
    operation: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    receipt_id: Mapped[str | None] = mapped_column(String(40))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
