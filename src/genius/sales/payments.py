"""Payments (încasări): record one and allocate it to issued invoices, partially or fully.

Rules (each refusal is a 422 naming the field): every allocation names an issued invoice (not a draft,
not a credit note) in the payment's currency, at most once; no allocation exceeds the invoice's open
balance (gross total minus its issued credit notes minus what earlier payments allocated); the
allocations add up to at most the payment. The invoices' rows are locked (in id order) before their
balances are read, so concurrent payments (and credit notes being issued) on one invoice wait for
each other and can never allocate more than it is owed.

Publishes ``sales.payment.recorded`` and, for each invoice whose balance reaches zero,
``sales.invoice.paid``; all in the caller's transaction (never commits).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from genius.core.db.base import new_id
from genius.core.events.service import publish
from genius.core.kit.errors import NotFound, field_error
from genius.sales import repository
from genius.sales.events import Allocation, InvoicePaid, PaymentRecorded
from genius.sales.models import Document, Payment, PaymentAllocation
from genius.sales.schemas import PaymentCreate
from genius.sales.service import Actor

ZERO = Decimal(0)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Balance:
    paid: Decimal
    open: Decimal
    status: str | None  # unpaid | partially_paid | paid (issued invoices only)
    credited: Decimal = ZERO  # the issued credit notes (storno) correcting it


def balance_of(doc: Document, paid: Decimal, credited: Decimal = ZERO) -> Balance:
    """An invoice's open balance: its gross total less its issued credit notes and allocated payments."""
    if doc.status != "issued" or doc.kind != "invoice":
        return Balance(paid, doc.gross_total - paid, None)
    open_ = doc.gross_total - credited - paid
    status = "paid" if open_ <= ZERO else "partially_paid" if paid > ZERO else "unpaid"
    return Balance(paid, open_, status, credited)


def balances(session: Session, docs: list[Document]) -> dict[uuid.UUID, Balance]:
    ids = [d.id for d in docs]
    paid, credited = repository.paid_totals(session, ids), repository.credited_totals(session, ids)
    return {d.id: balance_of(d, paid[d.id], credited[d.id]) for d in docs}


def record(session: Session, actor: Actor, body: PaymentCreate) -> Payment:
    ids = [a.invoice_id for a in body.allocations]
    seen: set[uuid.UUID] = set()
    for i, invoice_id in enumerate(ids):
        if invoice_id in seen:
            raise field_error(f"allocations.{i}.invoice_id", "this invoice is already allocated above")
        seen.add(invoice_id)
    total = sum((a.amount for a in body.allocations), ZERO)
    if total > body.amount:
        raise field_error(
            "amount", f"the allocations add up to {total}, more than the payment's {body.amount}"
        )
    docs = repository.documents_locked(session, ids)  # held until the transaction ends
    paid, credited = repository.paid_totals(session, ids), repository.credited_totals(session, ids)
    for i, a in enumerate(body.allocations):
        doc = docs.get(a.invoice_id)
        if doc is None or doc.status != "issued" or doc.kind != "invoice":
            raise field_error(f"allocations.{i}.invoice_id", "no issued invoice with this id")
        if doc.currency != body.currency:
            raise field_error(
                f"allocations.{i}.invoice_id",
                f"the invoice is in {doc.currency}, the payment in {body.currency}",
            )
        open_ = balance_of(doc, paid[doc.id], credited[doc.id]).open
        if a.amount > open_:
            raise field_error(
                f"allocations.{i}.amount",
                f"is more than the open balance of {doc.number} ({max(open_, ZERO)} {doc.currency})",
            )
    customers = {docs[i].customer_id for i in ids}
    now = datetime.now(UTC)
    row = Payment(
        id=new_id(),
        tid=actor.tid,
        received_on=body.received_on,
        amount=body.amount.quantize(CENT),
        currency=body.currency,
        method=body.method,
        reference=body.reference,
        customer_id=next(iter(customers)) if len(customers) == 1 else None,
        allocated=total.quantize(CENT),
        created_by=actor.name,
        created_at=now,
    )
    row.allocations = [
        PaymentAllocation(
            id=new_id(),
            tid=actor.tid,
            document_id=a.invoice_id,
            amount=a.amount.quantize(CENT),
            created_at=now,
        )
        for a in body.allocations
    ]
    repository.add(session, row)
    publish(
        session,
        "sales.payment.recorded",
        PaymentRecorded(
            payment_id=row.id,
            received_on=row.received_on,
            amount=row.amount,
            currency=row.currency,
            method=row.method,
            reference=row.reference,
            customer_id=row.customer_id,
            allocations=[Allocation(invoice_id=a.document_id, amount=a.amount) for a in row.allocations],
            recorded_by=actor.name,
            recorded_at=now,
        ),
        tid=actor.tid,
        aggregate_id=row.id,
        correlation_id=actor.correlation_id,
    )
    for a in body.allocations:
        doc = docs[a.invoice_id]
        paid_total = paid[doc.id] + a.amount.quantize(CENT)
        if paid_total + credited[doc.id] >= doc.gross_total:
            publish(
                session,
                "sales.invoice.paid",
                InvoicePaid(
                    invoice_id=doc.id,
                    number=doc.number or "",
                    customer_id=doc.customer_id,
                    currency=doc.currency,
                    gross_total=doc.gross_total,
                    paid_total=paid_total,
                    paid_on=row.received_on,
                    payment_id=row.id,
                ),
                tid=actor.tid,
                aggregate_id=doc.id,
                correlation_id=actor.correlation_id,
            )
    return row


def get(session: Session, payment_id: uuid.UUID) -> Payment:
    row = repository.payment(session, payment_id)
    if row is None:
        raise NotFound(f"No payment {payment_id}.")
    return row


def page(session: Session, *, cursor: str | None, limit: int) -> Any:
    return repository.payment_page(session, cursor=cursor, limit=limit)


def of_invoice(session: Session, document_id: uuid.UUID) -> list[tuple[PaymentAllocation, Payment]]:
    return repository.allocations_of(session, document_id)
