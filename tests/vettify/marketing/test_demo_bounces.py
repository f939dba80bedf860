"""The demo's bounce chain, each piece the product's own: a campaign sent by the worker's batch to the
demo's mail catcher (``genius mail-catcher``'s ``Sink``), which returns the mail for the undeliverable
demo address as an RFC 3464 DSN into its fake IMAP bounce mailbox; the worker's poll
(``poll_bounces``, stdlib ``imaplib``) applies it: the address is suppressed as bounced and the
campaign's metrics count the bounce. Also how ``genius demo`` points GENIUS_BOUNCE_IMAP_* at it."""

from __future__ import annotations

import os
import smtplib
from collections.abc import Iterator
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from genius import cli
from genius.core.platform import Platform
from genius.mailbox import bounces, store
from genius.mailbox.catcher import controller
from genius.vettify.campaigns import dsn
from genius.vettify.demo import DEMO_UNDELIVERABLE
from genius.workers.email_send.fake_imap import FakeImap, serve
from genius.workers.email_send.tasks import poll_bounces
from tests.conftest import free_port
from tests.vettify.conftest import Crm
from tests.vettify.marketing.conftest import SEND_BODY, campaign, contact, run_batch
from tests.vettify.marketing.test_bounce_mailbox import settings_for
from tests.vettify.marketing.test_bounces import metrics, recipient, suppressions


@pytest.fixture
def demo_catcher(tmp_path: Path) -> Iterator[tuple[Path, FakeImap, int, int]]:
    """The demo's catcher (its folder) with its bounce mailbox: folder, mailbox, SMTP and IMAP ports."""
    mailbox = FakeImap(user="bounces@genius.local", password="parola-demo")
    folder = tmp_path / "mailbox"
    with serve(mailbox) as imap_port:
        smtp_port = free_port()
        catcher = controller(folder, "127.0.0.1", smtp_port, bounce_mailbox=mailbox)
        catcher.start()
        try:
            yield folder, mailbox, smtp_port, imap_port
        finally:
            catcher.stop()


def test_the_demo_address_is_the_catchers_undeliverable_one() -> None:
    assert DEMO_UNDELIVERABLE == bounces.DEMO_UNDELIVERABLE
    assert bounces.undeliverable("Nimeni@Invalid.Example") and bounces.undeliverable("<x@invalid.example.>")
    assert not bounces.undeliverable("ana@client.ro") and not bounces.undeliverable("a@notinvalid.example")


def test_a_campaign_to_the_undeliverable_address_bounces_through_the_demo_mailbox(
    crm: Crm,
    send_on: Platform,
    tenant: Any,
    demo_catcher: tuple[Path, FakeImap, int, int],
) -> None:
    folder, mailbox, smtp_port, imap_port = demo_catcher
    contact(crm, "ana@client.ro")
    contact(crm, DEMO_UNDELIVERABLE, first_name="Nimeni")
    c = campaign(crm)
    assert crm.call("POST", f"/campaigns/{c['id']}/send", SEND_BODY).status_code == 202
    run_batch(send_on, smtp_port, tenant.id, c["id"], 0, "task-1")
    assert metrics(crm, c["id"])["sent"] == 2
    nimeni = recipient(crm, c["id"], DEMO_UNDELIVERABLE)
    assert nimeni["delivery"] is None

    # The catcher kept Ana's mail, and answered Nimeni's with a DSN: into the bounce mailbox, and (stamped
    # with the tenant) into the folder the tenant's Demo mailbox page reads.
    shown = {m.subject: m for m in store.messages(folder, tenant.id)}
    assert set(shown) == {SEND_BODY["subject"], "Undelivered Mail Returned to Sender"}
    (waiting,) = mailbox.folders["INBOX"].messages
    report = dsn.parse(waiting.raw)
    assert report.tenant == str(tenant.id) and report.message_id == nimeni["message_id"]
    assert [(r.address, r.action, r.status, r.outcome) for r in report.recipients] == [
        (DEMO_UNDELIVERABLE, "failed", "5.1.2", "hard")
    ]
    parsed = BytesParser(policy=policy.default).parsebytes(waiting.raw)
    assert (
        parsed["Auto-Submitted"] == "auto-replied"
        and str(parsed["To"]).strip("<>") == "no-reply@genius.local"
    )
    assert store.TENANT_HEADER not in parsed  # the mailbox copy is the DSN as an MTA writes it

    # The worker's poll over IMAP applies it: suppressed as bounced, counted on the campaign.
    settings = settings_for(send_on, (mailbox, imap_port))
    result = poll_bounces(send_on.db, settings)
    assert (result["fetched"], result["applied"], result["tenants"]) == (1, 1, {str(tenant.id): 1})
    assert suppressions(crm) == {DEMO_UNDELIVERABLE: "bounced"}
    assert recipient(crm, c["id"], DEMO_UNDELIVERABLE)["delivery"] == "bounced"
    m = metrics(crm, c["id"])
    assert m["bounced"]["count"] == 1 and m["bounced"]["rate"] == 0.5
    assert mailbox.flags_of(waiting.uid) == {"\\Seen"}
    again = poll_bounces(send_on.db, settings)
    assert (again["fetched"], again["applied"]) == (0, 0)


