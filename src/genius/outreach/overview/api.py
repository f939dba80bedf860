"""``GET /v1/outreach/phones`` (the WhatsApp portfolio with today's usage) and ``…/stats/daily``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from genius.core.auth.deps import PlatformDep, TenantDB
from genius.core.kit.pagination import Page
from genius.outreach.deps import OutreachRead
from genius.outreach.overview import service
from genius.outreach.overview.schemas import DailyStatOut, PhoneUsageOut

router = APIRouter(prefix="/v1/outreach", tags=["outreach"])


@router.get(
    "/phones",
    response_model=Page[PhoneUsageOut],
    summary="The tenant's WhatsApp numbers with today's new contacts, limit and colour band (all of them)",
)
def phones(principal: OutreachRead, db: TenantDB, platform: PlatformDep) -> Page[PhoneUsageOut]:
    items = service.phones(db, principal.tid, platform.redis)
    return Page[PhoneUsageOut](items=items, next=None, total=len(items))


@router.get(
    "/stats/daily",
    response_model=Page[DailyStatOut],
    summary="Daily outreach statistics (sent per channel, deliveries, replies, bounces, rates), oldest first",
)
def daily_stats(
    principal: OutreachRead,
    db: TenantDB,
    days: Annotated[int, Query(ge=1, le=90, description="How many days back, today included")] = 14,
) -> Page[DailyStatOut]:
    items = [DailyStatOut.model_validate(row) for row in service.daily(db, principal.tid, days)]
    return Page[DailyStatOut](items=items, next=None, total=len(items))
