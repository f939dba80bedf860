"""Outreach overview answers: the phones with today's usage."""

from __future__ import annotations

import uuid
from datetime import date, datetime
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
