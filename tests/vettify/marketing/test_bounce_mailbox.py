"""The bounce mailbox over IMAP: the worker's own poll (``poll_bounces``, stdlib ``imaplib``) against the
product's fake IMAP server over real TCP. DSNs return the real campaign mails (their headers as the SMTP
sink received them, ``X-Genius-Tenant`` included, or the Postfix sample's, without it)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from genius.config import Settings
from genius.core.platform import Platform
from genius.workers.email_send.fake_imap import FakeImap, Folder, serve
from genius.workers.email_send.tasks import poll_bounces
from tests.vettify.conftest import Crm
from tests.vettify.marketing.conftest import FlakyInbox
from tests.vettify.marketing.test_bounces import (  # noqa: F401  (the sent fixture)
    history,
    recipient,
    sent,
    suppressions,
)
from tests.vettify.marketing.test_dsn import sample

NOT_A_DSN = b"From: ana@client.ro\r\nTo: no-reply@genius.local\r\nSubject: Re: oferta\r\n\r\nMultumesc!\r\n"


def returned(headers: str, address: str, *, status: str = "5.1.1", dsn_id: str | None = None) -> bytes:
    """A DSN as an MTA writes it for ``address``: the report and the returned message's headers."""
    action = "failed" if status[0] in "45" else "delivered"
    text = (
        "From: MAILER-DAEMON@mx.exemplu.ro\r\n"
        "To: no-reply@genius.local\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <{dsn_id or uuid.uuid4().hex}@mx.exemplu.ro>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.exemplu.ro\r\n\r\n"
        f"Final-Recipient: rfc822; {address}\r\nAction: {action}\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 {status} User unknown\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"{headers}\r\n"
        "--B--\r\n"
    )
    return text.encode()


def headers_of(inbox: FlakyInbox, address: str, **replace: str) -> str:
    """The headers of the campaign mail the sink received for ``address`` (some replaced)."""
    message = next(m for rcpts, m in inbox.messages if rcpts[0] == address)
    pairs = [(k, replace.get(k, str(v))) for k, v in message.items()]
    return "\r\n".join(f"{k}: {v}" for k, v in pairs)


@pytest.fixture
def imap() -> Iterator[tuple[FakeImap, int]]:
    server = FakeImap()
    with serve(server) as port:
        yield server, port


def settings_for(platform: Platform, imap: tuple[FakeImap, int], **more: Any) -> Settings:
    server, port = imap
    return platform.settings.model_copy(
        update={
            "bounce_imap_host": "127.0.0.1",
            "bounce_imap_port": port,
            "bounce_imap_username": server.user,
            "bounce_imap_password": server.password,
            "bounce_imap_security": "none",
            **more,
        }
    )


def test_a_hard_bounce_suppresses_once_and_other_mail_is_set_aside(
    crm: Crm,
    sent: dict[str, Any],  # noqa: F811
    send_on: Platform,
    imap: tuple[FakeImap, int],
    sink: tuple[FlakyInbox, int],
) -> None:
    server, _ = imap
    cid, mids = sent["id"], sent["message_ids"]
    postfix = server.append(sample("postfix", mids["ana@client.ro"]))  # no X-Genius-Tenant: looked up
    other = server.append(NOT_A_DSN)
    exim = server.append(sample("exim", mids["dan@client.ro"]))
    settings = settings_for(send_on, imap)

    first = poll_bounces(send_on.db, settings)
    assert first["configured"] and first["interrupted"] is None
    assert (first["fetched"], first["applied"], first["not_dsn"], first["duplicate"]) == (3, 2, 1, 0)
    assert suppressions(crm) == {"ana@client.ro": "bounced"}
    assert recipient(crm, cid, "ana@client.ro")["delivery"] == "bounced"
    (event,) = history(crm, cid, sent["recipients"]["ana@client.ro"]["id"])
    assert event["source"] == "dsn" and event["status"] == "bounced"
    dan = recipient(crm, cid, "dan@client.ro")
    assert dan["delivery"] is None and [e["status"] for e in history(crm, cid, dan["id"])] == ["soft_bounced"]
    # Applied DSNs are read; the other mail is flagged for a person and left unread.
    assert server.flags_of(postfix) == server.flags_of(exim) == {"\\Seen"}
    assert server.flags_of(other) == {"\\Flagged"}

    second = poll_bounces(send_on.db, settings)
    assert (second["fetched"], second["applied"], second["not_dsn"]) == (0, 0, 0)
    assert len(history(crm, cid, sent["recipients"]["ana@client.ro"]["id"])) == 1
    # Read again anyway (a person marks them unread): the DSN's id was recorded, nothing changes.
    for uid in (postfix, exim):
        server.folders["INBOX"].messages[uid - 1].flags.clear()
    third = poll_bounces(send_on.db, settings)
    assert (third["fetched"], third["duplicate"], third["applied"]) == (2, 2, 0)
    assert len(history(crm, cid, dan["id"])) == 1 and suppressions(crm) == {"ana@client.ro": "bounced"}


