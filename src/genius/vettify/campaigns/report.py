"""A campaign's PDF report: the funnel, opens and clicks over time (an inline SVG chart), the top links
and the rates, as of the moment it is asked for.

The HTML is built here, in the requesting transaction, and ``pdf.render`` is deferred through the outbox
with it: the worker renders it with WeasyPrint and stores ``pdf/<tid>/<key>`` encrypted with the tenant's
key. Each request gets its own key (a ``crm.campaign_reports`` row); the newest is the one downloaded, and
until the worker has stored it the download is a 409 that says so."""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.orm import Session

from genius.config import Settings
from genius.core.audit import service as audit
from genius.core.db.base import utcnow
from genius.core.events.service import defer
from genius.core.kit.errors import Conflict, NotFound
from genius.core.storage import TenantStorage
from genius.vettify import service
from genius.vettify.campaigns import marketing
from genius.vettify.campaigns import repository as repo
from genius.vettify.campaigns.models import Campaign, CampaignReport
from genius.vettify.campaigns.repository import CAMPAIGNS
from genius.vettify.campaigns.schemas import MetricsOut, ReportOut

PDF_TASK = "pdf.render"
_TEMPLATES = Path(__file__).resolve().parent / "report_templates"
_env = Environment(
    loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html"]), undefined=StrictUndefined
)
# The chart's drawing area in SVG units (the PDF page is ~180 mm wide).
CHART_W, CHART_H, CHART_PAD = 640.0, 180.0, 28.0


@dataclass(frozen=True)
class Chart:
    """Opens and clicks per bucket as two polylines, with the axis labels (first, middle, last)."""

    width: float
    height: float
    pad: float
    opened: str
    clicked: str
    top: int
    labels: list[tuple[float, str, str]]


