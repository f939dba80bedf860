"""`genius demo` seeds a few products and one draft invoice (which issues cleanly), once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from genius.core.platform import Platform
from genius.sales import demo, service
from genius.sales.models import Document, Product
from tests.sales.conftest import official_failures, set_up_company


def test_demo_seeds_products_and_one_draft_invoice_once(platform: Platform, tenant: Any, db: Any) -> None:
    with platform.db.tenant_session(tenant.id) as s:
        set_up_company(s, tenant.id)
    demo.seed_demo(platform, tenant.id)
    demo.seed_demo(platform, tenant.id)  # a restart adds nothing
    with platform.db.tenant_session(tenant.id) as s:
        assert sorted(s.scalars(select(Product.code)).all()) == ["IMPL-H", "LIC-ERP", "MAN-RO"]
        [invoice] = s.scalars(select(Document)).all()
        assert invoice.status == "draft" and invoice.gross_total > 0
        issued = service.issue(s, service.Actor(tenant.id, "test"), invoice.id, None)
        assert issued.number is not None and issued.number.endswith("-000001") and issued.ubl_xml is not None
        xml = issued.ubl_xml.encode()
    assert official_failures(xml) == []
