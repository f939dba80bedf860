from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, Integer, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from genius.core.db.base import Base, utcnow


class JobLease(Base):
    """Tenant table: one row per long job (its id is the job's own id, e.g. a CRM import's).

    ``lease_until`` is when the job counts as abandoned unless its holder renews it; a finished job has
    ``finished_at``. The relay reads lapsed rows across tenants (its own policy) and requeues them."""

    __tablename__ = "job_leases"
    __table_args__ = (
        Index("ix_job_leases_lapsing", "lease_until", postgresql_where=text("finished_at IS NULL")),
        {"schema": "core"},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    tid: Mapped[uuid.UUID] = mapped_column()  # ix_job_leases_tid: in the migration
    kind: Mapped[str] = mapped_column(String(60))
    task: Mapped[str] = mapped_column(String(120))
    args: Mapped[list[Any]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    holder: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    requeues: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=text("now()")
    )
    renewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
