"""Outreach event contracts (published through the outbox in the change's own transaction)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel

from genius.core.events.registry import event
from genius.outreach.models import LeadState


@event("outreach.lead.state_changed", version=1)
class LeadStateChanged(BaseModel):
    """A lead's outreach journey moved from one state to another (only allowed moves happen)."""

    journey_id: uuid.UUID
    lead_id: uuid.UUID
    from_state: LeadState
    to_state: LeadState
    reason: str
    changed_by: str
    changed_at: datetime
