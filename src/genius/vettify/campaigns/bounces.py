"""Bounces, complaints and delivery reports of campaign mail: from the generic webhook, Resend's
(Svix-signed) webhook and RFC 3464 DSN mails. Services flush and never commit.

Both webhooks are signed the Standard Webhooks / Svix way (``id.timestamp.body``, HMAC-SHA256, headers
``svix-*`` or ``webhook-*``) and verified with the ``svix`` library: a bad signature, or a timestamp
more than 5 minutes away from now, is refused before anything is read. Each event id (``svix-id`` /
``webhook-id``, a DSN's Message-ID) is applied once per tenant (``crm.mail_events_seen``).

Effects: a hard bounce or a complaint suppresses the address (reason ``bounced`` / ``complained``) and
marks the campaign recipient; a soft bounce is only recorded in the recipient's history; a delivery
report marks the recipient delivered. The recipient is found by the Message-ID the worker wrote, else by
the address (the latest sent).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy.orm import Session
from svix.webhooks import Webhook, WebhookVerificationError

from genius.core.kit.errors import Unauthorized
from genius.vettify.campaigns import dsn as dsn_parser
from genius.vettify.campaigns import repository as repo
from genius.vettify.campaigns.models import CampaignRecipient, RecipientEvent
from genius.vettify.campaigns.schemas import EmailEventIn, EmailEventOut
from genius.vettify.sequences import service as sequences
from genius.vettify.sequences.schemas import StopReason

Status = Literal["delivered", "soft_bounced", "bounced", "complained"]
Source = Literal["webhook", "resend", "dsn"]
# What a recipient shows (``delivery``): a later, weaker report never hides a stronger one.
_RANK = {None: 0, "delivered": 1, "bounced": 2, "complained": 3}


@dataclass(frozen=True)
class MailEvent:
    status: Status
    occurred_at: datetime
    message_id: str | None = None
    address: str | None = None
    reason: str | None = None


# --- signatures -------------------------------------------------------------------------------------------
def tenant_secret(secret_key: str, tid: uuid.UUID) -> str:
    """The generic webhook's signing secret of a tenant (``whsec_…``), derived from
    ``GENIUS_SECRET_KEY``: nothing to store, and one tenant's secret says nothing of another's."""
    key = hmac.new(secret_key.encode(), b"genius.crm.email-events.v1|" + tid.bytes, hashlib.sha256)
    return "whsec_" + base64.b64encode(key.digest()).decode()


def verify(secret: str, body: bytes, headers: Mapping[str, str]) -> str:
    """Check a Svix / Standard Webhooks signature (5 minutes' tolerance); the event id, else 401."""
    wanted = ("svix-id", "svix-timestamp", "svix-signature", "webhook-id", "webhook-timestamp")
    given = {k.lower(): v for k, v in headers.items() if k.lower() in (*wanted, "webhook-signature")}
    try:
        webhook = Webhook(secret)
    except Exception:  # not base64, empty: a configuration error, never a 500 to the sender
        raise Unauthorized(
            "The webhook's signing secret is not a valid whsec_ secret.", code="webhook-not-configured"
        ) from None
    try:
        webhook.verify(body, given)
    except WebhookVerificationError as exc:
        raise Unauthorized(
            f"The webhook's signature does not verify: {exc}.", code="webhook-signature"
        ) from None
    return given.get("svix-id") or given["webhook-id"]


# --- payloads -----------------------------------------------------------------------------------------------
def from_generic(body: EmailEventIn) -> MailEvent:
    status: Status = (
        "complained"
        if body.type == "complained"
        else "delivered"
        if body.type == "delivered"
        else ("bounced" if body.bounce == "hard" else "soft_bounced")
    )
    return MailEvent(
        status=status,
        occurred_at=body.timestamp if body.timestamp.tzinfo else body.timestamp.replace(tzinfo=UTC),
        message_id=body.message_id,
        address=str(body.email).lower() if body.email else None,
        reason=body.reason,
    )


def _when(value: Any) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _resend_message_id(data: Mapping[str, Any]) -> str | None:
    """Resend passes the headers it was given at send time (a list of name/value pairs, or a map)."""
    headers = data.get("headers")
    pairs: list[tuple[Any, Any]] = []
    if isinstance(headers, list):
        pairs = [(h.get("name"), h.get("value")) for h in headers if isinstance(h, dict)]
    elif isinstance(headers, dict):
        pairs = list(headers.items())
    return next((str(v) for k, v in pairs if str(k).lower() == "message-id" and v), None)


def from_resend(payload: Mapping[str, Any]) -> list[MailEvent]:
    """Resend's ``email.delivered``, ``email.bounced`` (``bounce.type`` Permanent = hard, else soft),
    ``email.complained`` and ``email.delivery_delayed`` (soft); other types carry no delivery news."""
    kind = payload.get("type")
    data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
    assert isinstance(data, dict)
    bounce = data.get("bounce") if isinstance(data.get("bounce"), dict) else {}
    assert isinstance(bounce, dict)
    status: Status
    reason: str | None = None
    if kind == "email.delivered":
        status = "delivered"
    elif kind == "email.complained":
        status, reason = "complained", "complaint (feedback loop)"
    elif kind == "email.delivery_delayed":
        status, reason = "soft_bounced", "delivery delayed"
    elif kind == "email.bounced":
        permanent = str(bounce.get("type", "Permanent")).lower() == "permanent"
        status = "bounced" if permanent else "soft_bounced"
        parts = [str(bounce.get(k)) for k in ("type", "subType", "message") if bounce.get(k)]
        reason = " — ".join(parts) or "bounced"
    else:
        return []
    to = data.get("to")
    addresses = [str(a).lower() for a in (to if isinstance(to, list) else [to]) if a]
    message_id = _resend_message_id(data)
    when = _when(data.get("created_at") or payload.get("created_at"))
    return [
        MailEvent(status=status, occurred_at=when, message_id=message_id, address=a, reason=reason)
        for a in addresses or [None]  # type: ignore[list-item]
    ]


def from_dsn(report: dsn_parser.Dsn, received_at: datetime) -> list[MailEvent]:
    statuses: dict[str, Status] = {"delivered": "delivered", "hard": "bounced", "soft": "soft_bounced"}
    return [
        MailEvent(
            status=statuses[r.outcome],
            occurred_at=received_at,
            message_id=report.message_id,
            address=r.address,
            reason=" ".join(x for x in (r.status, r.diagnostic or "") if x) or None,
        )
        for r in report.recipients
    ]


# --- effects -----------------------------------------------------------------------------------------------
def apply(
    session: Session, tid: uuid.UUID, source: Source, event_id: str, events: list[MailEvent]
) -> EmailEventOut:
    """Apply a webhook's or DSN's events once per event id (a redelivery is ``duplicate``)."""
    if not repo.mark_seen(session, tid, source, event_id):
        return EmailEventOut(status="duplicate")
    out = EmailEventOut(status="ignored" if not events else "unmatched")
    for event in events:
        recipient = repo.recipient_for_event(session, event.message_id, None) if event.message_id else None
        by_message_id = recipient is not None
        if recipient is None and event.address:
            recipient = repo.recipient_for_event(session, None, event.address)
        if recipient is not None:
            _mark(session, tid, recipient, event, source)
            out.recipients.append(recipient.id)
            out.status = "applied"
        address = event.address or (recipient.address if recipient is not None else None)
        if source == "dsn" and by_message_id and recipient is not None:
            # A DSN is unsigned mail: whoever received a campaign message knows its Message-ID and could
            # name any address in a forged report. The address suppressed is the one the message went to.
            address = recipient.address
        if event.status in ("bounced", "complained") and address:
            repo.suppress(
                session,
                tid,
                address,
                event.status,
                note=(event.reason or event.status)[:500],
                campaign_id=recipient.campaign_id if recipient is not None else None,
                created_by=f"{source}:{event_id}"[:200],
            )
            out.suppressed.append(address.lower())
            out.status = "applied"
            sequences.stop_address(session, address, StopReason(event.status))
    repo.set_seen_outcome(session, source, event_id, out.status)
    session.flush()
    return out


def _mark(
    session: Session, tid: uuid.UUID, recipient: CampaignRecipient, event: MailEvent, source: Source
) -> None:
    repo.add(
        session,
        RecipientEvent(
            id=uuid.uuid4(),
            tid=tid,
            recipient_id=recipient.id,
            campaign_id=recipient.campaign_id,
            status=event.status,
            reason=event.reason[:1000] if event.reason else None,
            source=source,
            occurred_at=event.occurred_at,
        ),
    )
    if event.status == "delivered":
        recipient.delivered_at = recipient.delivered_at or event.occurred_at
    elif event.status == "bounced":
        recipient.bounced_at = recipient.bounced_at or event.occurred_at
    elif event.status == "complained":
        recipient.complained_at = recipient.complained_at or event.occurred_at
    if event.status != "soft_bounced" and _RANK[event.status] > _RANK[recipient.delivery]:
        recipient.delivery = event.status
    session.flush()


def process_dsn(session: Session, tid: uuid.UUID, raw: bytes) -> EmailEventOut:
    """One DSN mail (raw bytes): its recipients' outcomes applied once (by the DSN's own Message-ID,
    else a hash of its bytes); another kind of mail is ``ignored``."""
    try:
        report = dsn_parser.parse(raw)
    except dsn_parser.NotADsn:
        return EmailEventOut(status="ignored")
    event_id = report.dsn_id or "sha256:" + hashlib.sha256(raw).hexdigest()
    return apply(session, tid, "dsn", event_id, from_dsn(report, datetime.now(UTC)))
