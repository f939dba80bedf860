"""Vettify pages: the campaign creation wizard and its template editor.

1. ``/crm/campaigns/new``: the name and the audience (every contact or a segment of contacts), with the
   live count of who would get it and who is left out, and why (htmx, as the segment changes).
2. ``/crm/campaigns/{id}/compose``: the template editor (subject, HTML or MJML body) beside its live,
   sanitised preview for a chosen recipient (htmx as you type), a test send to one address, and the send
   time for a schedule. What is typed is saved on the campaign as a draft (htmx, a moment after the
   typing stops, or "Save draft") and restored on return (``campaigns.drafts``).
3. Send now or schedule, behind a confirmation that states the recipient count and the number excluded,
   with the reasons; nothing is queued before it is confirmed.

Every step calls the services the API calls (``create_campaign``, ``marketing.preview`` / ``test_send`` /
``start_send``, ``lifecycle.schedule``), so the same rules and refusals apply; a refusal is shown inline
on its field."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from genius.core.kit.errors import NotFound, Problem, TooManyRequests
from genius.core.kit.manifest import N_
from genius.core.kit.ratelimit import Limit
from genius.vettify import service
from genius.vettify.campaigns import audience, drafts, lifecycle, marketing
from genius.vettify.campaigns.repository import CAMPAIGNS
from genius.vettify.campaigns.schemas import (
    CampaignCreate,
    DraftIn,
    PreviewIn,
    ScheduleIn,
    SendIn,
    TestSendIn,
)
from genius.vettify.campaigns.service import create_campaign
from genius.vettify.pages.campaigns import REASON_LABELS, _labels
from genius.vettify.pages.common import CrmWriter, actor, form_values, validation_errors
from genius.vettify.repository.records import CONTACTS
from genius.vettify.segments import service as segments
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

STEPS = (("audience", N_("Audience")), ("message", N_("Message and preview")), ("send", N_("Send")))
AUDIENCE_FIELDS = ("name", "segment_id")
COMPOSE_FIELDS = ("subject", "format", "html", "contact_id", "test_to", "at")
FORMATS = (("html", "HTML"), ("mjml", "MJML"))
STARTER = (
    '<h1>Bună ziua, {{ prenume | default("client") }}!</h1>\n'
    '<p>Scrieți aici mesajul. Un link: <a href="https://exemplu.ro">exemplu.ro</a>.</p>'
)


def _field_errors(exc: Problem) -> dict[str, str]:
    """A service's 422 as inline messages: the service's own reason on each field it names."""
    errors: dict[str, str] = {}
    for err in exc.errors or []:
        field = str(err.get("field") or "")
        if field:
            errors.setdefault(field, str(err.get("message") or _("This value is not valid.")))
    return errors or {"": exc.detail or exc.title}


def _uuid_or_none(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw) if raw.strip() else None
    except ValueError:
        return None


def _excluded(counts: dict[str, int]) -> dict[str, int]:
    return {reason: n for reason, n in counts.items() if reason in REASON_LABELS and n}


# --- step 1: name and audience ---------------------------------------------------------------------
def _audience_context(
    request: Request, user: PageUser, db: PageDB, values: dict[str, str], errors: dict[str, str]
) -> Any:
    counts: dict[str, int] | None = None
    if "segment_id" not in errors:
        try:
            counts = audience.count_for(db, _uuid_or_none(values.get("segment_id", "")))
        except Problem:
            counts = None
    return context(
        request,
        account=user.account,
        tenant=user.tenant,
        steps=STEPS,
        step="audience",
        values=values,
        errors=errors,
        segment_options=[(str(s.id), s.name) for s in segments.segments_for_picker(db)],
        counts=counts,
        **_labels(),
    )


@router.get("/crm/campaigns/new", response_class=HTMLResponse)
def wizard_start(request: Request, user: CrmWriter, db: PageDB) -> Response:
    ctx = _audience_context(request, user, db, {"name": "", "segment_id": ""}, {})
    return render(request, "vettify/campaign_wizard.html", ctx)


@router.get("/crm/campaigns/new/count", response_class=HTMLResponse)
def wizard_count(request: Request, user: CrmWriter, db: PageDB, segment_id: str = "") -> Response:
    """The live count of the chosen audience (htmx fragment)."""
    try:
        counts = audience.count_for(db, _uuid_or_none(segment_id))
    except Problem:
        counts = None
    ctx = context(request, account=user.account, counts=counts, **_labels())
    return render(request, "vettify/campaign_wizard_count.html", ctx)


@router.post("/crm/campaigns/new", dependencies=[CsrfChecked])
def wizard_create(request: Request, user: CrmWriter, db: PageDB, form: PageForm) -> Response:
    values = form_values(form, AUDIENCE_FIELDS)
    raw_segment = values["segment_id"].strip()
    segment_id = _uuid_or_none(raw_segment)
    errors: dict[str, str] = {}
    if raw_segment and segment_id is None:
        errors["segment_id"] = _("Choose one of the segments.")
    try:
        body = CampaignCreate.model_validate(
            {"name": values["name"].strip(), "channel": "email", "segment_id": segment_id}
        )
    except ValidationError as exc:
        errors = {**validation_errors(exc), **errors}
    if errors:
        return render(
            request, "vettify/campaign_wizard.html", _audience_context(request, user, db, values, errors), 422
        )
    try:
        created = create_campaign(db, actor(request, user), body)
    except Problem as exc:
        if exc.status != 422:
            raise
        errors = {"segment_id": _("Choose one of the segments.")} if exc.errors else _field_errors(exc)
        return render(
            request, "vettify/campaign_wizard.html", _audience_context(request, user, db, values, errors), 422
        )
    return RedirectResponse(f"/crm/campaigns/{created.id}/compose", status_code=303)


# --- step 2: the template editor, its preview and the test send ------------------------------------------
def _contact_options(db: PageDB) -> list[tuple[str, str]]:
    """Whom the preview can be personalised for: the first contacts with an address (by last name)."""
    page = service.list_records(db, CONTACTS, service.ListQuery(sort="last_name", limit=100))
    options = [("", _("The first contact with an address"))]
    for c in page.items:
        if c.email:
            name = " ".join(p for p in (c.first_name, c.last_name) if p)
            options.append((str(c.id), f"{name} <{c.email}>" if name else c.email))
    return options


def _compose_context(
    request: Request, user: PageUser, db: PageDB, campaign_id: uuid.UUID, **extra: Any
) -> Any:
    campaign = service.get_record(db, CAMPAIGNS, campaign_id)
    planned = marketing.schedule_of(db, campaign_id)
    body = planned.body if planned is not None and planned.state == "scheduled" else {}
    draft = drafts.draft_of(db, campaign_id)
    if draft is not None:  # what was typed last time wins over the planned message
        body = draft.model_dump()
    values = extra.pop("values", None) or {  # a scheduled campaign opens with its planned message
        "subject": body.get("subject") or ("" if draft is not None else campaign.name),
        "format": body.get("format") or "html",
        "html": body.get("html") or ("" if draft is not None else STARTER),
        "contact_id": "",
        "test_to": user.account.email,
        "at": "",
    }
    extra.setdefault("draft", draft)
    figures = marketing.metrics_many(db, [campaign_id])[campaign_id]
    enabled = platform_of(request).settings.feature_campaign_send_v2
    return context(
        request,
        account=user.account,
        tenant=user.tenant,
        campaign=campaign,
        steps=STEPS,
        step=extra.pop("step", "message"),
        values=values,
        errors=extra.pop("errors", {}),
        formats=FORMATS,
        editor_hint=_(
            "Variables: %(names)s; with a fallback: %(fallback)s. The footer with the unsubscribe link and "
            "your company's details is added to every message.",
            names="{{ prenume }}, {{ nume }}, {{ firma }}, {{ email }}",
            fallback='{{ prenume | default("client") }}',
        ),
        contact_options=_contact_options(db),
        segment_name=audience.segment_name(db, campaign),
        sendable=enabled and figures.status == "not_sent" and campaign.status in ("draft", "scheduled"),
        send_disabled=not enabled,
        preview=extra.pop("preview", None)
        or _with_frame(request, user.account.tid, campaign_id, _preview(db, campaign_id, values)),
        **_labels(),
        **extra,
    )


def _preview(db: PageDB, campaign_id: uuid.UUID, values: dict[str, str]) -> dict[str, Any]:
    """The message as the chosen recipient would get it, or the reason it cannot be sent as written."""
    try:
        body = PreviewIn.model_validate(
            {
                "subject": values.get("subject", ""),
                "html": values.get("html", ""),
                "format": values.get("format") or "html",
                "contact_id": _uuid_or_none(values.get("contact_id", "")),
            }
        )
        shown = marketing.preview(db, campaign_id, body)
    except ValidationError as exc:
        return {"errors": validation_errors(exc)}
    except Problem as exc:
        if exc.status != 422:
            raise
        return {"errors": _field_errors(exc)}
    return {"subject": shown.subject, "html": shown.html, "text": shown.text, "errors": {}}


# The preview is shown in a sandboxed iframe served with its own policy (mail HTML is styled inline, which
# the pages' policy forbids): the compiled HTML waits in Redis for ten minutes under a random token.
FRAME_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'self'"
)
FRAME_TTL = 600


def _frame_key(tid: uuid.UUID, token: str) -> str:
    return f"crm:campaign-preview:{tid}:{token}"


def _with_frame(
    request: Request, tid: uuid.UUID, campaign_id: uuid.UUID, shown: dict[str, Any]
) -> dict[str, Any]:
    """The preview with the URL its iframe loads (``frame``), or, without Redis, the HTML inline."""
    client = platform_of(request).redis
    if client is None or "html" not in shown:
        return shown
    token = uuid.uuid4().hex
    client.set(_frame_key(tid, token), shown["html"].encode(), ex=FRAME_TTL)
    return {**shown, "frame": f"/crm/campaigns/{campaign_id}/compose/frame/{token}"}


@router.get("/crm/campaigns/{campaign_id}/compose/frame/{token}")
def compose_frame(request: Request, campaign_id: uuid.UUID, token: str, user: CrmWriter) -> Response:
    client = platform_of(request).redis
    found = (
        client.get(_frame_key(user.account.tid, token)) if client is not None and token.isalnum() else None
    )
    if not isinstance(found, bytes):
        return Response(status_code=404)
    return Response(
        found,
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Security-Policy": FRAME_POLICY,
            "X-Frame-Options": "SAMEORIGIN",
            "Cache-Control": "no-store",
        },
    )


@router.get("/crm/campaigns/{campaign_id}/compose", response_class=HTMLResponse)
def compose(request: Request, campaign_id: uuid.UUID, user: CrmWriter, db: PageDB) -> Response:
    try:
        ctx = _compose_context(request, user, db, campaign_id)
    except NotFound:
        return error_page(request, 404)
    return render(request, "vettify/campaign_wizard.html", ctx)


@router.post("/crm/campaigns/{campaign_id}/compose/preview", dependencies=[CsrfChecked])
def compose_preview(
    request: Request, campaign_id: uuid.UUID, user: CrmWriter, db: PageDB, form: PageForm
) -> Response:
    """The editor's live preview (htmx fragment): compiled, sanitised and personalised like the send."""
    values = form_values(form, COMPOSE_FIELDS)
    try:
        service.get_record(db, CAMPAIGNS, campaign_id)
        shown = _with_frame(request, user.account.tid, campaign_id, _preview(db, campaign_id, values))
    except NotFound:
        return error_page(request, 404)
    ctx = context(request, account=user.account, preview=shown)
    return render(request, "vettify/campaign_wizard_preview.html", ctx)


