from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select

from genius.core.audit import service as audit
from genius.core.auth.deps import TenantDB, requires
from genius.core.auth.tokens import Principal
from genius.core.db.base import utcnow
from genius.core.events.models import OutboxEvent
from genius.core.events.schemas import OutboxOut, OutboxPage
from genius.core.kit.errors import Conflict, NotFound

router = APIRouter(tags=["events"])
WorkersAdmin = Annotated[Principal, Depends(requires("workers:admin"))]


def _out(e: OutboxEvent) -> OutboxOut:
    return OutboxOut.model_validate(e, from_attributes=True)


@router.get("/v1/events/outbox", response_model=OutboxPage, summary="The tenant's outbox (pending, dead…)")
def list_outbox(
    principal: WorkersAdmin,
    db: TenantDB,
    status: Annotated[Literal["pending", "dead", "published", "all"], Query()] = "pending",
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    before_seq: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> OutboxPage:
    q = select(OutboxEvent).order_by(OutboxEvent.seq.desc()).limit(limit)
    if status == "pending":
        q = q.where(OutboxEvent.published_at.is_(None), OutboxEvent.dead.is_(False))
    elif status == "dead":
        q = q.where(OutboxEvent.dead.is_(True))
    elif status == "published":
        q = q.where(OutboxEvent.published_at.is_not(None))
    if before_seq is not None:
        q = q.where(OutboxEvent.seq < before_seq)
    rows = db.scalars(q).all()
    items = [_out(r) for r in rows]
    return OutboxPage(items=items, next_before_seq=items[-1].seq if len(items) == limit else None)


@router.post("/v1/events/outbox/{event_id}/retry", response_model=OutboxOut, summary="Retry a dead event")
def retry_outbox(event_id: uuid.UUID, principal: WorkersAdmin, db: TenantDB, request: Request) -> OutboxOut:
    row = db.get(OutboxEvent, event_id)
    if row is None:
        raise NotFound("No such outbox event.")
    if row.published_at is not None:
        raise Conflict("The event was already published.")
    row.dead = False
    row.attempts = 0
    row.next_attempt_at = utcnow()
    audit.record(
        db,
        principal.tid,
        "events.outbox.retried",
        actor=principal.email or principal.sub,
        target=str(event_id),
        data={"topic": row.topic},
        request_id=request.state.request_id,
    )
    db.flush()
    return _out(row)