def test_a_connection_lost_mid_fetch_or_before_the_mark(
    crm: Crm,
    sent: dict[str, Any],  # noqa: F811
    send_on: Platform,
    imap: tuple[FakeImap, int],
    sink: tuple[FlakyInbox, int],
) -> None:
    server, _ = imap
    inbox, _ = sink
    cid = sent["id"]
    uids = [server.append(returned(headers_of(inbox, a), a)) for a in ("ana@client.ro", "dan@client.ro")]
    uids.append(server.append(returned(headers_of(inbox, "eva@client.ro"), "eva@client.ro", status="2.0.0")))
    settings = settings_for(send_on, imap)

    server.drop_on_fetch = server.fetches + 2  # dan's DSN: half its bytes, then the connection is gone
    first = poll_bounces(send_on.db, settings)
    assert first["interrupted"] and first["applied"] == 1
    assert suppressions(crm) == {"ana@client.ro": "bounced"}
    assert server.flags_of(uids[1]) == set() and server.flags_of(uids[2]) == set()

    server.drop_on_store = server.stores + 1  # dan's DSN is committed, then the connection drops before \Seen
    second = poll_bounces(send_on.db, settings)
    assert second["interrupted"] and second["applied"] == 1
    assert server.flags_of(uids[1]) == set()

    third = poll_bounces(send_on.db, settings)
    assert third["interrupted"] is None
    assert (third["fetched"], third["duplicate"], third["applied"]) == (2, 1, 1)  # dan again, then eva
    assert all(server.flags_of(uid) == {"\\Seen"} for uid in uids)
    for address in ("ana@client.ro", "dan@client.ro", "eva@client.ro"):
        rid = sent["recipients"][address]["id"]
        assert len(history(crm, cid, rid)) == 1, address  # each DSN applied exactly once
    assert suppressions(crm) == {"ana@client.ro": "bounced", "dan@client.ro": "bounced"}
    assert recipient(crm, cid, "eva@client.ro")["delivery"] == "delivered"


def test_tenants_are_kept_apart(
    crm: Crm,
    sent: dict[str, Any],  # noqa: F811
    send_on: Platform,
    imap: tuple[FakeImap, int],
    sink: tuple[FlakyInbox, int],
    tenant: Any,
    make_tenant: Any,
) -> None:
    """A DSN applies only to the tenant whose Message-ID it returns: one naming another tenant in
    X-Genius-Tenant, or quoting a Message-ID nobody sent, is set aside and changes nothing anywhere."""
    server, _ = imap
    inbox, _ = sink
    other = make_tenant()
    real = headers_of(inbox, "ana@client.ro")
    assert f"X-Genius-Tenant: {tenant.id}" in real
    claimed_by_other = server.append(
        returned(headers_of(inbox, "ana@client.ro", **{"X-Genius-Tenant": str(other.id)}), "ana@client.ro")
    )
    unknown_mid = server.append(sample("postfix", "<necunoscut@genius.local>"))
    bad_claim = server.append(
        returned(headers_of(inbox, "dan@client.ro", **{"X-Genius-Tenant": "nu-e-uuid"}), "dan@client.ro")
    )
    settings = settings_for(send_on, imap)

    result = poll_bounces(send_on.db, settings)
    assert (result["fetched"], result["unattributed"], result["applied"]) == (3, 3, 0)
    assert all(server.flags_of(u) == {"\\Flagged"} for u in (claimed_by_other, unknown_mid, bad_claim))
    assert suppressions(crm) == {}
    others = crm.client.get("/v1/crm/suppressions", headers=other.headers)
    assert others.status_code == 200 and others.json()["items"] == []

    mine = server.append(returned(real, "ana@client.ro"))
    result = poll_bounces(send_on.db, settings)
    assert result["applied"] == 1 and result["tenants"] == {str(tenant.id): 1}
    assert suppressions(crm) == {"ana@client.ro": "bounced"} and server.flags_of(mine) == {"\\Seen"}
    assert crm.client.get("/v1/crm/suppressions", headers=other.headers).json()["items"] == []


def test_processed_folder_and_unreachable_or_unconfigured_mailbox(
    crm: Crm,
    sent: dict[str, Any],  # noqa: F811
    send_on: Platform,
    imap: tuple[FakeImap, int],
) -> None:
    server, _ = imap
    server.folders["Procesate"] = Folder()
    uid = server.append(sample("gmail", sent["message_ids"]["eva@client.ro"]))
    result = poll_bounces(send_on.db, settings_for(send_on, imap, bounce_imap_processed_folder="Procesate"))
    assert result["applied"] == 1
    assert [m.uid for m in server.folders["INBOX"].messages] == []  # moved: copied, then expunged
    (moved,) = server.folders["Procesate"].messages
    assert moved.flags == {"\\Seen"} and b"multipart/report" in moved.raw and uid == 1
    assert suppressions(crm) == {"eva@client.ro": "bounced"}

    assert poll_bounces(send_on.db, send_on.settings.model_copy(update={"bounce_imap_host": None})) == {
        "configured": False
    }
    wrong = poll_bounces(send_on.db, settings_for(send_on, imap, bounce_imap_password="gresita"))
    assert wrong["configured"] and "AUTHENTICATIONFAILED" in wrong["error"]
    missing = poll_bounces(send_on.db, settings_for(send_on, imap, bounce_imap_folder="Nu-exista"))
    assert "NONEXISTENT" in missing["error"]


def test_the_poll_is_a_beat_task_on_the_email_queue() -> None:
    from genius.workers.celery_app import celery_app, module_beat, route_by_name

    assert "email.send.bounces_poll" in celery_app.tasks
    entry = module_beat()["crm-bounce-mailbox"]
    assert entry["task"] == "email.send.bounces_poll" and entry["options"] == {"queue": "email.send"}
    assert route_by_name("email.send.bounces_poll", (), {}, {}) == {
        "queue": "email.send",
        "routing_key": "email.send",
    }
