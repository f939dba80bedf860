"""Outreach pages in the Shell: the overview (KPIs, the QuotaUsageGrid of the 20 WhatsApp numbers,
the funnel by state, the latest messages), the review queue (SLA countdowns, the reply and its
sentiment, the reviewer's actions as buttons with keyboard shortcuts) and lead management (the journey
list with its filters, one lead's conversation across channels with each message's whole text, and the
manual moves of the state machine, converting into the CRM).

The pages call the same services as ``/v1/outreach`` under the same scopes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from genius.core.auth.scopes import Scope
from genius.core.db.base import utcnow
from genius.core.kit.errors import NotFound, Problem
from genius.core.kit.manifest import N_
from genius.core.kit.pagination import BadCursor
from genius.core.storage import tenant_files_from_settings
from genius.outreach import content, states
from genius.outreach import repository as outreach_repository
from genius.outreach import service as outreach_service
from genius.outreach.models import CommunicationLog, DailyStat, LeadState, ReviewItem
from genius.outreach.overview import service as overview
from genius.outreach.repository import JourneyFilter
from genius.outreach.review import repository as review_repository
from genius.outreach.review import service as review
from genius.outreach.schemas import CrmConversion, TransitionIn
from genius.vettify import service as crm
from genius.web import formats
from genius.web.kit import (
    CsrfChecked,
    PageDB,
    PageForm,
    PageUser,
    _,
    context,
    flash,
    page_requires,
    platform_of,
    render,
)

router = APIRouter(include_in_schema=False)
OutreachReader = Annotated[PageUser, Depends(page_requires(Scope.OUTREACH_READ))]
OutreachReviewer = Annotated[PageUser, Depends(page_requires(Scope.OUTREACH_REVIEW))]
QUEUE_SIZE = 50
SNOOZE_HOURS = (1, 4, 24, 72)

STATE_LABELS = {
    LeadState.COLD: N_("Cold"),
    LeadState.CONTACTED_WA: N_("Contacted on WhatsApp"),
    LeadState.CONTACTED_EMAIL: N_("Contacted by e-mail"),
    LeadState.WARM_REPLY: N_("Replied"),
    LeadState.NEGOTIATION: N_("Negotiation"),
    LeadState.CONVERTED: N_("Converted"),
    LeadState.PAUSED: N_("Paused"),
    LeadState.DEAD: N_("Dead"),
}
STATE_KINDS = {
    "CONTACTED_WA": "info",
    "CONTACTED_EMAIL": "info",
    "WARM_REPLY": "brand",
    "NEGOTIATION": "warn",
    "CONVERTED": "ok",
    "DEAD": "err",
}
MESSAGE_STATUS_LABELS = {
    "QUEUED": N_("queued"),
    "SENT": N_("sent"),
    "DELIVERED": N_("delivered"),
    "READ": N_("read"),
    "REPLIED": N_("answered"),
    "BOUNCED": N_("bounced"),
    "FAILED": N_("failed"),
    "OPENED": N_("opened"),
    "CLICKED": N_("clicked"),
}
PHONE_STATUS_LABELS = {
    "ACTIVE": N_("Active"),
    "PAUSED": N_("Paused"),
    "OFFLINE": N_("Offline"),
    "BANNED": N_("Banned"),
    "RECONNECTING": N_("Reconnecting"),
    "QUARANTINE": N_("Quarantine"),
}
BAND_LABELS = {"ok": N_("under 90 %"), "warn": N_("90-99 %"), "full": N_("full, offline or banned")}
CHANNEL_LABELS = {
    "WHATSAPP": N_("WhatsApp"),
    "EMAIL_COLD": N_("Cold e-mail"),
    "EMAIL_WARM": N_("E-mail"),
    "PHONE": N_("Phone"),
    "MANUAL": N_("Manual"),
}
REASON_LABELS = {
    "NEGATIVE_SENTIMENT": N_("Negative sentiment"),
    "KEYWORD_TRIGGER": N_("Opt-out or trigger word"),
    "BOUNCE_DETECTED": N_("Bounce"),
    "COMPLAINT": N_("Complaint"),
    "MANUAL_FLAG": N_("Flagged by hand"),
    "AI_UNCERTAIN": N_("Uncertain classification"),
}
RESOLUTION_LABELS = {
    "APPROVED": N_("Suggestion approved"),
    "EDITED": N_("Edited reply sent"),
    "TAKEN_OVER": N_("Taken over"),
    "MARKED_DEAD": N_("Marked dead"),
}
PRIORITY_LABELS = {"LOW": N_("Low"), "MEDIUM": N_("Medium"), "HIGH": N_("High"), "URGENT": N_("Urgent")}
PRIORITY_KINDS = {"LOW": "", "MEDIUM": "info", "HIGH": "warn", "URGENT": "err"}
SENTIMENT_LABELS = {"positive": N_("positive"), "neutral": N_("neutral"), "negative": N_("negative")}
SENTIMENT_KINDS = {"positive": "ok", "neutral": "", "negative": "err"}
DONE = {
    "approve": N_("The suggested reply was queued for sending."),
    "reply": N_("Your reply was queued for sending."),
    "takeover": N_("You took the conversation over; automation stopped for this lead."),
    "dead": N_("The lead was marked dead."),
    "snooze": N_("The item is snoozed."),
}

ERRORS = {
    "review-resolved": N_("Someone has already resolved this item."),
    "no-suggested-reply": N_("This item has no suggested reply: write one and send it."),
    "journey-closed": N_("The lead is closed (converted or dead): nothing can be sent."),
    "channel-opted-out": N_("The lead opted out of this channel."),
    "illegal-transition": N_("The lead cannot be marked dead from its current state."),
    "not-found": N_("The item does not exist any more."),
}


def _labels() -> dict[str, Any]:
    def tr(d: dict[Any, str]) -> dict[str, str]:
        return {str(k.value if isinstance(k, LeadState) else k): _(v) for k, v in d.items()}

    return {
        "state_labels": tr(STATE_LABELS),
        "state_kinds": STATE_KINDS,
        "message_status_labels": tr(MESSAGE_STATUS_LABELS),
        "phone_status_labels": tr(PHONE_STATUS_LABELS),
        "band_labels": tr(BAND_LABELS),
        "channel_labels": tr(CHANNEL_LABELS),
        "reason_labels": tr(REASON_LABELS),
        "priority_labels": tr(PRIORITY_LABELS),
        "priority_kinds": PRIORITY_KINDS,
        "resolution_labels": tr(RESOLUTION_LABELS),
        "sentiment_labels": tr(SENTIMENT_LABELS),
        "sentiment_kinds": SENTIMENT_KINDS,
    }


def _lead_names(db: PageDB, lead_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str]]:
    """Lead id → (person, company) through the CRM's service."""
    out = {}
    for lead_id, lead in crm.lead_cards(db, lead_ids).items():
        person = " ".join(p for p in (lead.first_name, lead.last_name) if p)
        out[lead_id] = (person or lead.company_name or "—", lead.company_name or "")
    return out


