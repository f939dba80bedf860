"""Reviewer actions on the human review queue (F2.13): approve the suggested reply, send an edited one,
take the conversation over, mark the lead dead or snooze the item. Each action locks the item, refuses a
resolved one (409 ``review-resolved``), writes its audit entry and closes or updates the item in the
caller's transaction (flush, never commit).

A reply is a communication-log row (``OUTBOUND``, ``QUEUED``, on the channel the lead wrote on) and a
task deferred through the outbox to that channel's queue (``outreach.whatsapp.send``, TimelinesAI;
``outreach.email.send``, Resend or Instantly), so it leaves only if the action commits.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from genius.core.audit import service as audit
from genius.core.db.base import utcnow
from genius.core.events.service import defer
from genius.core.kit.errors import Conflict, NotFound, Problem
from genius.core.kit.pagination import Page, decode_cursor
from genius.core.storage import TenantStorage
from genius.outreach import content
from genius.outreach import repository as journeys
from genius.outreach import service as outreach
from genius.outreach.models import (
    Channel,
    CommunicationLog,
    LeadJourney,
    LeadState,
    MessageDirection,
    MessageStatus,
    ReviewItem,
    ReviewPriority,
)
from genius.outreach.review import repository
from genius.outreach.review.repository import RESOLVED, SNOOZED
from genius.outreach.review.schemas import SNOOZE_MAX_DAYS
from genius.outreach.sequences.scheduler import lead_values
from genius.vettify import service as crm

PREVIEW = content.PREVIEW
# Hours a reviewer has, by priority, before an item's SLA is breached.
SLA_HOURS = {
    ReviewPriority.URGENT: 1,
    ReviewPriority.HIGH: 4,
    ReviewPriority.MEDIUM: 24,
    ReviewPriority.LOW: 72,
}
# The task (and so the queue) that sends on each channel.
SEND_TASKS = {
    Channel.WHATSAPP: "outreach.whatsapp.send",
    Channel.EMAIL_COLD: "outreach.email.send",
    Channel.EMAIL_WARM: "outreach.email.send",
}


@dataclass(frozen=True, kw_only=True)
class Reviewer:
    tid: uuid.UUID
    name: str  # e-mail or subject, for audit entries and ``resolved_by``
    files: TenantStorage  # where a sent reply's whole text is kept (outreach.content)
    user_id: uuid.UUID | None = None  # the account taking a conversation over
    request_id: str = ""


@dataclass(frozen=True)
class Outcome:
    item: ReviewItem
    journey: LeadJourney
    message: CommunicationLog | None = None


def sla_due(priority: ReviewPriority, since: datetime) -> datetime:
    return since + timedelta(hours=SLA_HOURS[priority])


def page(session: Session, *, status: str, cursor: str | None, limit: int) -> Page[ReviewItem]:
    after = None
    if cursor:
        due, item_id = decode_cursor(cursor, repository.ORDER, (datetime, uuid.UUID))
        after = (due, item_id)
    return repository.item_page(session, status=status, now=utcnow(), after=after, limit=limit)


def get(session: Session, item_id: uuid.UUID) -> ReviewItem:
    row = repository.item(session, item_id)
    if row is None:
        raise NotFound(f"no review item {item_id}")
    return row


def _open(session: Session, item_id: uuid.UUID) -> tuple[ReviewItem, LeadJourney]:
    row = repository.item(session, item_id, lock=True)
    if row is None:
        raise NotFound(f"no review item {item_id}")
    if row.status == RESOLVED:
        raise Conflict(
            f"review item {item_id} was resolved ({row.resolution}) by {row.resolved_by}",
            code="review-resolved",
        )
    journey = journeys.journey_locked(session, row.journey_id)
    if journey is None:  # the journey's rows cascade with it: only a race gets here
        raise NotFound(f"no journey {row.journey_id}")
    return row, journey


def _resolve(row: ReviewItem, journey: LeadJourney, who: Reviewer, resolution: str, at: datetime) -> None:
    row.status = RESOLVED
    row.resolution = resolution
    row.resolved_at = at
    row.resolved_by = who.name[:200]
    row.snoozed_until = None
    row.updated_at = at
    journey.requires_human_review = False
    journey.human_review_reason = None
    journey.human_review_priority = None
    journey.updated_at = at


def _audit(session: Session, who: Reviewer, action: str, row: ReviewItem, **data: object) -> None:
    audit.record(
        session,
        who.tid,
        f"outreach.review.{action}",
        actor=who.name,
        target=f"outreach.review:{row.id}",
        data={"item": str(row.id), "journey": str(row.journey_id), "lead": str(row.lead_id), **data},
        request_id=who.request_id,
    )


def _reply_channel(session: Session, row: ReviewItem, journey: LeadJourney) -> Channel:
    """The channel the lead wrote on (the reviewed message's), else the journey's last one."""
    if row.communication_id is not None:
        msg = repository.messages(session, [row.communication_id]).get(row.communication_id)
        if msg is not None and msg.channel in SEND_TASKS:
            return Channel(msg.channel)
    if journey.last_channel_used in SEND_TASKS:
        return Channel(journey.last_channel_used)
    if journey.whatsapp_opted_out and not journey.email_opted_out:
        return Channel.EMAIL_WARM
    return Channel.WHATSAPP


def send_reply(
    session: Session,
    tid: uuid.UUID,
    journey: LeadJourney,
    channel: Channel,
    text: str,
    *,
    at: datetime,
    files: TenantStorage,
) -> CommunicationLog:
    """Queue one outbound message: its log row (a follow-up: no quota) and the channel's send task."""
    opted_out = journey.whatsapp_opted_out if channel is Channel.WHATSAPP else journey.email_opted_out
    if opted_out:
        raise Conflict(f"the lead opted out of {channel.value}", code="channel-opted-out")
    msg = CommunicationLog(
        tid=tid,
        journey_id=journey.id,
        lead_id=journey.lead_id,
        channel=channel.value,
        direction=MessageDirection.OUTBOUND.value,
        status=MessageStatus.QUEUED.value,
        phone_id=journey.assigned_phone_id if channel is Channel.WHATSAPP else None,
        content_preview=text[:PREVIEW],
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        quota_cost=0,
        created_at=at,
        updated_at=at,
    )
    session.add(msg)
    session.flush()
    journey.last_channel_used = channel.value
    journey.last_contact_at = at
    lead = crm.leads_by_id(session, [journey.lead_id]).get(journey.lead_id)
    values = lead_values(lead, journey)
    recipient = values.get("phone" if channel is Channel.WHATSAPP else "email")
    if not recipient:
        raise Conflict(
            f"the lead has no {'phone number' if channel is Channel.WHATSAPP else 'e-mail address'}",
            code="no-recipient",
        )
    content.keep(files, msg, text)
    # The same task and arguments as a sequence step's send (outreach.sequences.scheduler).
    defer(
        session,
        SEND_TASKS[channel],
        tid=tid,
        kwargs={
            "communication_id": str(msg.id),
            "channel": channel.value,
            "to": str(recipient),
            "text": text,
            "tid": str(tid),
        },
        aggregate_id=journey.id,
    )
    return msg


def _reply(session: Session, who: Reviewer, item_id: uuid.UUID, text: str | None, resolution: str) -> Outcome:
    row, journey = _open(session, item_id)
    body = (text if text is not None else row.suggested_reply or "").strip()
    if not body:
        raise Conflict(f"review item {item_id} has no suggested reply: write one", code="no-suggested-reply")
    if journey.current_state in (LeadState.DEAD.value, LeadState.CONVERTED.value):
        raise Conflict(f"the journey is {journey.current_state}", code="journey-closed")
    at = utcnow()
    msg = send_reply(
        session, who.tid, journey, _reply_channel(session, row, journey), body, at=at, files=who.files
    )
    row.final_reply = body
    _resolve(row, journey, who, resolution, at)
    session.flush()
    _audit(
        session,
        who,
        resolution.lower(),
        row,
        message=str(msg.id),
        channel=msg.channel,
        edited=text is not None,
    )
    return Outcome(row, journey, msg)


def approve(session: Session, who: Reviewer, item_id: uuid.UUID) -> Outcome:
    """Send the suggested reply as it is (409 ``no-suggested-reply`` when there is none)."""
    return _reply(session, who, item_id, None, "APPROVED")


def reply(session: Session, who: Reviewer, item_id: uuid.UUID, text: str) -> Outcome:
    """Send the reviewer's own (or edited) reply."""
    return _reply(session, who, item_id, text, "EDITED")


def take_over(session: Session, who: Reviewer, item_id: uuid.UUID) -> Outcome:
    """A person answers from now on: the journey is human-controlled, its sequence paused and nothing
    is scheduled for it any more."""
    row, journey = _open(session, item_id)
    at = utcnow()
    journey.is_human_controlled = True
    journey.sequence_paused = True
    journey.next_action_at = None
    if who.user_id is not None:
        journey.assigned_to_user = who.user_id
    journey.version += 1
    _resolve(row, journey, who, "TAKEN_OVER", at)
    session.flush()
    _audit(session, who, "taken_over", row)
    return Outcome(row, journey)


def mark_dead(session: Session, who: Reviewer, item_id: uuid.UUID, reason: str) -> Outcome:
    """The lead is dead: the state machine's move (409 ``illegal-transition`` from a final state)."""
    row, journey = _open(session, item_id)
    outreach.transition(session, who.tid, journey.id, LeadState.DEAD, reason=reason, actor=who.name)
    _resolve(row, journey, who, "MARKED_DEAD", utcnow())
    session.flush()
    _audit(session, who, "dead", row, reason=reason)
    return Outcome(row, journey)


def snooze(session: Session, who: Reviewer, item_id: uuid.UUID, until: datetime) -> Outcome:
    """Hide the item until ``until`` (after now, at most 30 days ahead); its SLA keeps running."""
    now = utcnow()
    if until.tzinfo is None:
        raise Problem("give the time with its offset", status=422, code="snooze-out-of-range")
    if not now < until <= now + timedelta(days=SNOOZE_MAX_DAYS):
        raise Problem(
            f"a snooze ends after now and at most {SNOOZE_MAX_DAYS} days ahead",
            status=422,
            code="snooze-out-of-range",
            errors=[
                {"field": "until", "in": "body", "message": "out of range", "type": "snooze-out-of-range"}
            ],
        )
    row, journey = _open(session, item_id)
    row.status = SNOOZED
    row.snoozed_until = until
    row.updated_at = now
    session.flush()
    _audit(session, who, "snoozed", row, until=until.isoformat())
    return Outcome(row, journey)


def sweep_sla(session: Session, now: datetime | None = None) -> int:
    """Flag the tenant's unresolved items past their SLA; how many were flagged now."""
    return len(repository.mark_breached(session, now or utcnow()))


def waiting(session: Session) -> int:
    return repository.count_waiting(session, utcnow())


def breached(session: Session) -> int:
    """Unresolved items whose SLA has passed (flagged by the sweep)."""
    return repository.count_breached(session)
