"""Campaign routes under ``/v1/crm/campaigns`` (scopes and conventions of ``genius.vettify.api``)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from genius.core.auth.deps import TenantDB
from genius.core.kit.pagination import Page
from genius.vettify import service as vettify
from genius.vettify.api import (
    PROBLEMS,
    CorrId,
    CrmAdmin,
    CrmRead,
    CrmWrite,
    Filter,
    IfMatch,
    ListParams,
    actor,
    created_response,
    listing,
    one_response,
    page_response,
)
from genius.vettify.campaigns.repository import CAMPAIGNS
from genius.vettify.campaigns.schemas import (
    CampaignCreate,
    CampaignOut,
    CampaignStatus,
    CampaignUpdate,
    Channel,
)
from genius.vettify.campaigns.service import create_campaign, delete_campaign, update_campaign

router = APIRouter(prefix="/v1/crm/campaigns", tags=["crm"])


@router.get("", response_model=Page[CampaignOut], summary="Campaigns (search, filter, pages)")
def list_campaigns(
    principal: CrmRead,
    db: TenantDB,
    params: Annotated[ListParams, Depends(listing(CAMPAIGNS))],
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
    row = create_campaign(db, actor(principal, request, corr), body)
    return created_response(request, response, row, CampaignOut, "campaigns")


@router.get("/{campaign_id}", response_model=CampaignOut, responses=PROBLEMS, summary="One campaign")
def get(campaign_id: uuid.UUID, principal: CrmRead, db: TenantDB, response: Response) -> Any:
    return one_response(response, vettify.get_record(db, CAMPAIGNS, campaign_id), CampaignOut)


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
    row = update_campaign(db, actor(principal, request, corr), campaign_id, body, if_match)
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
