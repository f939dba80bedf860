"""Marketing routes under ``/v1/crm``: consent per contact, the suppression list, a campaign's send
(flag ``campaign_send_v2``; 10 requests/s per user), its recipients and metrics."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status

from genius.core.auth.deps import PlatformDep, TenantDB
from genius.core.kit.errors import NotFound, TooManyRequests
from genius.core.kit.pagination import CursorParam, LimitParam, Page
from genius.core.kit.ratelimit import Limit
from genius.core.storage import tenant_files_from_settings
from genius.vettify.api import PROBLEMS, CorrId, actor
from genius.vettify.campaigns import drafts, lifecycle, marketing, report
from genius.vettify.campaigns.schemas import (
    ConsentIn,
    ConsentOut,
    DraftIn,
    DraftOut,
    LifecycleOut,
    MetricsOut,
    PreviewIn,
    PreviewOut,
    RecipientEventOut,
    RecipientOut,
    ReportOut,
    ScheduleIn,
    ScheduleOut,
    SendIn,
    SendOut,
    SuppressionIn,
    SuppressionOut,
    TestSendIn,
    TestSendOut,
)
from genius.vettify.deps import CrmRead, CrmWrite

router = APIRouter(prefix="/v1/crm", tags=["crm"])

RecipientState = Annotated[
    str | None,
    Query(pattern=r"^(pending|sending|sent|failed|excluded|cancelled)$", description="Only this state"),
]


def send_rate_limit(principal: CrmWrite, platform: PlatformDep) -> None:
    """GENIUS_CAMPAIGN_SEND_RATE_LIMIT (10/s) per user on the send (seed step 347)."""
    limit = Limit.parse(platform.settings.campaign_send_rate_limit)
    decision = platform.limiter.hit(f"campaign-send:{principal.tid}:{principal.sub}", limit, "campaign_send")
    if not decision.allowed:
        raise TooManyRequests(
            "Rate limit for campaign sends exceeded.", headers={"Retry-After": str(decision.retry_after)}
        )


# --- consent ----------------------------------------------------------------------------------------
@router.post(
    "/contacts/{contact_id}/consents",
    status_code=status.HTTP_201_CREATED,
    response_model=ConsentOut,
    responses=PROBLEMS,
    summary="Record a contact's consent on a channel (lawful basis, source, time, proof)",
)
def add_consent(
    contact_id: uuid.UUID,
    body: ConsentIn,
    principal: CrmWrite,
    db: TenantDB,
    request: Request,
    corr: CorrId = None,
) -> Any:
    return ConsentOut.model_validate(
        marketing.add_consent(db, actor(principal, request, corr), contact_id, body)
    )


@router.get(
    "/contacts/{contact_id}/consents",
    response_model=Page[ConsentOut],
    responses=PROBLEMS,
    summary="A contact's consents (every one, withdrawn ones included)",
)
def list_consents(contact_id: uuid.UUID, principal: CrmRead, db: TenantDB) -> Any:
    rows = marketing.consents(db, contact_id)
    return Page[ConsentOut](items=[ConsentOut.model_validate(r) for r in rows], next=None, total=len(rows))


@router.post(
    "/contacts/{contact_id}/consents/{consent_id}/withdraw",
    response_model=ConsentOut,
    responses=PROBLEMS,
    summary="Withdraw a consent (kept, with its withdrawal time)",
)
def withdraw_consent(
    contact_id: uuid.UUID,
    consent_id: uuid.UUID,
    principal: CrmWrite,
    db: TenantDB,
    request: Request,
    corr: CorrId = None,
) -> Any:
    row = marketing.withdraw_consent(db, actor(principal, request, corr), contact_id, consent_id)
    return ConsentOut.model_validate(row)


# --- suppression --------------------------------------------------------------------------------------
@router.post(
    "/suppressions",
    status_code=status.HTTP_201_CREATED,
    response_model=SuppressionOut,
    responses={**PROBLEMS, 200: {"description": "Already suppressed (the existing entry)"}},
    summary="Suppress an address (unsubscribed, bounced, complained)",
)
def add_suppression(
    body: SuppressionIn,
    principal: CrmWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    corr: CorrId = None,
) -> Any:
    row, created = marketing.add_suppression(db, actor(principal, request, corr), body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return SuppressionOut.model_validate(row)


@router.get(
    "/suppressions", response_model=Page[SuppressionOut], summary="The suppression list (newest first)"
)
def list_suppressions(
    principal: CrmRead, db: TenantDB, cursor: CursorParam = None, limit: LimitParam = 50
) -> Any:
    return marketing.suppressions(db, cursor=cursor, limit=limit).map(SuppressionOut.model_validate)


# --- the send ---------------------------------------------------------------------------------------
@router.post(
    "/campaigns/{campaign_id}/send",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SendOut,
    responses={
        **PROBLEMS,
        409: {"description": "Flag campaign_send_v2 off, already sent, not e-mail, or not draft/scheduled"},
        429: {"description": "More than 10 sends per second by this user"},
    },
    dependencies=[Depends(send_rate_limit)],
    summary="Send an e-mail campaign: snapshot the audience, queue batches of 100 (exactly once each)",
)
def send_campaign(
    campaign_id: uuid.UUID,
    body: SendIn,
    principal: CrmWrite,
    db: TenantDB,
    platform: PlatformDep,
    request: Request,
    corr: CorrId = None,
) -> Any:
    return marketing.start_send(db, actor(principal, request, corr), platform.settings, campaign_id, body)


@router.post(
    "/campaigns/{campaign_id}/schedule",
    response_model=ScheduleOut,
    responses={
        **PROBLEMS,
        409: {"description": "Flag campaign_send_v2 off, already sent, not e-mail, or not draft/scheduled"},
    },
    summary="Schedule an e-mail campaign's send for a time (a scheduled one: a new time or message)",
)
def schedule_campaign(
    campaign_id: uuid.UUID,
    body: ScheduleIn,
    principal: CrmWrite,
    db: TenantDB,
    platform: PlatformDep,
    request: Request,
    corr: CorrId = None,
) -> Any:
    return lifecycle.schedule(db, actor(principal, request, corr), platform.settings, campaign_id, body)


_TRANSITION = {**PROBLEMS, 409: {"description": "Not allowed in the campaign's state (campaign-transition)"}}


@router.post(
    "/campaigns/{campaign_id}/pause",
    response_model=LifecycleOut,
    responses=_TRANSITION,
    summary="Pause a running send: the batch in flight finishes its message, the rest stays pending",
)
def pause_campaign(
    campaign_id: uuid.UUID, principal: CrmWrite, db: TenantDB, request: Request, corr: CorrId = None
) -> Any:
    return lifecycle.pause(db, actor(principal, request, corr), campaign_id)


@router.post(
    "/campaigns/{campaign_id}/resume",
    response_model=LifecycleOut,
    responses=_TRANSITION,
    summary="Resume a paused send: its pending recipients are queued again (none twice)",
)
def resume_campaign(
    campaign_id: uuid.UUID, principal: CrmWrite, db: TenantDB, request: Request, corr: CorrId = None
) -> Any:
    return lifecycle.resume(db, actor(principal, request, corr), campaign_id)


@router.post(
    "/campaigns/{campaign_id}/cancel",
    response_model=LifecycleOut,
    responses=_TRANSITION,
    summary="Cancel a scheduled, running or paused campaign: the recipients not sent yet are cancelled",
)
def cancel_campaign(
    campaign_id: uuid.UUID, principal: CrmWrite, db: TenantDB, request: Request, corr: CorrId = None
) -> Any:
    return lifecycle.cancel(db, actor(principal, request, corr), campaign_id)


@router.post(
    "/campaigns/{campaign_id}/preview",
    response_model=PreviewOut,
    responses=PROBLEMS,
    summary="The message as one contact would get it: MJML compiled, CSS inlined, sanitised, personalised",
)
def preview_message(campaign_id: uuid.UUID, body: PreviewIn, principal: CrmRead, db: TenantDB) -> Any:
    return marketing.preview(db, campaign_id, body)


@router.post(
    "/campaigns/{campaign_id}/test",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=TestSendOut,
    responses={**PROBLEMS, 429: {"description": "More than 10 sends per second by this user"}},
    dependencies=[Depends(send_rate_limit)],
    summary="Send one [Test] copy to one address (not tracked, nothing recorded on the campaign)",
)
def test_send(
    campaign_id: uuid.UUID,
    body: TestSendIn,
    principal: CrmWrite,
    db: TenantDB,
    platform: PlatformDep,
    request: Request,
    corr: CorrId = None,
) -> Any:
    return marketing.test_send(db, actor(principal, request, corr), platform.settings, campaign_id, body)


@router.get(
    "/campaigns/{campaign_id}/metrics",
    response_model=MetricsOut,
    responses=PROBLEMS,
    summary="A campaign's results: sent, delivered, opened, clicked, bounced, unsubscribed, complained; "
    "with ?bucket=hour|day their time series",
)
def campaign_metrics(
    campaign_id: uuid.UUID,
    principal: CrmRead,
    db: TenantDB,
    bucket: Annotated[
        str | None, Query(pattern=r"^(hour|day)$", description="Add the time series per hour or day")
    ] = None,
) -> Any:
    return marketing.metrics(db, campaign_id, bucket, principal.tid)


@router.get(
    "/campaigns/{campaign_id}/recipients",
    response_model=Page[RecipientOut],
    responses=PROBLEMS,
    summary="A campaign's recipients with their state (excluded ones with the reason)",
)
def campaign_recipients(
    campaign_id: uuid.UUID,
    principal: CrmRead,
    db: TenantDB,
    state: RecipientState = None,
    cursor: CursorParam = None,
    limit: LimitParam = 50,
) -> Any:
    page = marketing.recipients(db, campaign_id, state=state, cursor=cursor, limit=limit)
    return page.map(RecipientOut.model_validate)


@router.get(
    "/campaigns/{campaign_id}/recipients/{recipient_id}/history",
    response_model=list[RecipientEventOut],
    responses=PROBLEMS,
    summary="A recipient's delivery history (delivered, bounces, complaints: time, reason, source)",
)
def recipient_history(
    campaign_id: uuid.UUID, recipient_id: uuid.UUID, principal: CrmRead, db: TenantDB
) -> Any:
    return [RecipientEventOut.model_validate(e) for e in marketing.history(db, campaign_id, recipient_id)]


# --- the PDF report -----------------------------------------------------------------------------------
@router.post(
    "/campaigns/{campaign_id}/report",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ReportOut,
    responses=PROBLEMS,
    summary="Ask for the campaign's PDF report (funnel, opens and clicks over time, top links, rates); "
    "pdf.render stores it under the tenant's key",
)
def request_report(
    campaign_id: uuid.UUID,
    principal: CrmRead,
    db: TenantDB,
    platform: PlatformDep,
    request: Request,
    corr: CorrId = None,
) -> Any:
    return report.request_report(db, actor(principal, request, corr), platform.settings, campaign_id)


@router.get(
    "/campaigns/{campaign_id}/report",
    response_model=ReportOut,
    responses={**PROBLEMS, 404: {"description": "Unknown campaign, or no report asked for yet"}},
    summary="The newest report asked for: rendering or ready",
)
def report_status(campaign_id: uuid.UUID, principal: CrmRead, db: TenantDB, platform: PlatformDep) -> Any:
    files = tenant_files_from_settings(platform.settings).for_tenant(principal.tid)
    found = report.report_status(db, files, campaign_id)
    if found is None:
        raise NotFound("No report was asked for this campaign yet.", code="report-not-requested")
    return found


@router.get(
    "/campaigns/{campaign_id}/report.pdf",
    response_class=Response,
    responses={
        **PROBLEMS,
        200: {"content": {"application/pdf": {}}},
        404: {"description": "Unknown campaign, or no report asked for yet"},
        409: {"description": "The report is still being rendered (report-rendering)"},
    },
    summary="Download the newest PDF report",
)
def report_pdf(campaign_id: uuid.UUID, principal: CrmRead, db: TenantDB, platform: PlatformDep) -> Response:
    files = tenant_files_from_settings(platform.settings).for_tenant(principal.tid)
    name, pdf = report.report_pdf(db, files, campaign_id)
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get(
    "/campaigns/{campaign_id}/draft",
    response_model=DraftOut | None,
    responses=PROBLEMS,
    summary="The composer's saved draft of the message (null: none)",
)
def get_draft(campaign_id: uuid.UUID, principal: CrmRead, db: TenantDB) -> Any:
    return drafts.draft_of(db, campaign_id)


@router.put(
    "/campaigns/{campaign_id}/draft",
    response_model=DraftOut,
    responses=PROBLEMS,
    summary="Keep the message typed so far (subject, format, body; may be incomplete) until it is sent",
)
def save_draft(
    campaign_id: uuid.UUID,
    body: DraftIn,
    principal: CrmWrite,
    db: TenantDB,
    request: Request,
    corr: CorrId = None,
) -> Any:
    return drafts.save(db, actor(principal, request, corr), campaign_id, body)
