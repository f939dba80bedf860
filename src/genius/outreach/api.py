"""Outreach routes under ``/v1/outreach``: reply classification, journeys and their state changes."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from genius.core.auth.deps import PlatformDep, TenantDB
from genius.core.kit.errors import NotFound
from genius.core.kit.responses import model_json
from genius.core.storage import tenant_files_from_settings
from genius.outreach import content, credentials, repository, service
from genius.outreach.deps import OutreachAdmin, OutreachRead, OutreachWrite
from genius.outreach.models import Channel, LeadJourney, LeadState
from genius.outreach.repository import JourneyFilter
from genius.outreach.schemas import (
    NO_NUL,
    JourneyDetail,
    JourneyIn,
    JourneyOut,
    MessageOut,
    OutreachLeadPage,
    ProviderKeyIn,
    ProviderKeyOut,
    ProviderName,
    ReplyClassification,
    ReplyIn,
    TransitionIn,
    TransitionOut,
)
from genius.outreach.sentiment import classify

router = APIRouter(prefix="/v1/outreach", tags=["outreach"])

PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Not found (or another tenant's)"},
    409: {"description": "Conflict (a second journey for a lead, a move the state machine forbids)"},
    422: {"description": "Invalid fields (problem+json with errors[])"},
}


@router.post(
    "/replies/classify",
    response_model=ReplyClassification,
    summary="Classify a reply: sentiment -100..100, label, opt-out, reason (offline, RO and EN)",
    responses=PROBLEMS,
)
def classify_reply(principal: OutreachRead, body: ReplyIn) -> Any:
    return classify(body.text).as_dict()


@router.post(
    "/journeys",
    response_model=JourneyOut,
    status_code=201,
    summary="Start a lead's outreach journey (COLD)",
    responses=PROBLEMS,
)
def start_journey(principal: OutreachWrite, db: TenantDB, body: JourneyIn) -> Any:
    return service.start_journey(db, principal.tid, body.lead_id)


def _detail(db: TenantDB, journey: LeadJourney) -> JourneyDetail:
    out = JourneyDetail.model_validate({**JourneyOut.model_validate(journey).model_dump(), "transitions": []})
    out.transitions = [TransitionOut.model_validate(t) for t in repository.transitions(db, journey.id)]
    if journey.converted_at is not None:
        out.crm = service.crm_records(db, journey.id)
    return out


@router.get(
    "/journeys/{journey_id}",
    response_model=JourneyDetail,
    summary="One journey with its state transitions",
    responses=PROBLEMS,
)
def get_journey(principal: OutreachRead, db: TenantDB, journey_id: uuid.UUID) -> Any:
    journey = repository.journey(db, journey_id)
    if journey is None:
        raise NotFound(f"no journey {journey_id}")
    return _detail(db, journey)


@router.get(
    "/journeys/{journey_id}/messages",
    response_model=list[MessageOut],
    summary="A journey's conversation, the newest message first, each with its whole text",
    responses=PROBLEMS,
)
def journey_messages(
    principal: OutreachRead,
    db: TenantDB,
    platform: PlatformDep,
    journey_id: uuid.UUID,
    limit: int = Query(50, ge=1, le=200),
) -> Any:
    if repository.journey(db, journey_id) is None:
        raise NotFound(f"no journey {journey_id}")
    files = tenant_files_from_settings(platform.settings).for_tenant(principal.tid)
    return [
        MessageOut.model_validate(
            {
                **{name: getattr(row, name) for name in MessageOut.model_fields if name != "text"},
                "text": content.full_text(files, row),
            }
        )
        for row in repository.conversation(db, journey_id, limit)
    ]


@router.post(
    "/journeys/{journey_id}/transitions",
    response_model=TransitionOut,
    status_code=201,
    summary="Move a journey to another state (only the state machine's moves; recorded and published)",
    responses=PROBLEMS,
)
def move_journey(principal: OutreachWrite, db: TenantDB, journey_id: uuid.UUID, body: TransitionIn) -> Any:
    row = service.transition(
        db,
        principal.tid,
        journey_id,
        LeadState(body.to_state),
        reason=body.reason.strip(),
        actor=principal.email or principal.sub,
        conversion=body.conversion,
    )
    out = TransitionOut.model_validate(row)
    if row.to_state == LeadState.CONVERTED.value:
        out.crm = service.crm_records(db, row.journey_id)
    return out


SortParam = Annotated[
    str,
    Query(
        pattern=r"^-?(nextActionAt|lastContactAt|sentimentScore)$",
        description="nextActionAt, lastContactAt or sentimentScore; a leading - sorts descending. "
        "Journeys without a value come last.",
    ),
]


@router.get(
    "/leads",
    response_model=OutreachLeadPage,
    summary="Leads in outreach: journeys with their company (filters, pages, total in meta)",
    responses=PROBLEMS,
)
def list_leads(
    principal: OutreachRead,
    db: TenantDB,
    stage: LeadState | None = None,
    channel: Channel | None = Query(None, description="The channel last used"),
    assigned_to: uuid.UUID | None = Query(None, alias="assignedTo"),
    has_reply: bool | None = Query(None, alias="hasReply"),
    needs_review: bool | None = Query(None, alias="needsReview"),
    search: str | None = Query(
        None, max_length=200, pattern=NO_NUL, description="The CRM's lead search (name, company, CUI…)"
    ),
    sort: SortParam = "nextActionAt",
    page: int = Query(1, ge=1, le=10000),
    limit: int = Query(20, ge=1, le=100),
) -> Any:
    f = JourneyFilter(
        state=stage.value if stage else None,
        channel=channel.value if channel else None,
        assigned_to=assigned_to,
        has_reply=has_reply,
        needs_review=needs_review,
    )
    return model_json(service.list_leads(db, f, search=search, sort=sort, page=page, limit=limit))


@router.get(
    "/settings/providers",
    response_model=list[ProviderKeyOut],
    summary="The providers' API keys: the tenant's own (encrypted) or the environment's; never the key",
)
def provider_keys(principal: OutreachAdmin, db: TenantDB, platform: PlatformDep) -> Any:
    return [asdict(k) for k in credentials.statuses(db, platform.settings)]


@router.put(
    "/settings/providers/{provider}",
    response_model=ProviderKeyOut,
    summary="Save the tenant's own API key for a provider (encrypted; audited); sends use it at once",
    responses=PROBLEMS,
)
def save_provider_key(
    principal: OutreachAdmin,
    db: TenantDB,
    platform: PlatformDep,
    request: Request,
    provider: ProviderName,
    body: ProviderKeyIn,
) -> Any:
    saved = credentials.save(
        db,
        principal.tid,
        provider,
        body.api_key,
        settings=platform.settings,
        actor=principal.email or principal.sub,
        request_id=str(getattr(request.state, "request_id", "") or ""),
    )
    return asdict(saved)


@router.delete(
    "/settings/providers/{provider}",
    status_code=204,
    summary="Remove the tenant's own key (the environment's key, if any, serves again)",
    responses=PROBLEMS,
)
def remove_provider_key(
    principal: OutreachAdmin, db: TenantDB, request: Request, provider: ProviderName
) -> Response:
    removed = credentials.remove(
        db,
        principal.tid,
        provider,
        actor=principal.email or principal.sub,
        request_id=str(getattr(request.state, "request_id", "") or ""),
    )
    if not removed:
        raise NotFound(f"this tenant has saved no {provider} key")
    return Response(status_code=204)
