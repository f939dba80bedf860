"""Review queue API bodies and answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from genius.outreach.models import Channel, LeadState, ReviewPriority, ReviewReason
from genius.outreach.schemas import TEXT
from genius.vettify.schemas import Declared

REPLY_MAX = 4096  # WhatsApp's limit for one text message
SNOOZE_MAX_DAYS = 30


class ReviewOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    journey_id: uuid.UUID
    lead_id: uuid.UUID
    communication_id: uuid.UUID | None
    reason: ReviewReason
    priority: ReviewPriority
    status: str = Field(description="PENDING, SNOOZED or RESOLVED")
    resolution: str | None = Field(description="APPROVED, EDITED, TAKEN_OVER or MARKED_DEAD once resolved")
    sentiment_score: int | None
    sentiment_label: str | None
    trigger_keywords: list[str]
    message_preview: str
    suggested_reply: str | None
    final_reply: str | None
    sla_due_at: datetime
    sla_breached: bool
    sla_breached_at: datetime | None
    snoozed_until: datetime | None
    resolved_at: datetime | None
    resolved_by: str | None
    created_at: datetime


class ReplyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1,
        max_length=REPLY_MAX,
        pattern=TEXT,
        description="The reply to send (the reviewer's edit)",
    )


class DeadBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("Marked dead by a reviewer", min_length=1, max_length=500, pattern=TEXT)


FutureTime = Annotated[
    datetime,
    Declared(
        description=f"When the item comes back to the queue: after now and at most {SNOOZE_MAX_DAYS} days "
        "ahead (the bound moves with the clock; a time outside it is a 422 snooze-out-of-range)."
    ),
]


class SnoozeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    until: FutureTime


class SentMessage(BaseModel):
    """The outbound reply a review action queued (a communication-log row)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    channel: Channel
    status: str
    content_preview: str
    created_at: datetime


class ReviewActionOut(BaseModel):
    item: ReviewOut
    journey_state: LeadState
    is_human_controlled: bool
    message: SentMessage | None = Field(
        None, description="The reply queued for sending, if the action sent one"
    )
