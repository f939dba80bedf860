"""The compliance desk's SAF-T (D406) page in the Shell: the tenant's reports (period, type, state,
segments, findings), a form that requests a report from the books the accounting software exported (the
ledger JSON ``compliance.saft`` builds from), each report's findings in the user's language, and its
built segments to download for filing.

Every D406 type is requested here (``HeaderComment``): L monthly and T quarterly (a month or a calendar
quarter), A annual — the fixed assets, for a financial year that has closed (twelve months ending in the
chosen year, a fiscal year included) — and C on request — the stocks, for the date range ANAF asked for.
A period that has not ended yet is refused beside its field, as is a ledger that covers another period.

A request records the report and starts its build exactly as ``POST /v1/compliance/saft/reports`` does:
``saft.service.create`` then the long job ``anaf.saft.generate`` (its lease and its outbox task in the
page's transaction, so a broker outage only delays it). Reading takes ``sales:read``, requesting
``sales:write``, like the desk's other pages."""

from __future__ import annotations

import calendar
import uuid
from datetime import date
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from genius.compliance.saft import service as saft
from genius.core.auth.scopes import Scope
from genius.core.jobs.service import start as start_job
from genius.core.kit.errors import NotFound, Problem
from genius.core.kit.manifest import N_
from genius.core.kit.pagination import BadCursor
from genius.core.storage import tenant_files_from_settings
from genius.sales.finding_text import finding_text, with_texts
from genius.sales.pages import PAGE_SIZE, SalesReader, SalesWriter
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
log = structlog.get_logger("genius.sales.saft")

MAX_LEDGER_BYTES = 50 * 1024 * 1024
# D406 report types (HeaderComment): L monthly, T quarterly, A annual (fixed assets), C on request (stocks)
KINDS = {
    "L": N_("Monthly"),
    "T": N_("Quarterly"),
    "A": N_("Annual (fixed assets)"),
    "C": N_("On request (stocks)"),
}
FIELDS = ("kind", "year", "month", "quarter", "start", "end")
STATUSES = {
    "queued": (N_("Queued"), "info"),
    "building": (N_("Building"), "info"),
    "ready": (N_("Ready to file"), "ok"),
    "invalid": (N_("Has errors"), "err"),
    "failed": (N_("Not built"), "err"),
}
SEVERITY = {"fatal": (N_("Error"), "err"), "warning": (N_("Warning"), "warn")}
MONTHS = (
    N_("January"),
    N_("February"),
    N_("March"),
    N_("April"),
    N_("May"),
    N_("June"),
    N_("July"),
    N_("August"),
    N_("September"),
    N_("October"),
    N_("November"),
    N_("December"),
)


def period_of(kind: str, year: int, number: int) -> tuple[date, date]:
    """The first and last day of a month (L, number 1-12) or calendar quarter (T, number 1-4)."""
    first_month = number if kind == "L" else 3 * (number - 1) + 1
    last_month = first_month if kind == "L" else first_month + 2
    return date(year, first_month, 1), date(year, last_month, calendar.monthrange(year, last_month)[1])


def _labels() -> dict[str, Any]:
    return {
        "kinds": {k: _(v) for k, v in KINDS.items()},
        "saft_states": {k: (_(label), tone) for k, (label, tone) in STATUSES.items()},
        "severities": {k: (_(label), tone) for k, (label, tone) in SEVERITY.items()},
    }


