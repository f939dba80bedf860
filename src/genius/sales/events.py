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


@event("sales.invoice.efactura_accepted", version=1)
class InvoiceEfacturaAccepted(BaseModel):
    """SPV accepted an issued invoice or credit note: ANAF's upload index, the signed ZIP's download id."""

    invoice_id: uuid.UUID
    type: Literal["invoice", "credit_note"]
    number: str
    customer_id: uuid.UUID
    efactura_submission_id: uuid.UUID
    index_incarcare: str
    id_descarcare: str | None = None


class FieldError(BaseModel):
    field: str
    message: str


@event("sales.invoice.efactura_rejected", version=1)
class InvoiceEfacturaRejected(BaseModel):
    """SPV refused an issued invoice or credit note (at upload or after processing); ANAF's messages,
    each mapped to the document field to correct."""

    invoice_id: uuid.UUID
    type: Literal["invoice", "credit_note"]
    number: str
    customer_id: uuid.UUID
    efactura_submission_id: uuid.UUID
    stage: str
    index_incarcare: str | None = None
    messages: list[str]
    errors: list[FieldError]


class Allocation(BaseModel):
    invoice_id: uuid.UUID
    amount: Decimal


@event("sales.payment.recorded", version=1)
class PaymentRecorded(BaseModel):
    """A payment (încasare) was recorded and allocated to issued invoices."""

    payment_id: uuid.UUID
    received_on: date
    amount: Decimal
    currency: str
    method: str
    reference: str | None = None
    customer_id: uuid.UUID | None = None
    allocations: list[Allocation]
    recorded_by: str
    recorded_at: datetime


@event("sales.invoice.paid", version=1)
class InvoicePaid(BaseModel):
    """An issued invoice's open balance reached zero (the payment that closed it is named)."""

    invoice_id: uuid.UUID
    number: str
    customer_id: uuid.UUID
    currency: str
    gross_total: Decimal
    paid_total: Decimal
    paid_on: date
    payment_id: uuid.UUID


class DeadlineInvoice(BaseModel):
    invoice_id: uuid.UUID
    type: Literal["invoice", "credit_note"]
    number: str
    issue_date: date
    deadline: date
    working_days_left: int  # -1 once overdue
    efactura_state: str  # queued | uploaded | rejected | failed (never accepted)


@event("sales.invoice.efactura_deadline_near", version=1)
class InvoicesNearDeadline(BaseModel):
    """The daily notice (beat ``sales.efactura.deadline_sweep``): the tenant's issued documents SPV has not
    accepted whose legal upload term ends within ``within_working_days`` working days or has passed. A
    document is listed at most once a day."""

    day: date
    within_working_days: int
    invoices: list[DeadlineInvoice]