def _span(delta: timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    hours, minutes = divmod(minutes, 60)
    if hours >= 48:
        return _("%(n)s days", n=hours // 24)
    if hours:
        return _("%(h)s h %(m)s min", h=hours, m=minutes)
    return _("%(m)s min", m=minutes)


def sla_text(item: ReviewItem, now: datetime) -> tuple[str, str]:
    """(text, kind) of an item's SLA: the time left, or how long ago it was breached."""
    left = item.sla_due_at - now
    if item.sla_breached or left.total_seconds() <= 0:
        return _("SLA breached %(span)s ago", span=_span(left)), "err"
    return _("%(span)s left", span=_span(left)), "warn" if left < timedelta(hours=1) else "ok"


CHART_DAYS = 14


@dataclass(frozen=True)
class ChannelDay:
    day: date
    whatsapp: int
    email: int
    replies: int
    bounced: int


def channel_days(rows: list[DailyStat], today: date, days: int = CHART_DAYS) -> list[ChannelDay]:
    """One entry per day of the span, oldest first; a day the roll-up has not written counts zero."""
    by_day = {r.stat_date: r for r in rows}
    out = []
    for n in range(days - 1, -1, -1):
        d = today - timedelta(days=n)
        r = by_day.get(d)
        out.append(
            ChannelDay(
                d,
                r.sent_whatsapp if r else 0,
                r.sent_email if r else 0,
                (r.replies_whatsapp + r.replies_email) if r else 0,
                r.bounced if r else 0,
            )
        )
    return out


def channel_chart(days: list[ChannelDay]) -> dict[str, Any]:
    """Stacked bars (WhatsApp, e-mail) of the messages sent each day, and the replies as a line."""
    left, width, top, height = 40, 640, 8, 150
    hi = formats.nice_max(max((max(d.whatsapp + d.email, d.replies) for d in days), default=0))
    slot = width / max(len(days), 1)
    base = top + height

    def y(value: int) -> float:
        return round(base - value / hi * height, 1)

    bars, points = [], []
    for i, d in enumerate(days):
        x = round(left + i * slot + slot * 0.2, 1)
        bars.append(
            {
                "x": x,
                "w": round(slot * 0.6, 1),
                "wa_y": y(d.whatsapp),
                "wa_h": round(base - y(d.whatsapp), 1),
                "em_y": y(d.whatsapp + d.email),
                "em_h": round(y(d.whatsapp) - y(d.whatsapp + d.email), 1),
                "d": d,
            }
        )
        points.append(f"{round(left + i * slot + slot / 2, 1)},{y(d.replies)}")
    return {
        "left": left,
        "width": width,
        "base": base,
        "bars": bars,
        "line": " ".join(points),
        "ticks_y": [{"y": y(round(hi * i / 4)), "label": formats.number(hi * i / 4)} for i in range(5)],
        "ticks_x": [
            {"x": round(left + i * slot + slot / 2, 1), "label": formats.day(days[i].day)[:5]}
            for i in range(0, len(days), 2)
        ],
        "view_h": base + 44,
    }


@router.get("/outreach", response_class=HTMLResponse)
def dashboard(request: Request, user: OutreachReader, db: PageDB) -> Response:
    tid = user.account.tid
    figures, funnel = overview.kpis(db, tid)
    phones = overview.phones(db, tid, platform_of(request).redis)
    recent: list[CommunicationLog] = overview.activity(db)
    names = _lead_names(db, [m.lead_id for m in recent])
    widest = max((n for _s, n in funnel), default=0) or 1
    days = channel_days(overview.daily(db, tid, CHART_DAYS), overview.today_in(overview.zone_of(db, tid)))
    ctx = context(
        request,
        account=user.account,
        tenant=user.tenant,
        k=figures,
        funnel=[(s.value, n, round(n * 100 / widest)) for s, n in funnel],
        phones=phones,
        bands={b: sum(1 for p in phones if p.band == b) for b in ("ok", "warn", "full")},
        recent=[(m, names.get(m.lead_id, ("—", ""))) for m in recent],
        can_review=Scope.OUTREACH_REVIEW in user.account.scopes,
        computed_at=utcnow(),
        channel_days=days,
        chart=channel_chart(days),
        totals={
            "sent": sum(d.whatsapp + d.email for d in days),
            "replies": sum(d.replies for d in days),
            "email": sum(d.email for d in days),
            "bounced": sum(d.bounced for d in days),
        },
        **_labels(),
    )
    return render(request, "outreach/dashboard.html", ctx)


@router.get("/outreach/review", response_class=HTMLResponse)
def review_queue(
    request: Request,
    user: OutreachReviewer,
    db: PageDB,
    status: Annotated[str, Query(max_length=10)] = "open",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    status = status if status in ("open", review_repository.SNOOZED, review_repository.RESOLVED) else "open"
    try:
        page = review.page(db, status=status, cursor=cursor, limit=QUEUE_SIZE)
    except (BadCursor, Problem):
        page = review.page(db, status=status, cursor=None, limit=QUEUE_SIZE)
    now = utcnow()
    names = _lead_names(db, [i.lead_id for i in page.items])
    journeys = review_repository.journeys(db, [i.journey_id for i in page.items])
    messages = review_repository.messages(db, [i.communication_id for i in page.items if i.communication_id])
    items = []
    for item in page.items:
        msg = messages.get(item.communication_id) if item.communication_id else None
        journey = journeys.get(item.journey_id)
        items.append(
            {
                "item": item,
                "lead": names.get(item.lead_id, ("—", "")),
                "sla": sla_text(item, now),
                "channel": msg.channel if msg else (journey.last_channel_used if journey else None),
                "received_at": msg.created_at if msg else item.created_at,
                "state": journey.current_state if journey else None,
            }
        )
    base = "/outreach/review" + (f"?status={status}" if status != "open" else "")
    joiner = "&" if status != "open" else "?"
    ctx = context(
        request,
        account=user.account,
        tenant=user.tenant,
        items=items,
        status=status,
        waiting=review.waiting(db),
        snooze_hours=SNOOZE_HOURS,
        next_url=f"{base}{joiner}cursor={page.next}" if page.next else None,
        first_url=base if cursor else None,
        **_labels(),
    )
    return render(request, "outreach/review.html", ctx)


@router.post("/outreach/review/{item_id}/{action}", dependencies=[CsrfChecked])
def review_action(
    request: Request, item_id: uuid.UUID, action: str, user: OutreachReviewer, db: PageDB, form: PageForm
) -> Response:
    who = review.Reviewer(
        tid=user.account.tid,
        name=user.account.email,
        files=tenant_files_from_settings(platform_of(request).settings).for_tenant(user.account.tid),
        user_id=user.account.id,
        request_id=str(getattr(request.state, "request_id", "") or ""),
    )
    back = RedirectResponse("/outreach/review", status_code=303)
    text = str(form.get("text") or "").strip()
    try:
        with db.begin_nested():  # a refused action leaves the item as it was
            if action == "approve":
                review.approve(db, who, item_id)
            elif action == "reply":
                if not text:
                    return flash(back, _("Write the reply before sending it."), "error")
                review.reply(db, who, item_id, text[:4096])
            elif action == "takeover":
                review.take_over(db, who, item_id)
            elif action == "dead":
                review.mark_dead(db, who, item_id, _("Marked dead from the review queue"))
            elif action == "snooze":
                hours = int(str(form.get("hours") or "4")) if str(form.get("hours") or "4").isdigit() else 4
                hours = hours if hours in SNOOZE_HOURS else 4
                review.snooze(db, who, item_id, utcnow() + timedelta(hours=hours))
            else:
                return flash(back, _("Unknown action."), "error")
    except Problem as exc:
        return flash(back, _(ERRORS[exc.code]) if exc.code in ERRORS else exc.detail or exc.title, "error")
    return flash(back, _(DONE[action]))


# --- lead management: the journey list, one lead's conversation and its manual moves ------------------
OutreachWriter = Annotated[PageUser, Depends(page_requires(Scope.OUTREACH_WRITE))]
LEADS_PAGE = 25
LEAD_SORTS = ("nextActionAt", "lastContactAt", "sentimentScore")
CONVERSATION_SIZE = 200
MOVE_FIELDS = ("to_state", "reason", "opportunity_name", "amount", "expected_close_date")
MOVE_ERRORS = {
    "illegal-transition": N_("The lead cannot move to that state from where it is now."),
    "crm-lead-missing": N_("The CRM lead behind this journey no longer exists: it cannot be converted."),
    "lead-not-qualified": N_("The CRM lead could not be qualified for conversion."),
}
MOVED = {
    LeadState.CONVERTED: N_("Converted: the CRM now has its account, contact and opportunity."),
    LeadState.DEAD: N_("The lead was marked dead; nothing more will be sent to it."),
    LeadState.PAUSED: N_("The lead is paused; its automation waits until you resume it."),
}


def _lead_sort(raw: str) -> str:
    return raw if raw.lstrip("-") in LEAD_SORTS else "nextActionAt"


@router.get("/outreach/leads", response_class=HTMLResponse)
def leads_page(
    request: Request,
    user: OutreachReader,
    db: PageDB,
    q: Annotated[str, Query(max_length=200)] = "",
    stage: Annotated[str, Query(max_length=30)] = "",
    channel: Annotated[str, Query(max_length=30)] = "",
    replied: Annotated[str, Query(max_length=1)] = "",
    review_needed: Annotated[str, Query(alias="review", max_length=1)] = "",
    sort: Annotated[str, Query(max_length=30)] = "nextActionAt",
    page: Annotated[int, Query(ge=1, le=10000)] = 1,
) -> Response:
    """The journeys with their CRM company: the API's ``GET /v1/outreach/leads`` as a page."""
    q = q.replace("\x00", "").strip()
    stage = stage if stage in {s.value for s in LeadState} else ""
    channel = channel if channel in CHANNEL_LABELS else ""
    sort = _lead_sort(sort)
    f = JourneyFilter(
        state=stage or None,
        channel=channel or None,
        has_reply=True if replied == "1" else None,
        needs_review=True if review_needed == "1" else None,
    )
    result = outreach_service.list_leads(db, f, search=q or None, sort=sort, page=page, limit=LEADS_PAGE)
    filters = {"q": q, "stage": stage, "channel": channel, "replied": replied, "review": review_needed}

    def url(**changes: Any) -> str:
        params = {
            k: v for k, v in ({**filters, "sort": sort, "page": 1} | changes).items() if v not in ("", None)
        }
        if params.get("sort") == "nextActionAt":
            params.pop("sort")
        if params.get("page") == 1:
            params.pop("page")
        return "/outreach/leads" + (f"?{urlencode(params)}" if params else "")

    meta = result.meta
    ctx = context(
        request,
        account=user.account,
        tenant=user.tenant,
        leads=result.items,
        meta=meta,
        sort=sort,
        filters=filters,
        filtered=any(filters.values()),
        url_for_sort=lambda s: url(sort=s),
        next_url=url(page=page + 1) if page < meta.pages else None,
        first_url=url(page=1) if page > 1 else None,
        states=[s.value for s in LeadState],
        **_labels(),
    )
    return render(request, "outreach/leads.html", ctx)


def _journey_ctx(
    request: Request, user: PageUser, db: PageDB, journey_id: uuid.UUID, **extra: Any
) -> dict[str, Any]:
    journey = outreach_repository.journey(db, journey_id)
    if journey is None:
        raise HTTPException(404)
    files = tenant_files_from_settings(platform_of(request).settings).for_tenant(user.account.tid)
    messages = list(reversed(outreach_repository.conversation(db, journey.id, CONVERSATION_SIZE)))
    lead = crm.leads_by_id(db, [journey.lead_id]).get(journey.lead_id)
    person = " ".join(p for p in (lead.first_name, lead.last_name) if p) if lead else ""
    current = LeadState(journey.current_state)
    paused_from = LeadState(journey.previous_state) if journey.previous_state else None
    allowed = sorted(states.allowed_targets(current, paused_from), key=list(LeadState).index)
    records = outreach_service.crm_records(db, journey.id) if journey.converted_at else None
    return context(
        request,
        account=user.account,
        tenant=user.tenant,
        journey=journey,
        lead=lead,
        title=person or (lead.company_name if lead else None) or _("Lead"),
        messages=[(m, content.full_text(files, m)) for m in messages],
        transitions=list(reversed(outreach_repository.transitions(db, journey.id))),
        allowed=[s.value for s in allowed],
        move_options=[("", _("Choose…"))] + [(s.value, _(STATE_LABELS[s])) for s in allowed],
        crm_records=records,
        crm_names=_crm_names(db, records),
        can_move=Scope.OUTREACH_WRITE in user.account.scopes,
        move=extra.pop("move", {}),
        errors=extra.pop("errors", {}),
        **_labels(),
        **extra,
    )


def _crm_names(db: PageDB, records: CrmConversion | None) -> dict[str, str]:
    """The converted lead's account and opportunity as the CRM names them (read through its service)."""
    if records is None:
        return {}
    names: dict[str, str] = {}
    try:
        names["account"] = crm.get_record(db, crm.ACCOUNTS, records.account_id).name
        if records.opportunity_id:
            opportunity = crm.get_record(db, crm.OPPORTUNITIES, records.opportunity_id)
            names["opportunity"] = opportunity.name
            if opportunity.amount is not None:
                names["amount"] = formats.money(opportunity.amount, opportunity.currency)
    except NotFound:  # merged or deleted in the CRM since: the links still say what they were
        pass
    return names


@router.get("/outreach/leads/{journey_id}", response_class=HTMLResponse)
def journey_page(request: Request, journey_id: uuid.UUID, user: OutreachReader, db: PageDB) -> Response:
    return render(request, "outreach/lead.html", _journey_ctx(request, user, db, journey_id))


def _move_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if isinstance(p, str)]
        name = loc[-1] if loc else "reason"
        if name == "to_state":
            errors.setdefault(name, _("Choose the state to move to."))
        elif name == "reason":
            errors.setdefault(name, _("Say why (at most 500 characters)."))
        elif name == "amount":
            errors.setdefault(name, _("Enter an amount, e.g. 12.000,00."))
        elif name == "expected_close_date":
            errors.setdefault(name, _("Enter a date."))
        else:
            errors.setdefault("opportunity_name", _("This value is not valid."))
    return errors


@router.post("/outreach/leads/{journey_id}/move", dependencies=[CsrfChecked])
def journey_move(
    request: Request, journey_id: uuid.UUID, user: OutreachWriter, db: PageDB, form: PageForm
) -> Response:
    values = {name: str(form.get(name) or "").strip() for name in MOVE_FIELDS}
    body: dict[str, Any] = {"to_state": values["to_state"], "reason": values["reason"]}
    if values["to_state"] == LeadState.CONVERTED.value:
        body["conversion"] = {
            "opportunity_name": values["opportunity_name"] or None,
            "amount": formats.parse_decimal(values["amount"]) or None,
            "expected_close_date": values["expected_close_date"] or None,
        }
    try:
        move = TransitionIn.model_validate(body)
    except ValidationError as exc:
        ctx = _journey_ctx(request, user, db, journey_id, move=values, errors=_move_errors(exc))
        return render(request, "outreach/lead.html", ctx, 422)
    here = RedirectResponse(f"/outreach/leads/{journey_id}", status_code=303)
    target = LeadState(move.to_state)
    # A lead the CRM converted already keeps its records: the conversion links them, and says so.
    linked = target is LeadState.CONVERTED and outreach_service.crm_records(db, journey_id) is not None
    try:
        with db.begin_nested():  # a refused move leaves the journey and the CRM as they were
            outreach_service.transition(
                db,
                user.account.tid,
                journey_id,
                target,
                reason=move.reason.strip(),
                actor=user.account.email,
                conversion=move.conversion,
            )
    except NotFound:
        raise HTTPException(404) from None
    except Problem as exc:
        message = _(MOVE_ERRORS[exc.code]) if exc.code in MOVE_ERRORS else exc.detail or exc.title
        ctx = _journey_ctx(request, user, db, journey_id, move=values, errors={"to_state": message})
        return render(request, "outreach/lead.html", ctx, 409)
    label = _(STATE_LABELS[target])
    if linked:
        return flash(here, _("Converted: the CRM had converted this lead already; its records are linked."))
    return flash(here, _(MOVED[target]) if target in MOVED else _("Moved to %(state)s.", state=label))
