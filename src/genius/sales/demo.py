"""Sales demo data (``genius demo``): a few catalogue products and one draft invoice to a CRM customer,
in the demo tenant's own transaction. Idempotent: a tenant that has the demo products is left alone.

The invoice stays a draft (issue it from the API): issuing queues its SPV upload, and the demo tenant is
not connected to the fake SPV yet, so the demo worker's upload would fail ("this tenant has not
connected its ANAF account")."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from genius.sales import repository, service
from genius.sales.schemas import InvoiceCreate, LineIn, ProductCreate
from genius.sales.vat import RateClass
from genius.vettify import service as crm
from genius.vettify.schemas import AccountCreate

if TYPE_CHECKING:
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
