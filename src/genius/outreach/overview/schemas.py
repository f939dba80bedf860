"""Outreach overview answers: the phones with today's usage, the daily statistics."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from genius.outreach.models import PhoneStatus


class PhoneUsageOut(BaseModel):
    id: uuid.UUID
    phone_number: str
    label: str
    status: PhoneStatus
    daily_quota_limit: int
    used_today: int = Field(description="New contacts today (the quota guardian's Redis counters)")
    percent: int = Field(description="used_today / daily_quota_limit, 0..100")
    band: Literal["ok", "warn", "full"] = Field(
        description="ok under 90 %, warn 90-99 %, full at 100 % or when the phone is OFFLINE or BANNED"
    )
    usage_date: date = Field(description="Today in the tenant's time zone")
    source: Literal["redis", "table"] = Field(
        description="redis, or the audit table when Redis is unreachable"
    )
    reputation_score: int
    last_message_at: datetime | None


class DailyStatOut(BaseModel):
    """One tenant-local day (``outreach.stats.rollup`` refreshes today and yesterday every five minutes)."""

    model_config = {"from_attributes": True}

    stat_date: date
    sent_whatsapp: int
    sent_email: int
    new_contacts: int = Field(description="Quota units used: first messages to new contacts")
    delivered: int
    opened: int
    clicked: int
    replies_whatsapp: int
    replies_email: int
    bounced: int
    failed: int
    converted: int = Field(description="Journeys that reached CONVERTED that day")
    review_items: int = Field(description="Replies queued for human review that day")
    bounce_rate: Decimal | None = Field(
        description="Bounced over e-mails sent that day (0..1); null: none sent"
    )
    reply_rate: Decimal | None = Field(
        description="Replies over messages sent that day (0..1); null: none sent"
    )
    computed_at: datetime
