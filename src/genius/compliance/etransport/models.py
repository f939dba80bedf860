"""e-Transport table (schema ``compliance``; a tenant table with ``tid`` and forced RLS).

``etransport_declarations``: one row per declaration to upload (a notification, deletion, confirmation
or vehicle change), keyed by (tenant, idempotency key), written before the upload call. It tracks the
upload index, the UIT ANAF issued and its validity window:

* ``uit_issued_at`` — when ``stareMesaj`` confirmed the UIT (ANAF: "Codul UIT este valabil din momentul
  in care apare ca valid dupa apelul de stare");
* ``uit_valid_from`` / ``uit_valid_until`` — the transport date and the UIT's expiry date: 5 calendar
  days for transports that start in Romania (ANAF's ``info`` swagger example: ``data_transp``
  2024-06-24 → ``data_exp_uit`` 2024-06-29), 15 days for those that start abroad (intra-EU
  acquisition, lohn/call-off stock in, import, DIN: OUG 41/2022 art. 8). See ``service.validity``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from genius.compliance.common.lifecycle import SubmissionRow
from genius.core.db.base import Base

SCHEMA = "compliance"

STATES = (
    "pending",  # validated and recorded, not uploaded yet
    "uploading",  # the upload call is in flight
    "unknown",  # the upload timed out: ANAF may or may not have it
    "uploaded",  # ANAF gave an index (and a UIT); waiting for stareMesaj
    "valid",  # stareMesaj ok: the UIT is valid (notification) / the operation took effect
    "nok",  # rejected after processing
    "xml_errors",  # refused at upload, or "XML cu erori nepreluat de sistem"
    "uit_invalid",  # the UIT ANAF gave fails its check digits (BR-019)
    "deleted",  # a later deletion (stergere) of this UIT took effect
    "failed",  # gave up (no ANAF connection, …); see ``errors``
)
FINAL_STATES = frozenset({"valid", "nok", "xml_errors", "uit_invalid", "deleted", "failed"})
KINDS = ("notificare", "stergere", "confirmare", "modifVehicul")


class Declaration(SubmissionRow, Base):
    __tablename__ = "etransport_declarations"
    __table_args__ = (
        UniqueConstraint("tid", "idempotency_key", name="uq_etransport_declarations_tid_key"),
        {"schema": SCHEMA},
    )
    final_states = FINAL_STATES

    kind: Mapped[str] = mapped_column(String(16), default="notificare")
    cif: Mapped[str] = mapped_column(String(20))
    ref_declarant: Mapped[str | None] = mapped_column(String(50))
    shipment_ref: Mapped[str | None] = mapped_column(String(100))
    operation_type: Mapped[str | None] = mapped_column(String(2))
    target_uit: Mapped[str | None] = mapped_column(String(32))
    xml: Mapped[str] = mapped_column(Text)
    xml_sha256: Mapped[str] = mapped_column(String(64))
    index_incarcare: Mapped[str | None] = mapped_column(String(32))
    uit: Mapped[str | None] = mapped_column(String(32))
    warnings: Mapped[list[Any]] = mapped_column(JSONB, default=list)
    transport_date: Mapped[date | None] = mapped_column(Date)
    uit_issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    uit_valid_from: Mapped[date | None] = mapped_column(Date)
    uit_valid_until: Mapped[date | None] = mapped_column(Date)
    upload_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    uploaded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
