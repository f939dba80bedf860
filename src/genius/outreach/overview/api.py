"""``GET /v1/outreach/phones``: the WhatsApp portfolio with today's usage."""

from __future__ import annotations

from fastapi import APIRouter

from genius.core.auth.deps import PlatformDep, TenantDB
from genius.core.kit.pagination import Page
from genius.outreach.deps import OutreachRead
from genius.outreach.overview import service
from genius.outreach.overview.schemas import PhoneUsageOut

router = APIRouter(prefix="/v1/outreach", tags=["outreach"])


@router.get(
    "/phones",
    response_model=Page[PhoneUsageOut],
    summary="The tenant's WhatsApp numbers with today's new contacts, limit and colour band (all of them)",
)
def phones(principal: OutreachRead, db: TenantDB, platform: PlatformDep) -> Page[PhoneUsageOut]:
    items = service.phones(db, principal.tid, platform.redis)
    return Page[PhoneUsageOut](items=items, next=None, total=len(items))
