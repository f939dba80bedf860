"""Vettify CRM event contracts (published through the outbox in the change's own transaction)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel

from genius.core.events.registry import event


@event("crm.lead.created", version=1)
class LeadCreated(BaseModel):
    """A lead was created (API, import or demo data)."""

    lead_id: uuid.UUID
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    company_name: str | None = None
    cui: str | None = None
    source: str | None = None
    created_by: str
    created_at: datetime


@event("crm.lead.converted", version=1)
class LeadConverted(BaseModel):
    """A qualified lead was converted into an account, a contact and (optionally) an opportunity."""

    lead_id: uuid.UUID
    account_id: uuid.UUID
    contact_id: uuid.UUID
    opportunity_id: uuid.UUID | None = None
    account_created: bool
    contact_created: bool
    converted_by: str
    converted_at: datetime


@event("crm.opportunity.stage_changed", version=1)
class OpportunityStageChanged(BaseModel):
    """An opportunity moved from one pipeline stage to another."""

    opportunity_id: uuid.UUID
    account_id: uuid.UUID
    from_stage: str | None = None
    to_stage: str
    reason: str | None = None
    amount: Decimal | None = None
    currency: str
    changed_by: str
    changed_at: datetime


@event("crm.account.merged", version=1)
class AccountMerged(BaseModel):
    """Duplicate accounts were merged into one; every related record now points at the survivor."""

    survivor_id: uuid.UUID
    merged_ids: list[uuid.UUID]
    moved: dict[str, int] = {}
    merged_by: str
    merged_at: datetime