@router.post("/crm/campaigns/{campaign_id}/compose/draft", dependencies=[CsrfChecked])
def compose_draft(
    request: Request, campaign_id: uuid.UUID, user: CrmWriter, db: PageDB, form: PageForm
) -> Response:
    """Keep the message typed so far: htmx (as the user types, or "Save draft") gets the status line;
    without JavaScript, back to the composer with the draft restored."""
    values = form_values(form, COMPOSE_FIELDS)
    htmx = bool(request.headers.get("hx-request"))
    try:
        body = DraftIn.model_validate({k: values[k] for k in ("subject", "html", "format") if values[k]})
        saved = drafts.save(db, actor(request, user), campaign_id, body)
    except NotFound:
        return error_page(request, 404)
    except (ValidationError, Problem):
        if not htmx:
            raise
        ctx = context(request, account=user.account, campaign_id=campaign_id, draft=None, draft_failed=True)
        return render(request, "vettify/campaign_wizard_draft.html", ctx)
    if htmx:
        ctx = context(request, account=user.account, campaign_id=campaign_id, draft=saved, just_saved=True)
        return render(request, "vettify/campaign_wizard_draft.html", ctx)
    back = RedirectResponse(f"/crm/campaigns/{campaign_id}/compose", status_code=303)
    return flash(back, _("Draft saved: it is here when you come back."))


