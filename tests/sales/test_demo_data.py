"""`genius demo` seeds products, a draft invoice and issued documents (two RON invoices, a reverse-charge
one, a credit note) queued for SPV through the outbox, plus a partial payment, an accepted quote and its
confirmed order partially invoiced, and a EUR draft; once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from genius.core.events.models import OutboxEvent as Outbox
from genius.core.platform import Platform
from genius.sales import demo, service
from genius.sales.models import Document, Order, OrderTransport, Payment, Product
from tests.sales.conftest import official_failures, set_up_company


def test_demo_seeds_products_drafts_issued_documents_and_a_payment_once(
    platform: Platform, tenant: Any, db: Any
) -> None:
    with platform.db.tenant_session(tenant.id) as s:
        set_up_company(s, tenant.id)
    demo.seed_demo(platform, tenant.id)
    demo.seed_demo(platform, tenant.id)  # a restart adds nothing
    with platform.db.tenant_session(tenant.id) as s:
        assert sorted(s.scalars(select(Product.code)).all()) == [
            "FAINA-000-50",
            "IMPL-H",
            "LIC-ERP",
            "MAN-RO",
            "ULEI-FS-5L",
        ]
        docs = s.scalars(select(Document).order_by(Document.created_at)).all()
        assert [(d.kind, d.status) for d in docs] == [
            ("invoice", "draft"),
            ("invoice", "issued"),
            ("invoice", "issued"),
            ("invoice", "issued"),
            ("credit_note", "issued"),
            ("invoice", "draft"),  # part of the demo's confirmed order
            ("invoice", "draft"),  # in EUR, without a rate: BNR's is taken at issue
            ("invoice", "issued"),  # to a person (B2C), with her CNP
        ]
        assert (docs[6].currency, docs[6].exchange_rate) == ("EUR", None)
        made = s.scalars(select(Order).order_by(Order.created_at)).all()
        assert [(o.kind, o.status, (o.number or "")[:3]) for o in made] == [
            ("quote", "accepted", "OF-"),
            ("order", "partially_invoiced", "CMD"),
            ("order", "confirmed", "CMD"),  # high-risk goods, declared to e-Transport
        ]
        [shipped] = s.scalars(select(OrderTransport)).all()
        assert shipped.order_id == made[2].id and shipped.state == "queued"
        # not connected to ANAF here: the upload waits as an outbox task for the worker
        [task] = s.scalars(select(Outbox).where(Outbox.topic == "anaf.etransport.submit")).all()
        assert task.data["args"][1] == str(shipped.declaration_id)
        assert made[1].quote_id == made[0].id and docs[5].order_id == made[1].id
        b2c = docs[7]
        assert b2c.customer is not None and b2c.customer["legal_id"]["value"] == demo.PERSON_CNP
        assert official_failures((b2c.ubl_xml or "").encode()) == []
        assert demo.PERSON_CNP in (b2c.ubl_xml or "")
        docs = [*docs[:5], b2c]
        assert [d.number for d in docs[1:]] == [f"GEN-{docs[1].year}-00000{n}" for n in range(1, 6)]
        assert {line.vat_category for line in docs[3].lines} == {"AE"} and docs[3].vat_total == 0
        assert docs[4].corrected_id == docs[2].id
        for doc in docs[1:]:
            assert official_failures((doc.ubl_xml or "").encode()) == [], doc.number
        # Each upload is an outbox task row of the issuing transaction: the real path to SPV.
        uploads = s.scalars(select(Outbox).where(Outbox.topic == "anaf.efactura.upload")).all()
        assert sorted(str(u.data["args"][1]) for u in uploads) == sorted(
            str(d.efactura_submission_id) for d in docs[1:]
        )
        [payment] = s.scalars(select(Payment)).all()
        assert payment.amount == Decimal(1000) and payment.allocations[0].document_id == docs[1].id
        draft = service.issue(s, service.Actor(tenant.id, "test"), docs[0].id, None)
        assert draft.number is not None and draft.number.endswith("-000006")
