"""CSV import tables (schema ``crm``; DDL in migrations/versions/2026_11_30_0009_crm_imports.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CHAR, REAL, BigInteger, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from genius.core.db.base import Base, new_id, utcnow

SCHEMA = "crm"


class ImportMapping(Base):
    """A named column mapping (CSV header → field) that later imports of the same entity can reuse."""

    __tablename__ = "import_mappings"
    __table_args__ = (
        UniqueConstraint("tid", "entity", "name", name="uq_import_mappings_name"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    name: Mapped[str] = mapped_column(String(100))
    entity: Mapped[str] = mapped_column(String(16))
    mapping: Mapped[dict[str, str]] = mapped_column(JSONB)
    on_duplicate: Mapped[str] = mapped_column(String(8), default="skip")
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ImportJob(Base):
    """One uploaded file and its import: detection results, mapping, status and live progress."""

    __tablename__ = "imports"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    entity: Mapped[str] = mapped_column(String(16))
    # uploaded → queued → running → completed | cancelled | failed; cancelling while a worker finishes
    # its current batch.
    status: Mapped[str] = mapped_column(String(12), default="uploaded")
    filename: Mapped[str] = mapped_column(String(255), default="")
    storage_key: Mapped[str] = mapped_column(String(300))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(CHAR(64))
    encoding: Mapped[str] = mapped_column(String(16))
    delimiter: Mapped[str] = mapped_column(String(1))
    columns: Mapped[list[str]] = mapped_column(JSONB)
    preview: Mapped[list[list[str]]] = mapped_column(JSONB)
    mapping: Mapped[dict[str, str] | None] = mapped_column(JSONB)
    on_duplicate: Mapped[str] = mapped_column(String(8), default="skip")
    mapping_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("crm.import_mappings.id", ondelete="SET NULL")
    )
    total: Mapped[int | None] = mapped_column(Integer)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    rows_per_second: Mapped[float | None] = mapped_column(REAL)
    eta_seconds: Mapped[float | None] = mapped_column(REAL)
    error: Mapped[str | None] = mapped_column(Text)
    correlation_id: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def percent(self) -> float | None:
        if not self.total:
            return 100.0 if self.status == "completed" else (0.0 if self.total == 0 else None)
        return round(100.0 * self.processed / self.total, 1)


class ImportBatch(Base):
    """A committed batch: written in the batch's own transaction, so it exists iff the batch does."""

    __tablename__ = "import_batches"
    __table_args__ = {"schema": SCHEMA}

    import_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("crm.imports.id", ondelete="CASCADE"), primary_key=True
    )
    batch_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    tid: Mapped[uuid.UUID] = mapped_column()
    first_row: Mapped[int] = mapped_column(Integer)
    last_row: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    skipped: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(REAL)
    committed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RejectedRow(Base):
    """A rejected row: its number in the file, the original cells and why."""

    __tablename__ = "import_errors"
    __table_args__ = {"schema": SCHEMA}

    import_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("crm.imports.id", ondelete="CASCADE"), primary_key=True
    )
    row_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    tid: Mapped[uuid.UUID] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    cells: Mapped[list[Any]] = mapped_column(JSONB)