@router.post("/crm/campaigns/{campaign_id}/compose/test", dependencies=[CsrfChecked])
def compose_test(
    request: Request, campaign_id: uuid.UUID, user: CrmWriter, db: PageDB, form: PageForm
) -> Response:
    """One [Test] copy to one address (``marketing.test_send``, as ``POST …/test``)."""
    values = form_values(form, COMPOSE_FIELDS)
    htmx = request.headers.get("HX-Request") == "true"
    result: dict[str, Any]
    try:
        _send_rate_limit(request, user)
        body = TestSendIn.model_validate(
            {
                "subject": values["subject"],
                "html": values["html"],
                "format": values["format"] or "html",
                "contact_id": _uuid_or_none(values["contact_id"]),
                "to": values["test_to"].strip(),
            }
        )
        sent = marketing.test_send(db, actor(request, user), platform_of(request).settings, campaign_id, body)
        result = {"ok": True, "message": _("A test copy is on its way to %(to)s.", to=sent.to)}
        status = 200
    except NotFound:
        return error_page(request, 404)
    except ValidationError as exc:
        errors = validation_errors(exc)
        if "to" in errors:
            errors = {"test_to": _("Enter a valid e-mail address, such as nume@firma.ro.")}
        result, status = {"ok": False, "errors": errors}, 422
    except Problem as exc:
        if exc.status not in (409, 422, 429):
            raise
        result, status = {"ok": False, "errors": _field_errors(exc)}, exc.status
    if htmx:
        ctx = context(request, account=user.account, test_result=result)
        return render(request, "vettify/campaign_wizard_test.html", ctx, status)
    ctx = _compose_context(
        request, user, db, campaign_id, values=values, test_result=result, errors=result.get("errors", {})
    )
    return render(request, "vettify/campaign_wizard.html", ctx, status)


