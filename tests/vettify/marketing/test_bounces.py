"""Bounces and complaints by webhook (generic, Standard Webhooks-signed; Resend's Svix-signed events):
signatures made by svix's own signer, forged and replayed (> 5 minutes) events refused and changing
nothing, redeliveries applied once; the effects on recipients, the suppression list and the metrics."""

from __future__ import annotations

import base64
import json
import os
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from svix.webhooks import Webhook

from genius.core.platform import Platform
from tests.vettify.conftest import Crm
from tests.vettify.marketing.conftest import SEND_BODY, FlakyInbox, campaign, contact, run_batch

ADDRESSES = ("ana@client.ro", "dan@client.ro", "eva@client.ro")


def signed(
    secret: str, body: dict[str, Any], *, msg_id: str | None = None, at: datetime | None = None, prefix: str
) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    at = at or datetime.now(UTC)
    signature = Webhook(secret).sign(msg_id, at, raw.decode())
    headers = {
        f"{prefix}-id": msg_id,
        f"{prefix}-timestamp": str(int(at.timestamp())),
        f"{prefix}-signature": signature,
        "content-type": "application/json",
    }
    return raw, headers


@pytest.fixture
def sent(crm: Crm, send_on: Platform, tenant: Any, sink: tuple[FlakyInbox, int]) -> dict[str, Any]:
    """A campaign sent to three addresses through the real SMTP sink: its id, recipients by address,
    and the Message-ID each mail carried."""
    inbox, port = sink
    for address in ADDRESSES:
        contact(crm, address)
    c = campaign(crm)
    assert crm.call("POST", f"/campaigns/{c['id']}/send", SEND_BODY).status_code == 202
    run_batch(send_on, port, tenant.id, c["id"], 0, "task-1")
    recipients = {
        r["address"]: r for r in crm.call("GET", f"/campaigns/{c['id']}/recipients").json()["items"]
    }
    mail_ids = {rcpts[0]: msg["Message-ID"] for rcpts, msg in inbox.messages}
    return {"id": c["id"], "recipients": recipients, "message_ids": mail_ids}


def metrics(crm: Crm, campaign_id: str) -> dict[str, Any]:
    body: dict[str, Any] = crm.call("GET", f"/campaigns/{campaign_id}/metrics").json()
    return body


def suppressions(crm: Crm) -> dict[str, str]:
    return {s["address"]: s["reason"] for s in crm.call("GET", "/suppressions").json()["items"]}


def recipient(crm: Crm, campaign_id: str, address: str) -> dict[str, Any]:
    items = crm.call("GET", f"/campaigns/{campaign_id}/recipients").json()["items"]
    return next(r for r in items if r["address"] == address)


def history(crm: Crm, campaign_id: str, rid: str) -> list[dict[str, Any]]:
    r = crm.call("GET", f"/campaigns/{campaign_id}/recipients/{rid}/history")
    assert r.status_code == 200, r.text
    body: list[dict[str, Any]] = r.json()
    return body


def test_the_message_id_is_stored_per_recipient(crm: Crm, sent: dict[str, Any]) -> None:
    for address in ADDRESSES:
        written = sent["message_ids"][address]
        assert sent["recipients"][address]["message_id"] == written.strip("<>").lower()
    assert len({r["message_id"] for r in sent["recipients"].values()}) == 3


