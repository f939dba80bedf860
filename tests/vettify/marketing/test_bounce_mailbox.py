"""The bounce mailbox over IMAP: the worker's own poll (``poll_bounces``, stdlib ``imaplib``) against the
product's fake IMAP server over real TCP. DSNs return the real campaign mails (their headers as the SMTP
sink received them, ``X-Genius-Tenant`` included, or the Postfix sample's, without it)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from genius.config import Settings
from genius.core.platform import Platform
from genius.workers.email_send.fake_imap import FakeImap, Folder, serve
from genius.workers.email_send.imap import Security
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

    # A recipient knows its own mail's Message-ID: a report forged with it cannot suppress someone else.
    forged = server.append(returned(headers_of(inbox, "dan@client.ro"), "victima@client.ro"))
    assert poll_bounces(send_on.db, settings)["applied"] == 1 and server.flags_of(forged) == {"\\Seen"}
    assert suppressions(crm) == {"ana@client.ro": "bounced", "dan@client.ro": "bounced"}


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


def test_the_beat_task_polls_once_per_interval(
    crm: Crm,
    sent: dict[str, Any],  # noqa: F811
    send_on: Platform,
    imap: tuple[FakeImap, int],
    redis_url: str,
) -> None:
    """Ticks closer than GENIUS_BOUNCE_IMAP_POLL_SECONDS skip (a Redis key), so two workers never read
    the mailbox at once; the task does the same work as the poll."""
    import redis

    from genius.workers.email_send import tasks

    server, _ = imap
    client = redis.Redis.from_url(redis_url)
    client.delete(tasks.POLL_GATE)
    tasks.use_context(send_on.db, settings_for(send_on, imap, bounce_imap_poll_seconds=600))
    tasks.gate.use(client)
    try:
        server.append(sample("postfix", sent["message_ids"]["ana@client.ro"]))
        first = tasks.bounces_poll()
        assert first["applied"] == 1 and 590 < int(client.ttl(tasks.POLL_GATE)) <= 600
        server.append(sample("gmail", sent["message_ids"]["eva@client.ro"]))
        assert tasks.bounces_poll() == {"configured": True, "skipped": "interval"}
        assert suppressions(crm) == {"ana@client.ro": "bounced"}
        client.delete(tasks.POLL_GATE)  # the interval has passed
        assert tasks.bounces_poll()["applied"] == 1
        assert suppressions(crm) == {"ana@client.ro": "bounced", "eva@client.ro": "bounced"}
    finally:
        client.delete(tasks.POLL_GATE)
        tasks.use_context(None)
        tasks.gate.use(None)


def _talk(port: int, *lines: bytes) -> list[bytes]:
    """Raw IMAP over a socket: each line sent after the previous answer (its last line) arrived."""
    import socket

    out: list[bytes] = []
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        reader = sock.makefile("rb")
        out.append(reader.readline())
        for line in lines:
            sock.sendall(line)
            answer = reader.readline()
            out.append(answer)
            while answer.startswith(b"* "):
                answer = reader.readline()
                out.append(answer)
    return out


def test_the_fake_speaks_imap(imap: tuple[FakeImap, int]) -> None:
    """Tagged OK/NO/BAD by state, a synchronising literal from the client, a literal in FETCH."""
    server, port = imap
    server.password = 'p"a ss'
    server.append(b"Subject: x\r\n\r\n12345\r\n")
    greeting, *answers = _talk(
        port,
        b"a1 SELECT INBOX\r\n",  # not authenticated yet
        b"a2 LOGIN bounces@genius.local wrong\r\n",
        b'a3 LOGIN "bounces@genius.local" {6}\r\n',  # the password as a literal: a continuation first
        b'p"a ss\r\n',
        b"a4 UID FETCH 1 (BODY.PEEK[])\r\n",  # no folder selected
        b"a5 SELECT INBOX\r\n",
        b"a6 FROB\r\n",
        b"a7 UID FETCH 1 (UID BODY.PEEK[])\r\n",
    )
    assert greeting.startswith(b"* OK [CAPABILITY IMAP4rev1")
    assert answers[0].startswith(b"a1 BAD")
    assert answers[1].startswith(b"a2 NO [AUTHENTICATIONFAILED]")
    assert answers[2] == b"+ Ready for literal data\r\n" and answers[3].startswith(b"a3 OK")
    assert answers[4].startswith(b"a4 BAD")
    assert b"* 1 EXISTS\r\n" in answers and any(a.startswith(b"a5 OK [READ-WRITE]") for a in answers)
    assert any(a.startswith(b"a6 BAD") for a in answers)
    fetch = next(a for a in answers if a.startswith(b"* 1 FETCH"))
    assert fetch == b"* 1 FETCH (UID 1 BODY[] {21}\r\n"
    assert server.flags_of(1) == set()  # PEEK leaves \Seen alone


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and its key), made with ``cryptography``."""
    import ipaddress
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "imap.pem", folder / "imap.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_the_client_over_tls_and_starttls(tmp_path: Path, security: Security) -> None:
    """Implicit TLS (993) and STARTTLS (143): the certificate is verified against the trusted CA, and a
    server that does not offer STARTTLS is refused rather than spoken to in clear."""
    import imaplib
    import ssl

    from genius.workers.email_send.imap import ImapConfig, Mailbox

    cert, key = _self_signed(tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    trusting = ssl.create_default_context(cafile=str(cert))
    server = FakeImap(tls=server_tls if security == "starttls" else None)
    uid = server.append(NOT_A_DSN)
    implicit = server_tls if security == "tls" else None
    with serve(server, ssl_context=implicit) as port:
        config = ImapConfig("127.0.0.1", port, server.user, server.password, security=security)
        with Mailbox(config, ssl_context=trusting) as mailbox:
            assert mailbox.waiting() == [uid] and mailbox.fetch(uid) == NOT_A_DSN
        with pytest.raises(ssl.SSLError):  # the system's CAs do not know this certificate
            with Mailbox(config):
                pass
    if security == "starttls":
        plain = FakeImap()
        with serve(plain) as port:
            config = ImapConfig("127.0.0.1", port, plain.user, plain.password, security="starttls")
            with pytest.raises(imaplib.IMAP4.error, match="TLS not supported"):
                with Mailbox(config, ssl_context=trusting):
                    pass
        assert "LOGIN" not in plain.commands