def test_a_notification_to_the_undeliverable_address_gets_no_dsn(
    demo_catcher: tuple[Path, FakeImap, int, int],
) -> None:
    """A null sender (``MAIL FROM:<>``, itself a notification) is never answered: no bounce loops."""
    folder, mailbox, smtp_port, _ = demo_catcher
    raw = b"From: MAILER-DAEMON@x.ro\r\nTo: nimeni@invalid.example\r\nSubject: DSN\r\n\r\nx\r\n"
    with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
        smtp.sendmail("", [DEMO_UNDELIVERABLE], raw)
        smtp.sendmail("ana@firma.ro", [DEMO_UNDELIVERABLE, "ion@firma.ro"], raw)
    assert len(mailbox.folders["INBOX"].messages) == 1  # only the second, for its undeliverable half
    # Ion's copy and the DSN without a tenant (shown to nobody) are in the folder.
    assert len(list(folder.glob("*.eml"))) == 2


def test_the_demo_points_the_bounce_mailbox_at_the_catcher(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HOST", "PORT", "SECURITY", "USERNAME", "PASSWORD", "POLL_SECONDS"):
        # set, then removed: monkeypatch restores the variables as they were, so what the demo writes
        # into os.environ here never reaches a later test of this process (a `genius demo` it starts
        # would take the leftover host for the user's own mailbox and run no fake one)
        monkeypatch.setenv(f"GENIUS_BOUNCE_IMAP_{name}", "")
        monkeypatch.delenv(f"GENIUS_BOUNCE_IMAP_{name}")
    assert cli._use_demo_bounce_mailbox(None) is None  # a real SMTP server: no catcher, no fake mailbox
    port = cli._use_demo_bounce_mailbox(free_port())
    assert port is not None
    env = os.environ
    assert (env["GENIUS_BOUNCE_IMAP_HOST"], env["GENIUS_BOUNCE_IMAP_PORT"]) == ("127.0.0.1", str(port))
    assert env["GENIUS_BOUNCE_IMAP_SECURITY"] == "none" and env["GENIUS_BOUNCE_IMAP_POLL_SECONDS"] == "30"
    assert env["GENIUS_BOUNCE_IMAP_PASSWORD"] and env["GENIUS_BOUNCE_IMAP_USERNAME"] == cli.DEMO_BOUNCE_USER
    # Set explicitly: the user's own mailbox is kept.
    monkeypatch.setenv("GENIUS_BOUNCE_IMAP_HOST", "imap.firma.ro")
    monkeypatch.setenv("GENIUS_BOUNCE_IMAP_PORT", "993")
    assert cli._use_demo_bounce_mailbox(free_port()) is None
    assert env["GENIUS_BOUNCE_IMAP_HOST"] == "imap.firma.ro" and env["GENIUS_BOUNCE_IMAP_PORT"] == "993"


def test_the_demo_seeds_the_undeliverable_address_into_the_newsletters_audience(
    platform: Platform, tenant: Any
) -> None:
    from genius.vettify import service
    from genius.vettify.campaigns import marketing
    from genius.vettify.campaigns.repository import CAMPAIGNS
    from genius.vettify.demo import DEMO_NEWSLETTER, seed_demo_crm, seed_demo_marketing, seed_demo_segment
    from genius.vettify.models import Contact
    from genius.vettify.segments import service as segments

    seed_demo_crm(platform.db, tenant.id)
    seed_demo_marketing(platform.db, tenant.id)
    seed_demo_segment(platform.db, tenant.id)
    with platform.db.tenant_session(tenant.id) as s:
        (nimeni,) = s.scalars(select(Contact).where(Contact.email == DEMO_UNDELIVERABLE)).all()
        found = service.list_records(s, CAMPAIGNS, service.ListQuery(search=DEMO_NEWSLETTER, limit=5)).items
        newsletter = next(c for c in found if c.name == DEMO_NEWSLETTER)
        assert newsletter.segment_id is not None
        assert nimeni.id in segments.audience(s, newsletter.segment_id)
        # With consent and not suppressed: the newsletter's send writes it a recipient row.
        alone = marketing.preview_audience(s, tenant.id, newsletter.id, [nimeni.id])
    assert alone["pending"] == 1, alone


@pytest.mark.slow
def test_genius_demo_bounces_the_newsletters_undeliverable_address(tmp_path: Path) -> None:
    """``genius demo`` as a user runs it: the Demo newsletter sent through the API reaches the demo's
    catcher, whose DSN for nimeni@invalid.example the demo's worker polls from the fake IMAP mailbox:
    the address ends up suppressed as bounced and the campaign's metrics count the bounce."""
    import re
    import time

    import httpx

    from tests.core.test_demo import _start, _stop

    port = free_port()
    proc, output, _ = _start(tmp_path / "genius", port, free_port())
    try:
        assert f"mail to {DEMO_UNDELIVERABLE} comes back as a DSN" in output, output
        password = re.search(r"Password:\s+(\S+)", output).group(1)  # type: ignore[union-attr]
        base = f"http://127.0.0.1:{port}"
        form = {
            "grant_type": "password",
            "tenant": "demo",
            "username": "admin@demo.local",
            "password": password,
        }
        tok = httpx.post(f"{base}/v1/auth/token", data=form, timeout=30)
        assert tok.status_code == 200, tok.text
        api = httpx.Client(
            base_url=f"{base}/v1/crm",
            headers={"Authorization": f"Bearer {tok.json()['access_token']}"},
            timeout=60,
        )
        found = api.get("/campaigns", params={"search": "Demo newsletter"}).json()["items"]
        newsletter = next(c for c in found if c["name"] == "Demo newsletter")
        sent = api.post(f"/campaigns/{newsletter['id']}/send", json=SEND_BODY)
        assert sent.status_code == 202, sent.text
        deadline, m = time.monotonic() + 240, {}
        while time.monotonic() < deadline:  # the relay, a worker's batch, the catcher, then a poll (30 s)
            m = api.get(f"/campaigns/{newsletter['id']}/metrics").json()
            if m["bounced"]["count"]:
                break
            time.sleep(2)
        assert m["bounced"]["count"] == 1, m
        suppressed = {s["address"]: s["reason"] for s in api.get("/suppressions").json()["items"]}
        assert suppressed[DEMO_UNDELIVERABLE] == "bounced"
    finally:
        _stop(proc)
