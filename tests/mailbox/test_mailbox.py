"""The demo mailbox: the SMTP sink keeps what it receives, the page shows each tenant only its own
mail, a message's HTML is served under a policy that runs and fetches nothing."""

from __future__ import annotations

import asyncio
import socket
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest
from fastapi.testclient import TestClient

from genius.mailbox import catcher, store
from genius.workers.email_send.tasks import TENANT_HEADER, parse
from tests.core.test_admin_pages import login


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _send(port: int, tid: uuid.UUID | str, subject: str, html: str | None = None) -> None:
    msg = EmailMessage()
    msg["From"] = "Demo SRL <no-reply@demo.local>"
    msg["To"] = "ana@client.ro"
    msg["Subject"] = subject
    msg[TENANT_HEADER] = str(tid)
    msg.set_content(f"Bună ziua,\n{subject} în text simplu.")
    if html:
        msg.add_alternative(html, subtype="html")
    asyncio.run(aiosmtplib.send(msg, hostname="127.0.0.1", port=port))


@pytest.fixture
def caught(tmp_path: Path) -> Any:
    server = catcher.controller(tmp_path, port=_free_port())
    server.start()
    try:
        yield tmp_path, server.port
    finally:
        server.stop()


def test_the_page_shows_the_tenants_mail_and_only_theirs(
    client: TestClient,
    tenant: Any,
    make_tenant: Any,
    platform: Any,
    caught: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder, port = caught
    monkeypatch.setattr(platform.settings, "mailbox_dir", folder)
    other = make_tenant()
    html = '<p style="color:#123">Ofertă <b>nouă</b></p><script>alert(1)</script><img src="https://x.example/p.gif">'
    _send(port, tenant.id, "Newsletter decembrie", html)
    _send(port, other.id, "Secretul altui tenant")
    assert len(list(folder.glob("*.eml"))) == 2

    assert login(client, tenant.slug, tenant.admin_email).status_code == 303
    page = client.get("/mailbox")
    assert page.status_code == 200
    assert 'href="/mailbox"' in page.text and "Căsuța poștală demo" in page.text  # in the navigation
    assert "Newsletter decembrie" in page.text and "Secretul altui tenant" not in page.text
    ids = {s.subject: s.id for s in store.messages(folder, tenant.id)} | {
        s.subject: s.id for s in store.messages(folder, other.id)
    }

    one = client.get(f"/mailbox/{ids['Newsletter decembrie']}")
    assert one.status_code == 200
    assert "Newsletter decembrie în text simplu." in one.text
    assert TENANT_HEADER in one.text and "&lt;script&gt;" not in one.text
    frame = client.get(f"/mailbox/{ids['Newsletter decembrie']}/html")
    assert frame.status_code == 200 and "Ofertă" in frame.text
    policy = frame.headers["content-security-policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy and "script-src" not in policy

    # Another tenant's message, a made-up id and a malformed one: nothing.
    assert client.get(f"/mailbox/{ids['Secretul altui tenant']}").status_code == 404
    assert client.get(f"/mailbox/{ids['Secretul altui tenant']}/html").status_code == 404
    assert client.get(f"/mailbox/{'1' * 19}-{'a' * 32}").status_code == 404
    assert client.get("/mailbox/../etc/passwd").status_code in (404, 422)


def test_without_a_catcher_the_page_says_so_and_is_not_in_the_menu(
    client: TestClient, tenant: Any, platform: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(platform.settings, "mailbox_dir", None)
    login(client, tenant.slug, tenant.admin_email)
    page = client.get("/mailbox")
    assert page.status_code == 200 and 'href="/mailbox"' not in page.text.split("<main", 1)[0]
    assert "Nicio căsuță poștală locală" in page.text


def test_a_viewer_gets_403(client: TestClient, make_tenant: Any) -> None:
    viewer = make_tenant(role="viewer")
    login(client, viewer.slug, viewer.admin_email)
    assert client.get("/mailbox").status_code == 403


def test_the_catcher_keeps_the_newest_messages(tmp_path: Path) -> None:
    raw = [f"Subject: {n}\r\n{TENANT_HEADER}: t\r\n\r\nx".encode() for n in range(5)]
    ids = [store.save(tmp_path, message, keep=3) for message in raw]
    assert sorted(p.stem for p in tmp_path.glob("*.eml")) == ids[2:]
    assert not list(tmp_path.glob(".*"))  # no partial file left


def test_email_send_stamps_the_tasks_tenant_over_any_given_value() -> None:
    message = {"to": ["a@b.ro"], "subject": "s", "text": "t", "headers": {"x-genius-tenant": "forged"}}
    stamped = parse(message, "6f1c1d7e-0000-4000-8000-000000000001")
    assert stamped.headers == {TENANT_HEADER: "6f1c1d7e-0000-4000-8000-000000000001"}
    # A re-queued remainder (no tenant header on the task) keeps the one it was given.
    assert parse(message, None).headers == {"x-genius-tenant": "forged"}
