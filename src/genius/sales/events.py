"""Sales event contracts (published through the outbox in the change's own transaction)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel

from genius.core.events.registry import event


@event("sales.invoice.issued", version=1)
class InvoiceIssued(BaseModel):
    """An invoice or credit note was issued: numbered, its UBL validated and its SPV upload queued."""

    invoice_id: uuid.UUID
    type: Literal["invoice", "credit_note"]
    number: str
    series: str
    issue_date: date
    due_date: date | None = None
    customer_id: uuid.UUID
    customer_cui: str | None = None
    corrects_id: uuid.UUID | None = None
    currency: str
    net_total: Decimal
    vat_total: Decimal
    gross_total: Decimal
    efactura_submission_id: uuid.UUID
    issued_by: str
    issued_at: datetime
