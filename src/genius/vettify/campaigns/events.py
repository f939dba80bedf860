"""Campaign event contracts (through the outbox, in the change's own transaction)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel

from genius.core.events.registry import event


@event("crm.campaign.sent", version=1)
class CampaignSent(BaseModel):
    """A campaign's send started: its audience is snapshotted and handed to ``email.send`` in batches."""

    campaign_id: uuid.UUID
    name: str
    recipients: int
    excluded: dict[str, int]
    batches: int
    started_by: str
    started_at: datetime


@event("crm.campaign.completed", version=1)
class CampaignCompleted(BaseModel):
    """Every recipient of a campaign's send reached a final state (sent or failed)."""

    campaign_id: uuid.UUID
    sent: int
    failed: int
    excluded: int
    completed_at: datetime
