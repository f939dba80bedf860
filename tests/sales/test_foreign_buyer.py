"""An intra-community supply (VAT category K) to a company elsewhere in the EU: the buyer is named by the
EU VAT id the CRM keeps for it (BT-48) in its country (BT-55), with the exemption reason and the delivery
the EN 16931 rules ask for (BR-IC-02/10/11/12); our validator and the official CIUS-RO XSLT accept it,
and it goes to ANAF's ``upload`` (a company, not B2C). A buyer outside Romania is uploaded with ``extern=DA``;
a private person abroad goes to ``uploadb2c`` (with ``extern=DA``) named by ANAF's thirteen zeros."""

from __future__ import annotations

import uuid
from typing import Any

from lxml import etree

from genius.compliance import demo as compliance_demo
from genius.compliance.efactura import service as efactura
from genius.core.platform import Platform
from tests.compliance.conftest import FakeAnaf
from tests.sales.conftest import Sales, add_customer, official_failures
from tests.sales.test_api import draft
from tests.sales.test_spv import fake_anaf, run_uploads, spv_platform

__all__ = ["fake_anaf", "spv_platform"]  # the SPV fixtures, used here as in test_spv

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


# --- extern=DA: the buyer is not Romanian ---------------------------------------------------------------
def test_buyers_outside_romania_are_uploaded_with_extern_da(
    spv_platform: Platform,
    fake_anaf: FakeAnaf,
    tenant: Any,
    sales: Sales,
    customer_id: uuid.UUID,
) -> None:
    """ANAF's upload takes ``extern=DA`` "only when the buyer is not from ROMANIA" (upload swagger), on
    ``upload`` and ``uploadb2c`` alike. A private person abroad (no CNP, no VAT id) is a B2C buyer named by
    ANAF's thirteen zeros (BR-RO-120 still wants BT-47 or BT-48): ``uploadb2c`` with ``extern=DA``."""
    platform = spv_platform
    assert compliance_demo.seed_demo(platform, tenant.id) is True
    with platform.db.tenant_session(tenant.id) as s:
        company = add_customer(
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
        person = add_customer(
            s,
            tenant.id,
            name="Jean Dupont",
            cui=None,
            country="FR",
            address="12 rue de Rivoli",
            city="Paris",
            county=None,
        )
    k_line = [{"description": "Făină albă 000", "quantity": 10, "unit_price": "100", "vat_category": "K"}]
    s_line = [{"description": "Servicii", "quantity": 1, "unit_price": "100"}]
    issued = {
        "romanian": sales.issue(draft(sales, customer_id, s_line)["id"]),
        "company": sales.issue(draft(sales, company, k_line, currency="EUR", exchange_rate="4.9750")["id"]),
        "person": sales.issue(draft(sales, person, s_line)["id"]),
    }
    sales.issue(issued["person"]["id"])  # issued again: nothing is queued again
    person_xml = sales.call("GET", f"/invoices/{issued['person']['id']}/ubl").content
    assert official_failures(person_xml) == []  # the official CIUS-RO XSLT (skipped without its files)
    root = etree.fromstring(person_xml)
    assert _text(root, f"{BUYER}/cac:PartyLegalEntity/cbc:CompanyID") == "0000000000000"
    assert _text(root, f"{BUYER}/cac:PartyTaxScheme/cbc:CompanyID") is None
    assert _text(root, f"{BUYER}/cac:PostalAddress/cac:Country/cbc:IdentificationCode") == "FR"
    with platform.db.tenant_session(tenant.id) as s:
        recorded = {
            name: efactura.get_submission(s, tenant.id, uuid.UUID(doc["efactura_submission_id"]))
            for name, doc in issued.items()
        }
    assert {n: (sub.extern, sub.b2c) for n, sub in recorded.items()} == {
        "romanian": (False, False),
        "company": (True, False),
        "person": (True, True),
    }
    results = run_uploads(platform, tenant.id)
    assert [r["state"] for r in results] == ["ok"] * 3
    assert len(fake_anaf.states.efactura.uploads) == 3  # one upload per invoice
    by_index = {m.index: m for m in fake_anaf.states.efactura.uploads}
    sent = {
        name: by_index[next(r["index_incarcare"] for r in results if r["id"] == str(sub.id))]
        for name, sub in recorded.items()
    }
    assert {n: (m.endpoint, m.extern) for n, m in sent.items()} == {
        "romanian": ("upload", False),
        "company": ("upload", True),
        "person": ("uploadb2c", True),
    }
    # a buyer outside Romania has no SPV inbox: the fake lists the invoice to no buyer
    assert sent["company"].buyer_cif is None and sent["romanian"].buyer_cif == "14399840"


def test_a_private_person_abroad_is_never_reverse_charged(
    sales: Sales, platform: Platform, tenant: Any
) -> None:
    """The thirteen zeros would satisfy BR-AE-02/BR-IC-02 (BT-47 "and/or" BT-48), yet reverse charge and an
    intra-community supply need a VAT-registered buyer: such a document is refused naming the customer."""
    with platform.db.tenant_session(tenant.id) as s:
        person = add_customer(
            s, tenant.id, name="Jean Dupont", cui=None, country="FR", address="12 rue de Rivoli", city="Paris"
        )
    for category in ("AE", "K"):
        line = [{"description": "Montaj", "quantity": 1, "unit_price": "10", "vat_category": category}]
        doc = draft(sales, person, line)
        r = sales.call("POST", f"/invoices/{doc['id']}/issue")
        assert r.status_code == 422, r.text
        assert any(e["field"] == "customer" for e in r.json()["errors"]), r.json()["errors"]
        assert sales.ok("GET", f"/invoices/{doc['id']}")["status"] == "draft"
