"""The lifecycle the submission tables share (e-Factura submissions, e-Transport declarations, REGES
submissions, SAF-T reports).

Every one is a tenant table keyed by (tenant, idempotency key), recorded *before* anything is sent, with
a correlation id carried by its events and ``created_at`` / ``updated_at`` / ``finished_at``
(``KeyedRow``). The three that call an authority (not SAF-T, which builds files) also share ``state``
(``pending`` → ``submitted``/``uploading``/… → a final state), the last ``errors``, the ``attempts`` made
and the ``polls`` of the authority's status (``SubmissionRow``); each table names its final states
(``final_states``) and ``touch`` moves a row, stamping ``finished_at`` when the state is final.

The SQL that finds them (by key, locked by id) is in ``common.repository``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from genius.core.db.base import new_id, utcnow


def now() -> datetime:
    return datetime.now(UTC)


class KeyedRow:
    """Columns of every submission table (a declarative mixin)."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    idempotency_key: Mapped[str] = mapped_column(String(128))
    correlation_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SubmissionRow(KeyedRow):
    """A message sent to an authority: its state, last errors, attempts and status polls."""

    final_states: ClassVar[frozenset[str]] = frozenset()

    state: Mapped[str] = mapped_column(String(12), default="pending")
    errors: Mapped[list[Any]] = mapped_column(JSONB, default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    polls: Mapped[int] = mapped_column(Integer, default=0)


def touch(row: SubmissionRow, state: str, errors: list[Any] | None = None) -> None:
    """Move ``row`` to ``state`` (replacing its errors when given); a final state stamps ``finished_at``."""
    row.state = state
    if errors is not None:
        row.errors = errors
    row.updated_at = now()
    if state in type(row).final_states:
        row.finished_at = row.updated_at