def test_generic_webhook(crm: Crm, sent: dict[str, Any], tenant: Any) -> None:
    client, cid = crm.client, sent["id"]
    r = client.get("/v1/crm/webhooks/email-events/secret", headers=tenant.headers)
    assert r.status_code == 200, r.text
    secret = r.json()["secret"]
    assert secret.startswith("whsec_") and r.json()["url"].endswith(f"/email-events/{tenant.id}")
    url = f"/v1/crm/webhooks/email-events/{tenant.slug}"
    ana_mid = sent["message_ids"]["ana@client.ro"]
    now = datetime.now(UTC).isoformat()
    bounce = {"type": "bounced", "bounce": "hard", "message_id": ana_mid, "timestamp": now, "reason": "5.1.1"}

    # Forged (another secret, a flipped signature) and replayed (6 minutes old): 401, nothing changes.
    other = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    raw, headers = signed(other, bounce, prefix="webhook")
    forged = client.post(url, content=raw, headers=headers)
    assert forged.status_code == 401 and forged.headers["content-type"] == "application/problem+json"
    raw, headers = signed(secret, bounce, prefix="webhook")
    assert client.post(url, content=raw.replace(b"hard", b"soft"), headers=headers).status_code == 401
    raw, headers = signed(secret, bounce, prefix="webhook", at=datetime.now(UTC) - timedelta(minutes=6))
    assert client.post(url, content=raw, headers=headers).status_code == 401
    assert client.post(url, content=raw, headers={"content-type": "application/json"}).status_code == 401
    assert suppressions(crm) == {} and metrics(crm, cid)["bounced"]["count"] == 0

    # A hard bounce by Message-ID: recipient bounced, address suppressed; its redelivery changes nothing.
    raw, headers = signed(secret, bounce, prefix="webhook", msg_id="evt-1")
    first = client.post(url, content=raw, headers=headers)
    assert first.status_code == 200, first.text
    ana = sent["recipients"]["ana@client.ro"]
    assert first.json() == {"status": "applied", "recipients": [ana["id"]], "suppressed": ["ana@client.ro"]}
    assert client.post(url, content=raw, headers=headers).json()["status"] == "duplicate"
    assert suppressions(crm) == {"ana@client.ro": "bounced"}
    assert recipient(crm, cid, "ana@client.ro")["delivery"] == "bounced"
    assert [e["status"] for e in history(crm, cid, ana["id"])] == ["bounced"]

    # A soft bounce (by address, svix-* headers) is only recorded; a delivery report marks delivered.
    soft = {
        "type": "bounced",
        "bounce": "soft",
        "email": "dan@client.ro",
        "timestamp": now,
        "reason": "4.2.2",
    }
    raw, headers = signed(secret, soft, prefix="svix")
    assert client.post(url, content=raw, headers=headers).json()["status"] == "applied"
    dan = recipient(crm, cid, "dan@client.ro")
    assert dan["delivery"] is None and "dan@client.ro" not in suppressions(crm)
    assert [(e["status"], e["source"]) for e in history(crm, cid, dan["id"])] == [("soft_bounced", "webhook")]
    delivered = {"type": "delivered", "message_id": sent["message_ids"]["dan@client.ro"], "timestamp": now}
    raw, headers = signed(secret, delivered, prefix="webhook")
    assert client.post(url, content=raw, headers=headers).json()["status"] == "applied"
    assert recipient(crm, cid, "dan@client.ro")["delivery"] == "delivered"

    # A complaint suppresses; an address of no campaign is still suppressed; unknown ids are unmatched.
    complaint = {"type": "complained", "email": "eva@client.ro", "timestamp": now}
    raw, headers = signed(secret, complaint, prefix="webhook")
    assert client.post(url, content=raw, headers=headers).json()["status"] == "applied"
    stranger = {"type": "bounced", "email": "nimeni@altundeva.ro", "timestamp": now}
    raw, headers = signed(secret, stranger, prefix="webhook")
    assert client.post(url, content=raw, headers=headers).json()["suppressed"] == ["nimeni@altundeva.ro"]
    unknown = {"type": "delivered", "message_id": "<nope@genius.local>", "timestamp": now}
    raw, headers = signed(secret, unknown, prefix="webhook")
    assert client.post(url, content=raw, headers=headers).json()["status"] == "unmatched"
    nameless = {"type": "delivered", "timestamp": now}
    raw, headers = signed(secret, nameless, prefix="webhook")
    assert client.post(url, content=raw, headers=headers).status_code == 422

    assert suppressions(crm) == {
        "ana@client.ro": "bounced",
        "eva@client.ro": "complained",
        "nimeni@altundeva.ro": "bounced",
    }
    m = metrics(crm, cid)
    assert m["sent"] == 3
    assert (m["bounced"]["count"], m["complained"]["count"], m["delivered"]["count"]) == (1, 1, 2)
    assert m["delivery_confirmed"] == {"count": 1, "rate": round(1 / 3, 4)}
    assert m["bounced"]["rate"] == round(1 / 3, 4)


