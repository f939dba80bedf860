"""Review queue routes under ``/v1/outreach/review`` (scope ``outreach:review``)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from genius.core.auth.deps import TenantDB, platform_of
from genius.core.auth.tokens import Principal
from genius.core.kit.pagination import CursorParam, LimitParam, Page
from genius.core.storage import tenant_files_from_settings
from genius.outreach.deps import OutreachReview
from genius.outreach.review import service
from genius.outreach.review.schemas import (
    DeadBody,
    ReplyBody,
    ReviewActionOut,
    ReviewOut,
    SentMessage,
    SnoozeBody,
)

router = APIRouter(prefix="/v1/outreach/review", tags=["outreach"])

PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such item (or another tenant's)"},
    409: {"description": "Resolved already, no suggested reply, a closed journey or an opted-out channel"},
    422: {"description": "Invalid fields (problem+json with errors[])"},
}


def reviewer(request: Request, principal: Principal) -> service.Reviewer:
    try:
        user_id = uuid.UUID(principal.sub) if principal.kind == "user" else None
    except ValueError:
        user_id = None
    return service.Reviewer(
        tid=principal.tid,
        name=principal.email or principal.sub,
        files=tenant_files_from_settings(platform_of(request).settings).for_tenant(principal.tid),
        user_id=user_id,
        request_id=str(getattr(request.state, "request_id", "") or ""),
    )


def action_out(outcome: service.Outcome) -> ReviewActionOut:
    return ReviewActionOut(
        item=ReviewOut.model_validate(outcome.item),
        journey_state=outcome.journey.current_state,
        is_human_controlled=outcome.journey.is_human_controlled,
        message=SentMessage.model_validate(outcome.message) if outcome.message is not None else None,
    )


@router.get("", response_model=Page[ReviewOut], summary="The review queue, the nearest SLA first")
def review_queue(
    principal: OutreachReview,
    db: TenantDB,
    status: Annotated[
        Literal["open", "PENDING", "SNOOZED", "RESOLVED"],
        Query(description="open (default): pending, and snoozed ones whose time has come"),
    ] = "open",
    cursor: CursorParam = None,
    limit: LimitParam = 20,
) -> Page[ReviewOut]:
    return service.page(db, status=status, cursor=cursor, limit=limit).map(ReviewOut.model_validate)


@router.get("/{item_id}", response_model=ReviewOut, summary="One review item", responses=PROBLEMS)
def review_item(principal: OutreachReview, db: TenantDB, item_id: uuid.UUID) -> Any:
    return service.get(db, item_id)


@router.post(
    "/{item_id}/approve",
    response_model=ReviewActionOut,
    summary="Send the suggested reply as it is, and resolve the item",
    responses=PROBLEMS,
)
def approve(request: Request, principal: OutreachReview, db: TenantDB, item_id: uuid.UUID) -> Any:
    return action_out(service.approve(db, reviewer(request, principal), item_id))


@router.post(
    "/{item_id}/reply",
    response_model=ReviewActionOut,
    summary="Send the reviewer's (edited) reply, and resolve the item",
    responses=PROBLEMS,
)
def reply(
    request: Request, principal: OutreachReview, db: TenantDB, item_id: uuid.UUID, body: ReplyBody
) -> Any:
    return action_out(service.reply(db, reviewer(request, principal), item_id, body.text.strip()))


@router.post(
    "/{item_id}/takeover",
    response_model=ReviewActionOut,
    summary="Take the conversation over: the journey becomes human-controlled and its automation stops",
    responses=PROBLEMS,
)
def take_over(request: Request, principal: OutreachReview, db: TenantDB, item_id: uuid.UUID) -> Any:
    return action_out(service.take_over(db, reviewer(request, principal), item_id))


@router.post(
    "/{item_id}/dead",
    response_model=ReviewActionOut,
    summary="Mark the lead dead (the state machine's move) and resolve the item",
    responses=PROBLEMS,
)
def dead(
    request: Request,
    principal: OutreachReview,
    db: TenantDB,
    item_id: uuid.UUID,
    body: DeadBody | None = None,
) -> Any:
    reason = (body or DeadBody()).reason.strip()
    return action_out(service.mark_dead(db, reviewer(request, principal), item_id, reason))


@router.post(
    "/{item_id}/snooze",
    response_model=ReviewActionOut,
    summary="Hide the item until a time (its SLA keeps running)",
    responses=PROBLEMS,
)
def snooze(
    request: Request, principal: OutreachReview, db: TenantDB, item_id: uuid.UUID, body: SnoozeBody
) -> Any:
    return action_out(service.snooze(db, reviewer(request, principal), item_id, body.until))
