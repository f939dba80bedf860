"""Top links and the PDF report: the click redirect records which link was clicked (clicks and unique
clickers per URL in the metrics); the report is deferred to ``pdf.render`` through the outbox, rendered
for real by its task, stored encrypted under the tenant's key and downloaded (404 before it is asked for,
409 while it is rendered)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from genius.core.events.models import OutboxEvent
from genius.core.platform import Platform
from genius.core.storage import is_sealed, tenant_files_from_settings
from genius.vettify.campaigns.report import chart, funnel
from genius.vettify.campaigns.schemas import MetricsOut
from genius.workers.pdf_render import tasks as pdf_tasks
from tests.core.test_admin_pages import login
from tests.vettify.conftest import Crm
from tests.vettify.marketing.conftest import FlakyInbox, campaign, contact, run_batch

TWO_LINKS = {
    "subject": "Oferta lunii",
    "html": '<p><a href="https://genius.ro/oferta">Oferta</a> și <a href="https://genius.ro/blog">blogul</a></p>',
}


def _clicks(msg: Any) -> dict[str, str]:
    html = msg.get_body(("html",)).get_content()
    found = {}
    for m in re.finditer(r'"http://127\.0\.0\.1:8000(/v1/crm/track/click/[^"]+)"', html):
        link = m.group(1).replace("&amp;", "&")
        target = "oferta" if "oferta" in link else "blog"
        found[target] = link
    return found


def _sent_and_clicked(
    crm: Crm, platform: Platform, tenant: Any, port: int, inbox: FlakyInbox
) -> dict[str, Any]:
    contact(crm, "ana@client.ro")
    contact(crm, "dan@client.ro", first_name="Dan")
    c = campaign(crm, "Oferta de iarnă")
    assert crm.call("POST", f"/campaigns/{c['id']}/send", TWO_LINKS).status_code == 202
    run_batch(platform, port, tenant.id, c["id"], 0, "task-1")
    by_rcpt = {rcpts[0]: msg for rcpts, msg in inbox.messages}
    ana, dan = _clicks(by_rcpt["ana@client.ro"]), _clicks(by_rcpt["dan@client.ro"])
    for link in (ana["oferta"], ana["oferta"], ana["blog"], dan["oferta"]):
        assert crm.client.get(link, follow_redirects=False).status_code == 302
    return c


def test_clicks_record_their_link_and_the_metrics_rank_them(
    crm: Crm, send_on: Platform, tenant: Any, sink: tuple[FlakyInbox, int]
) -> None:
    inbox, port = sink
    c = _sent_and_clicked(crm, send_on, tenant, port, inbox)
    # A forged click records nothing.
    assert (
        crm.client.get("/v1/crm/track/click/" + "A" * 43 + "." + "B" * 22 + "?u=https://x.ro/").status_code
        == 404
    )
    m = crm.call("GET", f"/campaigns/{c['id']}/metrics").json()
    assert m["clicked"] == {"count": 2, "rate": 1.0}  # recipients who clicked
    assert m["top_links"] == [
        {"url": "https://genius.ro/oferta", "clicks": 3, "unique_clickers": 2},
        {"url": "https://genius.ro/blog", "clicks": 1, "unique_clickers": 1},
    ]


def test_the_report_is_rendered_stored_encrypted_and_downloaded(
    crm: Crm,
    send_on: Platform,
    tenant: Any,
    sink: tuple[FlakyInbox, int],
    client: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, port = sink
    c = _sent_and_clicked(crm, send_on, tenant, port, inbox)
    missing = crm.call("GET", f"/campaigns/{c['id']}/report.pdf")
    assert missing.status_code == 404 and missing.json()["type"].endswith("report-not-requested")
    asked = crm.call("POST", f"/campaigns/{c['id']}/report")
    assert asked.status_code == 202 and asked.json()["status"] == "rendering"
    rendering = crm.call("GET", f"/campaigns/{c['id']}/report.pdf")
    assert rendering.status_code == 409 and rendering.json()["type"].endswith("report-rendering")
    assert crm.call("GET", f"/campaigns/{c['id']}/report").json()["status"] == "rendering"

    with send_on.db.tenant_session(tenant.id) as s:
        [task] = s.scalars(select(OutboxEvent).where(OutboxEvent.topic == "pdf.render")).all()
    kwargs = task.data["kwargs"]
    assert kwargs["tid"] == str(tenant.id) and kwargs["key"].startswith(f"crm-campaign-{c['id']}-")
    assert "<svg" in kwargs["html"] and "<script" not in kwargs["html"]
    # What the pdf.render worker does with the task: the task function itself, with the suite's settings.
    monkeypatch.setattr(pdf_tasks, "get_settings", lambda: send_on.settings)
    result = pdf_tasks.render.apply(kwargs=kwargs).get()
    assert result["key"] == f"pdf/{tenant.id}/{kwargs['key']}"
    files = tenant_files_from_settings(send_on.settings)
    root = getattr(files.storage, "root", None)
    if root is not None:  # the file storage: the object on disk is sealed with the tenant's key
        assert is_sealed(root / result["key"])

    ready = crm.call("GET", f"/campaigns/{c['id']}/report.pdf")
    assert ready.status_code == 200 and ready.headers["content-type"] == "application/pdf"
    assert 'filename="raport-oferta-de-iarna.pdf"' in ready.headers["content-disposition"]
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(ready.content)).pages)
    assert "Oferta de iarnă" in text and "https://genius.ro/oferta" in text and "Pâlnia campaniei" in text
    assert crm.call("GET", f"/campaigns/{c['id']}/report").json()["status"] == "ready"

    # The campaign page: the status and the download link; the page's own download.
    login(client, tenant.slug, tenant.admin_email)
    page = client.get(f"/crm/campaigns/{c['id']}")
    assert (
        f'href="/crm/campaigns/{c["id"]}/report.pdf"' in page.text and "https://genius.ro/oferta" in page.text
    )
    assert client.get(f"/crm/campaigns/{c['id']}/report.pdf").content.startswith(b"%PDF")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    again = client.post(
        f"/crm/campaigns/{c['id']}/report", data={"csrf_token": csrf.group(1)}, follow_redirects=False
    )
    assert again.status_code == 303
    waiting = client.get(f"/crm/campaigns/{c['id']}/report.pdf", follow_redirects=False)
    assert waiting.status_code == 303  # the newest one is still being rendered: back to the page, with a note


def test_report_figures_without_activity() -> None:
    import uuid

    from genius.vettify.campaigns.schemas import Rate

    zero = Rate(count=0, rate=0.0)
    figures = MetricsOut(
        campaign_id=uuid.uuid4(), status="not_sent", recipients=0, excluded=0, pending=0, failed=0, sent=0,
        delivered=zero, delivery_confirmed=zero, opened=zero, clicked=zero, bounced=zero, unsubscribed=zero,
        complained=zero,
    )  # fmt: skip
    assert chart(figures, "Europe/Bucharest") is None
    assert [count for _, count, _ in funnel(figures)] == [0, 0, 0, 0, 0]
