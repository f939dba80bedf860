"""Supplier invoices from the SPV inbox, through the real path: the demo's two supplier invoices arrive
in the fake SPV, compliance's inbox fetches them, ``anaf.efactura.received`` reaches the sales consumer,
which matches the supplier to a CRM account by CUI (or creates it); the API lists them and serves the
archived XML and signed ZIP. A redelivered event adds nothing; another tenant sees none of them."""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from genius.compliance import demo as compliance_demo
from genius.compliance.demo import DEMO_SUPPLIERS, supplier_invoice_xml
from genius.core.events.models import OutboxEvent
from genius.core.events.schemas import Envelope
from genius.core.platform import Platform
from genius.core.storage import tenant_files_from_settings
from genius.sales import supplier_invoices
from genius.vettify import service as crm
from genius.web.formats import money
from genius.workers.pdf_render.tasks import render_html, render_pdf
from tests.compliance.conftest import FakeAnaf
from tests.core.test_admin_pages import login
from tests.sales.conftest import add_customer, set_up_company
from tests.sales.test_spv import fake_anaf, relay_to_sales, sales_events, spv_platform

__all__ = ["fake_anaf", "spv_platform"]


def receive_demo_invoices(platform: Platform, tid: uuid.UUID) -> list[str]:
    with platform.db.tenant_session(tid) as s:
        set_up_company(s, tid)
    assert compliance_demo.seed_demo(platform, tid) is True  # connects, then the inbox runs once
    return relay_to_sales(platform, tid)


def test_received_invoices_become_supplier_invoices_with_crm_suppliers(
    spv_platform: Platform, fake_anaf: FakeAnaf, tenant: Any, client: TestClient, make_tenant: Any
) -> None:
    platform = spv_platform
    with platform.db.tenant_session(tenant.id) as s:  # one supplier is a CRM account already
        known = add_customer(s, tenant.id, name="Constructii Defalcat", cui="29500004")
    topics = receive_demo_invoices(platform, tenant.id)
    assert topics.count("anaf.efactura.received") == 2

    r = client.get("/v1/sales/supplier-invoices", headers=tenant.headers)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert sorted(i["number"] for i in items) == ["FD-2026-0412", "SI-000877"]
    by_cui = {i["supplier_cui"]: i for i in items}
    assert by_cui["29500004"]["supplier_id"] == str(known)  # matched by CUI
    with platform.db.tenant_session(tenant.id) as s:
        created = crm.find_account_by_cui(s, "37110002")  # created in the CRM
    assert created is not None and by_cui["37110002"]["supplier_id"] == str(created)
    first = by_cui["29500004"]
    assert first["gross_total"] == "5082.00" and first["vat_total"] == "882.00"
    assert first["currency"] == "RON" and first["signature_ok"] is True and first["type"] == "invoice"

    one = client.get(f"/v1/sales/supplier-invoices/{first['id']}", headers=tenant.headers).json()
    assert one == first
    xml = client.get(f"/v1/sales/supplier-invoices/{first['id']}/xml", headers=tenant.headers)
    assert xml.status_code == 200 and xml.headers["content-type"] == "application/xml"
    assert b"FD-2026-0412" in xml.content
    zipped = client.get(f"/v1/sales/supplier-invoices/{first['id']}/zip", headers=tenant.headers)
    assert zipped.status_code == 200 and zipped.headers["content-type"] == "application/zip"
    assert any(n.startswith("semnatura_") for n in zipfile.ZipFile(io.BytesIO(zipped.content)).namelist())

    # The same event again (republished, replayed): still one row per message.
    [event] = [
        e for e in sales_events(platform, tenant.id, "anaf.efactura.received") if e["number"] == "SI-000877"
    ]
    with platform.db.tenant_session(tenant.id) as s:
        supplier_invoices.on_received(
            s,
            Envelope(
                id=uuid.uuid4(),
                topic="anaf.efactura.received",
                tid=tenant.id,
                occurred_at="2026-12-04T00:00:00Z",  # type: ignore[arg-type]
                data=event,
            ),
        )
    assert len(client.get("/v1/sales/supplier-invoices", headers=tenant.headers).json()["items"]) == 2

    # The demo seeding is idempotent: a second run fetches nothing new.
    assert compliance_demo.seed_inbox(platform, tenant.id) == 0

    other = make_tenant()
    assert client.get("/v1/sales/supplier-invoices", headers=other.headers).json()["items"] == []
    assert client.get(f"/v1/sales/supplier-invoices/{first['id']}", headers=other.headers).status_code == 404
    assert (
        client.get(f"/v1/sales/supplier-invoices/{first['id']}/zip", headers=other.headers).status_code == 404
    )


