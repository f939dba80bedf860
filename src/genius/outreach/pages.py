"""Outreach pages in the Shell: the overview (KPIs, the QuotaUsageGrid of the 20 WhatsApp numbers,
the funnel by state, the latest messages) and the review queue (SLA countdowns, the reply and its
sentiment, the reviewer's actions as buttons with keyboard shortcuts).

The pages call the same services as ``/v1/outreach`` under the same scopes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from genius.core.auth.scopes import Scope
from genius.core.db.base import utcnow
from genius.core.kit.errors import Problem
from genius.core.kit.manifest import N_
from genius.core.kit.pagination import BadCursor
from genius.core.storage import tenant_files_from_settings
from genius.outreach.models import CommunicationLog, DailyStat, LeadState, ReviewItem
from genius.outreach.overview import service as overview
from genius.outreach.review import repository as review_repository
from genius.outreach.review import service as review
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
    for lead_id, lead in crm.leads_by_id(db, lead_ids).items():
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
