"""Sales demo data (``genius demo``), in the demo tenant's own transaction: a few catalogue products, a
CRM customer, one draft invoice and a handful of issued documents that take the real path (issued →
outbox → the e-Factura worker → the fake SPV, which the compliance demo connected the tenant to through
its OAuth): two RON invoices, one reverse-charge (AE) invoice, a credit note correcting the second
invoice, and a partial payment of the first; then an accepted quote whose order is confirmed and
partially invoiced (the invoice left as a draft), and a EUR draft that takes BNR's rate when issued.
Idempotent: a tenant that has the demo products is left alone."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from genius.sales import orders, payments, repository, service
from genius.sales.schemas import (
    AllocationIn,
    CreditNoteCreate,
    InvoiceCreate,
    InvoiceLineIn,
    LineIn,
    OrderInvoiceCreate,
    PaymentCreate,
    ProductCreate,
    QuoteCreate,
)
from genius.sales.vat import RateClass, VatCategory
from genius.vettify import service as crm
from genius.vettify.schemas import AccountCreate

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from genius.core.platform import Platform

DEMO_ACTOR = "demo-seed"
PRODUCTS = (
    ProductCreate(code="LIC-ERP", name="Licență Genius ERP (lunar)", unit_code="C62", price=Decimal("250")),
    ProductCreate(code="IMPL-H", name="Implementare și instruire", unit_code="HUR", price=Decimal("180")),
    ProductCreate(
        code="MAN-RO", name="Manual de utilizare tipărit", price=Decimal("45"), rate_class=RateClass.REDUCED
    ),
)
CUSTOMER = AccountCreate(
    name="Client Demo Facturare SRL",
    cui="4221306",
    address="Str. Republicii 5",
    city="Cluj-Napoca",
    county="Cluj",
)


def seed_demo(platform: Platform, tid: uuid.UUID) -> None:
    if not platform.settings.demo_crm_data:  # its customer is a CRM account: off with the CRM's demo data
        return
    actor = service.Actor(tid, DEMO_ACTOR)
    with platform.db.tenant_session(tid) as session:
        repository.transaction_lock(session, f"genius-demo-sales:{tid}")
        if repository.any_product_created_by(session, DEMO_ACTOR):
            return
        products = [service.create_product(session, actor, p) for p in PRODUCTS]
        customer = crm.find_account_by_cui(session, CUSTOMER.cui or "")
        if customer is None:
            customer = crm.create_account(session, crm.Actor(tid=tid, name=DEMO_ACTOR), CUSTOMER).id
        service.create_document(
            session,
            actor,
            InvoiceCreate(
                type="invoice",
                customer_id=customer,
                due_date=service.today() + timedelta(days=30),
                lines=[
                    LineIn(product_id=products[0].id, quantity=Decimal(12)),
                    LineIn(product_id=products[1].id, quantity=Decimal(6), discount=Decimal("80")),
                    LineIn(product_id=products[2].id, quantity=Decimal(2)),
                ],
            ),
        )
        issued = [
            service.issue(session, actor, service.create_document(session, actor, body).id, None)
            for body in _invoices(customer, [p.id for p in products])
        ]
        credit = CreditNoteCreate(
            type="credit_note",
            customer_id=customer,
            corrects_id=issued[1].id,
            notes=f"Stornare parțială a facturii {issued[1].number}: 2 ore neefectuate",
            lines=[LineIn(product_id=products[1].id, quantity=Decimal(2))],
        )
        service.issue(session, actor, service.create_document(session, actor, credit).id, None)
        first = issued[0]
        payments.record(
            session,
            actor,
            PaymentCreate(
                received_on=service.today(),
                amount=Decimal(1000),
                method="bank_transfer",
                reference="OP 0042",
                allocations=[AllocationIn(invoice_id=first.id, amount=Decimal(1000))],
            ),
        )
        _quote_to_order(session, actor, customer, [p.id for p in products])
        # A EUR draft without a rate: the editor shows BNR's rate for its date (the demo's fake BNR feed),
        # which issuing it takes.
        service.create_document(
            session,
            actor,
            InvoiceCreate(
                type="invoice",
                customer_id=customer,
                currency="EUR",
                due_date=service.today() + timedelta(days=30),
                notes="Servicii facturate în euro, la cursul BNR",
                lines=[LineIn(product_id=products[1].id, quantity=Decimal(16), unit_price=Decimal("40"))],
            ),
        )


def _quote_to_order(
    session: Session, actor: service.Actor, customer: uuid.UUID, products: list[uuid.UUID]
) -> None:
    """An accepted quote, its order confirmed, and an invoice draft for part of it (8 of 24 months)."""
    quote = orders.create_quote(
        session,
        actor,
        QuoteCreate(
            customer_id=customer,
            valid_until=service.today() + timedelta(days=30),
            notes="Ofertă: licențe pe 24 de luni și implementare",
            lines=[
                LineIn(product_id=products[0], quantity=Decimal(24)),
                LineIn(product_id=products[1], quantity=Decimal(20)),
            ],
        ),
    )
    orders.send_quote(session, actor, quote.id, None)
    order = orders.accept_quote(session, actor, quote.id, None)
    orders.confirm_order(session, actor, order.id, None)
    orders.invoice_order(
        session,
        actor,
        order.id,
        OrderInvoiceCreate(
            due_date=service.today() + timedelta(days=15),
            lines=[
                InvoiceLineIn(position=1, quantity=Decimal(8)),
                InvoiceLineIn(position=2, quantity=Decimal(20)),
            ],
        ),
    )


def _invoices(customer: uuid.UUID, products: list[uuid.UUID]) -> list[InvoiceCreate]:
    due = service.today() + timedelta(days=15)
    return [
        InvoiceCreate(
            type="invoice",
            customer_id=customer,
            due_date=due,
            lines=[LineIn(product_id=products[0], quantity=Decimal(12))],
        ),
        InvoiceCreate(
            type="invoice",
            customer_id=customer,
            due_date=due,
            lines=[
                LineIn(product_id=products[1], quantity=Decimal(10)),
                LineIn(product_id=products[2], quantity=Decimal(4)),
            ],
        ),
        InvoiceCreate(  # taxare inversă: the buyer pays the VAT (Codul fiscal art. 331)
            type="invoice",
            customer_id=customer,
            due_date=due,
            notes="Taxare inversă conform art. 331 din Codul fiscal",
            lines=[
                LineIn(
                    description="Deșeuri feroase (fier vechi)",
                    quantity=Decimal(1500),
                    unit_code="KGM",
                    unit_price=Decimal("1.20"),
                    vat_category=VatCategory.REVERSE_CHARGE,
                )
            ],
        ),
    ]
