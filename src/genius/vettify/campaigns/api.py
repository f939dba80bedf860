"""Campaign routes under ``/v1/crm/campaigns`` (scopes and conventions of ``genius.vettify.api``): its
list, and the routes every CRM record has (``RecordRoutes``) with the campaign's status rules."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from genius.core.auth.deps import TenantDB
from genius.core.kit.pagination import Page
from genius.vettify.api import (
    CrmRead,
    Filter,
    ListParams,
    RecordRoutes,
    listing,
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


RecordRoutes(
    "",
    "campaign",
    "campaign_id",
    CAMPAIGNS,
    CampaignOut,
    CampaignCreate,
    create_campaign,
    CampaignUpdate,
    (
        "Create a campaign",
        "One campaign",
        "Change a campaign (If-Match required; completed is final)",
        "Delete (soft) a campaign",
    ),
    update=update_campaign,
    delete=delete_campaign,
).add_to(router)
