"""Vettify pages: campaigns — the list with each campaign's figures, and one campaign with its funnel,
its recipients and their state, and (for a draft, with the ``campaign_send_v2`` flag on) the send form:
subject and message, then a confirmation before anything is queued.

The pages call the same services as ``/v1/crm/campaigns…`` under the same scopes."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from genius.core.kit.errors import Conflict, NotFound, Problem
from genius.core.kit.manifest import N_
from genius.core.storage import tenant_files_from_settings
from genius.vettify import service
from genius.vettify.campaigns import lifecycle, marketing, report
from genius.vettify.campaigns.repository import CAMPAIGNS
from genius.vettify.campaigns.schemas import ScheduleIn, SendIn
from genius.vettify.pages.common import CrmReader, CrmWriter, actor, can_write, form_values, validation_errors
from genius.web.formats import moment
from genius.web.kit import (
    CsrfChecked,
    PageDB,
    PageForm,
    PageUser,
    _,
    context,
    error_page,
    flash,
    platform_of,
    render,
)

router = APIRouter(include_in_schema=False)

STATUS_LABELS = {
    "draft": N_("Draft"),
    "scheduled": N_("Scheduled"),
    "running": N_("Sending"),
    "paused": N_("Paused"),
    "completed": N_("Finished"),
    "cancelled": N_("Cancelled"),
}
STATUS_KINDS = {
    "draft": "",
    "scheduled": "info",
    "running": "brand",
    "paused": "warn",
    "completed": "ok",
    "cancelled": "err",
}
STATE_LABELS = {
    "pending": N_("Waiting"),
    "sending": N_("Sending"),
    "sent": N_("Sent"),
    "failed": N_("Failed"),
    "excluded": N_("Excluded"),
    "cancelled": N_("Cancelled"),
}
REASON_LABELS = {
    "no_email": N_("no e-mail address"),
    "suppressed": N_("unsubscribed, bounced or complained"),
    "no_basis": N_("no consent or other lawful basis"),
    "campaign cancelled": N_("the campaign was cancelled"),
}
DELIVERY_LABELS = {
    "delivered": N_("delivered"),
    "bounced": N_("bounced"),
    "complained": N_("complained"),
}
SEND_FIELDS = ("subject", "html")
SCHEDULE_FIELDS = (*SEND_FIELDS, "at")
# the lifecycle buttons: what each asks before it acts, and what it says after
STEP_QUESTIONS = {
    "pause": N_("Pause the send? The message being sent finishes; the rest waits until you resume."),
    "resume": N_("Resume the send? The recipients still waiting are sent, none twice."),
    "cancel": N_("Cancel the campaign? The recipients not sent yet will not get it. This cannot be undone."),
}
STEP_DONE = {
    "pause": N_("The send is paused."),
    "resume": N_("The send continues."),
    "cancel": N_("The campaign is cancelled."),
}
STEPS = {"pause": lifecycle.pause, "resume": lifecycle.resume, "cancel": lifecycle.cancel}


def _labels() -> dict[str, Any]:
    return {
        "status_labels": {k: _(v) for k, v in STATUS_LABELS.items()},
        "status_kinds": STATUS_KINDS,
        "state_labels": {k: _(v) for k, v in STATE_LABELS.items()},
        "reason_labels": {k: _(v) for k, v in REASON_LABELS.items()},
        "delivery_labels": {k: _(v) for k, v in DELIVERY_LABELS.items()},
    }


@router.get("/crm/campaigns", response_class=HTMLResponse)
def campaigns(request: Request, user: CrmReader, db: PageDB) -> Response:
    page = service.list_records(db, CAMPAIGNS, service.ListQuery(sort="-created_at", limit=100))
    figures = marketing.metrics_many(db, [c.id for c in page.items])
    rows = [(c, figures[c.id]) for c in page.items]
    ctx = context(
        request, account=user.account, tenant=user.tenant, rows=rows, can_write=can_write(user), **_labels()
    )
    return render(request, "vettify/campaigns.html", ctx)


def _campaign_context(
    request: Request, user: PageUser, db: PageDB, campaign_id: uuid.UUID, **extra: Any
) -> Any:
    campaign = service.get_record(db, CAMPAIGNS, campaign_id)
    figures = marketing.metrics(db, campaign_id, "hour", user.account.tid)
    if len(figures.series) > 48:  # more than two days: one bar a day
        figures = marketing.metrics(db, campaign_id, "day", user.account.tid)
    recipients = marketing.recipients(db, campaign_id, state=None, cursor=None, limit=100)
    enabled = platform_of(request).settings.feature_campaign_send_v2
    planned = marketing.schedule_of(db, campaign_id)
    writer = can_write(user)
    files = tenant_files_from_settings(platform_of(request).settings).for_tenant(user.account.tid)
    return context(
        request,
        account=user.account,
        tenant=user.tenant,
        campaign=campaign,
        figures=figures,
        chart_top=max([p.sent for p in figures.series] + [1]),
        recipients=recipients.items,
        more_recipients=recipients.next is not None,
        can_send=writer and enabled and figures.status == "not_sent" and campaign.status != "cancelled",
        planned=planned if planned is not None and planned.state in ("scheduled", "failed") else None,
        steps=[a for a in _allowed_steps(campaign.status, figures.status, planned) if writer],
        step_questions={k: _(v) for k, v in STEP_QUESTIONS.items()},
        send_disabled=not enabled,
        values=extra.pop("values", _planned_values(planned, campaign.name)),
        errors=extra.pop("errors", {}),
        report=report.report_status(db, files, campaign_id),
        can_edit=writer and enabled and figures.status == "not_sent" and campaign.status == "draft",
        **_labels(),
        **extra,
    )


def _allowed_steps(status: str, send_status: str, planned: Any) -> list[str]:
    """The lifecycle buttons the campaign's state allows (the services refuse the rest with a 409)."""
    if send_status == "sending":
        return ["pause", "cancel"]
    if send_status == "paused":
        return ["resume", "cancel"]
    if send_status == "not_sent" and planned is not None and planned.state == "scheduled":
        return ["cancel"]
    return []


