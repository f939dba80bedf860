"""The PDF of an issued document: issuing queues ``pdf.render`` (outbox task of the issuing transaction)
with the Romanian layout of the exact XML sent to SPV; ``GET …/pdf`` answers 202 until the worker has
stored it under the tenant's key, then the PDF."""

from __future__ import annotations

import io
import uuid
from typing import Any

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from genius.core.events.models import OutboxEvent
from genius.core.platform import Platform
from genius.core.storage import tenant_files_from_settings
from genius.workers.pdf_render.tasks import render_html, render_pdf
from tests.core.test_admin_pages import login
from tests.sales.conftest import Sales


def test_issue_queues_the_pdf_and_the_api_serves_it(
    sales: Sales, customer_id: uuid.UUID, platform: Platform, tenant: Any, client: TestClient
) -> None:
    lines = [{"description": "Servicii de mentenanță", "quantity": 3, "unit_price": "150"}]
    draft = sales.ok(
        "POST", "/invoices", {"type": "invoice", "customer_id": str(customer_id), "lines": lines}, status=201
    )
    assert sales.call("GET", f"/invoices/{draft['id']}/pdf").status_code == 409  # a draft has none
    issued = sales.issue(draft["id"])
    with platform.db.tenant_session(tenant.id) as s:
        [task] = s.scalars(select(OutboxEvent).where(OutboxEvent.topic == "pdf.render")).all()
    kwargs = task.data["kwargs"]
    assert kwargs["tid"] == str(tenant.id) and kwargs["key"] == f"sales-{draft['id']}.pdf"
    assert issued["number"] in kwargs["html"] and "Servicii de mentenanță" in kwargs["html"]
    pending = sales.call("GET", f"/invoices/{draft['id']}/pdf")
    assert pending.status_code == 202 and pending.headers["retry-after"] == "5"
    # What the pdf.render worker does with the task (genius.workers.pdf_render.tasks.render).
    pdf = render_pdf(render_html(kwargs["html"], None, {}))
    files = tenant_files_from_settings(platform.settings).for_tenant(tenant.id)
    files.put(f"pdf/{tenant.id}/{kwargs['key']}", pdf, "application/pdf")
    r = sales.call("GET", f"/invoices/{draft['id']}/pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert issued["number"] in text and "Factură" in text
    assert login(client, tenant.slug, tenant.admin_email).status_code == 303
    page = client.get(f"/sales/invoices/{draft['id']}/pdf")
    assert page.status_code == 200 and page.content.startswith(b"%PDF")
