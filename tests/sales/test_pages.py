"""The sales pages: the invoice list (drafts and issued), one document with its lines and VAT, issuing
from the page (numbered, XML downloadable) and a refused issue shown with its findings, changing nothing."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from genius.core.platform import Platform
from genius.web.formats import money
from tests.core.test_admin_pages import login
from tests.sales.conftest import Sales, add_customer
from tests.sales.test_api import draft


def _csrf(client: TestClient, url: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).text)
    assert m
    return m.group(1)


def test_list_document_issue_and_xml(
    client: TestClient, sales: Sales, customer_id: uuid.UUID, platform: Platform, tenant: Any
) -> None:
    lines = [{"description": "Servicii de implementare", "quantity": 2, "unit_price": "1250.50"}]
    doc = draft(sales, customer_id, lines, due_date="2026-12-31")
    assert login(client, tenant.slug, tenant.admin_email).status_code == 303

    listing = client.get("/sales/invoices")
    assert listing.status_code == 200
    assert "Client Exemplu SA" in listing.text and "Ciornă GEN" in listing.text
    assert money(Decimal(doc["gross_total"])) in listing.text  # 3.026,21 lei: Romanian format
    assert 'href="/sales/invoices"' in listing.text  # in the navigation, section Vânzări
    assert "Ciornă GEN" not in client.get("/sales/invoices?status=issued").text

    page = client.get(f"/sales/invoices/{doc['id']}")
    assert page.status_code == 200
    assert "Servicii de implementare" in page.text and "Defalcare TVA" in page.text
    assert f'action="/sales/invoices/{doc["id"]}/issue"' in page.text

    csrf = _csrf(client, f"/sales/invoices/{doc['id']}")
    assert client.post(f"/sales/invoices/{doc['id']}/issue").status_code == 403  # no CSRF token
    issued = client.post(
        f"/sales/invoices/{doc['id']}/issue", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert issued.status_code == 303
    page = client.get(f"/sales/invoices/{doc['id']}")
    number = sales.ok("GET", f"/invoices/{doc['id']}")["number"]
    assert number.endswith("-000001") and number in page.text and "Emisă" in page.text
    assert "/issue" not in page.text  # issued: no second issue button
    xml = client.get(f"/sales/invoices/{doc['id']}/ubl")
    assert xml.status_code == 200 and xml.content.startswith(b"<?xml")
    assert number in xml.headers["content-disposition"]


def test_a_refused_issue_shows_the_findings_and_changes_nothing(
    client: TestClient, sales: Sales, platform: Platform, tenant: Any
) -> None:
    with platform.db.tenant_session(tenant.id) as s:
        nowhere = add_customer(s, tenant.id, name="Fără județ", cui="4221306", county=None)
    doc = draft(sales, nowhere, [{"description": "Montaj", "quantity": 1, "unit_price": "10"}])
    login(client, tenant.slug, tenant.admin_email)
    csrf = _csrf(client, f"/sales/invoices/{doc['id']}")
    refused = client.post(f"/sales/invoices/{doc['id']}/issue", data={"csrf_token": csrf})
    assert refused.status_code == 422
    assert "e-Factura ar respinge-o" in refused.text and "customer.address" in refused.text
    assert sales.ok("GET", f"/invoices/{doc['id']}")["status"] == "draft"


def test_pages_need_the_sales_scopes(client: TestClient, make_tenant: Any) -> None:
    viewer = make_tenant(role="viewer")
    login(client, viewer.slug, viewer.admin_email)
    assert client.get("/sales/invoices").status_code == 200  # viewer reads
    assert client.post(f"/sales/invoices/{uuid.uuid4()}/issue", data={}).status_code == 403
    assert client.get(f"/sales/invoices/{uuid.uuid4()}").status_code == 404


def test_spv_status_payments_and_recording_a_payment(
    client: TestClient, sales: Sales, customer_id: uuid.UUID, platform: Platform, tenant: Any
) -> None:
    from datetime import UTC, datetime

    from genius.core.events.schemas import Envelope
    from genius.sales.consumers import consumers

    lines = [{"description": "Abonament lunar", "quantity": 1, "unit_price": "1000"}]
    doc = sales.issue(draft(sales, customer_id, lines)["id"])  # 1.210,00 lei
    other = sales.issue(draft(sales, customer_id, lines)["id"])
    assert login(client, tenant.slug, tenant.admin_email).status_code == 303
    page = client.get(f"/sales/invoices/{doc['id']}")
    assert "În coadă pentru SPV" in page.text and "Neîncasată" in page.text
    assert "Nicio încasare înregistrată încă." in page.text

    def deliver(topic: str, data: dict[str, Any]) -> None:
        env = Envelope(id=uuid.uuid4(), topic=topic, tid=tenant.id, occurred_at=datetime.now(UTC), data=data)
        assert consumers()[0].handle(platform.db, env.model_dump(mode="json")) == "handled"

    deliver(
        "anaf.efactura.accepted",
        {
            "submission_id": doc["efactura_submission_id"],
            "cif": "18547290",
            "index_incarcare": "5001000001",
            "id_descarcare": "5001000002",
        },
    )
    deliver(
        "anaf.efactura.rejected",
        {
            "submission_id": other["efactura_submission_id"],
            "cif": "18547290",
            "index_incarcare": "5001000003",
            "stage": "processing",
            "messages": ["R6.1: CIF-ul vanzatorului nu figureaza in baza de date"],
        },
    )
    page = client.get(f"/sales/invoices/{doc['id']}")
    assert "Acceptată de SPV" in page.text and "index ANAF 5001000001" in page.text
    assert f'href="/sales/invoices/{doc["id"]}/efactura.zip"' in page.text
    rejected = client.get(f"/sales/invoices/{other['id']}")
    assert "Respinsă de SPV" in rejected.text and "Furnizor (datele companiei)" in rejected.text
    listing = client.get("/sales/invoices").text
    assert "Acceptată de SPV" in listing and "Respinsă de SPV" in listing and "Neîncasată" in listing

    form_url = f"/sales/invoices/{doc['id']}/payment"
    form = client.get(form_url)
    assert form.status_code == 200 and 'value="1210.00"' in form.text
    csrf = _csrf(client, form_url)
    too_much = client.post(
        form_url,
        data={"csrf_token": csrf, "received_on": "2026-12-03", "amount": "1.300,00", "method": "cash"},
    )
    assert too_much.status_code == 422 and 'aria-invalid="true"' in too_much.text
    error = (
        f'<span class="field-error" id="f-amount-error">Depășește soldul de încasat, {money(Decimal(1210))}.'
    )
    assert error in too_much.text
    bad = client.post(form_url, data={"csrf_token": csrf, "received_on": "", "amount": "abc"})
    assert bad.status_code == 422 and "Introduceți data încasării." in bad.text
    assert client.post(form_url, data={"received_on": "2026-12-03", "amount": "10"}).status_code == 403
    done = client.post(
        form_url,
        data={
            "csrf_token": csrf,
            "received_on": "2026-12-03",
            "amount": "1.000,00",
            "method": "bank_transfer",
            "reference": "OP 77",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = client.get(f"/sales/invoices/{doc['id']}")
    assert "Încasată parțial" in page.text and "OP 77" in page.text and money(Decimal("210")) in page.text
    assert sales.ok("GET", f"/invoices/{doc['id']}")["balance"] == "210.00"


def test_quote_to_order_to_partial_invoice_in_the_pages(
    client: TestClient, sales: Sales, customer_id: uuid.UUID, tenant: Any
) -> None:
    lines = [
        {"description": "Licență anuală", "quantity": 5, "unit_price": "300"},
        {"description": "Instruire", "quantity": 2, "unit_code": "HUR", "unit_price": "150"},
    ]
    quote = sales.ok("POST", "/quotes", {"customer_id": str(customer_id), "lines": lines}, status=201)
    login(client, tenant.slug, tenant.admin_email)
    listing = client.get("/sales/quotes")
    assert listing.status_code == 200 and "Oferte" in listing.text and "Ciornă OF" in listing.text
    assert 'href="/sales/quotes"' in listing.text and 'href="/sales/orders"' in listing.text  # navigation
    url = f"/sales/quotes/{quote['id']}"
    page = client.get(url)
    assert "Licență anuală" in page.text and f'action="{url}/send"' in page.text
    assert client.post(f"{url}/send").status_code == 403  # no CSRF token
    sent = client.post(f"{url}/send", data={"csrf_token": _csrf(client, url)}, follow_redirects=False)
    assert sent.status_code == 303
    page = client.get(url)
    assert "OF-" in page.text, page.text[page.text.find("<main") :][:3000]
    assert "Trimisă" in page.text and f'action="{url}/accept"' in page.text
    accepted = client.post(f"{url}/accept", data={"csrf_token": _csrf(client, url)}, follow_redirects=False)
    assert accepted.status_code == 303 and accepted.headers["location"].startswith("/sales/orders/")
    order_url = accepted.headers["location"]
    confirmed = client.post(
        f"{order_url}/confirm", data={"csrf_token": _csrf(client, order_url)}, follow_redirects=False
    )
    assert confirmed.status_code == 303
    page = client.get(order_url)
    assert "Confirmată" in page.text and "CMD-" in page.text and "Facturează comanda" in page.text
    csrf = _csrf(client, order_url)
    too_much = client.post(f"{order_url}/invoice", data={"csrf_token": csrf, "qty-1": "6", "qty-2": "0"})
    assert too_much.status_code == 422 and "Mai mult decât a rămas de facturat" in too_much.text
    made = client.post(
        f"{order_url}/invoice", data={"csrf_token": csrf, "qty-1": "2", "qty-2": ""}, follow_redirects=False
    )
    assert made.status_code == 303 and made.headers["location"].startswith("/sales/invoices/")
    page = client.get(order_url)
    assert "Facturată parțial" in page.text and made.headers["location"] in page.text
    assert "Comenzi" in client.get("/sales/orders?status=partially_invoiced").text
    assert client.get(f"/sales/orders/{quote['id']}").status_code == 404  # a quote is not an order
    assert client.get(f"/sales/nothing/{quote['id']}").status_code == 404


def test_efactura_outbox_page(
    client: TestClient, sales: Sales, customer_id: uuid.UUID, platform: Platform, tenant: Any
) -> None:
    from datetime import UTC, datetime

    from genius.core.events.schemas import Envelope
    from genius.sales.consumers import consumers

    lines = [{"description": "Abonament lunar", "quantity": 1, "unit_price": "1000"}]
    sent = sales.issue(draft(sales, customer_id, lines)["id"])
    failed = sales.issue(draft(sales, customer_id, lines)["id"])
    draft(sales, customer_id, lines)  # a draft is not in the outbox
    env = Envelope(
        id=uuid.uuid4(),
        topic="anaf.efactura.failed",
        tid=tenant.id,
        occurred_at=datetime.now(UTC),
        data={
            "submission_id": failed["efactura_submission_id"],
            "cif": "18547290",
            "stage": "upload",
            "reason": "this tenant has not connected its ANAF account",
        },
    )
    assert consumers()[0].handle(platform.db, env.model_dump(mode="json")) == "handled"
    assert login(client, tenant.slug, tenant.admin_email).status_code == 303
    page = client.get("/sales/efactura")
    assert page.status_code == 200
    assert sent["number"] in page.text and failed["number"] in page.text
    assert (
        "Încărcarea în SPV a eșuat" in page.text and "Termen SPV" in page.text and "zile rămase" in page.text
    )
    only_failed = client.get("/sales/efactura?state=failed").text
    assert failed["number"] in only_failed and sent["number"] not in only_failed
    queued = client.get("/sales/efactura?state=queued").text
    assert sent["number"] in queued and failed["number"] not in queued
    assert client.get("/sales/efactura?state=bogus&cursor=nonsense").status_code == 200