def test_the_secret_is_the_tenants_own(crm: Crm, sent: dict[str, Any], make_tenant: Any, tenant: Any) -> None:
    """Another tenant's secret does not sign for this one; an unknown tenant is a 404."""
    other = make_tenant()
    secret = crm.client.get("/v1/crm/webhooks/email-events/secret", headers=other.headers).json()["secret"]
    body = {"type": "complained", "email": "ana@client.ro", "timestamp": datetime.now(UTC).isoformat()}
    raw, headers = signed(secret, body, prefix="webhook")
    assert (
        crm.client.post(
            f"/v1/crm/webhooks/email-events/{tenant.id}", content=raw, headers=headers
        ).status_code
        == 401
    )
    assert (
        crm.client.post(
            "/v1/crm/webhooks/email-events/no-such-tenant", content=raw, headers=headers
        ).status_code
        == 404
    )
    assert suppressions(crm) == {}


def _resend(kind: str, to: str, **data: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "data": {
            "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "email_id": str(uuid.uuid4()),
            "from": "GeniusERP <no-reply@genius.local>",
            "to": [to],
            "subject": "Noutăți e-Factura",
            **data,
        },
    }


def test_resend_webhook(
    crm: Crm, sent: dict[str, Any], tenant: Any, send_on: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, cid = crm.client, sent["id"]
    url = f"/v1/crm/webhooks/resend/{tenant.slug}"
    bounced = _resend(
        "email.bounced",
        "ana@client.ro",
        bounce={
            "message": "The recipient's mailbox does not exist.",
            "subType": "General",
            "type": "Permanent",
        },
    )
    secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
    raw, headers = signed(secret, bounced, prefix="svix")
    not_configured = client.post(url, content=raw, headers=headers)
    assert not_configured.status_code == 401 and not_configured.json()["type"].endswith(
        "webhook-not-configured"
    )
    monkeypatch.setattr(
        send_on, "settings", send_on.settings.model_copy(update={"resend_webhook_secret": secret})
    )

    forged_raw, forged_headers = signed(
        "whsec_" + base64.b64encode(b"x" * 24).decode(), bounced, prefix="svix"
    )
    assert client.post(url, content=forged_raw, headers=forged_headers).status_code == 401
    old_raw, old_headers = signed(secret, bounced, prefix="svix", at=datetime.now(UTC) - timedelta(minutes=6))
    assert client.post(url, content=old_raw, headers=old_headers).status_code == 401
    assert suppressions(crm) == {}

    first = client.post(url, content=raw, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["suppressed"] == ["ana@client.ro"]
    assert client.post(url, content=raw, headers=headers).json()["status"] == "duplicate"
    ana = recipient(crm, cid, "ana@client.ro")
    events = history(crm, cid, ana["id"])
    assert [(e["status"], e["source"]) for e in events] == [("bounced", "resend")]
    assert "Permanent" in events[0]["reason"] and "does not exist" in events[0]["reason"]

    def post(event: dict[str, Any]) -> dict[str, Any]:
        raw, headers = signed(secret, event, prefix="svix")
        r = client.post(url, content=raw, headers=headers)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    transient = _resend(
        "email.bounced", "dan@client.ro", bounce={"type": "Transient", "subType": "MailboxFull"}
    )
    assert post(transient)["suppressed"] == []
    assert post(_resend("email.delivery_delayed", "dan@client.ro"))["status"] == "applied"
    dan = recipient(crm, cid, "dan@client.ro")
    assert [e["status"] for e in history(crm, cid, dan["id"])] == ["soft_bounced", "soft_bounced"]
    # Resend passes back the headers given at send: the Message-ID finds the recipient first.
    by_header = _resend(
        "email.delivered",
        "someone-else@client.ro",
        headers=[{"name": "Message-ID", "value": sent["message_ids"]["dan@client.ro"]}],
    )
    assert post(by_header)["recipients"] == [dan["id"]]
    assert post(_resend("email.complained", "eva@client.ro"))["suppressed"] == ["eva@client.ro"]
    assert post(_resend("email.opened", "eva@client.ro"))["status"] == "ignored"

    assert suppressions(crm) == {"ana@client.ro": "bounced", "eva@client.ro": "complained"}
    m = metrics(crm, cid)
    assert (m["bounced"]["count"], m["complained"]["count"], m["delivery_confirmed"]["count"]) == (1, 1, 1)
    assert recipient(crm, cid, "eva@client.ro")["delivery"] == "complained"


def test_dsn_mails(crm: Crm, sent: dict[str, Any], send_on: Platform, tenant: Any) -> None:
    """DSNs as a mailbox returns them (the email.send.dsn task's work): Postfix's hard bounce and
    Gmail's suppress and mark their recipients, Exim's delay is only recorded; each DSN applies once."""
    from genius.vettify.campaigns.delivery import process_dsn
    from tests.vettify.marketing.test_dsn import sample

    cid, mids = sent["id"], sent["message_ids"]
    postfix = sample("postfix", mids["ana@client.ro"])
    first = process_dsn(send_on.db, tenant.id, postfix)
    assert first["status"] == "applied" and first["suppressed"] == ["ana@client.ro"]
    assert process_dsn(send_on.db, tenant.id, postfix)["status"] == "duplicate"
    assert process_dsn(send_on.db, tenant.id, sample("exim", mids["dan@client.ro"]))["suppressed"] == []
    assert process_dsn(send_on.db, tenant.id, sample("gmail", mids["eva@client.ro"]))["status"] == "applied"
    assert process_dsn(send_on.db, tenant.id, b"Subject: salut\r\n\r\nbuna\r\n")["status"] == "ignored"

    assert suppressions(crm) == {"ana@client.ro": "bounced", "eva@client.ro": "bounced"}
    ana = recipient(crm, cid, "ana@client.ro")
    assert ana["delivery"] == "bounced"
    (event,) = history(crm, cid, ana["id"])
    assert event["source"] == "dsn" and event["reason"].startswith("5.1.1 smtp; 550 5.1.1")
    dan = recipient(crm, cid, "dan@client.ro")
    assert dan["delivery"] is None
    assert [e["status"] for e in history(crm, cid, dan["id"])] == ["soft_bounced"]
    assert metrics(crm, cid)["bounced"]["count"] == 2


def test_pages_show_bounces_and_suppression(
    client: Any, crm: Crm, sent: dict[str, Any], send_on: Platform, tenant: Any
) -> None:
    from genius.vettify.campaigns.delivery import process_dsn
    from tests.core.test_admin_pages import login
    from tests.vettify.marketing.test_dsn import sample

    process_dsn(send_on.db, tenant.id, sample("postfix", sent["message_ids"]["ana@client.ro"]))
    login(client, tenant.slug, tenant.admin_email)
    page = client.get(f"/crm/campaigns/{sent['id']}")
    assert page.status_code == 200
    assert "Respinse" in page.text and "Reclamații" in page.text and "Livrare confirmată" in page.text
    assert "Trimise · respins" in page.text  # ana's row
    ana = sent["recipients"]["ana@client.ro"]
    contact_page = client.get(f"/crm/contacts/{ana['contact_id']}")
    assert contact_page.status_code == 200
    assert "E-mail de marketing" in contact_page.text and "adresa a respins mesajul" in contact_page.text
    dan = sent["recipients"]["dan@client.ro"]
    assert "Permis (nu e pe lista de excludere)" in client.get(f"/crm/contacts/{dan['contact_id']}").text


def test_a_tenants_own_resend_secret(
    crm: Crm,
    sent: dict[str, Any],
    tenant: Any,
    make_tenant: Any,
    send_on: Platform,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Once a tenant saves its own secret only that one verifies its Resend events (the environment's no
    longer does); other tenants keep the environment's; removing it restores the environment's."""
    from sqlalchemy import text

    client = crm.client
    settings_url = "/v1/crm/settings/resend-webhook-secret"
    url = f"/v1/crm/webhooks/resend/{tenant.slug}"
    shared = "whsec_" + base64.b64encode(os.urandom(24)).decode()
    own = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    monkeypatch.setattr(
        send_on, "settings", send_on.settings.model_copy(update={"resend_webhook_secret": shared})
    )
    before = client.get(settings_url, headers=tenant.headers)
    assert before.status_code == 200, before.text
    assert before.json()["source"] == "environment" and before.json()["hint"] == shared[-4:].join(["…", ""])
    assert before.json()["url"].endswith(f"/v1/crm/webhooks/resend/{tenant.id}")

    # Malformed secrets: RFC 9457 problems with the field named, nothing saved.
    for bad in ("whsec_", "parola", "whsec_!!nu-e-base64!!", "whsec_" + base64.b64encode(b"scurt").decode()):
        r = client.put(settings_url, json={"secret": bad}, headers=tenant.headers)
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", bad
        assert [e["field"] for e in r.json()["errors"]] == ["secret"], r.text
    assert client.put(settings_url, json={"secret": own, "x": 1}, headers=tenant.headers).status_code == 422

    saved = client.put(settings_url, json={"secret": own}, headers=tenant.headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["source"] == "tenant" and saved.json()["hint"] == "…" + own[-4:]
    assert own not in saved.text and own not in client.get(settings_url, headers=tenant.headers).text
    with send_on.db.tenant_session(tenant.id) as s:
        stored = s.execute(text("SELECT secret FROM crm.webhook_secrets")).scalar()
        actions = s.execute(
            text("SELECT action FROM core.audit_log WHERE action LIKE 'crm.webhook_secret.%'")
        ).scalars()
        assert list(actions) == ["crm.webhook_secret.saved"]
    assert stored is not None and own.encode() not in bytes(stored)  # encrypted at rest

    complaint = _resend("email.complained", "eva@client.ro")
    raw, headers = signed(shared, complaint, prefix="svix")
    refused = client.post(url, content=raw, headers=headers)
    assert refused.status_code == 401 and refused.json()["type"].endswith("webhook-signature")
    raw, headers = signed(own, complaint, prefix="svix", at=datetime.now(UTC) - timedelta(minutes=6))
    assert client.post(url, content=raw, headers=headers).status_code == 401  # replayed
    raw, headers = signed(own, complaint, prefix="svix")
    assert client.post(url, content=raw.replace(b"eva", b"ana"), headers=headers).status_code == 401  # forged
    assert suppressions(crm) == {}
    accepted = client.post(url, content=raw, headers=headers)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["suppressed"] == ["eva@client.ro"]

    # Another tenant is untouched: still the environment's secret, and ours does not sign for it.
    other = make_tenant()
    other_url = f"/v1/crm/webhooks/resend/{other.slug}"
    assert client.get(settings_url, headers=other.headers).json()["source"] == "environment"
    raw, headers = signed(own, _resend("email.complained", "x@client.ro"), prefix="svix")
    assert client.post(other_url, content=raw, headers=headers).status_code == 401
    raw, headers = signed(shared, _resend("email.complained", "x@client.ro"), prefix="svix")
    assert client.post(other_url, content=raw, headers=headers).status_code == 200

    # Removing it brings the environment's back; a second removal is 404.
    assert client.delete(settings_url, headers=tenant.headers).status_code == 204
    assert client.delete(settings_url, headers=tenant.headers).status_code == 404
    raw, headers = signed(shared, _resend("email.complained", "dan@client.ro"), prefix="svix")
    assert client.post(url, content=raw, headers=headers).status_code == 200
    assert client.get(settings_url, headers=tenant.headers).json()["source"] == "environment"
