"""notify.slack against a local Slack stand-in; pdf.render read back as text."""

from __future__ import annotations

import io
import time
import uuid
from pathlib import Path

import pytest
from pypdf import PdfReader

from genius.core.storage import FileStorage, TenantFiles, is_sealed
from tests.conftest import SECRET, LiveServer, free_port
from tests.workers.fake_slack import SlackState, fake_slack


@pytest.fixture
def slack():  # type: ignore[no-untyped-def]
    state = SlackState()
    port = free_port()
    with LiveServer(fake_slack(state), port) as server:
        yield state, server.url


def test_chat_post_message_honours_retry_after(start_worker, slack) -> None:  # type: ignore[no-untyped-def]
    state, url = slack
    state.rate_limit_next, state.retry_after = 1, 2
    w = start_worker("notify.slack", GENIUS_SLACK_API_URL=f"{url}/api/", GENIUS_SLACK_BOT_TOKEN=state.token)
    t0 = time.monotonic()
    result = w.app.send_task("notify.slack.post", args=["#general", "Factură emisă: FX-1"]).get(timeout=30)
    assert result["ok"] and result["channel"] == "#general"
    assert [m["text"] for m in state.received] == ["Factură emisă: FX-1"]
    assert state.received[0]["at"] - t0 >= 2.0  # waited the Retry-After before trying again


def test_unknown_channel_is_a_permanent_error(start_worker, slack) -> None:  # type: ignore[no-untyped-def]
    state, url = slack
    w = start_worker("notify.slack", GENIUS_SLACK_API_URL=f"{url}/api/", GENIUS_SLACK_BOT_TOKEN=state.token)
    with pytest.raises(Exception, match="channel_not_found"):
        w.app.send_task("notify.slack.post", args=["#nope", "x"]).get(timeout=30)


def test_incoming_webhook(start_worker, slack) -> None:  # type: ignore[no-untyped-def]
    state, url = slack
    state.rate_limit_next, state.retry_after = 1, 1
    w = start_worker("notify.slack", GENIUS_SLACK_WEBHOOK_URL=f"{url}/services/T000/B000/XXXX")
    assert w.app.send_task("notify.slack.webhook", args=["Backup terminat"]).get(timeout=30)["ok"]
    assert [h["text"] for h in state.webhooks] == ["Backup terminat"]


def test_pdf_invoice_template_rendered_and_stored(start_worker, tmp_path: Path) -> None:
    w = start_worker("pdf.render", GENIUS_SECRET_KEY=SECRET)
    tid = uuid.uuid4()
    context = {
        "number": "FX-2026-0042",
        "issue_date": "2026-11-22",
        "due_date": "2026-12-22",
        "currency": "RON",
        "seller": {"name": "Genius Demo SRL", "cui": "RO18547290", "address": "Str. Sforii 1, Brașov"},
        "buyer": {"name": "Țesătoria Șercaia SA", "cui": "RO12345678", "address": "Șercaia, jud. Brașov"},
        "lines": [
            {
                "description": "Licență GeniusERP",
                "quantity": 2,
                "unit_price": "100.00",
                "vat_rate": 19,
                "amount": "200.00",
            }
        ],
        "totals": {"net": "200.00", "vat": "38.00", "gross": "238.00"},
    }
    result = w.app.send_task(
        "pdf.render",
        kwargs={"template": "invoice", "context": context, "key": "invoices/FX-2026-0042.pdf"},
        headers={"genius_tid": str(tid)},
    ).get(timeout=60)
    assert result["key"] == f"pdf/{tid}/invoices/FX-2026-0042.pdf" and result["size"] > 1000
    files = TenantFiles(FileStorage(Path(w.env["GENIUS_DATA_DIR"]) / "files"), SECRET)
    assert is_sealed(files.storage.root / result["key"])  # encrypted with the tenant's key
    pdf = files.for_tenant(tid).get(result["key"])
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "FX-2026-0042" in text and "Țesătoria Șercaia SA" in text and "238.00" in text
    html = w.app.send_task("pdf.render", kwargs={"html": "<h1>Raport vânzări</h1>", "tid": str(tid)}).get(
        timeout=60
    )
    assert html["key"].startswith(f"pdf/{tid}/") and is_sealed(files.storage.root / html["key"])
    with pytest.raises(Exception, match="unknown template"):
        w.app.send_task("pdf.render", kwargs={"template": "nope", "tid": str(tid)}).get(timeout=60)
    with pytest.raises(Exception, match="needs the tenant"):
        w.app.send_task("pdf.render", kwargs={"html": "<p>x</p>"}).get(timeout=60)


def test_pdf_embeds_data_images_and_fetches_nothing_else() -> None:
    """Inline ``data:`` images (QR codes, logos) are drawn; an http or file URL in a document is neither
    fetched nor read, and does not stop the rendering."""
    import base64
    import http.server
    import threading

    from pypdf import PdfReader

    from genius.workers.pdf_render.tasks import render_pdf

    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    pixel = bytes.fromhex(
        "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478"
        "9c6360000002000154a24f5d0000000049454e44ae426082"
    )
    png = base64.b64encode(pixel).decode()
    try:
        pdf = render_pdf(
            f'<p>Aviz</p><img src="data:image/png;base64,{png}">'
            f'<img src="http://127.0.0.1:{server.server_port}/tracking.png"><img src="file:///etc/passwd">'
        )
    finally:
        server.shutdown()
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    images = page.images
    assert len(images) == 1 and hits == []
