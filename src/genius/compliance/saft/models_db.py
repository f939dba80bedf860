"""SAF-T table (schema ``compliance``; a tenant table with ``tid`` and forced RLS).

``saft_reports``: one row per D406 report requested, keyed by (tenant, idempotency key). The ledger
the report is built from and the built segments live in object storage (``genius.core.storage``);
the row keeps their keys and SHA-256, the status and the validation findings (capped at
``MAX_FINDINGS``; the counts are exact).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from genius.core.db.base import Base, new_id, utcnow

SCHEMA = "compliance"
STATUSES = (
    "queued",  # recorded, waiting for the worker
    "building",  # the worker is building and validating it
    "ready",  # built, no fatal finding: the segments are ready to file
    "invalid",  # built, but with fatal findings (ours or DUKIntegrator's)
    "failed",  # could not be built (bad ledger, too large a record, …); see ``error``
)
FINAL_STATUSES = frozenset({"ready", "invalid", "failed"})
MAX_FINDINGS = 1000


class SaftReport(Base):
    __tablename__ = "saft_reports"
    __table_args__ = (
        UniqueConstraint("tid", "idempotency_key", name="uq_saft_reports_tid_key"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    idempotency_key: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(1))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    cui: Mapped[str] = mapped_column(String(20))
    namespace: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="queued")
    ledger_key: Mapped[str] = mapped_column(String(500))
    ledger_sha256: Mapped[str] = mapped_column(String(64))
    segments: Mapped[list[Any]] = mapped_column(JSONB, default=list)
    findings: Mapped[list[Any]] = mapped_column(JSONB, default=list)
    fatal_count: Mapped[int] = mapped_column(Integer, default=0)
    warning_count: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    correlation_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
