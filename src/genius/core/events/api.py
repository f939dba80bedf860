from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from genius.core.auth.deps import TenantDB, WorkersAdmin
from genius.core.events import admin
from genius.core.events.models import OutboxEvent
from genius.core.events.repository import OutboxStatus
from genius.core.events.schemas import OutboxOut
from genius.core.kit.pagination import CursorParam, LimitParam, Page

router = APIRouter(tags=["events"])


def _out(e: OutboxEvent) -> OutboxOut:
    return OutboxOut.model_validate(e, from_attributes=True)


@router.get(
    "/v1/events/outbox", response_model=Page[OutboxOut], summary="The tenant's outbox (pending, dead…)"
)
def list_outbox(
    principal: WorkersAdmin,
    db: TenantDB,
    status: Annotated[OutboxStatus, Query()] = "pending",
    cursor: CursorParam = None,
    limit: LimitParam = 50,
) -> Page[OutboxOut]:
    return admin.outbox_page(db, status, cursor=cursor, limit=limit).map(_out)


@router.post("/v1/events/outbox/{event_id}/retry", response_model=OutboxOut, summary="Retry a dead event")
def retry_outbox(event_id: uuid.UUID, principal: WorkersAdmin, db: TenantDB, request: Request) -> OutboxOut:
    row = admin.retry(
        db,
        principal.tid,
        event_id,
        actor=principal.email or principal.sub,
        request_id=request.state.request_id,
    )
    return _out(row)
