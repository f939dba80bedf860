"""`genius demo` seeds a few products and one issued invoice, once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from genius.core.platform import Platform
from genius.sales import demo
from genius.sales.models import Document, Product
from tests.sales.conftest import official_failures, set_up_company


def test_demo_seeds_products_and_one_issued_invoice_once(platform: Platform, tenant: Any, db: Any) -> None:
    with platform.db.tenant_session(tenant.id) as s:
        set_up_company(s, tenant.id)
    demo.seed_demo(platform, tenant.id)
    demo.seed_demo(platform, tenant.id)  # a restart adds nothing
    with platform.db.tenant_session(tenant.id) as s:
        assert sorted(s.scalars(select(Product.code)).all()) == ["IMPL-H", "LIC-ERP", "MAN-RO"]
        [invoice] = s.scalars(select(Document)).all()
        assert (
            invoice.status == "issued" and invoice.number is not None and invoice.number.endswith("-000001")
        )
        assert invoice.ubl_xml is not None
        xml = invoice.ubl_xml.encode()
    assert official_failures(xml) == []
