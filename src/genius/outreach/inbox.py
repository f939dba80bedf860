"""What happens when a lead answers (F2.12-F2.13), on any channel: the provider webhooks call
``receive_reply`` (the demo shares its review rules).

In the caller's transaction (flush, never commit):
1. the reply is an ``INBOUND`` communication-log row with its sentiment; the outbound message it answers
   (the journey's last one on that channel) becomes ``REPLIED``;
2. the journey counts the reply, keeps its last score and, from ``COLD``/``CONTACTED_*``, moves to
   ``WARM_REPLY`` (published as ``outreach.lead.state_changed``);
3. an opt-out flags the channel and stops every sequence of the lead; any other reply stops the
   sequences whose next step stops on a reply, and counts a reply for the A/B version answered;
4. an opt-out, a negative reply or an uncertain one (neutral) goes to the human review queue with its
   priority and SLA; a positive reply does not wait for anyone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from genius.core.db.base import utcnow
from genius.core.storage import TenantStorage
from genius.outreach import content, states
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
    ReviewReason,
)
from genius.outreach.review.service import sla_due
from genius.outreach.sentiment import Sentiment, classify
from genius.outreach.sequences import service as sequences

ACTOR = "outreach-inbox"
PREVIEW = content.PREVIEW


@dataclass(frozen=True)
class Received:
    message: CommunicationLog
    verdict: Sentiment
    review: ReviewItem | None


def review_reason(verdict: Sentiment) -> tuple[ReviewReason, ReviewPriority] | None:
    """Why (and how urgently) a reply needs a person; ``None`` when automation may carry on."""
    if verdict.opt_out:
        return ReviewReason.KEYWORD_TRIGGER, ReviewPriority.URGENT
    if verdict.label == "negative":
        reason = ReviewReason.COMPLAINT if verdict.sentiment <= -60 else ReviewReason.NEGATIVE_SENTIMENT
        return reason, ReviewPriority.HIGH
    if verdict.label == "neutral":
        return ReviewReason.AI_UNCERTAIN, ReviewPriority.MEDIUM
    return None


def receive_reply(
    session: Session,
    journey: LeadJourney,
    channel: Channel,
    text: str,
    *,
    at: datetime | None = None,
    provider: str | None = None,
    external_message_id: str | None = None,
    external_thread_id: str | None = None,
    suggested_reply: str | None = None,
    priority: ReviewPriority | None = None,
    files: TenantStorage,
) -> Received:
    when = at or utcnow()
    verdict = classify(text)
    message = CommunicationLog(
        tid=journey.tid,
        journey_id=journey.id,
        lead_id=journey.lead_id,
        channel=channel.value,
        direction=MessageDirection.INBOUND.value,
        status=MessageStatus.REPLIED.value,
        content_preview=text[:PREVIEW],
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        provider=provider,
        external_message_id=external_message_id,
        external_thread_id=external_thread_id,
        sentiment_score=verdict.sentiment,
        replied_at=when,
        created_at=when,
        updated_at=when,
    )
    session.add(message)
    session.flush()
    content.keep(files, message, text)
    answered = journeys.last_outbound(session, journey.id, channel.value)
    if answered is not None and answered.status != MessageStatus.REPLIED.value:
        answered.status = MessageStatus.REPLIED.value
        answered.replied_at = when
        answered.updated_at = when
    journey.reply_count += 1
    journey.last_reply_at = when
    journey.sentiment_score = verdict.sentiment
    journey.updated_at = when
    session.flush()
    if verdict.opt_out:
        if channel is Channel.WHATSAPP:
            journey.whatsapp_opted_out = True
        else:
            journey.email_opted_out = True
        sequences.stop_for_journey(session, journey.id, "opted-out", at=when)
    else:
        sequences.record_reply(session, journey.id, at=when)
    current = LeadState(journey.current_state)
    if current in (LeadState.COLD, LeadState.CONTACTED_WA, LeadState.CONTACTED_EMAIL) and (
        LeadState.WARM_REPLY in states.allowed_targets(current)
    ):
        outreach.transition(
            session,
            journey.tid,
            journey.id,
            LeadState.WARM_REPLY,
            reason=f"reply on {channel.value}",
            actor=ACTOR,
            at=when,
        )
    item = None
    if (why := review_reason(verdict)) is not None:
        reason, default_priority = why
        level = priority or default_priority
        journey.requires_human_review = True
        journey.human_review_reason = reason.value
        journey.human_review_priority = level.value
        item = ReviewItem(
            tid=journey.tid,
            journey_id=journey.id,
            lead_id=journey.lead_id,
            communication_id=message.id,
            reason=reason.value,
            priority=level.value,
            sentiment_score=verdict.sentiment,
            sentiment_label=verdict.label,
            trigger_keywords=list(verdict.triggers),
            message_preview=text[:PREVIEW],
            suggested_reply=suggested_reply,
            sla_due_at=sla_due(level, when),
            created_at=when,
            updated_at=when,
        )
        session.add(item)
    session.flush()
    return Received(message, verdict, item)
