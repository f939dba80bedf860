from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from genius.core.auth.deps import TenantDB, WorkersAdmin
from genius.core.events import admin
from genius.core.events.models import OutboxEvent
from genius.core.events.repository import OutboxStatus
from genius.core.events.schemas import OutboxOut, OutboxPage

router = APIRouter(tags=["events"])


def _out(e: OutboxEvent) -> OutboxOut:
    return OutboxOut.model_validate(e, from_attributes=True)


@router.get("/v1/events/outbox", response_model=OutboxPage, summary="The tenant's outbox (pending, dead…)")
def list_outbox(
    principal: WorkersAdmin,
    db: TenantDB,
    status: Annotated[OutboxStatus, Query()] = "pending",
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    before_seq: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> OutboxPage:
    items = [_out(r) for r in admin.outbox_page(db, status, limit, before_seq)]
    return OutboxPage(items=items, next_before_seq=items[-1].seq if len(items) == limit else None)


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
