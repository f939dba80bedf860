"""Sales demo data (``genius demo``), in the demo tenant's own transaction: a few catalogue products, a
CRM customer, one draft invoice and a handful of issued documents that take the real path (issued →
outbox → the e-Factura worker → the fake SPV, which the compliance demo connected the tenant to through
its OAuth): two RON invoices, one reverse-charge (AE) invoice, a credit note correcting the second
invoice, and a partial payment of the first; then an accepted quote whose order is confirmed and
partially invoiced (the invoice left as a draft), and a EUR draft that takes BNR's rate when issued.
Idempotent: a tenant that has the demo products is left alone.

e-Transport: an order of goods of high fiscal risk (flour, sunflower oil: their products carry CN codes)
declared through the same path as ``POST /v1/sales/orders/{id}/etransport``; when the tenant is connected
to the demo's fake ANAF the notification is uploaded and followed at once (the worker's work), so the
order shows a UIT already issued, and its delivery note prints it (the sales consumer records it from
compliance's event). Seeded once, on its own check (the e-Transport products), so an older demo tenant
gets it too."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import structlog

from genius.compliance.etransport import service as etransport
from genius.core.kit.errors import Problem
from genius.sales import orders, payments, repository, service, transport
from genius.sales.schemas import (
    AllocationIn,
    CreditNoteCreate,
    InvoiceCreate,
    InvoiceLineIn,
    LineIn,
    OrderCreate,
    OrderInvoiceCreate,
    OrderTransportIn,
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

log = structlog.get_logger("genius.sales.demo")
DEMO_ACTOR = "demo-seed"
PRODUCTS = (
    ProductCreate(code="LIC-ERP", name="Licență Genius ERP (lunar)", unit_code="C62", price=Decimal("250")),
    ProductCreate(code="IMPL-H", name="Implementare și instruire", unit_code="HUR", price=Decimal("180")),
    ProductCreate(
        code="MAN-RO", name="Manual de utilizare tipărit", price=Decimal("45"), rate_class=RateClass.REDUCED
    ),
)
ETR_PRODUCTS = (
    ProductCreate(
        code="FAINA-000-50",
        name="Făină albă de grâu tip 000 (sac 50 kg)",
        unit_code="H87",
        price=Decimal("140"),
        rate_class=RateClass.REDUCED,
        cod_tarifar="11010015",
        unit_weight_kg=Decimal("50.2"),
    ),
    ProductCreate(
        code="ULEI-FS-5L",
        name="Ulei de floarea-soarelui 5 l",
        unit_code="H87",
        price=Decimal("42"),
        rate_class=RateClass.REDUCED,
        cod_tarifar="15121191",
        unit_weight_kg=Decimal("4.65"),
    ),
)
CUSTOMER = AccountCreate(
    name="Client Demo Facturare SRL",
    cui="4221306",
    address="Str. Republicii 5",
    city="Cluj-Napoca",
    county="Cluj",
)

# A customer who is a person (B2C): no CUI, their CNP on the invoice (BR-RO-120).
PERSON = AccountCreate(name="Ionescu Maria", address="Str. Lalelelor 7", city="Brașov", county="Brașov")
PERSON_CNP = "2800315080011"  # 15 March 1980, Brașov (county 08)


def seed_demo(platform: Platform, tid: uuid.UUID) -> None:
    if not platform.settings.demo_crm_data:  # its customer is a CRM account: off with the CRM's demo data
        return
    _seed_documents(platform, tid)
    seed_etransport(platform, tid)


def _seed_documents(platform: Platform, tid: uuid.UUID) -> None:
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
        person = crm.create_account(session, crm.Actor(tid=tid, name=DEMO_ACTOR), PERSON).id
        service.set_buyer_cnp(session, actor, person, PERSON_CNP)
        b2c = InvoiceCreate(
            type="invoice",
            customer_id=person,
            due_date=service.today() + timedelta(days=10),
            notes="Factură către o persoană fizică",
            lines=[LineIn(product_id=products[2].id, quantity=Decimal(1))],
        )
        service.issue(session, actor, service.create_document(session, actor, b2c).id, None)


def seed_etransport(platform: Platform, tid: uuid.UUID) -> None:
    """An order of high-risk goods with its e-Transport notification, its UIT obtained from the fake ANAF
    when the tenant is connected to it (else the notification waits, queued, for the worker)."""
    actor = service.Actor(tid, DEMO_ACTOR)
    with platform.db.tenant_session(tid) as session:
        repository.transaction_lock(session, f"genius-demo-sales-etransport:{tid}")
        if repository.product_code_taken(session, ETR_PRODUCTS[0].code):
            return
        customer = crm.find_account_by_cui(session, CUSTOMER.cui or "")
        if customer is None:
            return
        products = [service.create_product(session, actor, p) for p in ETR_PRODUCTS]
        order = orders.create_order(
            session,
            actor,
            OrderCreate(
                customer_id=customer,
                notes="Livrare depozit Cluj: făină și ulei",
                lines=[
                    LineIn(product_id=products[0].id, quantity=Decimal(60)),
                    LineIn(product_id=products[1].id, quantity=Decimal(120)),
                ],
            ),
        )
        orders.confirm_order(session, actor, order.id, None)
        connected = etransport.connected(session, tid, platform.settings)
        try:
            with session.begin_nested():
                row, _ = transport.start(
                    session,
                    actor,
                    order.id,
                    OrderTransportIn(vehicle="CJ12GEN", trailer1="CJ34REM", transport_date=service.today()),
                    settings=platform.settings,
                    queue=not connected,  # connected: uploaded below, at once; else the worker's task
                )
        except Problem as exc:  # e.g. the company's address is not set: the order waits, undeclared
            log.warning("demo_etransport_not_started", error=exc.detail or exc.title, errors=exc.errors)
            return
        declaration_id = row.declaration_id
    if connected:
        try:
            etransport.upload_and_follow(etransport.context_for(platform), tid, declaration_id)
        except Exception:
            with platform.db.tenant_session(tid) as session:
                etransport.queue_upload(session, tid, declaration_id)


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
