"""Vettify CRM event contracts (published through the outbox in the change's own transaction)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

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


class AccountCui(BaseModel):
    account_id: uuid.UUID
    cui: str


@event("crm.account.verification_requested", version=1)
class AccountVerificationRequested(BaseModel):
    """Accounts whose CUI must be checked at ANAF (created or changed with a CUI, imported, or re-checked
    on request); up to 100 per event, one ANAF request for them all.

    Published in the change's transaction, so the check is requested if and only if the change committed;
    the CRM consumer turns it into an ``anaf.taxpayer.lookup`` task."""

    accounts: list[AccountCui] = Field(min_length=1, max_length=100)
    requested_by: str
    requested_at: datetime


# --- consumed -------------------------------------------------------------------------------------
# Contracts of topics other modules publish and the CRM consumes. Mercantiq (sales) and iWMS are not
# built yet: these are the payloads they must send (the contract tests pin them).


@event("sales.order.created", version=1)
class SalesOrderCreated(BaseModel):
    """A sales order was created. The CRM links it to the account (by id, else by customer CUI) and the
    opportunity, and shows it on the account's timeline."""

    order_id: str = Field(min_length=1, max_length=100)
    number: str | None = Field(default=None, max_length=100)
    account_id: uuid.UUID | None = None
    opportunity_id: uuid.UUID | None = None
    customer_cui: str | None = Field(default=None, max_length=12)
    customer_name: str | None = Field(default=None, max_length=300)
    total_amount: Decimal | None = None
    currency: str = Field(default="RON", pattern=r"^[A-Z]{3}$")
    status: str | None = Field(default=None, max_length=30)
    ordered_at: datetime
    created_by: str | None = None


@event("wms.shipment.delivered", version=1)
class ShipmentDelivered(BaseModel):
    """A shipment reached its customer. The CRM adds it to the account's timeline (account by id, else
    through the linked sales order, else by customer CUI)."""

    shipment_id: str = Field(min_length=1, max_length=100)
    order_id: str | None = Field(default=None, max_length=100)
    account_id: uuid.UUID | None = None
    customer_cui: str | None = Field(default=None, max_length=12)
    delivered_at: datetime
    carrier: str | None = Field(default=None, max_length=100)
    tracking_number: str | None = Field(default=None, max_length=100)
    uit: str | None = Field(default=None, max_length=32, description="e-Transport UIT, when declared")
    recipient_name: str | None = Field(default=None, max_length=300)
