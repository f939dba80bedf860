"""A customer who is a person (B2C) carries their CNP on e-Factura instead of ANAF's 13 zeros: kept by
sales per CRM account, validated, masked when shown, audited without the number, refused for a company;
from the API and from the invoice page (inline error)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import text

from genius.core.platform import Platform
from tests.core.test_admin_pages import login
from tests.sales.conftest import Sales, add_customer
from tests.sales.test_api import draft

CNP = "1800101221144"  # valid: 1 Jan 1980, Bucharest sector 2, check digit 4
NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


def _person(platform: Platform, tenant: Any) -> uuid.UUID:
    with platform.db.tenant_session(tenant.id) as s:
        return add_customer(s, tenant.id, name="Ionescu Maria", cui=None)


def _buyer_id(xml: bytes) -> str | None:
    found = etree.fromstring(xml).find(
        "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID", NS
    )
    return None if found is None else found.text


def test_a_person_s_invoice_carries_the_kept_cnp(sales: Sales, platform: Platform, tenant: Any) -> None:
    person = _person(platform, tenant)
    line = [{"description": "Abonament", "quantity": 1, "unit_price": "100"}]
    first = draft(sales, person, line)
    anonymous = sales.issue(first["id"])
    assert _buyer_id(sales.call("GET", f"/invoices/{anonymous['id']}/ubl").content) == "0000000000000"

    assert sales.ok("GET", f"/customers/{person}/cnp") == {
        "account_id": str(person),
        "individual": True,
        "cnp_masked": None,
        "updated_at": None,
    }
    kept = sales.ok("PUT", f"/customers/{person}/cnp", {"cnp": "1800101 221144"})
    assert kept["cnp_masked"] == "1••••••••1144" and kept["individual"] is True
    second = draft(sales, person, line)
    issued = sales.issue(second["id"])  # the official CIUS-RO XSLT passes it too
    assert _buyer_id(sales.call("GET", f"/invoices/{issued['id']}/ubl").content) == CNP

    assert sales.ok("PUT", f"/customers/{person}/cnp", {"cnp": None})["cnp_masked"] is None
    with platform.db.tenant_session(tenant.id) as s:
        actions = s.execute(
            text(
                "SELECT action, data::text FROM core.audit_log"
                " WHERE action LIKE 'sales.customer.cnp%' ORDER BY seq"
            )
        ).all()
    assert [a.action for a in actions] == ["sales.customer.cnp_saved", "sales.customer.cnp_removed"]
    assert all(CNP not in a.data for a in actions)  # never the whole number


def test_bad_cnps_and_companies_are_refused_on_the_field(
    sales: Sales, platform: Platform, tenant: Any, customer_id: uuid.UUID
) -> None:
    person = _person(platform, tenant)
    for bad in ("1800101221145", "12345", "9800101221144", "1801301221149"):
        r = sales.call("PUT", f"/customers/{person}/cnp", {"cnp": bad})
        assert r.status_code == 422, (bad, r.text)
        assert [e["field"] for e in r.json()["errors"]] == ["cnp"], bad
    r = sales.call("PUT", f"/customers/{customer_id}/cnp", {"cnp": CNP})  # a company (it has a CUI)
    assert r.status_code == 422 and "CUI" in r.json()["errors"][0]["message"]
    assert sales.call("PUT", f"/customers/{uuid.uuid4()}/cnp", {"cnp": CNP}).status_code == 422
    assert sales.call("PUT", f"/customers/{person}/cnp", {"cnp": "18001O1221144"}).status_code == 422
    assert sales.ok("GET", f"/customers/{person}/cnp")["cnp_masked"] is None  # nothing kept


def test_the_invoice_page_keeps_a_person_s_cnp_with_an_inline_error(
    client: TestClient, sales: Sales, platform: Platform, tenant: Any
) -> None:
    person = _person(platform, tenant)
    doc = draft(sales, person, [{"description": "Abonament", "quantity": 1, "unit_price": "100"}])
    login(client, tenant.slug, tenant.admin_email)
    page = client.get(f"/sales/invoices/{doc['id']}")
    assert page.status_code == 200 and "0000000000000" in page.text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    url = f"/sales/invoices/{doc['id']}/customer-cnp"
    r = client.post(url, data={"csrf_token": match.group(1), "cnp": "1800101221145"})
    assert r.status_code == 422 and 'aria-invalid="true"' in r.text and "CNP" in r.text
    r = client.post(url, data={"csrf_token": match.group(1), "cnp": CNP}, follow_redirects=True)
    assert r.status_code == 200 and "1••••••••1144" in r.text and CNP not in r.text