def _planned_values(planned: Any, name: str) -> dict[str, str]:
    if planned is None or planned.state != "scheduled":
        return {"subject": name, "html": "", "at": ""}
    return {"subject": planned.body.get("subject", name), "html": planned.body.get("html", ""), "at": ""}


@router.get("/crm/campaigns/{campaign_id}", response_class=HTMLResponse)
def campaign(
    request: Request,
    campaign_id: uuid.UUID,
    user: CrmReader,
    db: PageDB,
) -> Response:
    try:
        ctx = _campaign_context(request, user, db, campaign_id)
    except NotFound:
        return error_page(request, 404)
    return render(request, "vettify/campaign.html", ctx)


@router.post("/crm/campaigns/{campaign_id}/send", dependencies=[CsrfChecked])
def campaign_send(
    request: Request, campaign_id: uuid.UUID, user: CrmWriter, db: PageDB, form: PageForm
) -> Response:
    values = form_values(form, SCHEDULE_FIELDS)
    confirmed = form.get("confirmed") == "yes"
    try:
        body = SendIn.model_validate({k: v for k, v in values.items() if v.strip() and k != "at"})
    except ValidationError as exc:
        ctx = _campaign_context(request, user, db, campaign_id, values=values, errors=validation_errors(exc))
        return render(request, "vettify/campaign.html", ctx, 422)
    except NotFound:
        return error_page(request, 404)
    if not confirmed:  # the confirmation step: the audience counted as the send would take it, nothing queued
        preview = marketing.preview_audience(db, user.account.tid, campaign_id, None)
        ctx = _campaign_context(
            request,
            user,
            db,
            campaign_id,
            values=values,
            confirming=True,
            would_send=preview.get("pending", 0),
            would_exclude={r: n for r, n in preview.items() if r in REASON_LABELS and n},
        )
        return render(request, "vettify/campaign.html", ctx)
    who = actor(request, user)
    try:
        sent = marketing.start_send(db, who, platform_of(request).settings, campaign_id, body)
    except NotFound:
        return error_page(request, 404)
    except (Conflict, Problem) as exc:
        ctx = _campaign_context(
            request, user, db, campaign_id, values=values, refusal=exc.detail or exc.title
        )
        return render(request, "vettify/campaign.html", ctx, 409)
    response = RedirectResponse(f"/crm/campaigns/{campaign_id}", status_code=303)
    excluded = sum(sent.excluded.values())
    message = _(
        "Sending to %(num)s recipients; %(excluded)s excluded (see the reasons below).",
        num=sent.recipients,
        excluded=excluded,
    )
    return flash(response, message)


