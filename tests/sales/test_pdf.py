"""The PDF of an issued document, rendered off the issuing transaction: issuing queues
``pdf.render.sales_document`` (an outbox task, on the ``pdf.render`` queue) carrying only the document's id
and version; the task builds the Romanian layout from the exact XML sent to SPV, with the tenant's logo,
renders it with the ``pdf.render`` worker's engine and stores it under the tenant's key, once.
``GET …/pdf`` answers 202 with ``Retry-After`` until then, then the PDF."""

from __future__ import annotations

import io
import uuid
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from genius.core.directory import repository as directory
from genius.core.events.models import OutboxEvent
from genius.core.platform import Platform
from genius.core.storage import tenant_files_from_settings
from genius.core.tenancy import service as tenancy
from genius.sales import service
from genius.sales.tasks import render_issued_pdf
from genius.workers.celery_app import route_by_name
from tests.core.test_admin_pages import login
from tests.sales.conftest import Sales


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def _render_tasks(platform: Platform, tid: uuid.UUID) -> list[OutboxEvent]:
    with platform.db.tenant_session(tid) as s:
        return list(
            s.scalars(
                select(OutboxEvent).where(OutboxEvent.topic == service.PDF_TASK).order_by(OutboxEvent.seq)
            ).all()
        )


def test_issue_queues_only_the_documents_id_and_the_worker_renders_it_once(
    sales: Sales, customer_id: uuid.UUID, platform: Platform, tenant: Any, client: TestClient
) -> None:
    files = tenant_files_from_settings(platform.settings)
    with platform.db.tenant_session(tenant.id) as s:
        row = directory.get(s, tenant.id)
        assert row is not None
        tenancy.set_logo(s, files, row, _png(), "image/png", actor="test")
    lines = [{"description": "Servicii de mentenanță", "quantity": 3, "unit_price": "150"}]
    draft = sales.ok(
        "POST", "/invoices", {"type": "invoice", "customer_id": str(customer_id), "lines": lines}, status=201
    )
    assert sales.call("GET", f"/invoices/{draft['id']}/pdf").status_code == 409  # a draft has none
    issued = sales.issue(draft["id"])
    [task] = _render_tasks(platform, tenant.id)
    # no HTML in the issuing transaction: the row names the document only
    assert task.data == {
        "args": [],
        "kwargs": {"document_id": draft["id"], "version": issued["version"], "tid": str(tenant.id)},
    }
    assert route_by_name(task.topic, (), {}, {}) == {"queue": "pdf.render", "routing_key": "pdf.render"}
    pending = sales.call("GET", f"/invoices/{draft['id']}/pdf")
    assert pending.status_code == 202 and pending.headers["retry-after"] == "5"
    # What the worker does with the task (genius.sales.tasks.render_document_pdf).
    done = render_issued_pdf(platform.db, files, tenant.id, uuid.UUID(draft["id"]), issued["version"])
    assert done["rendered"] is True and done["key"].startswith(f"pdf/{tenant.id}/sales-{draft['id']}-")
    # a redelivered task finds the PDF stored under its key and renders nothing again
    again = render_issued_pdf(platform.db, files, tenant.id, uuid.UUID(draft["id"]), issued["version"])
    assert again == {"key": done["key"], "version": issued["version"], "rendered": False}
    r = sales.call("GET", f"/invoices/{draft['id']}/pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(r.content))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert issued["number"] in text and "Factură" in text and "Servicii de mentenanță" in text
    assert any(page.images for page in reader.pages)  # the tenant's logo
    assert login(client, tenant.slug, tenant.admin_email).status_code == 303
    page = client.get(f"/sales/invoices/{draft['id']}/pdf")
    assert page.status_code == 200 and page.content.startswith(b"%PDF")


def test_the_html_is_the_issued_xmls_layout_with_the_logo(
    sales: Sales, customer_id: uuid.UUID, platform: Platform, tenant: Any
) -> None:
    files = tenant_files_from_settings(platform.settings)
    lines = [{"description": "Licență anuală", "quantity": 1, "unit_price": "1200"}]
    draft = sales.ok(
        "POST", "/invoices", {"type": "invoice", "customer_id": str(customer_id), "lines": lines}, status=201
    )
    issued = sales.issue(draft["id"])
    with platform.db.tenant_session(tenant.id) as s:
        doc = service.get_document(s, uuid.UUID(draft["id"]))
        plain = service.pdf_source(s, files, tenant.id, doc)
        row = directory.get(s, tenant.id)
        assert row is not None
        tenancy.set_logo(s, files, row, _png(), "image/png", actor="test")
        with_logo = service.pdf_source(s, files, tenant.id, doc)
    assert issued["number"] in plain.html and "Licență anuală" in plain.html
    assert "data:image/" not in plain.html and 'src="data:image/png;base64,' in with_logo.html
    assert plain.key == with_logo.key == service.pdf_key(doc)  # the key names the XML, not the logo


def test_a_task_for_a_document_never_issued_renders_nothing(platform: Platform, tenant: Any) -> None:
    files = tenant_files_from_settings(platform.settings)
    missing = uuid.uuid4()
    out = render_issued_pdf(platform.db, files, tenant.id, missing, 3)
    assert out == {"document_id": str(missing), "version": 3, "rendered": False}


def test_a_pdf_rendered_under_the_former_key_is_still_served(
    sales: Sales, customer_id: uuid.UUID, platform: Platform, tenant: Any
) -> None:
    lines = [{"description": "Servicii", "quantity": 1, "unit_price": "100"}]
    draft = sales.ok(
        "POST", "/invoices", {"type": "invoice", "customer_id": str(customer_id), "lines": lines}, status=201
    )
    sales.issue(draft["id"])
    assert sales.call("GET", f"/invoices/{draft['id']}/pdf").status_code == 202
    files = tenant_files_from_settings(platform.settings).for_tenant(tenant.id)
    files.put(f"pdf/{tenant.id}/sales-{draft['id']}.pdf", b"%PDF-1.7 former", "application/pdf")
    r = sales.call("GET", f"/invoices/{draft['id']}/pdf")
    assert r.status_code == 200 and r.content == b"%PDF-1.7 former"
