"""Verifying and reading the three providers' webhooks (pure functions: no database).

* **Resend** signs with Svix (``svix-id``, ``svix-timestamp``, ``svix-signature``: HMAC-SHA256 of
  ``id.timestamp.body`` under the ``whsec_`` secret). The ``svix`` library verifies it and refuses a
  timestamp more than 5 minutes away. The delivery id is ``svix-id``.
* **Instantly** and **TimelinesAI** do not sign: each webhook is configured with our shared secret,
  which arrives in ``X-Webhook-Secret`` (or ``?secret=``) and is compared in constant time. The event's
  own time (``timestamp``; TimelinesAI's ``message.timestamp``) must be within 5 minutes, so a captured
  request cannot be replayed later. Their delivery ids derive from the provider's ids.

Each payload becomes an ``Event``: what happened (``kind``), and the references that find our message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from svix.webhooks import Webhook, WebhookVerificationError

TOLERANCE = timedelta(minutes=5)

# What each provider's event type means for our message.
RESEND_KINDS = {
    "email.sent": "sent",
    "email.delivered": "delivered",
    "email.delivery_delayed": "ignored",
    "email.opened": "opened",
    "email.clicked": "clicked",
    "email.bounced": "bounced",
    "email.complained": "complained",
}
INSTANTLY_KINDS = {
    "email_sent": "sent",
    "email_opened": "opened",
    "link_clicked": "clicked",
    "email_link_clicked": "clicked",
    "reply_received": "replied",
    "email_bounced": "bounced",
    "lead_unsubscribed": "unsubscribed",
}
TIMELINES_KINDS = {"message:received:new": "replied", "message:new": "replied", "message:sent:new": "ignored"}


class Refused(Exception):
    """The request is not an authentic, fresh webhook: 401 and nothing stored."""


class Malformed(Exception):
    """Authentic but unreadable: 400 and nothing stored."""


@dataclass(frozen=True)
class Event:
    provider: str
    delivery_id: str
    event_type: str
    kind: str  # sent | delivered | opened | clicked | bounced | complained | unsubscribed | replied | ignored
    at: datetime
    message_id: str | None = None  # the provider's id of our outbound message
    reference: str | None = None  # our communication id, when the provider echoes it back
    thread_id: str | None = None  # TimelinesAI chat id
    text: str | None = None  # a reply's text
    reply_id: str | None = None  # the provider's id of the reply itself
    bounce_type: str | None = None


def _document(body: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Malformed("the body is not JSON") from exc
    if not isinstance(doc, dict):
        raise Malformed("the body is not a JSON object")
    return doc


def _parse_time(raw: object) -> datetime | None:
    if not isinstance(raw, str) or not raw:
        return None
    text = raw.strip().replace("Z", "+00:00")
    for candidate in (text, text.replace(" ", "T", 1)):
        try:
            parsed = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    try:  # TimelinesAI: "2024-01-08 10:35:18 +0200"
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S %z")
    except ValueError:
        return None


def _fresh(at: datetime | None, now: datetime) -> datetime:
    if at is None:
        raise Refused("the event carries no time")
    if abs(now - at) > TOLERANCE:
        raise Refused("the event is older than 5 minutes (or from the future): a replay is refused")
    return at


def check_secret(expected: str | None, given: str | None) -> None:
    if not expected:
        raise Refused("webhooks from this provider are not configured (no secret)")
    if not given or not hmac.compare_digest(expected.encode(), given.encode()):
        raise Refused("wrong webhook secret")


def _str(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def resend(secret: str | None, body: bytes, headers: dict[str, str], now: datetime) -> Event:
    if not secret:
        raise Refused("Resend webhooks are not configured (GENIUS_RESEND_WEBHOOK_SECRET)")
    try:
        hook = Webhook(secret)
    except Exception as exc:  # a malformed secret is the operator's error, never the caller's
        raise Refused("the Resend signing secret is not a valid whsec_ secret") from exc
    wanted = {k: headers.get(k, "") for k in ("svix-id", "svix-timestamp", "svix-signature")}
    try:
        # The library checks the timestamp against its own clock (5 minutes either way).
        hook.verify(body, wanted)
    except WebhookVerificationError as exc:
        raise Refused(f"Svix signature refused: {exc}") from exc
    sent = datetime.fromtimestamp(int(wanted["svix-timestamp"]), UTC)
    _fresh(sent, now)
    doc = _document(body)
    event_type = str(doc.get("type") or "")
    data = doc.get("data") if isinstance(doc.get("data"), dict) else {}
    assert isinstance(data, dict)
    tags = data.get("tags")
    reference = None
    if isinstance(tags, dict):
        reference = _str(tags.get("communication"))
    elif isinstance(tags, list):
        reference = next(
            (_str(t.get("value")) for t in tags if isinstance(t, dict) and t.get("name") == "communication"),
            None,
        )
    bounce = data.get("bounce") if isinstance(data.get("bounce"), dict) else {}
    assert isinstance(bounce, dict)
    return Event(
        provider="resend",
        delivery_id=wanted["svix-id"][:200],
        event_type=event_type[:80],
        kind=RESEND_KINDS.get(event_type, "ignored"),
        at=_parse_time(doc.get("created_at")) or sent,
        message_id=_str(data.get("email_id")),
        reference=reference,
        bounce_type=_str(bounce.get("type")),
    )


def instantly(secret: str | None, given: str | None, body: bytes, now: datetime) -> Event:
    check_secret(secret, given)
    doc = _document(body)
    at = _fresh(_parse_time(doc.get("timestamp")), now)
    event_type = str(doc.get("event_type") or "")
    kind = INSTANTLY_KINDS.get(event_type, "ignored")
    email_id = _str(doc.get("email_id"))
    basis = "|".join(
        str(doc.get(k) or "") for k in ("event_type", "email_id", "lead_email", "campaign_id", "timestamp")
    )
    text = doc.get("reply_text") or doc.get("reply_text_snippet")
    return Event(
        provider="instantly",
        delivery_id="instantly:" + hashlib.sha256(basis.encode()).hexdigest()[:48],
        event_type=event_type[:80],
        kind=kind,
        at=at,
        message_id=email_id if kind != "replied" else None,
        reference=_str(doc.get("genius_ref")),
        text=str(text) if kind == "replied" and text else None,
        reply_id=email_id if kind == "replied" else None,
    )


def timelinesai(secret: str | None, given: str | None, body: bytes, now: datetime) -> Event:
    check_secret(secret, given)
    doc = _document(body)
    message = doc.get("message") if isinstance(doc.get("message"), dict) else None
    chat = doc.get("chat") if isinstance(doc.get("chat"), dict) else {}
    if message is None:
        raise Malformed("a TimelinesAI message event carries a message object")
    assert isinstance(chat, dict)
    at = _fresh(_parse_time(message.get("timestamp")), now)
    event_type = str(doc.get("event_type") or "")
    kind = TIMELINES_KINDS.get(event_type, "ignored")
    # Our own messages come back too (message:new fires both ways; from_me / direction "sent"): skipped.
    if message.get("from_me") is True or message.get("direction") == "sent":
        kind = "ignored"
    uid = _str(message.get("message_uid") or message.get("uid"))
    if uid is None:
        raise Malformed("a TimelinesAI message carries its message_uid")
    return Event(
        provider="timelinesai",
        delivery_id=f"timelinesai:{uid}"[:200],
        event_type=event_type[:80],
        kind=kind,
        at=at,
        message_id=_str(message.get("reply_to_uid")),
        thread_id=_str(chat.get("chat_id")),
        text=str(message.get("text") or ""),
        reply_id=uid,
    )