def _defaults() -> dict[str, str]:
    """The form's first values: last month, the month a monthly D406 is filed for."""
    today = date.today()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    start, end = period_of("L", year, month)
    return {
        "kind": "L",
        "year": str(year),
        "month": str(month),
        "quarter": str((month - 1) // 3 + 1),
        "start": start.isoformat(),
        "end": end.isoformat(),
    }


def _list(
    request: Request,
    user: PageUser,
    db: PageDB,
    cursor: str | None = None,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    try:
        page = saft.recent(db, user.account.tid, cursor=cursor, limit=PAGE_SIZE)
    except (BadCursor, Problem):  # an old or edited link: the first page
        page = saft.recent(db, user.account.tid, cursor=None, limit=PAGE_SIZE)
    ctx = context(
        request,
        account=user.account,
        tenant=user.tenant,
        rows=[saft.summary(r) for r in page.items],
        can_request=Scope.SALES_WRITE in user.account.scopes,
        values=values or _defaults(),
        errors=errors or {},
        months=[(str(i), _(name)) for i, name in enumerate(MONTHS, start=1)],
        quarters=[(str(q), _("Quarter %(n)s", n=q)) for q in range(1, 5)],
        kind_options=[(k, _(v)) for k, v in KINDS.items()],
        max_mb=MAX_LEDGER_BYTES // 2**20,
        next_url=f"/sales/saft?cursor={page.next}" if page.next else None,
        first_url="/sales/saft" if cursor else None,
        **_labels(),
    )
    return render(request, "sales/saft.html", ctx, status)


@router.get("/sales/saft", response_class=HTMLResponse)
def reports(
    request: Request,
    user: SalesReader,
    db: PageDB,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    return _list(request, user, db, cursor)


def _form(form: PageForm) -> dict[str, str]:
    return {name: str(form.get(name) or "").strip()[:20] for name in FIELDS}


def _day(text: str) -> date | None:
    """A date as the browser's date field sends it (2026-05-15) or as typed in Romania (15.05.2026)."""
    try:
        if "." in text:
            day, month, year = text.split(".")
            return date(int(year), int(month), int(day))
        return date.fromisoformat(text)
    except ValueError:
        return None


def _range(values: dict[str, str], errors: dict[str, str]) -> tuple[date, date] | None:
    """An on-request report's date range: both days, in order, not after today."""
    start, end = _day(values["start"]), _day(values["end"])
    if start is None:
        errors["start"] = _("Enter the first day of the period ANAF asked for.")
    elif start.year < 2016:
        errors["start"] = _("Enter a date from 2016 on.")
    if end is None:
        errors["end"] = _("Enter the last day of the period ANAF asked for.")
    elif end > date.today():
        errors["end"] = _("The period cannot end after today.")
    elif start is not None and end < start:
        errors["end"] = _("The last day comes before the first.")
    if errors or start is None or end is None:
        return None
    return start, end


def _period(values: dict[str, str], errors: dict[str, str]) -> tuple[date, date] | None:
    """The chosen period (for A: the calendar year, which a fiscal-year ledger may replace)."""
    kind = values["kind"]
    if kind not in KINDS:
        errors["kind"] = _("Choose the type of report.")
        return None
    if kind == "C":
        return _range(values, errors)
    today = date.today()
    year = int(values["year"]) if values["year"].isdigit() else 0
    if not 2016 <= year <= today.year:  # D406 exists since 2022; pilots reported from 2016
        errors["year"] = _("Enter a year from 2016 to %(year)s.", year=today.year)
        return None
    if kind == "A":
        return date(year, 1, 1), date(year, 12, 31)
    field, top = ("month", 12) if kind == "L" else ("quarter", 4)
    number = int(values[field]) if values[field].isdigit() else 0
    if not 1 <= number <= top:
        errors[field] = _("Choose the month.") if kind == "L" else _("Choose the quarter.")
        return None
    period = period_of(kind, year, number)
    if period[1] >= today:  # the books of a period that has not ended are not complete
        errors[field] = (
            _("This month has not ended yet: request its report from %(day)s.", day=_next_day(period[1]))
            if kind == "L"
            else _(
                "This quarter has not ended yet: request its report from %(day)s.", day=_next_day(period[1])
            )
        )
        return None
    return period


def _next_day(day: date) -> str:
    return date.fromordinal(day.toordinal() + 1).strftime("%d.%m.%Y")


def _ledger_mismatch(
    kind: str, period: tuple[date, date], ledger_period: tuple[date, date]
) -> tuple[str, str] | None:
    """Why the ledger does not fit the chosen report (the field to show it beside and the text)."""
    start, end = ledger_period
    if kind == "A":  # a financial year: twelve months ending in the chosen year, and closed
        if end.year != period[1].year or _months_spanned(start, end) != 12:
            return "ledger", _(
                "The ledger covers %(start)s to %(end)s, not a financial year of twelve months "
                "ending in %(year)s.",
                start=start.strftime("%d.%m.%Y"),
                end=end.strftime("%d.%m.%Y"),
                year=period[1].year,
            )
        if end >= date.today():
            return "year", _(
                "The financial year %(year)s is not closed yet (it ends on %(end)s): the annual report is "
                "built from the closed year's books.",
                year=period[1].year,
                end=end.strftime("%d.%m.%Y"),
            )
        return None
    if ledger_period != period:
        return "ledger", _(
            "The ledger covers %(start)s to %(end)s, not the chosen period (%(pstart)s to %(pend)s).",
            start=start.strftime("%d.%m.%Y"),
            end=end.strftime("%d.%m.%Y"),
            pstart=period[0].strftime("%d.%m.%Y"),
            pend=period[1].strftime("%d.%m.%Y"),
        )
    return None


def _months_spanned(start: date, end: date) -> int:
    """How many calendar months a period touches (January to December: 12)."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _ledger_bytes(form: PageForm, errors: dict[str, str]) -> bytes:
    upload = form.get("ledger")
    data = b""
    if upload is not None and not isinstance(upload, str):
        data = upload.file.read(MAX_LEDGER_BYTES + 1)
    if not data.strip():
        errors["ledger"] = _("Choose the ledger file (JSON) your accounting exported for the period.")
    elif len(data) > MAX_LEDGER_BYTES:
        errors["ledger"] = _("The file is larger than %(n)s MB.", n=MAX_LEDGER_BYTES // 2**20)
    return data


def _ledger_error(exc: Problem) -> str:
    """The ledger's first refusals, where in the file they are."""
    found = [f"{e.get('field')}: {finding_text(e, saft.FINDING_TEMPLATES)}" for e in (exc.errors or [])[:3]]
    head = _("The file is not a SAF-T ledger (the JSON format compliance builds the D406 from).")
    return " ".join([head, *found]) if found else head


@router.post("/sales/saft", response_class=HTMLResponse, dependencies=[CsrfChecked])
def request_report(request: Request, user: SalesWriter, db: PageDB, form: PageForm) -> Response:
    """Record a D406 report for the chosen period from the uploaded ledger and start its build."""
    values = _form(form)
    errors: dict[str, str] = {}
    period = _period(values, errors)
    data = _ledger_bytes(form, errors)
    if errors:
        return _list(request, user, db, status=422, values=values, errors=errors)
    assert period is not None
    try:
        ledger = saft.parse_ledger(data)
    except Problem as exc:
        return _list(request, user, db, status=422, values=values, errors={"ledger": _ledger_error(exc)})
    mismatch = _ledger_mismatch(values["kind"], period, (ledger.period_start, ledger.period_end))
    if mismatch is not None:
        field, text = mismatch
        return _list(request, user, db, status=422, values=values, errors={field: text})
    platform = platform_of(request)
    tid = user.account.tid
    try:
        with db.begin_nested():
            row, created = saft.create(
                db,
                tenant_files_from_settings(platform.settings),
                tid,
                ledger,
                values["kind"],
                test_variant=form.get("test_variant") == "1",
            )
            if created:  # the build as a long job: its lease and its task in this transaction
                start_job(
                    db,
                    job_id=row.id,
                    tid=tid,
                    kind="saft.build",
                    task="anaf.saft.generate",
                    args=[str(tid), str(row.id)],
                )
    except Problem as exc:
        db.expire_all()
        return _list(request, user, db, status=422, values=values, errors={"ledger": exc.detail or exc.title})
    log.info("saft_requested", report=str(row.id), created=created, kind=row.kind)
    response = RedirectResponse(f"/sales/saft/{row.id}", status_code=303)
    if created:
        return flash(response, _("SAF-T report queued: it is built and validated in the background."))
    return flash(
        response, _("This ledger was already requested for this period: here is its report."), "info"
    )


@router.get("/sales/saft/{report_id}", response_class=HTMLResponse)
def report(request: Request, report_id: uuid.UUID, user: SalesReader, db: PageDB) -> Response:
    try:
        row = saft.get(db, user.account.tid, report_id)
    except NotFound:
        return error_page(request, 404)
    summary = saft.summary(row)
    summary["findings"] = with_texts(summary["findings"], saft.FINDING_TEMPLATES)  # in the user's language
    ctx = context(request, account=user.account, tenant=user.tenant, r=summary, **_labels())
    return render(request, "sales/saft_report.html", ctx)


@router.get("/sales/saft/{report_id}/segments/{index}")
def segment(
    request: Request,
    report_id: uuid.UUID,
    index: Annotated[int, Path(ge=1, le=100_000)],
    user: SalesReader,
    db: PageDB,
) -> Response:
    """A built segment's XML, to file with ANAF (a download)."""
    try:
        row = saft.get(db, user.account.tid, report_id)
    except NotFound:
        return error_page(request, 404)
    segments = {int(s["index"]): s for s in row.segments or []}
    if index not in segments:
        return error_page(request, 404)
    key = str(segments[index]["key"])
    files = tenant_files_from_settings(platform_of(request).settings).for_tenant(user.account.tid)
    return Response(
        files.get(key),
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{key.rsplit("/", 1)[-1]}"'},
    )
