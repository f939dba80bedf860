"""e-Factura tables (schema ``compliance``; every one is a tenant table with ``tid`` and forced RLS).

The tenant's ANAF OAuth tokens (``efactura_oauth_tokens``, shared with e-Transport) are
``compliance.common.models.OAuthToken``.

* ``efactura_submissions``: one row per invoice to upload, keyed by (tenant, idempotency key),
  written *before* the upload call, so a timeout leaves a row in state ``unknown`` that the next
  attempt reconciles with ``listaMesajeFactura`` instead of uploading a duplicate.
* ``efactura_archive``: every ZIP downloaded from ANAF (stored under ``efactura/<tid>/<id>.zip``),
  with the download count (ANAF allows 10 per message per day) and the 60-day availability window.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from genius.compliance.common.lifecycle import SubmissionRow
from genius.core.db.base import Base, utcnow

SCHEMA = "compliance"

SUBMISSION_STATES = (
    "pending",  # recorded, not uploaded yet
    "uploading",  # the upload call is in flight
    "unknown",  # the upload call timed out: ANAF may or may not have it
    "uploaded",  # ANAF gave an index_incarcare; processing
    "ok",  # accepted (stare ok)
    "nok",  # rejected after processing (stare nok, errors in the ZIP)
    "xml_errors",  # refused at upload (ExecutionStatus 1 / "XML cu erori nepreluat de sistem")
    "failed",  # gave up (e.g. no OAuth connection); see ``errors``
)
FINAL_STATES = frozenset({"ok", "nok", "xml_errors", "failed"})


class Submission(SubmissionRow, Base):
    __tablename__ = "efactura_submissions"
    __table_args__ = (
        UniqueConstraint("tid", "idempotency_key", name="uq_efactura_submissions_tid_key"),
        {"schema": SCHEMA},
    )
    final_states = FINAL_STATES

    xml_sha256: Mapped[str] = mapped_column(String(64))
    xml: Mapped[str] = mapped_column(Text)
    cif: Mapped[str] = mapped_column(String(20))
    standard: Mapped[str] = mapped_column(String(4), default="UBL")
    extern: Mapped[bool] = mapped_column(default=False)
    autofactura: Mapped[bool] = mapped_column(default=False)
    b2c: Mapped[bool] = mapped_column(default=False)  # an invoice to an individual: ``uploadb2c``
    index_incarcare: Mapped[str | None] = mapped_column(String(32))
    id_descarcare: Mapped[str | None] = mapped_column(String(32))
    upload_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    uploaded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ArchivedZip(Base):
    __tablename__ = "efactura_archive"
    __table_args__ = {"schema": SCHEMA}

    tid: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id_descarcare: Mapped[str] = mapped_column(String(32), primary_key=True)
    storage_key: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16), default="other")
    invoice_id: Mapped[str | None] = mapped_column(String(200))
    index_incarcare: Mapped[str | None] = mapped_column(String(32))
    signature_ok: Mapped[bool] = mapped_column(default=False)
    signature_detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    download_count: Mapped[int] = mapped_column(Integer, default=0)
    downloads_today: Mapped[int] = mapped_column(Integer, default=0)
    download_day: Mapped[str | None] = mapped_column(String(10))
    first_downloaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_downloaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    anaf_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


INBOX_STATES = (
    "listed",  # seen in the paginated list, not downloaded yet
    "received",  # downloaded, archived, parsed, event published
    "unreadable",  # downloaded and archived, but not an invoice our parser reads (kept, flagged)
)


class ReceivedMessage(Base):
    """The SPV inbox: one row per received message (``FACTURA PRIMITA``), keyed by ANAF's download id,
    so a message enters it exactly once however often the list shows it or runs overlap."""

    __tablename__ = "efactura_inbox"
    __table_args__ = {"schema": SCHEMA}

    tid: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id_descarcare: Mapped[str] = mapped_column(String(32), primary_key=True)
    id_solicitare: Mapped[str | None] = mapped_column(String(32))
    cif: Mapped[str] = mapped_column(String(20))
    supplier_cif: Mapped[str | None] = mapped_column(String(20))
    message_created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(12), default="listed")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    signature_ok: Mapped[bool | None] = mapped_column()
    signature_problems: Mapped[list[str]] = mapped_column(JSONB, default=list)
    zip_key: Mapped[str | None] = mapped_column(String(300))
    xml_key: Mapped[str | None] = mapped_column(String(300))
    xml_sha256: Mapped[str | None] = mapped_column(String(64))
    header: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    listed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
