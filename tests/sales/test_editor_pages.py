"""The invoice editor: a new invoice saved as a draft through the page, live totals and VAT (htmx
partials) from the same ``compute`` as the API, inline errors that save nothing, issuing from the editor,
a credit note from an issued invoice, a rejected invoice corrected and resent, the print preview."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi.testclient import TestClient

from genius.compliance import demo as compliance_demo
from genius.core.platform import Platform
from tests.compliance.conftest import FakeAnaf
from tests.core.test_admin_pages import login
from tests.sales.conftest import Sales, add_customer
from tests.sales.test_api import draft, product
from tests.sales.test_spv import fake_anaf, relay_to_sales, run_uploads, spv_platform

__all__ = ["fake_anaf", "spv_platform"]  # fixtures shared with the SPV tests


def _csrf(client: TestClient, url: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).text)
    assert m
    return m.group(1)


def _form(customer_id: Any, *lines: dict[str, str], **fields: str) -> dict[str, str]:
    data = {"customer_id": str(customer_id), "series": "GEN", "currency": "RON", **fields}
    for i, line in enumerate(lines):
        data |= {f"lines.{i}.{k}": v for k, v in line.items()}
    return data


def _documents(sales: Sales) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = sales.ok("GET", "/invoices")["items"]
    return items


def test_new_invoice_saved_then_issued(
    client: TestClient, sales: Sales, customer_id: uuid.UUID, tenant: Any
) -> None:
    login(client, tenant.slug, tenant.admin_email)
    listing = client.get("/sales/invoices")
    assert 'href="/sales/invoices/new"' in listing.text  # "Factură nouă"
    page = client.get("/sales/invoices/new")
    assert page.status_code == 200 and "Factură nouă" in page.text
    assert "Client Exemplu SA" in page.text  # the CRM accounts to pick from
    csrf = _csrf(client, "/sales/invoices/new")
    line = {
        "description": "Consultanță",
        "quantity": "2",
        "unit_code": "HUR",
        "unit_price": "1.250,50",
        "vat": "S/standard",
    }
    assert client.post("/sales/invoices/new", data=_form(customer_id, line)).status_code == 403  # no CSRF
    saved = client.post(
        "/sales/invoices/new",
        data=_form(customer_id, line, {"description": "", "quantity": "1"}, csrf_token=csrf, action="save"),
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    doc_id = saved.headers["location"].split("/")[3]
    doc = sales.ok("GET", f"/invoices/{doc_id}")
    assert doc["status"] == "draft" and len(doc["lines"]) == 1  # the blank line is left out
    assert (doc["lines"][0]["unit_price"], doc["lines"][0]["unit_code"]) == ("1250.5000", "HUR")
    assert doc["net_total"] == "2501.00" and doc["vat_total"] == "525.21"  # 21 %
    edit = client.get(f"/sales/invoices/{doc_id}/edit")
    assert edit.status_code == 200 and 'value="1.250,50"'.replace(".", "") in edit.text  # 1250,50 as typed
    assert "3.026,21" in edit.text  # the totals in Romanian format

    issued = client.post(
        f"/sales/invoices/{doc_id}/edit",
        data=_form(customer_id, line, csrf_token=csrf, action="issue", version=str(doc["version"])),
        follow_redirects=False,
    )
    assert issued.status_code == 303 and issued.headers["location"] == f"/sales/invoices/{doc_id}"
    after = sales.ok("GET", f"/invoices/{doc_id}")
    assert after["status"] == "issued" and after["number"].endswith("-000001")
    # Issued: the editor sends back to the page; the page offers the storno, not the editor.
    assert client.get(f"/sales/invoices/{doc_id}/edit", follow_redirects=False).status_code == 303
    page = client.get(f"/sales/invoices/{doc_id}")
    assert (
        f"/sales/invoices/{doc_id}/credit-note" in page.text
        and f"/sales/invoices/{doc_id}/edit" not in page.text
    )


def test_live_totals_and_lines_partials(
    client: TestClient, sales: Sales, customer_id: uuid.UUID, tenant: Any
) -> None:
    created = product(sales, code="ABON", name="Abonament lunar", price="100", rate_class="reduced")
    login(client, tenant.slug, tenant.admin_email)
    csrf = _csrf(client, "/sales/invoices/new")
    headers = {"X-CSRF-Token": csrf, "HX-Request": "true"}
    lines = (
        {"description": "Montaj", "quantity": "3", "unit_price": "10,005", "vat": "S/standard"},
        {
            "description": "Transport",
            "quantity": "1",
            "unit_price": "50",
            "discount": "5",
            "vat": "S/standard",
        },
        {"description": "Export", "quantity": "1", "unit_price": "abc", "vat": "G/standard"},
    )
    r = client.post("/sales/invoices/editor/totals", data=_form(customer_id, *lines), headers=headers)
    assert r.status_code == 200
    # 30.02 + 45.00 = 75.02 at 21 % → 15.75 VAT (BR-CO-17 on the category's base), the bad price left out
    assert "75,02" in r.text and "15,75" in r.text and "90,77" in r.text
    assert 'id="net-0" hx-swap-oob="true">30,02' in r.text and 'id="net-2" hx-swap-oob="true">—' in r.text
    assert sales.ok("GET", "/invoices")["items"] == []  # nothing saved

    # Picking a product fills its line; adding and removing lines renders them again.
    picked = client.post(
        "/sales/invoices/editor/lines",
        data={**_form(customer_id, {"product_id": created["id"], "quantity": "2"}), "picked": "0"},
        headers=headers,
    )
    assert 'value="Abonament lunar"' in picked.text and 'value="100,00"' in picked.text
    assert 'value="S/reduced" selected' in picked.text and "222,00" in picked.text  # 200 + 11 %
    added = client.post(
        "/sales/invoices/editor/lines", data={**_form(customer_id, *lines), "add": "1"}, headers=headers
    )
    assert 'name="lines.3.product_id"' in added.text and "data-autofocus" in added.text
    removed = client.post(
        "/sales/invoices/editor/lines", data={**_form(customer_id, *lines), "remove": "0"}, headers=headers
    )
    assert 'value="Montaj"' not in removed.text and 'name="lines.2.' not in removed.text
    assert (
        'value="Transport"' in removed.text and 'name="lines.0.description" value="Transport"' in removed.text
    )

    found = client.get("/sales/invoices/editor/customers", params={"customer_q": "Exemplu"})
    assert "Client Exemplu SA" in found.text and 'name="customer_id"' in found.text
    none = client.get("/sales/invoices/editor/customers", params={"customer_q": "zzzqqq"})
    assert "Client Exemplu SA" not in none.text


def test_inline_errors_change_nothing(
    client: TestClient, sales: Sales, customer_id: uuid.UUID, platform: Platform, tenant: Any
) -> None:
    login(client, tenant.slug, tenant.admin_email)
    csrf = _csrf(client, "/sales/invoices/new")
    # The models' errors: a quantity of 0 and an unknown customer; a discount over the line (service).
    bad = client.post(
        "/sales/invoices/new",
        data=_form(
            customer_id,
            {"description": "Montaj", "quantity": "0", "unit_price": "10"},
            {"description": "Piese", "quantity": "1", "unit_price": "10", "discount": "11"},
            csrf_token=csrf,
            action="save",
        ),
    )
    assert bad.status_code == 422
    assert 'id="f-lines.0.quantity-error"' in bad.text and 'aria-invalid="true"' in bad.text
    assert 'value="Montaj"' in bad.text  # the values are shown as typed
    assert _documents(sales) == []
    over = client.post(
        "/sales/invoices/new",
        data=_form(
            customer_id,
            {"description": "Piese", "quantity": "1", "unit_price": "10", "discount": "11"},
            csrf_token=csrf,
            action="save",
        ),
    )
    assert over.status_code == 422 and 'id="f-lines.0.discount-error"' in over.text
    nobody = client.post(
        "/sales/invoices/new",
        data=_form("", {"description": "Piese", "quantity": "1", "unit_price": "10"}, csrf_token=csrf),
    )
    assert nobody.status_code == 422 and 'id="customer-error"' in nobody.text
    # e-Factura's findings on issue (the customer has no county): the field named, nothing saved.
    with platform.db.tenant_session(tenant.id) as s:
        nowhere = add_customer(s, tenant.id, name="Fără județ", cui="4221306", county=None)
    refused = client.post(
        "/sales/invoices/new",
        data=_form(
            nowhere,
            {"description": "Piese", "quantity": "1", "unit_price": "10"},
            csrf_token=csrf,
            action="issue",
        ),
    )
    assert refused.status_code == 422 and 'id="customer-error"' in refused.text
    assert _documents(sales) == []
    # A stale version (the draft changed in another tab) is refused and changes nothing.
    doc = draft(sales, customer_id, [{"description": "Montaj", "quantity": 1, "unit_price": "10"}])
    sales.ok("PATCH", f"/invoices/{doc['id']}", {"notes": "Altă filă"}, if_match='"1"')
    stale = client.post(
        f"/sales/invoices/{doc['id']}/edit",
        data=_form(
            customer_id,
            {"description": "Altceva", "quantity": "1", "unit_price": "10"},
            csrf_token=csrf,
            version="1",
        ),
    )
    assert stale.status_code == 422
    assert sales.ok("GET", f"/invoices/{doc['id']}")["lines"][0]["description"] == "Montaj"


def test_credit_note_from_an_issued_invoice(
    client: TestClient, sales: Sales, customer_id: uuid.UUID, tenant: Any
) -> None:
    invoice = sales.issue(
        draft(sales, customer_id, [{"description": "Licență", "quantity": 2, "unit_price": "100"}])["id"]
    )
    login(client, tenant.slug, tenant.admin_email)
    url = f"/sales/invoices/{invoice['id']}/credit-note"
    page = client.get(url)
    assert page.status_code == 200 and invoice["number"] in page.text
    assert 'value="Licență"' in page.text and "242,00" in page.text  # the lines, pre-filled
    csrf = _csrf(client, url)
    too_much = client.post(
        url,
        data=_form(
            customer_id, {"description": "Licență", "quantity": "3", "unit_price": "100"}, csrf_token=csrf
        ),
    )
    assert too_much.status_code == 422 and 'id="f-lines"' in too_much.text  # more than the invoice
    made = client.post(
        url,
        data=_form(
            customer_id,
            {"description": "Licență", "quantity": "1", "unit_price": "100"},
            csrf_token=csrf,
            action="issue",
        ),
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    note = sales.ok("GET", made.headers["location"].removeprefix("/sales"))
    assert (note["type"], note["status"], note["corrects_id"]) == ("credit_note", "issued", invoice["id"])
    assert sales.ok("GET", f"/invoices/{invoice['id']}")["balance"] == "121.00"


def test_rejected_invoice_corrected_and_resent(
    spv_platform: Platform,
    fake_anaf: FakeAnaf,
    client: TestClient,
    sales: Sales,
    customer_id: uuid.UUID,
    tenant: Any,
) -> None:
    """Rejected by the fake SPV through the real path (upload task → fake ANAF → consumer), corrected in the
    editor and resent under its number."""
    assert compliance_demo.seed_demo(spv_platform, tenant.id) is True
    line = [{"description": "Servicii", "quantity": 1, "unit_price": "100"}]
    doc = sales.issue(draft(sales, customer_id, line, notes="FAKE-REJECT")["id"])
    [result] = run_uploads(spv_platform, tenant.id)
    assert result["state"] == "nok"
    relay_to_sales(spv_platform, tenant.id)
    login(client, tenant.slug, tenant.admin_email)
    url = f"/sales/invoices/{doc['id']}/edit"
    assert url in client.get(f"/sales/invoices/{doc['id']}").text  # "Corectează"
    editor = client.get(url)
    assert editor.status_code == 200 and "GEN-2026" in editor.text
    assert 'class="error-summary"' in editor.text  # SPV's errors beside the fields they name
    assert 'name="issue_date"' in editor.text and "readonly" in editor.text
    csrf = _csrf(client, url)
    current = sales.ok("GET", f"/invoices/{doc['id']}")
    resent = client.post(
        url,
        data=_form(
            customer_id,
            {"description": "Servicii corectate", "quantity": "1", "unit_price": "100"},
            csrf_token=csrf,
            action="resend",
            version=str(current["version"]),
            notes="Corectată",
        ),
        follow_redirects=False,
    )
    assert resent.status_code == 303, resent.text
    after = sales.ok("GET", f"/invoices/{doc['id']}")
    assert after["number"] == doc["number"] and after["lines"][0]["description"] == "Servicii corectate"
    assert after["efactura"]["state"] == "queued"
    assert after["efactura_submission_id"] != doc["efactura_submission_id"]
    [result] = run_uploads(spv_platform, tenant.id)
    assert result["state"] == "ok"
    # Resent: not editable any more (the editor sends back to the page).
    assert client.get(url, follow_redirects=False).status_code == 303


def test_print_preview_of_a_draft(
    client: TestClient, sales: Sales, customer_id: uuid.UUID, platform: Platform, tenant: Any
) -> None:
    doc = draft(
        sales, customer_id, [{"description": "Consultanță preview", "quantity": 1, "unit_price": "100"}]
    )
    login(client, tenant.slug, tenant.admin_email)
    preview = client.get(f"/sales/invoices/{doc['id']}/preview")
    assert preview.status_code == 200 and "Consultanță preview" in preview.text
    assert "script-src" not in preview.headers["content-security-policy"]
    assert "default-src 'none'" in preview.headers["content-security-policy"]
    with platform.db.tenant_session(tenant.id) as s:
        nowhere = add_customer(s, tenant.id, name="Fără adresă", cui="4221306", county=None)
    other = draft(sales, nowhere, [{"description": "Montaj", "quantity": 1, "unit_price": "10"}])
    refused = client.get(f"/sales/invoices/{other['id']}/preview")
    assert refused.status_code == 422 and f"/sales/invoices/{other['id']}/edit" in refused.text


def test_the_editor_needs_sales_write(client: TestClient, make_tenant: Any) -> None:
    viewer = make_tenant(role="viewer")
    login(client, viewer.slug, viewer.admin_email)
    assert client.get("/sales/invoices/new").status_code == 403
    assert 'href="/sales/invoices/new"' not in client.get("/sales/invoices").text
