"""SAF-T table (schema ``compliance``; a tenant table with ``tid`` and forced RLS).

``saft_reports``: one row per D406 report requested, keyed by (tenant, idempotency key). The ledger
the report is built from and the built segments live in object storage (``genius.core.storage``);
the row keeps their keys and SHA-256, the status and the validation findings (capped at
``MAX_FINDINGS``; the counts are exact).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from genius.compliance.common.lifecycle import KeyedRow
from genius.core.db.base import Base

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


class SaftReport(KeyedRow, Base):
    __tablename__ = "saft_reports"
    __table_args__ = (
        UniqueConstraint("tid", "idempotency_key", name="uq_saft_reports_tid_key"),
        {"schema": SCHEMA},
    )

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
