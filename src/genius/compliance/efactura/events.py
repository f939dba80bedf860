"""Event contracts published by efactura (registered with ``@event``; see core/events/topics.py).

Published in the tenant's transaction (transactional outbox) with the submission's correlation id.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from genius.core.events.registry import event


@event("anaf.efactura.submitted", version=1)
class EfacturaSubmitted(BaseModel):
    """ANAF accepted an invoice XML for processing and gave it an upload index."""

    submission_id: uuid.UUID
    cif: str
    standard: str
    index_incarcare: str
    xml_sha256: str


@event("anaf.efactura.accepted", version=1)
class EfacturaAccepted(BaseModel):
    """ANAF validated the invoice (stare ok): it reached the buyer; the signed ZIP can be downloaded."""

    submission_id: uuid.UUID
    cif: str
    index_incarcare: str
    id_descarcare: str | None = None


@event("anaf.efactura.rejected", version=1)
class EfacturaRejected(BaseModel):
    """ANAF refused the invoice, at upload or after processing, with its messages."""

    submission_id: uuid.UUID
    cif: str
    index_incarcare: str | None = None
    id_descarcare: str | None = None
    stage: str = Field(description="upload | processing")
    messages: list[str] = Field(default_factory=list)


@event("anaf.efactura.failed", version=1)
class EfacturaFailed(BaseModel):
    """The upload was given up for good before ANAF received it (``failed``): the tenant's ANAF
    connection is missing or misconfigured, or ANAF kept refusing the call through every retry. Nothing
    reached SPV: the same invoice may be uploaded again once the cause is fixed."""

    submission_id: uuid.UUID
    cif: str
    stage: str = Field(description="upload")
    reason: str = Field(description="The last error, as the submission records it")
    attempts: int = Field(default=0, description="Upload attempts made")


@event("anaf.efactura.received", version=1)
class EfacturaReceived(BaseModel):
    """A supplier invoice arrived in the tenant's SPV inbox: downloaded once, archived under the
    tenant's key (ZIP and XML), parsed. ``signature_ok`` is false when ANAF's signature in the ZIP did
    not verify: the document is flagged, never trusted. Published once per message."""

    id_descarcare: str = Field(description="ANAF's download id: the message's identity")
    id_solicitare: str | None = Field(default=None, description="The supplier's upload index")
    cif: str = Field(description="Our CUI (the buyer's), digits only")
    kind: str = Field(description="invoice | credit_note")
    supplier_cui: str = Field(description="The supplier's CUI, digits only (BT-31 or BT-30 without RO)")
    supplier_vat_id: str | None = Field(default=None, description="BT-31 as written")
    supplier_name: str = Field(description="BT-27")
    number: str = Field(description="BT-1")
    issue_date: date = Field(description="BT-2")
    due_date: date | None = Field(default=None, description="BT-9")
    currency: str = Field(description="BT-5")
    tax_exclusive: Decimal = Field(description="BT-109")
    vat_total: Decimal = Field(description="BT-110")
    tax_inclusive: Decimal = Field(description="BT-112")
    payable: Decimal = Field(description="BT-115")
    signature_ok: bool
    signature_problems: list[str] = Field(default_factory=list)
    message_created_at: datetime | None = None
