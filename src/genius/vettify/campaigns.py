"""CRM campaigns: a marketing push on one channel (e-mail, SMS, WhatsApp, …) to a target segment.

CRUD under ``/v1/crm/campaigns`` with the conventions of the other CRM entities (``genius.vettify.api``):
``ETag`` = version, ``PATCH`` requires ``If-Match`` (428/412), ``DELETE`` needs ``crm:admin`` and goes
to the audit log, lists use the shared search + keyset machinery (``service.list_records``).

Status moves along draft → scheduled → running ⇄ paused → completed (a scheduled campaign may go back
to draft, any open one may be completed early); completed is final. Sending is not part of this slice.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import Field, model_validator
from sqlalchemy import CHAR, Date, Numeric, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from genius.core.auth.deps import TenantDB
from genius.core.kit.errors import Conflict
from genius.vettify import schemas as s
from genius.vettify import service
from genius.vettify.api import (
    PROBLEMS,
    CorrId,
    CrmAdmin,
    CrmRead,
    CrmWrite,
    Filter,
    IfMatch,
    Listing,
    actor,
    created_response,
    one_response,
    page_response,
)
from genius.vettify.models import SCHEMA, CrmRecord


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


STATUS_MOVES: dict[CampaignStatus, frozenset[CampaignStatus]] = {
    CampaignStatus.draft: frozenset(
        {CampaignStatus.scheduled, CampaignStatus.running, CampaignStatus.completed}
    ),
    CampaignStatus.scheduled: frozenset(
        {CampaignStatus.draft, CampaignStatus.running, CampaignStatus.paused, CampaignStatus.completed}
    ),
    CampaignStatus.running: frozenset({CampaignStatus.paused, CampaignStatus.completed}),
    CampaignStatus.paused: frozenset({CampaignStatus.running, CampaignStatus.completed}),
    CampaignStatus.completed: frozenset(),
}


# --- table (DDL in migrations/versions/2026_11_30_0010_crm_attachments.py) --------------------------
class Campaign(CrmRecord):
    __tablename__ = "campaigns"
    __table_args__ = {"schema": SCHEMA}

    name: Mapped[str] = mapped_column(String(300))
    channel: Mapped[str] = mapped_column(String(16), default=Channel.email.value)
    status: Mapped[str] = mapped_column(String(12), default=CampaignStatus.draft.value)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    budget: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(CHAR(3), default="RON")
    target_segment: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)


# --- API shapes -----------------------------------------------------------------------------------
def _dates_in_order(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        raise ValueError("ends_on must not be before starts_on")


class CampaignFields(s.Input):
    starts_on: date | None = None
    ends_on: date | None = None
    budget: s.Amount | None = None
    target_segment: s.Opt2000 = Field(None, description="Who the campaign is for, in words")
    description: s.Opt10k = None
    owner: s.Opt200 = None


class CampaignCreate(CampaignFields):
    name: s.Str300
    channel: Channel = Channel.email
    status: CampaignStatus = Field(
        CampaignStatus.draft, description="A new campaign is draft, scheduled or running"
    )
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


# --- service --------------------------------------------------------------------------------------
CAMPAIGNS: service.EntitySpec[Campaign] = service.EntitySpec(
    "campaign",
    Campaign,
    sorts={
        "created_at": Campaign.created_at,
        "updated_at": Campaign.updated_at,
        "name": Campaign.name,
        "starts_on": Campaign.starts_on,
    },
    filters={"channel": Campaign.channel, "status": Campaign.status, "owner": Campaign.owner},
    fuzzy_name=Campaign.name,
)


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.value if isinstance(v, StrEnum) else v) for k, v in values.items()}


def create_campaign(session: Session, who: service.Actor, values: dict[str, Any]) -> Campaign:
    return service.create_record(session, CAMPAIGNS, who, _plain(values))


def update_campaign(
    session: Session,
    who: service.Actor,
    campaign_id: uuid.UUID,
    changes: dict[str, Any],
    if_match: str | None,
) -> Campaign:
    # Locked first, so the date order and the status move are checked against the row being changed.
    row = service.get_record(session, CAMPAIGNS, campaign_id, lock=True)
    service.check_if_match(row, if_match, required=True)
    changes = _plain(changes)
    starts_on = changes.get("starts_on", row.starts_on)
    ends_on = changes.get("ends_on", row.ends_on)
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        raise service.field_error("ends_on", f"must not be before starts_on ({starts_on.isoformat()})")
    status = changes.get("status")
    if status is not None and status != row.status:
        current = CampaignStatus(row.status)
        allowed = STATUS_MOVES[current]
        if CampaignStatus(status) not in allowed:
            raise Conflict(
                f"A {current} campaign cannot become {status}.",
                code="campaign-status",
                allowed=sorted(a.value for a in allowed),
            )
    row = service.update_record(session, CAMPAIGNS, who, campaign_id, changes, if_match)
    session.refresh(row)  # the stored values (e.g. the budget at 2 decimals), as a GET would return them
    return row


def delete_campaign(
    session: Session, who: service.Actor, campaign_id: uuid.UUID, if_match: str | None
) -> None:
    service.delete_record(session, CAMPAIGNS, who, campaign_id, if_match)


# --- routes ---------------------------------------------------------------------------------------
router = APIRouter(prefix="/v1/crm/campaigns", tags=["crm"])


@router.get("", response_model=s.Page[CampaignOut], summary="Campaigns (search, filter, pages)")
def list_campaigns(
    principal: CrmRead,
    db: TenantDB,
    params: Listing,
    channel: Channel | None = None,
    status: CampaignStatus | None = None,
    owner: Filter = None,
) -> Any:
    return page_response(db, CAMPAIGNS, params, CampaignOut, channel=channel, status=status, owner=owner)


@router.post("", status_code=201, response_model=CampaignOut, responses=PROBLEMS, summary="Create a campaign")
def create(
    body: CampaignCreate,
    principal: CrmWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    corr: CorrId = None,
) -> Any:
    row = create_campaign(db, actor(principal, request, corr), body.model_dump())
    return created_response(request, response, row, CampaignOut, "campaigns")


@router.get("/{campaign_id}", response_model=CampaignOut, responses=PROBLEMS, summary="One campaign")
def get(campaign_id: uuid.UUID, principal: CrmRead, db: TenantDB, response: Response) -> Any:
    return one_response(response, service.get_record(db, CAMPAIGNS, campaign_id), CampaignOut)


@router.patch(
    "/{campaign_id}",
    response_model=CampaignOut,
    responses=PROBLEMS,
    summary="Change a campaign (If-Match required; completed is final)",
)
def update(
    campaign_id: uuid.UUID,
    body: CampaignUpdate,
    principal: CrmWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> Any:
    row = update_campaign(db, actor(principal, request, corr), campaign_id, body.changes(), if_match)
    return one_response(response, row, CampaignOut)


@router.delete("/{campaign_id}", status_code=204, responses=PROBLEMS, summary="Delete (soft) a campaign")
def delete(
    campaign_id: uuid.UUID,
    principal: CrmAdmin,
    db: TenantDB,
    request: Request,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> Response:
    delete_campaign(db, actor(principal, request, corr), campaign_id, if_match)
    return Response(status_code=204)


__all__ = ["CAMPAIGNS", "Campaign", "CampaignCreate", "CampaignOut", "CampaignUpdate", "router"]
