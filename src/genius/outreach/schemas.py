"""Outreach API bodies and answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from genius.outreach.models import Channel, LeadState
from genius.vettify.schemas import ConvertIn

NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL
TEXT = r"^[^\x00]*[^\s\x00][^\x00]*$"  # not blank, no NUL


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=20000, description="The reply as received (Romanian or English)")


class ReplyClassification(BaseModel):
    sentiment: int = Field(ge=-100, le=100)
    label: Literal["positive", "neutral", "negative"]
    opt_out: bool
    reason: str


class JourneyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lead_id: uuid.UUID = Field(description="A CRM lead's id (one journey per lead)")


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_state: LeadState = Field(
        description="Allowed moves only: COLD → CONTACTED_WA|CONTACTED_EMAIL → WARM_REPLY → NEGOTIATION → "
        "CONVERTED; any live state → DEAD|PAUSED; PAUSED → the state it left or DEAD. Others are 409."
    )
    reason: str = Field(min_length=1, max_length=500, pattern=TEXT)
    conversion: ConvertIn | None = Field(
        None,
        description="Only with CONVERTED: the CRM conversion (link an account or contact, the opportunity's "
        "name, amount, currency and close date; an opportunity is created unless create_opportunity is "
        "false). Without it the lead converts with the CRM's defaults.",
    )

    @field_validator("conversion")
    @classmethod
    def _only_when_converting(cls, value: ConvertIn | None, info: ValidationInfo) -> ConvertIn | None:
        if value is not None and info.data.get("to_state") is not LeadState.CONVERTED:
            raise ValueError("conversion is only for to_state CONVERTED")
        return value


class CrmConversion(BaseModel):
    """The CRM records a converted journey's lead became (or was linked to)."""

    account_id: uuid.UUID
    contact_id: uuid.UUID
    opportunity_id: uuid.UUID | None


class TransitionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    journey_id: uuid.UUID
    from_state: LeadState
    to_state: LeadState
    reason: str
    changed_by: str
    changed_at: datetime
    crm: CrmConversion | None = Field(
        None, description="With CONVERTED: the CRM's account, contact, opportunity"
    )


class JourneyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    lead_id: uuid.UUID
    current_state: LeadState
    previous_state: LeadState | None
    state_changed_at: datetime
    state_change_reason: str | None
    assigned_phone_id: uuid.UUID | None
    preferred_channel: Channel | None
    last_channel_used: Channel | None
    next_action_at: datetime | None
    sentiment_score: int
    reply_count: int
    requires_human_review: bool
    is_human_controlled: bool
    email_opted_out: bool
    whatsapp_opted_out: bool
    last_contact_at: datetime | None
    last_reply_at: datetime | None
    converted_at: datetime | None
    version: int
    created_at: datetime


class JourneyDetail(JourneyOut):
    transitions: list[TransitionOut]
    crm: CrmConversion | None = Field(None, description="Converted: the CRM records its lead became")


class MessageOut(BaseModel):
    """One message of a journey's conversation, with its whole text (read from the tenant's encrypted
    store; the log row holds only a 500-character preview)."""

    id: uuid.UUID
    channel: Channel
    direction: str
    status: str
    subject: str | None
    text: str
    sentiment_score: int | None
    sequence_step: int | None
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    opened_at: datetime | None
    replied_at: datetime | None
    error_message: str | None


class LeadCompany(BaseModel):
    """The CRM lead behind a journey (read through the CRM's service)."""

    name: str | None
    cui: str | None
    contact_name: str | None
    email: str | None
    phone: str | None
    city: str | None
    crm_status: str


class OutreachLead(JourneyOut):
    company: LeadCompany | None = Field(description="None when the CRM lead was deleted")


class ListMeta(BaseModel):
    total: int
    page: int
    limit: int
    pages: int
    sort: str


class OutreachLeadPage(BaseModel):
    items: list[OutreachLead]
    meta: ListMeta


ProviderName = Literal["timelinesai", "resend", "instantly"]


class ProviderKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api_key: str = Field(
        min_length=8,
        max_length=500,
        pattern=r"^[\x21-\x7e]+$",
        description="The key as the provider issued it",
    )


class ProviderKeyOut(BaseModel):
    """Where a provider's key comes from; the key itself is never shown again, only its last characters."""

    provider: ProviderName
    source: Literal["tenant", "environment"] | None = Field(
        description="tenant: saved in this tenant's settings (encrypted); environment: GENIUS_*_API_KEY; "
        "null: not configured (sends wait)"
    )
    hint: str | None
    updated_at: datetime | None
    updated_by: str | None