def test_an_unknown_supplier_invoice_is_404(client: TestClient, tenant: Any) -> None:
    r = client.get(f"/v1/sales/supplier-invoices/{uuid.uuid4()}/xml", headers=tenant.headers)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")


def test_inbox_pages_list_and_show_a_supplier_invoice(
    spv_platform: Platform, fake_anaf: FakeAnaf, tenant: Any, client: TestClient
) -> None:
    platform = spv_platform
    supplier = DEMO_SUPPLIERS[0]
    fake_anaf.states.efactura.receive(
        supplier_invoice_xml(
            (*supplier[:5], "FALS-1", *supplier[6:]), "18547290", "Genius", date(2026, 11, 2)
        ),
        "18547290",
        supplier[0],
        tampered=True,
    )
    receive_demo_invoices(platform, tenant.id)
    assert login(client, tenant.slug, tenant.admin_email).status_code == 303

    outbox = client.get("/sales/efactura")
    assert 'href="/sales/efactura/inbox"' in outbox.text  # the inbox is a tab of the e-Factura desk
    listing = client.get("/sales/efactura/inbox")
    assert listing.status_code == 200
    text = listing.text
    assert "CONSTRUCTII DEFALCAT SRL" in text and "SI-000877" in text and "Primite" in text
    assert money(Decimal("5082.00")) in text  # 5.082,00 lei
    assert text.count(">Verificată<") == 2 and text.count(">Neverificată<") == 1

    items = client.get("/v1/sales/supplier-invoices", headers=tenant.headers).json()["items"]
    good = next(i for i in items if i["number"] == "FD-2026-0412")
    page = client.get(f"/sales/efactura/inbox/{good['id']}")
    assert page.status_code == 200
    assert "Lucrări de amenajare birouri" in page.text and "Defalcare TVA" in page.text
    assert "RO29500004" in page.text and "Timișoara" in page.text
    assert client.get(f"/sales/efactura/inbox/{good['id']}/zip").content[:2] == b"PK"
    bad = next(i for i in items if i["signature_ok"] is False)
    flagged = client.get(f"/sales/efactura/inbox/{bad['id']}")
    assert "nu a putut fi verificată" in flagged.text
    assert client.get(f"/sales/efactura/inbox/{uuid.uuid4()}").status_code == 404


def test_a_supplier_invoice_prints_as_a_pdf(
    spv_platform: Platform, fake_anaf: FakeAnaf, tenant: Any, client: TestClient
) -> None:
    """The first ask queues ``pdf.render`` (outbox, the request's transaction) and answers 202; once the
    worker stored it under the tenant's key, the API and the page serve it."""
    platform = spv_platform
    receive_demo_invoices(platform, tenant.id)
    items = client.get("/v1/sales/supplier-invoices", headers=tenant.headers).json()["items"]
    first = next(i for i in items if i["number"] == "FD-2026-0412")
    url = f"/v1/sales/supplier-invoices/{first['id']}/pdf"
    pending = client.get(url, headers=tenant.headers)
    assert pending.status_code == 202 and pending.headers["retry-after"] == "5"
    with platform.db.tenant_session(tenant.id) as s:
        [task] = s.scalars(select(OutboxEvent).where(OutboxEvent.topic == "pdf.render")).all()
    kwargs = task.data["kwargs"]
    assert kwargs["key"] == f"sales-supplier-{first['id']}.pdf" and "FD-2026-0412" in kwargs["html"]
    # What the pdf.render worker does with the task (genius.workers.pdf_render.tasks.render).
    files = tenant_files_from_settings(platform.settings).for_tenant(tenant.id)
    files.put(f"pdf/{tenant.id}/{kwargs['key']}", render_pdf(render_html(kwargs["html"], None, {})))
    r = client.get(url, headers=tenant.headers)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "FD-2026-0412" in text and "Lucrări de amenajare birouri" in text
    assert login(client, tenant.slug, tenant.admin_email).status_code == 303
    page = client.get(f"/sales/efactura/inbox/{first['id']}/pdf")
    assert page.status_code == 200 and page.content.startswith(b"%PDF")
    assert 'href="/sales/efactura/inbox/' in client.get(f"/sales/efactura/inbox/{first['id']}").text