def chart(figures: MetricsOut, zone: str) -> Chart | None:
    points = figures.series
    if not points:
        return None
    top = max([max(p.opened, p.clicked) for p in points] + [1])
    inner_w, inner_h = CHART_W - 2 * CHART_PAD, CHART_H - 2 * CHART_PAD
    step = inner_w / max(len(points) - 1, 1)

    def line(values: list[int]) -> str:
        return " ".join(
            f"{CHART_PAD + i * step:.1f},{CHART_PAD + inner_h - v / top * inner_h:.1f}"
            for i, v in enumerate(values)
        )

    tz = ZoneInfo(zone)
    picks = sorted({0, len(points) // 2, len(points) - 1})
    last = len(points) - 1
    labels = [
        (
            CHART_PAD + i * step,
            points[i].at.astimezone(tz).strftime("%d.%m %H:%M"),
            "start" if i == 0 else "end" if i == last else "middle",  # the end labels stay on the page
        )
        for i in picks
    ]
    return Chart(
        width=CHART_W,
        height=CHART_H,
        pad=CHART_PAD,
        opened=line([p.opened for p in points]),
        clicked=line([p.clicked for p in points]),
        top=top,
        labels=labels,
    )


def funnel(figures: MetricsOut) -> list[tuple[str, int, float]]:
    """Recipients → sent → delivered → opened → clicked: each step's count and its share of the sent."""
    reached = figures.recipients - figures.excluded
    return [
        ("Destinatari (fără excluși)", reached, 1.0 if reached else 0.0),
        ("Trimise", figures.sent, round(figures.sent / reached, 4) if reached else 0.0),
        ("Livrate", figures.delivered.count, figures.delivered.rate),
        ("Deschise", figures.opened.count, figures.opened.rate),
        ("Clicuri", figures.clicked.count, figures.clicked.rate),
    ]


def report_html(
    campaign: Campaign, figures: MetricsOut, zone: str, company: str, generated_at: datetime
) -> str:
    """The report's HTML (Romanian, self-contained: no scripts, no external resources)."""
    return _env.get_template("campaign_report.html").render(
        campaign=campaign,
        figures=figures,
        funnel=funnel(figures),
        chart=chart(figures, zone),
        company=company,
        zone=zone,
        generated_at=generated_at.astimezone(ZoneInfo(zone)).strftime("%d.%m.%Y %H:%M"),
        percent=_percent,
        local=lambda value: value.astimezone(ZoneInfo(zone)).strftime("%d.%m.%Y %H:%M"),
    )


def _percent(rate: float) -> str:
    return f"{rate * 100:.1f}".replace(".", ",") + " %"


def report_key(campaign_id: uuid.UUID, report_id: uuid.UUID) -> str:
    """The stored object's name under ``pdf/<tid>/`` (what ``pdf.render`` is given as ``key``)."""
    return f"crm-campaign-{campaign_id}-{report_id.hex}.pdf"


def request_report(
    session: Session, who: service.Actor, settings: Settings, campaign_id: uuid.UUID
) -> ReportOut:
    """Build the report's HTML from the figures now and defer ``pdf.render`` in this transaction."""
    campaign: Campaign = service.get_record(session, CAMPAIGNS, campaign_id)
    figures = marketing.metrics(session, campaign_id, "hour", who.tid)
    if len(figures.series) > 48:  # more than two days: one point a day
        figures = marketing.metrics(session, campaign_id, "day", who.tid)
    zone = marketing.tenant_zone(session, who.tid)
    now = utcnow()
    html = report_html(campaign, figures, zone, marketing.sender_of(session, who.tid, settings).company, now)
    row = CampaignReport(id=uuid.uuid4(), tid=who.tid, campaign_id=campaign_id, requested_by=who.name)
    row.key = report_key(campaign_id, row.id)
    row.requested_at = now
    repo.add(session, row)
    defer(
        session,
        PDF_TASK,
        tid=who.tid,
        kwargs={"html": html, "key": row.key, "tid": str(who.tid)},
        aggregate_id=campaign_id,
        correlation_id=who.correlation_id,
    )
    audit.record(
        session,
        who.tid,
        "crm.campaign.report_requested",
        actor=who.name,
        target=f"campaign:{campaign_id}",
        data={"key": row.key},
        request_id=who.request_id,
    )
    return _out(row, ready=False)


def stored_key(row: CampaignReport) -> str:
    return f"pdf/{row.tid}/{row.key}"


def _out(row: CampaignReport, *, ready: bool) -> ReportOut:
    return ReportOut(
        campaign_id=row.campaign_id,
        report_id=row.id,
        status="ready" if ready else "rendering",
        requested_at=row.requested_at,
        download=f"/v1/crm/campaigns/{row.campaign_id}/report.pdf",
    )


def report_status(session: Session, files: TenantStorage, campaign_id: uuid.UUID) -> ReportOut | None:
    """The newest report asked for and whether the worker has stored it; ``None`` when none was asked."""
    service.get_record(session, CAMPAIGNS, campaign_id)
    row = repo.latest_report(session, campaign_id)
    if row is None:
        return None
    return _out(row, ready=files.exists(stored_key(row)))


def report_pdf(session: Session, files: TenantStorage, campaign_id: uuid.UUID) -> tuple[str, bytes]:
    """The newest report's file name and PDF: 404 when none was asked for, 409 while it is rendered."""
    campaign: Campaign = service.get_record(session, CAMPAIGNS, campaign_id)
    row = repo.latest_report(session, campaign_id)
    if row is None:
        raise NotFound(
            "No report was asked for this campaign yet: ask for one first (POST …/report).",
            code="report-not-requested",
        )
    key = stored_key(row)
    if not files.exists(key):
        raise Conflict("The report is being rendered: ask again in a few seconds.", code="report-rendering")
    return f"raport-{_slug(campaign.name)}.pdf", files.get(key)


def _slug(name: str) -> str:
    """An ASCII file name (a header is Latin-1): diacritics dropped, ``ă`` → ``a``."""
    ascii_name = unicodedata.normalize("NFKD", name.lower()).encode("ascii", "ignore").decode()
    kept = "".join(ch if ch.isalnum() else "-" for ch in ascii_name)
    return "-".join(part for part in kept.split("-") if part)[:60] or "campanie"
