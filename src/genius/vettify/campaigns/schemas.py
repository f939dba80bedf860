"""API shapes of campaigns (the CRM's scalar types and conventions, ``genius.vettify.schemas``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, Field, WithJsonSchema, model_validator

from genius.vettify import schemas as s


class Channel(StrEnum):
    email = "email"
    sms = "sms"
    whatsapp = "whatsapp"
    social = "social"
    ads = "ads"
    event = "event"
    direct_mail = "direct_mail"
    phone = "phone"
    other = "other"


class CampaignStatus(StrEnum):
    draft = "draft"
    scheduled = "scheduled"
    running = "running"
    paused = "paused"
    completed = "completed"


def _dates_in_order(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        raise ValueError("ends_on must not be before starts_on")


class CampaignFields(s.Input):
    model_config = ConfigDict(
        json_schema_extra={"description": "ends_on must not be before starts_on (else 422)"}
    )

    starts_on: date | None = None
    ends_on: date | None = None
    budget: s.Amount | None = None
    target_segment: s.Opt2000 = Field(None, description="Who the campaign is for, in words")
    description: s.Opt10k = None
    owner: s.Opt200 = None


class CampaignCreate(CampaignFields):
    name: s.Str300
    channel: Channel = Channel.email
    status: Annotated[
        CampaignStatus,
        WithJsonSchema(
            {
                "type": "string",
                "enum": [
                    CampaignStatus.draft.value,
                    CampaignStatus.scheduled.value,
                    CampaignStatus.running.value,
                ],
                "default": CampaignStatus.draft.value,
                "description": "A new campaign is draft, scheduled or running",
            }
        ),
    ] = CampaignStatus.draft
    currency: s.Currency = "RON"
    custom_fields: s.CustomFields = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> CampaignCreate:
        _dates_in_order(self.starts_on, self.ends_on)
        if self.status not in (CampaignStatus.draft, CampaignStatus.scheduled, CampaignStatus.running):
            raise ValueError("a new campaign starts as draft, scheduled or running")
        return self


class CampaignUpdate(CampaignFields, s.Patch):
    NOT_NULL = frozenset({"name", "channel", "status", "currency", "custom_fields"})

    name: s.Str300 | None = None
    channel: Channel | None = None
    status: CampaignStatus | None = None
    currency: s.Currency | None = None
    custom_fields: s.CustomFields | None = None


class CampaignOut(s.Timestamps):
    name: str
    channel: Channel
    status: CampaignStatus
    starts_on: date | None
    ends_on: date | None
    budget: Decimal | None
    currency: str
    target_segment: str | None
    description: str | None
