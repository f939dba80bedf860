"""Vettify pages: the CRM dashboard (``/crm``): KPI cards, the pipeline by stage and the leads of the
last 30 days as server-rendered SVG charts (each with a title, axis labels and a table of its numbers).

The numbers come from ``genius.vettify.repository.pipeline`` and are cached for ``CACHE_SECONDS`` per
tenant (Redis when the platform has it, else this process), so a busy dashboard costs a few queries a
minute; a stage change from the board forgets the tenant's entry at once.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import Response
from redis import exceptions as redis_errors
from sqlalchemy.orm import Session

from genius.core.db.base import utcnow
from genius.core.kit.manifest import N_
from genius.vettify.pages.common import CrmReader, can_write
from genius.vettify.repository import pipeline as repo
from genius.vettify.schemas import OPEN_STAGES, Stage
from genius.web import formats
from genius.web.kit import PageDB, _, context, platform_of, render

router = APIRouter(include_in_schema=False)
log = structlog.get_logger("genius.crm.dashboard")

CACHE_SECONDS = 60
DAYS = 30  # leads over time, and the conversion rate's period
QUIET_DAYS = 30  # an account with an open opportunity and no activity for this long is at risk
RISKY_SHOWN = 5
_local: dict[str, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()

STAGE_LABELS = {
    Stage.prospecting: N_("Prospecting"),
    Stage.qualification: N_("Qualification"),
    Stage.proposal: N_("Proposal"),
    Stage.negotiation: N_("Negotiation"),
    Stage.won: N_("Won"),
    Stage.lost: N_("Lost"),
}


def _key(tid: uuid.UUID) -> str:
    return f"genius:crm:dashboard:{tid}"


def compute(db: Session, today: date, now: datetime) -> dict[str, Any]:
    """The dashboard's numbers, as JSON-able values (amounts as strings, days as ISO dates)."""
    first = today - timedelta(days=DAYS - 1)
    per_day = repo.leads_per_day(db, first, today)
    total, converted = repo.lead_conversion(db, first)
    totals = repo.stage_totals(db)
    at_risk, risky = repo.accounts_at_risk(db, QUIET_DAYS, now, RISKY_SHOWN)
    stages = []
    for stage in Stage:
        rows = [t for t in totals if t.stage == stage]
        stages.append(
            {
                "stage": stage.value,
                "count": sum(t.count for t in rows),
                "ron": str(sum((t.amount for t in rows if t.currency == "RON"), Decimal(0))),
                "other": {t.currency: str(t.amount) for t in rows if t.currency != "RON"},
            }
        )
    open_rows = [t for t in totals if t.stage in {s.value for s in OPEN_STAGES}]
    return {
        "today": today.isoformat(),
        "leads_today": per_day.get(today, 0),
        "leads": [
            ((first + timedelta(days=i)).isoformat(), per_day.get(first + timedelta(days=i), 0))
            for i in range(DAYS)
        ],
        "leads_total": total,
        "leads_converted": converted,
        "stages": stages,
        "open_count": sum(t.count for t in open_rows),
        "open_ron": str(sum((t.amount for t in open_rows if t.currency == "RON"), Decimal(0))),
        "at_risk": at_risk,
        "risky": [
            {
                "id": str(r.id),
                "name": r.name,
                "anaf": r.compliance_status,
                "last": r.last_activity.isoformat() if r.last_activity else None,
            }
            for r in risky
        ],
        "computed_at": now.isoformat(),
    }


def cached(request: Request, db: Session, tid: uuid.UUID) -> tuple[dict[str, Any], bool]:
    """(the numbers, whether they came from the cache)."""
    redis = platform_of(request).redis
    key = _key(tid)
    if redis is not None:
        try:
            raw = redis.get(key)
            if raw:
                return json.loads(raw), True
        except redis_errors.RedisError as exc:  # a cache that is down only makes the page slower
            log.warning("crm_dashboard_cache_unavailable", error=str(exc))
            redis = None
    else:
        with _lock:
            hit = _local.get(key)
        if hit and hit[0] > time.monotonic():
            return hit[1], True
    now = utcnow()
    data = compute(db, formats.local(now).date(), now)
    if redis is not None:
        try:
            redis.set(key, json.dumps(data), ex=CACHE_SECONDS)
        except redis_errors.RedisError as exc:
            log.warning("crm_dashboard_cache_unavailable", error=str(exc))
    else:
        with _lock:
            _local[key] = (time.monotonic() + CACHE_SECONDS, data)
    return data, False


