"""RFC 3464 delivery status notifications, parsed with the stdlib: Postfix (hard bounce, the returned
headers), Exim (a delay warning: soft) and Gmail-style (a failure inside a nested report, the returned
message whole)."""

from __future__ import annotations

from pathlib import Path

import pytest

from genius.vettify.campaigns import dsn

SAMPLES = Path(__file__).parent / "dsn"
MID = "<0123456789abcdef0123456789abcdef01234567@genius.local>"


def sample(name: str, message_id: str = MID) -> bytes:
    text = (SAMPLES / f"{name}.eml").read_text().replace("{{MESSAGE_ID}}", message_id)
    return text.replace("\n", "\r\n").encode()


@pytest.mark.parametrize(
    ("name", "address", "action", "status", "outcome", "dsn_id"),
    [
        ("postfix", "ana@client.ro", "failed", "5.1.1", "hard", "20261203201405.4F2C81C0A12@mx1.exemplu.ro"),
        ("exim", "dan@client.ro", "delayed", "4.0.0", "soft", "E1vQx7A-0004Zk-2b@relay.exemplu.ro"),
        (
            "gmail",
            "eva@client.ro",
            "failed",
            "5.1.1",
            "hard",
            "6750f0a1.050a0220.3b4c2d.0000.GMR@mx.google.com",
        ),
    ],
)
def test_samples(name: str, address: str, action: str, status: str, outcome: str, dsn_id: str) -> None:
    report = dsn.parse(sample(name))
    assert report.message_id == MID.strip("<>")
    assert report.dsn_id == dsn_id
    (recipient,) = report.recipients
    assert (recipient.address, recipient.action, recipient.status, recipient.outcome) == (
        address,
        action,
        status,
        outcome,
    )
    assert recipient.diagnostic and status[0] + "." in recipient.diagnostic.replace("-", ".")


def test_original_recipient_wins_and_many_recipients() -> None:
    raw = (
        b"From: MAILER-DAEMON@mx.exemplu.ro\r\nMessage-ID: <r1@mx>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type="delivery-status"; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.exemplu.ro\r\n\r\n"
        b"Final-Recipient: rfc822; alias@client.ro\r\nOriginal-Recipient: rfc822; Ana@Client.ro\r\n"
        b"Action: failed\r\nStatus: 5.2.1\r\n\r\n"
        b"Final-Recipient: rfc822; dan@client.ro\r\nAction: failed\r\nStatus: 4.4.7\r\n\r\n"
        b"Final-Recipient: rfc822; eva@client.ro\r\nAction: delivered\r\nStatus: 2.0.0\r\n\r\n"
        b"--b--\r\n"
    )
    report = dsn.parse(raw)
    assert report.message_id is None
    assert [(r.address, r.outcome) for r in report.recipients] == [
        ("ana@client.ro", "hard"),
        ("dan@client.ro", "soft"),
        ("eva@client.ro", "delivered"),
    ]


def test_other_mail_is_not_a_dsn() -> None:
    with pytest.raises(dsn.NotADsn):
        dsn.parse(b"From: a@b.ro\r\nSubject: Re: oferta\r\n\r\nMultumesc!\r\n")
    with pytest.raises(dsn.NotADsn):
        dsn.parse(
            b"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=disposition-notification;"
            b' boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nread\r\n--b--\r\n'
        )


def test_signing_secrets() -> None:
    """Each tenant's generic secret is its own and stable; a malformed configured secret is a 401."""
    import uuid

    from genius.core.kit.errors import Problem
    from genius.vettify.campaigns import bounces

    a, b = uuid.uuid4(), uuid.uuid4()
    assert bounces.tenant_secret("k", a) == bounces.tenant_secret("k", a) != bounces.tenant_secret("k", b)
    assert bounces.tenant_secret("k", a) != bounces.tenant_secret("other", a)
    headers = {"webhook-id": "x", "webhook-timestamp": "1", "webhook-signature": "v1,AAAA"}
    for secret in ("whsec_!!not base64!!", "whsec_"):
        with pytest.raises(Problem) as refused:
            bounces.verify(secret, b"{}", headers)
        assert refused.value.status == 401


def test_the_dsn_task_is_on_the_email_queue() -> None:
    import genius.workers.email_send.tasks  # noqa: F401  (registers the tasks)
    from genius.workers.celery_app import celery_app, route_by_name

    assert "email.send.dsn" in celery_app.tasks
    assert route_by_name("email.send.dsn", (), {}, {}) == {"queue": "email.send", "routing_key": "email.send"}
