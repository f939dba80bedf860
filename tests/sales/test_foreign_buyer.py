"""An intra-community supply (VAT category K) to a company elsewhere in the EU: the buyer is named by the
EU VAT id the CRM keeps for it (BT-48) in its country (BT-55), with the exemption reason and the delivery
the EN 16931 rules ask for (BR-IC-02/10/11/12); our validator and the official CIUS-RO XSLT accept it,
and it goes to ANAF's ``upload`` (a company, not B2C)."""

from __future__ import annotations

import uuid
from typing import Any

from lxml import etree

from genius.compliance.efactura import service as efactura
from genius.core.platform import Platform
from tests.sales.conftest import Sales, add_customer, official_failures
from tests.sales.test_api import draft

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
BUYER = "cac:AccountingCustomerParty/cac:Party"


def _text(root: Any, path: str) -> str | None:
    found = root.find(path, NS)
    return None if found is None else found.text


def test_an_intra_community_supply_names_the_buyer_by_its_eu_vat_id(
    sales: Sales, platform: Platform, tenant: Any, customer_id: uuid.UUID
) -> None:
    with platform.db.tenant_session(tenant.id) as s:
        buyer = add_customer(
            s,
            tenant.id,
            name="Muster Handel GmbH",
            cui=None,
            vat_id="DE136695976",
            country="DE",
            address="Unter den Linden 1",
            city="Berlin",
            county=None,
        )
    line = [{"description": "Făină albă 000", "quantity": 10, "unit_price": "100", "vat_category": "K"}]
    issued = sales.issue(draft(sales, buyer, line, currency="EUR", exchange_rate="4.9750")["id"])
    xml = sales.call("GET", f"/invoices/{issued['id']}/ubl").content
    assert official_failures(xml) == []  # the official CIUS-RO XSLT (skipped without its files)
    root = etree.fromstring(xml)
    assert _text(root, f"{BUYER}/cac:PartyTaxScheme/cbc:CompanyID") == "DE136695976"
    assert _text(root, f"{BUYER}/cac:PostalAddress/cac:Country/cbc:IdentificationCode") == "DE"
    assert _text(root, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID") == "K"
    assert (
        _text(root, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReasonCode")
        == "VATEX-EU-IC"
    )
    assert _text(root, "cac:Delivery/cbc:ActualDeliveryDate") == issued["issue_date"]
    with platform.db.tenant_session(tenant.id) as s:  # a company: ANAF's upload, not uploadb2c
        assert efactura.get_submission(s, tenant.id, uuid.UUID(issued["efactura_submission_id"])).b2c is False
    assert (
        _text(root, "cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode")
        == "DE"
    )


def test_a_supply_to_a_romanian_company_carries_no_delivery(sales: Sales, customer_id: uuid.UUID) -> None:
    line = [{"description": "Servicii", "quantity": 1, "unit_price": "100"}]
    issued = sales.issue(draft(sales, customer_id, line)["id"])
    root = etree.fromstring(sales.call("GET", f"/invoices/{issued['id']}/ubl").content)
    assert root.find("cac:Delivery", NS) is None
    assert _text(root, f"{BUYER}/cac:PartyTaxScheme/cbc:CompanyID") == "RO14399840"
