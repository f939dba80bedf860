"""``GET /v1/crm/campaigns/{id}/audience``: who the campaign goes to, with exclusions and reasons."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter

from genius.core.auth.deps import TenantDB
from genius.vettify.api import PROBLEMS
from genius.vettify.campaigns import audience
from genius.vettify.campaigns.schemas import AudienceOut
from genius.vettify.deps import CrmRead

router = APIRouter(prefix="/v1/crm", tags=["crm"])


@router.get(
    "/campaigns/{campaign_id}/audience",
    response_model=AudienceOut,
    responses=PROBLEMS,
    summary="A campaign's audience: recipients and exclusions per reason (live before the send)",
)
def campaign_audience(campaign_id: uuid.UUID, principal: CrmRead, db: TenantDB) -> Any:
    return audience.summary(db, principal.tid, campaign_id)
