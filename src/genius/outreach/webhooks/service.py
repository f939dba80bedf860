"""Webhook deliveries: accepted in the request, applied in the background.

``accept`` keeps the raw delivery (once per provider delivery id) and defers
``outreach.webhook.process`` in the same transaction, so the endpoint answers 200 at once and nothing is
lost between the answer and the work. ``apply`` then finds our message and moves it:

* statuses only move forward (``SENT → DELIVERED → OPENED → CLICKED → REPLIED``); each first time is
  stamped (``delivered_at``, ``opened_at`` …); a first open counts for the A/B version answered;
* a bounce marks the message ``BOUNCED`` and stops the journey's sequences; a complaint or an
  unsubscribe also flags the lead's e-mail as opted out;
* a reply goes through ``inbox.receive_reply`` (sentiment, state, sequences, review queue).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

from sqlalchemy.orm import Session

from genius.core.db.base import utcnow
from genius.core.events.service import defer
from genius.core.storage import TenantStorage
from genius.outreach import inbox
from genius.outreach import repository as journeys
from genius.outreach.models import Channel, CommunicationLog, MessageStatus
from genius.outreach.sequences import service as sequences
from genius.outreach.webhooks import repository
from genius.outreach.webhooks.parse import Event, _parse_time

TASK = "outreach.webhook.process"
QUEUE = "outreach"
RANK = {
    MessageStatus.QUEUED.value: 0,
    MessageStatus.SENT.value: 1,
    MessageStatus.DELIVERED.value: 2,
    MessageStatus.READ.value: 3,
    MessageStatus.OPENED.value: 3,
    MessageStatus.CLICKED.value: 4,
    MessageStatus.REPLIED.value: 5,
    MessageStatus.BOUNCED.value: 6,
    MessageStatus.FAILED.value: 6,
}
STAMPS = {
    MessageStatus.SENT.value: "sent_at",
    MessageStatus.DELIVERED.value: "delivered_at",
    MessageStatus.OPENED.value: "opened_at",
    MessageStatus.CLICKED.value: "clicked_at",
    MessageStatus.BOUNCED.value: "bounced_at",
}


def accept(session: Session, tid: uuid.UUID, event: Event, payload: dict[str, Any]) -> bool:
    """Keep a verified delivery and queue its processing; ``False`` for a delivery already kept."""
    kept = repository.store(
        session,
        tid,
        event.provider,
        event.delivery_id,
        event.event_type,
        {"body": payload, "event": _plain(event)},
    )
    if kept is None:
        return False
    defer(session, TASK, tid=tid, kwargs={"delivery_id": str(kept)}, queue=QUEUE)
    return True


def _plain(event: Event) -> dict[str, Any]:
    data = asdict(event)
    data["at"] = event.at.isoformat()
    return data


def _event(stored: dict[str, Any]) -> Event:
    data = dict(stored["event"])
    data["at"] = _parse_time(data["at"]) or utcnow()
    return Event(**data)


def _message(session: Session, event: Event) -> CommunicationLog | None:
    if event.reference:
        try:
            found = repository.communication(session, uuid.UUID(event.reference))
        except ValueError:
            found = None
        if found is not None:
            return found
    if event.message_id:
        found = journeys.by_external_id(session, event.provider, message_id=event.message_id)
        if found is not None:
            return found
    if event.thread_id:
        return repository.last_in_thread(session, event.provider, event.thread_id)
    return None


def _advance(row: CommunicationLog, status: MessageStatus, event: Event) -> None:
    stamp = STAMPS.get(status.value)
    if stamp and getattr(row, stamp) is None:
        setattr(row, stamp, event.at)
    if RANK[status.value] > RANK.get(row.status, 0) or status is MessageStatus.BOUNCED:
        row.status = status.value
    row.updated_at = utcnow()


def apply(session: Session, delivery_id: uuid.UUID, files: TenantStorage) -> str:
    """Process one kept delivery (idempotent: a processed one is left alone); the outcome recorded."""
    delivery = repository.delivery_locked(session, delivery_id)
    if delivery is None:
        return "missing"
    if delivery.processed_at is not None:
        return delivery.outcome or "done"
    event = _event(delivery.payload)
    outcome = _apply(session, event, files)
    delivery.processed_at = utcnow()
    delivery.outcome = outcome[:200]
    session.flush()
    return outcome


def _apply(session: Session, event: Event, files: TenantStorage) -> str:
    if event.kind == "ignored":
        return "ignored"
    row = _message(session, event)
    if row is None:
        return "unmatched"
    if event.kind == "sent":
        if event.message_id and row.external_message_id is None:
            row.external_message_id = event.message_id  # Instantly names the e-mail once it goes out
        _advance(row, MessageStatus.SENT, event)
        return "sent"
    if event.kind == "delivered":
        _advance(row, MessageStatus.DELIVERED, event)
        return "delivered"
    if event.kind in ("opened", "clicked"):
        first_open = row.opened_at is None
        _advance(row, MessageStatus.OPENED, event)
        if event.kind == "clicked":
            _advance(row, MessageStatus.CLICKED, event)
        if first_open:
            sequences.record_open(session, row.journey_id)
        return event.kind
    journey = journeys.journey_locked(session, row.journey_id)
    if journey is None:
        return "unmatched"
    if event.kind in ("bounced", "complained", "unsubscribed"):
        if event.kind == "bounced":
            _advance(row, MessageStatus.BOUNCED, event)
            row.error_message = f"bounce: {event.bounce_type or 'unknown'}"
        else:
            journey.email_opted_out = True
        sequences.stop_for_journey(session, journey.id, event.kind, at=event.at)
        return event.kind
    if event.kind == "replied":
        received = inbox.receive_reply(
            session,
            journey,
            Channel(row.channel),
            event.text or "",
            at=event.at,
            provider=event.provider,
            external_message_id=event.reply_id,
            external_thread_id=event.thread_id or row.external_thread_id,
            files=files,
        )
        return f"replied ({received.verdict.label})"
    return "ignored"