@router.post("/crm/campaigns/{campaign_id}/schedule", dependencies=[CsrfChecked])
def campaign_schedule(
    request: Request, campaign_id: uuid.UUID, user: CrmWriter, db: PageDB, form: PageForm
) -> Response:
    """Programează: the time is the tenant's local time (``datetime-local``); first a confirmation with the
    audience counted as the send would take it, then the schedule."""
    values = form_values(form, SCHEDULE_FIELDS)
    try:
        at = marketing.local_time(db, user.account.tid, values["at"])
        body = ScheduleIn.model_validate(
            {**{k: v for k, v in values.items() if v.strip() and k != "at"}, "at": at}
        )
    except ValidationError as exc:
        ctx = _campaign_context(request, user, db, campaign_id, values=values, errors=validation_errors(exc))
        return render(request, "vettify/campaign.html", ctx, 422)
    except NotFound:
        return error_page(request, 404)
    if form.get("confirmed") != "yes":
        preview = marketing.preview_audience(db, user.account.tid, campaign_id, None)
        ctx = _campaign_context(
            request,
            user,
            db,
            campaign_id,
            values=values,
            confirming="schedule",
            scheduled_for=body.at,
            would_send=preview.get("pending", 0),
            would_exclude={r: n for r, n in preview.items() if r in REASON_LABELS and n},
        )
        return render(request, "vettify/campaign.html", ctx)
    try:
        out = lifecycle.schedule(db, actor(request, user), platform_of(request).settings, campaign_id, body)
    except NotFound:
        return error_page(request, 404)
    except Problem as exc:
        ctx = _campaign_context(
            request, user, db, campaign_id, values=values, refusal=exc.detail or exc.title
        )
        return render(request, "vettify/campaign.html", ctx, 409 if exc.status == 409 else 422)
    response = RedirectResponse(f"/crm/campaigns/{campaign_id}", status_code=303)
    return flash(response, _("Scheduled for %(when)s.", when=moment(out.run_at)))


def _step(
    request: Request, campaign_id: uuid.UUID, step: str, user: PageUser, db: PageDB, form: Any
) -> Response:
    """Pauză, Reia, Anulează: the first submit asks (a confirmation the keyboard lands on), the second
    acts."""
    try:
        if form.get("confirmed") != "yes":
            ctx = _campaign_context(request, user, db, campaign_id, asking=step)
            return render(request, "vettify/campaign.html", ctx)
        STEPS[step](db, actor(request, user), campaign_id)
    except NotFound:
        return error_page(request, 404)
    except Conflict as exc:
        ctx = _campaign_context(request, user, db, campaign_id, refusal=exc.detail or exc.title)
        return render(request, "vettify/campaign.html", ctx, 409)
    response = RedirectResponse(f"/crm/campaigns/{campaign_id}", status_code=303)
    return flash(response, _(STEP_DONE[step]))


@router.post("/crm/campaigns/{campaign_id}/pause", dependencies=[CsrfChecked])
def campaign_pause(
    request: Request, campaign_id: uuid.UUID, user: CrmWriter, db: PageDB, form: PageForm
) -> Response:
    return _step(request, campaign_id, "pause", user, db, form)


@router.post("/crm/campaigns/{campaign_id}/resume", dependencies=[CsrfChecked])
def campaign_resume(
    request: Request, campaign_id: uuid.UUID, user: CrmWriter, db: PageDB, form: PageForm
) -> Response:
    return _step(request, campaign_id, "resume", user, db, form)


@router.post("/crm/campaigns/{campaign_id}/cancel", dependencies=[CsrfChecked])
def campaign_cancel(
    request: Request, campaign_id: uuid.UUID, user: CrmWriter, db: PageDB, form: PageForm
) -> Response:
    return _step(request, campaign_id, "cancel", user, db, form)


# --- the PDF report ---------------------------------------------------------------------------------------
@router.post("/crm/campaigns/{campaign_id}/report", dependencies=[CsrfChecked])
def campaign_report(request: Request, campaign_id: uuid.UUID, user: CrmReader, db: PageDB) -> Response:
    """Ask for the PDF report (``report.request_report``, as ``POST /v1/crm/campaigns/{id}/report``)."""
    try:
        report.request_report(db, actor(request, user), platform_of(request).settings, campaign_id)
    except NotFound:
        return error_page(request, 404)
    response = RedirectResponse(f"/crm/campaigns/{campaign_id}#report", status_code=303)
    return flash(
        response, _("The report is being prepared; its download link appears here in a few seconds.")
    )


@router.get("/crm/campaigns/{campaign_id}/report.pdf")
def campaign_report_pdf(request: Request, campaign_id: uuid.UUID, user: CrmReader, db: PageDB) -> Response:
    files = tenant_files_from_settings(platform_of(request).settings).for_tenant(user.account.tid)
    try:
        name, pdf = report.report_pdf(db, files, campaign_id)
    except NotFound:
        return error_page(request, 404)
    except Conflict:
        response = RedirectResponse(f"/crm/campaigns/{campaign_id}#report", status_code=303)
        return flash(response, _("The report is still being prepared; try again in a few seconds."))
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