def _send_rate_limit(request: Request, user: PageUser) -> None:
    """The API's GENIUS_CAMPAIGN_SEND_RATE_LIMIT per user (the same bucket as ``POST …/test``): a test
    send mails any address, so the page is held to it too (429, shown inline)."""
    platform = platform_of(request)
    limit = Limit.parse(platform.settings.campaign_send_rate_limit)
    decision = platform.limiter.hit(
        f"campaign-send:{user.account.tid}:{user.account.id}", limit, "campaign_send"
    )
    if not decision.allowed:
        raise TooManyRequests(_("Too many sends at once: wait a moment and try again."))


# --- step 3: send now or schedule, behind the confirmation ---------------------------------------------
@router.post("/crm/campaigns/{campaign_id}/compose", dependencies=[CsrfChecked])
def compose_submit(
    request: Request, campaign_id: uuid.UUID, user: CrmWriter, db: PageDB, form: PageForm
) -> Response:
    values = form_values(form, COMPOSE_FIELDS)
    schedule = form.get("action") == "schedule"
    message = {k: values[k] for k in ("subject", "html") if values[k].strip()}
    message["format"] = values["format"] or "html"
    try:
        body: SendIn
        if schedule:
            errors = {} if values["at"].strip() else {"at": _("Choose when to send it.")}
            if errors:
                ctx = _compose_context(request, user, db, campaign_id, values=values, errors=errors)
                return render(request, "vettify/campaign_wizard.html", ctx, 422)
            at = marketing.local_time(db, user.account.tid, values["at"])
            body = ScheduleIn.model_validate({**message, "at": at})
        else:
            body = SendIn.model_validate(message)
        marketing.compiled_message(body)  # the template's own refusals, inline, before the confirmation
    except NotFound:
        return error_page(request, 404)
    except ValidationError as exc:
        ctx = _compose_context(request, user, db, campaign_id, values=values, errors=validation_errors(exc))
        return render(request, "vettify/campaign_wizard.html", ctx, 422)
    except Problem as exc:
        if exc.status != 422:
            raise
        ctx = _compose_context(request, user, db, campaign_id, values=values, errors=_field_errors(exc))
        return render(request, "vettify/campaign_wizard.html", ctx, 422)
    if form.get("confirmed") != "yes":
        counts = marketing.preview_audience(db, user.account.tid, campaign_id, None)
        excluded = _excluded(counts)
        ctx = _compose_context(
            request,
            user,
            db,
            campaign_id,
            values=values,
            step="send",
            confirming="schedule" if schedule else "send",
            scheduled_for=body.at if isinstance(body, ScheduleIn) else None,
            would_send=counts.get("pending", 0),
            would_exclude=excluded,
            excluded_total=sum(excluded.values()),
        )
        return render(request, "vettify/campaign_wizard.html", ctx)
    who, settings = actor(request, user), platform_of(request).settings
    try:
        if isinstance(body, ScheduleIn):
            out = lifecycle.schedule(db, who, settings, campaign_id, body)  # drops the draft too
            done = _("Scheduled for %(when)s.", when=moment(out.run_at))
        else:
            sent = marketing.start_send(db, who, settings, campaign_id, body)  # drops the draft too
            done = _(
                "Sending to %(num)s recipients; %(excluded)s excluded (see the reasons below).",
                num=sent.recipients,
                excluded=sum(sent.excluded.values()),
            )
    except NotFound:
        return error_page(request, 404)
    except Problem as exc:
        ctx = _compose_context(request, user, db, campaign_id, values=values, refusal=exc.detail or exc.title)
        return render(request, "vettify/campaign_wizard.html", ctx, 409 if exc.status == 409 else 422)
    return flash(RedirectResponse(f"/crm/campaigns/{campaign_id}", status_code=303), done)