def forget(request: Request, tid: uuid.UUID) -> None:
    """Drop the tenant's cached numbers (after a change that moves them)."""
    key = _key(tid)
    with _lock:
        _local.pop(key, None)
    redis = platform_of(request).redis
    if redis is not None:
        try:
            redis.delete(key)
        except redis_errors.RedisError as exc:
            log.warning("crm_dashboard_cache_unavailable", error=str(exc))


# --- charts (inline SVG geometry; the template draws it) ------------------------------------------
def pipeline_chart(stages: list[dict[str, Any]]) -> dict[str, Any]:
    """Horizontal bars: one per stage, the value in lei."""
    left, width, bar_h, gap, top = 104, 280, 20, 10, 6
    values = [float(s["ron"]) for s in stages]
    hi = formats.nice_max(max(values, default=0))
    bars = []
    for i, (s, v) in enumerate(zip(stages, values, strict=True)):
        y = top + i * (bar_h + gap)
        w = 0 if hi == 0 else round(v / hi * width, 1)
        bars.append(
            {
                "y": y,
                "w": max(w, 1.5 if v > 0 else 0),
                "label": _(STAGE_LABELS[Stage(s["stage"])]),
                "value": formats.money_short(v),
                "text_x": left + max(w, 0) + 6,
                "kind": s["stage"],
            }
        )
    height = top + len(stages) * (bar_h + gap)
    ticks = [
        {"x": left + round(width * f, 1), "label": formats.money_short(hi * f)}
        for f in (0, 0.25, 0.5, 0.75, 1)
    ]
    return {
        "left": left,
        "width": width,
        "bar_h": bar_h,
        "bars": bars,
        "height": height,
        "ticks": ticks,
        "view_h": height + 46,
    }


def leads_chart(leads: list[tuple[str, int]]) -> dict[str, Any]:
    """Vertical bars: the leads of each of the last 30 days."""
    left, width, top, height = 40, 420, 8, 150
    hi = formats.nice_max(max((n for _d, n in leads), default=0))
    slot = width / max(len(leads), 1)
    bars = []
    for i, (d, n) in enumerate(leads):
        h = round(n / hi * height, 1) if hi else 0
        bars.append(
            {
                "x": round(left + i * slot + slot * 0.15, 1),
                "w": round(slot * 0.7, 1),
                "y": round(top + height - h, 1),
                "h": h,
                "day": d,
                "n": n,
            }
        )
    base = top + height
    steps = 5 if hi % 5 == 0 and hi <= 50 else 2 if hi % 2 == 0 else 1
    ticks_y = [
        {"y": round(base - height * i / steps, 1), "label": formats.number(hi * i / steps)}
        for i in range(steps + 1)
    ]
    ticks_x = [
        {"x": round(left + i * slot + slot / 2, 1), "label": formats.day(leads[i][0])[:5]}
        for i in range(0, len(leads), 7)
    ]
    return {
        "left": left,
        "width": width,
        "top": top,
        "base": base,
        "bars": bars,
        "ticks_y": ticks_y,
        "ticks_x": ticks_x,
        "view_h": base + 44,
    }


@router.get("/crm")
def crm_dashboard(request: Request, user: CrmReader, db: PageDB) -> Response:
    data, hit = cached(request, db, user.account.tid)
    rate = data["leads_converted"] / data["leads_total"] if data["leads_total"] else None
    ctx = context(
        request,
        account=user.account,
        tenant=user.tenant,
        can_write=can_write(user),
        d=data,
        cache_hit=hit,
        rate=rate,
        days=DAYS,
        quiet_days=QUIET_DAYS,
        stage_label=lambda s: _(STAGE_LABELS[Stage(s)]),
        pipeline=pipeline_chart(data["stages"]),
        leads=leads_chart([(d, n) for d, n in data["leads"]]),
        computed_at=datetime.fromisoformat(data["computed_at"]),
    )
    response = render(request, "vettify/dashboard.html", ctx)
    response.headers["X-Cache"] = "hit" if hit else "miss"
    return response
