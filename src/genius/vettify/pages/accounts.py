"""Vettify pages: accounts and contacts (lists, the contact page, Account 360, attachments, merges).

Everything goes through the CRM's services, as the API does: ``service.list_records`` (keyset pages,
diacritic-insensitive search), ``timeline.account_timeline``, ``verification.recheck`` (the ANAF
re-check, through the outbox), ``attachments.service`` (same limits and sniffing as the API),
``dedup.find_duplicates`` / ``dedup.merge``. Another tenant's ids are a 404 (RLS), users without
``crm:write`` see no edit controls and get 403 on the unsafe routes.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from python_multipart.multipart import parse_options_header

from genius.core.kit.errors import NotFound, Problem
from genius.core.kit.manifest import N_
from genius.core.storage import Storage, tenant_sse_key
from genius.vettify import dedup, service, timeline, verification
from genius.vettify import schemas as s
from genius.vettify.attachments import files
from genius.vettify.attachments import service as attachments
from genius.vettify.attachments.api import get_storage, read_upload
from genius.vettify.attachments.service import ParentType, Upload
from genius.vettify.campaigns import marketing
from genius.vettify.pages import sequences as sequence_pages
from genius.vettify.pages.churn import badge as churn_badge
from genius.vettify.pages.common import CrmReader, CrmWriter, actor, can_write, survivor_redirect
from genius.vettify.sequences import service as sequences
from genius.web.kit import (
    LIST_COUNT_CAP,
    CsrfChecked,
    PageDB,
    PageUser,
    _,
    context,
    error_page,
    flash,
    platform_of,
    render,
    toast,
)

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
TIMELINE_PAGE = 20
SearchQ = Annotated[str | None, Query(max_length=200)]
Text100 = Annotated[str | None, Query(max_length=100)]

# --- labels ---------------------------------------------------------------------------------------
COMPLIANCE: dict[str, tuple[str, str]] = {
    "unchecked": (N_("Not checked"), ""),
    "pending": (N_("Check in progress"), "info"),
    "verified": (N_("Active at ANAF"), "ok"),
    "invalid": (N_("CUI invalid"), "err"),
    "inactive": (N_("Inactive taxpayer"), "err"),
    "unavailable": (N_("ANAF unavailable"), "warn"),
}
ACTIVITY_KINDS: dict[str, str] = {
    "note": N_("Note"),
    "call": N_("Call"),
    "meeting": N_("Meeting"),
    "email": N_("E-mail"),
    "task": N_("Follow-up"),
}
ACTIVITY_ICONS = {
    "note": "sticky-note",
    "call": "phone",
    "meeting": "users",
    "email": "mail",
    "task": "calendar-clock",
}
TIMELINE_KINDS: dict[str, str] = {
    "activity": N_("Activities"),
    "opportunity": N_("Opportunities"),
    "stage_change": N_("Stage changes"),
    "sales_order": N_("Sales orders"),
    "shipment": N_("Shipments"),
    "compliance": N_("ANAF checks"),
    "merge": N_("Merges"),
}
TIMELINE_ICONS = {
    "opportunity": "briefcase",
    "stage_change": "git-commit-horizontal",
    "sales_order": "shopping-cart",
    "shipment": "truck",
    "compliance": "shield-check",
    "merge": "git-merge",
}
STAGES: dict[str, str] = {
    "prospecting": N_("Prospecting"),
    "qualification": N_("Qualification"),
    "proposal": N_("Proposal"),
    "negotiation": N_("Negotiation"),
    "won": N_("Won"),
    "lost": N_("Lost"),
}
TABS: dict[str, str] = {
    "overview": N_("Overview"),
    "timeline": N_("Timeline"),
    "compliance": N_("Compliance"),
    "contacts": N_("Contacts"),
    "opportunities": N_("Opportunities"),
    "attachments": N_("Attachments"),
}
ACCOUNT_FIELDS: dict[str, str] = {
    "name": N_("Name"),
    "cui": N_("CUI"),
    "vat_id": N_("EU VAT id"),
    "registration_number": N_("Trade register no."),
    "email": N_("E-mail"),
    "phone": N_("Phone"),
    "website": N_("Website"),
    "industry": N_("Industry"),
    "address": N_("Address"),
    "city": N_("City"),
    "county": N_("County"),
    "country": N_("Country"),
    "owner": N_("Owner"),
}
CONTACT_FIELDS: dict[str, str] = {
    "first_name": N_("First name"),
    "last_name": N_("Last name"),
    "account_id": N_("Account"),
    "email": N_("E-mail"),
    "phone": N_("Phone"),
    "job_title": N_("Job title"),
    "city": N_("City"),
    "county": N_("County"),
    "owner": N_("Owner"),
}
DUP_REASONS = {
    "cui": N_("same CUI"),
    "email": N_("same e-mail"),
    "phone": N_("same phone"),
    "name": N_("similar name"),
}
# The attachments service's accepted types, by the extensions a browser shows (checked before upload;
# the server sniffs the bytes again and has the last word).
UPLOAD_EXTENSIONS = (
    "pdf png jpg jpeg gif webp tif tiff bmp heic docx xlsx pptx odt ods odp doc xls ppt msg zip xml rtf "
    "txt csv"
).split()


# --- helpers --------------------------------------------------------------------------------------
def _uuid(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def _base(request: Request, user: PageUser, **extra: Any) -> dict[str, Any]:
    return context(
        request,
        account=user.account,
        tenant=user.tenant,
        writer=can_write(user),
        compliance=COMPLIANCE,
        activity_kinds=ACTIVITY_KINDS,
        activity_icons=ACTIVITY_ICONS,
        timeline_kinds=TIMELINE_KINDS,
        timeline_icons=TIMELINE_ICONS,
        stages=STAGES,
        account_fields={k: v for k, v in ACCOUNT_FIELDS.items() if k != "account_id"},
        contact_fields={k: v for k, v in CONTACT_FIELDS.items() if k != "account_id"},
        **extra,
    )


def _plain(text: str | None) -> str:
    """Compare texts as a person would: case, diacritics (ş/ș), punctuation and spacing ignored."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    letters = "".join(ch for ch in decomposed if ch.isalnum() or ch.isspace())
    return " ".join(letters.casefold().split())


def _query_url(path: str, **params: Any) -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{path}?{urlencode(clean)}" if clean else path


def _problem_errors(exc: Problem) -> dict[str, str]:
    found: dict[str, str] = {}
    for err in exc.errors or []:
        name = str(err.get("field") or "").split(".")[-1] or "form"
        found.setdefault(name, str(err.get("message") or exc.detail or exc.title))
    if not found:
        found["form"] = str(exc.detail or exc.title)
    return found


def _validation_errors(exc: ValidationError) -> dict[str, str]:
    found: dict[str, str] = {}
    for err in exc.errors():
        name = str(err["loc"][0]) if err.get("loc") else "form"
        found.setdefault(name, _("Invalid value") if err["type"] != "missing" else _("Required"))
    return found


# --- lists ----------------------------------------------------------------------------------------
def _page(
    db: PageDB,
    spec: service.EntitySpec[Any],
    q: str | None,
    sort: str | None,
    cursor: str | None,
    filters: dict[str, Any],
) -> tuple[Any, str | None]:
    """One page of a list, or an error text for a bad cursor/sort (shown instead of a 5xx)."""
    query = service.ListQuery(
        search=(q or "").strip() or None,
        sort=sort,
        cursor=cursor,
        limit=PAGE_SIZE,
        count=True,
        count_cap=LIST_COUNT_CAP,
        filters=filters,
    )
    try:
        return service.list_records(db, spec, query), None
    except (Problem, service.BadCursor, ValueError):
        fallback = replace(query, sort=None, cursor=None)
        return service.list_records(db, spec, fallback), _(
            "The sort or the page was not valid; showing the first page."
        )


SCAN_LIMIT = 100  # records scanned by the tenant-wide duplicate list (the most recently changed)


def _all_duplicates(request: Request, user: PageUser, db: PageDB, entity: str) -> Response:
    """Likely duplicate pairs among the most recently changed records (the same finder as one record's)."""
    spec, _labels = ENTITIES[entity]
    recent = service.list_records(db, spec, service.ListQuery(sort="-updated_at", limit=SCAN_LIMIT))
    labels = {row.id: _label(entity, row) for row in recent.items}
    seen: set[frozenset[uuid.UUID]] = set()
    pairs: list[dict[str, Any]] = []
    for row in recent.items:
        for candidate in dedup.find_duplicates(db, entity, row.id, limit=5):
            key = frozenset((row.id, candidate.id))
            if key in seen:
                continue
            seen.add(key)
            pairs.append(
                {
                    "id": row.id,
                    "label": labels[row.id],
                    "other_id": candidate.id,
                    "other_label": candidate.label,
                    "reasons": candidate.reasons,
                    "score": candidate.score,
                }
            )
    pairs.sort(key=lambda p: (-p["score"], p["label"]))
    ctx = _base(request, user, entity=entity, pairs=pairs, reasons=DUP_REASONS, scanned=len(recent.items))
    return render(request, "vettify/duplicates_all.html", ctx)


@router.get("/crm/accounts/duplicates", response_class=HTMLResponse)
def all_account_duplicates(request: Request, user: CrmReader, db: PageDB) -> Response:
    return _all_duplicates(request, user, db, "accounts")


@router.get("/crm/contacts/duplicates", response_class=HTMLResponse)
def all_contact_duplicates(request: Request, user: CrmReader, db: PageDB) -> Response:
    return _all_duplicates(request, user, db, "contacts")


@router.get("/crm/accounts", response_class=HTMLResponse)
def accounts_list(
    request: Request,
    user: CrmReader,
    db: PageDB,
    q: SearchQ = None,
    sort: Annotated[str | None, Query(max_length=40)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    city: Text100 = None,
) -> Response:
    status = status if status in COMPLIANCE else None
    city = (city or "").strip() or None
    sort = sort if sort and sort.lstrip("-") in service.ACCOUNTS.sorts else None
    page, warning = _page(db, service.ACCOUNTS, q, sort, cursor, {"compliance_status": status, "city": city})
    params = {"q": q, "status": status, "city": city}

    def url_for_sort(value: str) -> str:
        return _query_url("/crm/accounts", **params, sort=value)

    ctx = _base(
        request,
        user,
        rows=page.items,
        total=page.total,
        q=q or "",
        sort=sort or "-created_at",
        status=status or "",
        city=city or "",
        warning=warning,
        url_for_sort=url_for_sort,
        next_url=_query_url("/crm/accounts", **params, sort=sort, cursor=page.next) if page.next else None,
        first_url=_query_url("/crm/accounts", **params, sort=sort) if cursor else None,
        filtered=bool(q or status or city),
    )
    name = "vettify/accounts_results.html" if request.headers.get("hx-request") else "vettify/accounts.html"
    return render(request, name, ctx)


def _account_names(db: PageDB, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    names: dict[uuid.UUID, str] = {}
    for account_id in ids:
        try:
            names[account_id] = service.get_record(db, service.ACCOUNTS, account_id).name
        except NotFound:
            continue
    return names


@router.get("/crm/contacts", response_class=HTMLResponse)
def contacts_list(
    request: Request,
    user: CrmReader,
    db: PageDB,
    q: SearchQ = None,
    sort: Annotated[str | None, Query(max_length=40)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    city: Text100 = None,
    account: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    city = (city or "").strip() or None
    account_id = _uuid(account) if account else None
    sort = sort if sort and sort.lstrip("-") in service.CONTACTS.sorts else None
    page, warning = _page(db, service.CONTACTS, q, sort, cursor, {"city": city, "account_id": account_id})
    params = {"q": q, "city": city, "account": account_id}

    def url_for_sort(value: str) -> str:
        return _query_url("/crm/contacts", **params, sort=value)

    ctx = _base(
        request,
        user,
        rows=page.items,
        total=page.total,
        names=_account_names(db, {r.account_id for r in page.items if r.account_id}),
        q=q or "",
        sort=sort or "-created_at",
        city=city or "",
        account_filter=account_id,
        warning=warning,
        url_for_sort=url_for_sort,
        next_url=_query_url("/crm/contacts", **params, sort=sort, cursor=page.next) if page.next else None,
        first_url=_query_url("/crm/contacts", **params, sort=sort) if cursor else None,
        filtered=bool(q or city or account_id),
    )
    name = "vettify/contacts_results.html" if request.headers.get("hx-request") else "vettify/contacts.html"
    return render(request, name, ctx)


# --- activities -----------------------------------------------------------------------------------
class FormInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def _activity_body(form: dict[str, str], parent: str, parent_id: uuid.UUID) -> s.ActivityCreate:
    kind = form.get("kind") or "note"
    due: datetime | None = None
    raw_due = (form.get("due_on") or "").strip()
    if raw_due:
        try:
            due = datetime.combine(date.fromisoformat(raw_due), time(9, 0), tzinfo=UTC)
        except ValueError:
            raise FormInvalid({"due_on": _("Enter a date such as 15.01.2027.")}) from None
    values: dict[str, Any] = {
        "kind": kind,
        "subject": (form.get("subject") or "").strip(),
        "body": (form.get("body") or "").strip() or None,
        f"{parent}_id": parent_id,
        "done": due is None and kind != "task",
    }
    if due is not None:
        values["due_at"] = due
    return s.ActivityCreate.model_validate(values)


def _log_activity(
    request: Request, user: PageUser, db: PageDB, parent: str, parent_id: uuid.UUID, form: dict[str, str]
) -> dict[str, str]:
    """Create the activity; returns the form's errors (empty when it was saved)."""
    try:
        body = _activity_body(form, parent, parent_id)
        service.create_activity(db, actor(request, user), body)
    except FormInvalid as exc:
        return exc.errors
    except ValidationError as exc:
        return _validation_errors(exc)
    except Problem as exc:
        return _problem_errors(exc)
    return {}


def activity_form(
    kind: Annotated[str, Form(max_length=20)] = "note",
    subject: Annotated[str, Form(max_length=400)] = "",
    body: Annotated[str, Form(max_length=50_000)] = "",
    due_on: Annotated[str, Form(max_length=20)] = "",
) -> dict[str, str]:
    return {"kind": kind, "subject": subject, "body": body, "due_on": due_on}


ActivityForm = Annotated[dict[str, str], Depends(activity_form)]


# --- Account 360 ----------------------------------------------------------------------------------
def _account_or_none(db: PageDB, raw: str) -> Any:
    account_id = _uuid(raw)
    if account_id is None:
        return None
    try:
        return service.get_record(db, service.ACCOUNTS, account_id)
    except NotFound:
        return None


def _compliance_rows(row: Any) -> list[dict[str, Any]]:
    official = row.official or {}
    pairs = (
        ("name", N_("Name"), row.name, official.get("name")),
        (
            "address",
            N_("Address"),
            ", ".join(p for p in (row.address, row.city, row.county) if p),
            official.get("address"),
        ),
        (
            "registration_number",
            N_("Trade register no."),
            row.registration_number,
            official.get("registration_number"),
        ),
        ("phone", N_("Phone"), row.phone, official.get("phone")),
    )
    out = []
    for key, label, typed, anaf in pairs:
        differs = bool(official) and bool(anaf) and _plain(typed) != _plain(str(anaf))
        if key == "address" and differs and typed and anaf:
            # ANAF writes the whole address; what the user typed only has to be part of it.
            differs = not all(part in _plain(str(anaf)) for part in _plain(typed).split())
        if key == "phone" and differs and typed and anaf:
            digits = "".join(ch for ch in str(anaf) if ch.isdigit())
            differs = not (digits and "".join(ch for ch in typed if ch.isdigit()).endswith(digits[-9:]))
        out.append({"key": key, "label": label, "typed": typed, "anaf": anaf, "differs": differs})
    return out


def _flags(row: Any) -> list[tuple[str, str]]:
    """ANAF's registrations as badges (VAT payer, e-Factura, split VAT, VAT on collection)."""
    official = row.official or {}
    found: list[tuple[str, str]] = []
    if official.get("vat_registered"):
        found.append((_("VAT payer"), "brand"))
    elif official and official.get("vat_registered") is False:
        found.append((_("Not a VAT payer"), ""))
    if official.get("e_factura"):
        found.append((_("e-Factura registered"), "brand"))
    if official.get("split_vat"):
        found.append((_("Split VAT"), "info"))
    if official.get("vat_on_collection"):
        found.append((_("VAT on collection"), "info"))
    return found


def _timeline_ctx(db: PageDB, account_id: uuid.UUID, kind: str | None, cursor: str | None) -> dict[str, Any]:
    kinds = [kind] if kind in TIMELINE_KINDS else None
    try:
        page = timeline.account_timeline(db, account_id, limit=TIMELINE_PAGE, cursor=cursor, kinds=kinds)
    except (service.BadCursor, Problem, ValueError):
        page = timeline.account_timeline(db, account_id, limit=TIMELINE_PAGE, kinds=kinds)
    more = None
    if page.next:
        more = _query_url(
            f"/crm/accounts/{account_id}/timeline", kind=kind if kinds else None, cursor=page.next
        )
    return {"items": page.items, "more_url": more, "kind": kind if kinds else ""}


def _merged_from(db: PageDB, entity: str, record_id: uuid.UUID) -> list[Any]:
    try:
        return list(dedup.merges_of(db, entity, record_id, limit=10).items)
    except NotFound:
        return []


def _account_ctx(
    request: Request, user: PageUser, db: PageDB, row: Any, tab: str, kind: str | None, **extra: Any
) -> dict[str, Any]:
    ctx = _base(
        request,
        user,
        row=row,
        tab=tab,
        tabs=TABS,
        flags=_flags(row),
        compliance_rows=_compliance_rows(row) if tab == "compliance" else [],
        merges=_merged_from(db, "accounts", row.id),
        errors=extra.pop("errors", {}),
        form=extra.pop("form", {}),
        **extra,
    )
    contacts = service.list_records(
        db,
        service.CONTACTS,
        service.ListQuery(sort="last_name", limit=100, count=True, filters={"account_id": row.id}),
    )
    opportunities = service.list_records(
        db, service.OPPORTUNITIES, service.ListQuery(limit=100, count=True, filters={"account_id": row.id})
    )
    ctx["contacts"] = contacts.items
    ctx["contacts_total"] = contacts.total or 0
    ctx["opportunities"] = opportunities.items
    ctx["opportunities_total"] = opportunities.total or 0
    ctx["open_amount"] = sum(
        (o.amount or 0) for o in opportunities.items if o.stage not in ("won", "lost") and o.currency == "RON"
    )
    if tab in ("overview", "timeline"):
        ctx["timeline"] = _timeline_ctx(db, row.id, kind if tab == "timeline" else None, None)
    if tab == "overview":
        ctx.update(churn_badge(db, row.id))
    if tab == "attachments":
        ctx["files"] = attachments.list_for(db, ParentType.accounts, row.id, limit=100).items
        ctx["max_bytes"] = platform_of(request).settings.crm_attachment_max_bytes
        ctx["extensions"] = UPLOAD_EXTENSIONS
    return ctx


@router.get("/crm/accounts/{account_id}", response_class=HTMLResponse)
def account_page(
    request: Request,
    user: CrmReader,
    db: PageDB,
    account_id: str,
    tab: Annotated[str, Query(max_length=20)] = "overview",
    kind: Annotated[str | None, Query(max_length=20)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    row = _account_or_none(db, account_id)
    if row is None:
        moved = survivor_redirect(db, service.ACCOUNTS, account_id, "/crm/accounts")
        return moved or error_page(request, 404)
    tab = tab if tab in TABS else "overview"
    ctx = _account_ctx(request, user, db, row, tab, kind)
    if tab == "timeline" and cursor:  # the next page without JavaScript
        ctx["timeline"] = _timeline_ctx(db, row.id, kind, cursor)
    return render(request, "vettify/account360.html", ctx)


@router.get("/crm/accounts/{account_id}/timeline", response_class=HTMLResponse)
def account_timeline_page(
    request: Request,
    user: CrmReader,
    db: PageDB,
    account_id: str,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    """The next page of the timeline (htmx ``revealed``), or the first page for a kind filter."""
    row = _account_or_none(db, account_id)
    if row is None:
        return error_page(request, 404)
    if not request.headers.get("hx-request"):
        return RedirectResponse(
            _query_url(f"/crm/accounts/{row.id}", tab="timeline", kind=kind), status_code=303
        )
    ctx = _base(request, user, row=row, timeline=_timeline_ctx(db, row.id, kind, cursor))
    name = "vettify/account360_timeline_items.html" if cursor else "vettify/account360_timeline_list.html"
    return render(request, name, ctx)


@router.post("/crm/accounts/{account_id}/activities", response_class=HTMLResponse, dependencies=[CsrfChecked])
def account_log_activity(
    request: Request, user: CrmWriter, db: PageDB, account_id: str, form: ActivityForm
) -> Response:
    row = _account_or_none(db, account_id)
    if row is None:
        return error_page(request, 404)
    errors = _log_activity(request, user, db, "account", row.id, form)
    htmx = bool(request.headers.get("hx-request"))
    if errors:
        ctx = _account_ctx(request, user, db, row, "timeline", None, errors=errors, form=form)
        return render(
            request, "vettify/account360_activity.html" if htmx else "vettify/account360.html", ctx, 422
        )
    message = _("Activity saved.")
    if not htmx:
        return flash(RedirectResponse(f"/crm/accounts/{row.id}?tab=timeline", status_code=303), message)
    ctx = _account_ctx(request, user, db, row, "timeline", None)
    return toast(render(request, "vettify/account360_activity.html", ctx), message)


@router.post("/crm/accounts/{account_id}/recheck", response_class=HTMLResponse, dependencies=[CsrfChecked])
def account_recheck(request: Request, user: CrmWriter, db: PageDB, account_id: str) -> Response:
    """Ask ANAF again (the same ``verification.recheck`` as the API: pending + outbox request)."""
    row = _account_or_none(db, account_id)
    if row is None:
        return error_page(request, 404)
    who = actor(request, user)
    row = service.get_record(db, service.ACCOUNTS, row.id, lock=True)
    htmx = bool(request.headers.get("hx-request"))
    try:
        verification.recheck(db, row, requested_by=who.name, correlation_id=who.correlation_id)
    except Problem:
        message, kind, status = _("This account has no CUI to verify."), "error", 409
    else:
        message, kind, status = (
            _("The check at ANAF was requested; the result appears in a moment."),
            "success",
            200,
        )
    if not htmx:
        return flash(RedirectResponse(f"/crm/accounts/{row.id}", status_code=303), message, kind)
    ctx = _base(request, user, row=row, flags=_flags(row))
    return toast(render(request, "vettify/account360_badge.html", ctx, status), message, kind)


@router.post("/crm/accounts/{account_id}/vat-id", response_class=HTMLResponse, dependencies=[CsrfChecked])
def account_vat_id(
    request: Request,
    user: CrmWriter,
    db: PageDB,
    account_id: str,
    vat_id: Annotated[str, Form(max_length=40)] = "",
    version: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Keep (or, blank, remove) the EU VAT id of a company outside Romania: the account's country becomes
    the VAT id's, so its invoices name the buyer by it (BT-48) in its country (BT-55)."""
    row = _account_or_none(db, account_id)
    if row is None:
        return error_page(request, 404)
    given = vat_id.strip()
    try:
        normalised = s.normalise_eu_vat(given) if given else None
        changes: dict[str, Any] = {"vat_id": normalised}
        if normalised is not None:
            changes["country"] = s.vat_id_country(normalised)
        with db.begin_nested():
            service.update_record(
                db,
                service.ACCOUNTS,
                actor(request, user),
                row.id,
                s.AccountUpdate.model_validate(changes),
                f'"{version}"' if version else service.etag(row),
            )
    except (ValueError, Problem) as exc:
        db.expire_all()
        row = service.get_record(db, service.ACCOUNTS, row.id)
        status = 409 if isinstance(exc, Problem) and exc.status in (409, 412, 428) else 422
        if status == 409:
            message = _("The account changed meanwhile: check its VAT id again.")
        elif given[:2].upper() == "RO":
            message = _("A Romanian company is identified by its CUI, not by a VAT id here.")
        else:
            message = _("Not a valid EU VAT id: its country prefix, then the number (e.g. DE136695976).")
        ctx = _account_ctx(request, user, db, row, "overview", None, vat_error=message, vat_value=given)
        return render(request, "vettify/account360.html", ctx, status)
    done = _("The VAT id is saved.") if given else _("The VAT id is removed.")
    return flash(RedirectResponse(f"/crm/accounts/{row.id}", status_code=303), done)


@router.get("/crm/accounts/{account_id}/compliance-badge", response_class=HTMLResponse)
def account_badge(request: Request, user: CrmReader, db: PageDB, account_id: str) -> Response:
    """The compliance badge again (polled while the ANAF check is pending)."""
    row = _account_or_none(db, account_id)
    if row is None:
        return error_page(request, 404)
    if not request.headers.get("hx-request"):
        return RedirectResponse(f"/crm/accounts/{row.id}", status_code=303)
    return render(request, "vettify/account360_badge.html", _base(request, user, row=row, flags=_flags(row)))


# --- attachments ----------------------------------------------------------------------------------
async def page_upload(request: Request) -> Upload | Problem:
    """The uploaded file: streamed under the limit (htmx/JS sends the CSRF header), or from the form the
    CSRF check already parsed (a plain form without JavaScript)."""
    limit = platform_of(request).settings.crm_attachment_max_bytes
    try:
        if request.headers.get("x-csrf-token"):
            return await read_upload(request)
        ctype, _options = parse_options_header(request.headers.get("content-type", ""))
        if ctype != b"multipart/form-data":
            return Problem(_("Choose a file to upload."), status=415)
        form = await request.form()
        part = form.get("file")
        if part is None or isinstance(part, str):
            return Problem(_("Choose a file to upload."), status=422)
        data = await part.read(limit + 1)
        if len(data) > limit:
            return attachments.TooLarge(_("The file is larger than %(mb)s MB.", mb=_megabytes(limit)))
        return Upload(part.filename, part.content_type, data)
    except Problem as exc:
        return exc


def _megabytes(limit: int) -> str:
    return f"{limit / 1048576:g}".replace(".", ",")


def _upload_message(exc: Problem, limit: int) -> str:
    if exc.status == 413:
        return _("The file is larger than %(mb)s MB.", mb=_megabytes(limit))
    if exc.status == 415:
        return _("This type of file is not allowed (documents, images, spreadsheets, archives and text are).")
    return _("The file could not be saved: %(reason)s", reason=exc.detail or exc.title)


@router.post(
    "/crm/accounts/{account_id}/attachments", response_class=HTMLResponse, dependencies=[CsrfChecked]
)
def account_upload(
    request: Request,
    user: CrmWriter,
    db: PageDB,
    account_id: str,
    storage: Annotated[Storage, Depends(get_storage)],
    upload: Annotated[Upload | Problem, Depends(page_upload)],
) -> Response:
    row = _account_or_none(db, account_id)
    if row is None:
        return error_page(request, 404)
    limit = platform_of(request).settings.crm_attachment_max_bytes
    error: str | None = None
    status = 201
    if isinstance(upload, Problem):
        error, status = _upload_message(upload, limit), upload.status
    else:
        key = tenant_sse_key(platform_of(request).settings.secret_key or "", user.account.tid)
        try:
            attachments.add(db, storage, key, actor(request, user), ParentType.accounts, row.id, upload)
        except Problem as exc:
            error, status = _upload_message(exc, limit), exc.status
    htmx = bool(request.headers.get("hx-request")) or bool(request.headers.get("x-csrf-token"))
    if not htmx:
        if error:
            ctx = _account_ctx(request, user, db, row, "attachments", None, upload_error=error)
            return render(request, "vettify/account360.html", ctx, status)
        return flash(
            RedirectResponse(f"/crm/accounts/{row.id}?tab=attachments", status_code=303), _("File uploaded.")
        )
    ctx = _account_ctx(request, user, db, row, "attachments", None, upload_error=error)
    response = render(request, "vettify/account360_files.html", ctx, status)
    return toast(response, error or _("File uploaded."), "error" if error else "success")


@router.get("/crm/attachments/{attachment_id}/download")
def attachment_download(
    request: Request,
    user: CrmReader,
    db: PageDB,
    storage: Annotated[Storage, Depends(get_storage)],
    attachment_id: str,
) -> Response:
    """The file, through the attachments service (checksum checked), with the API's safe headers."""
    found = _uuid(attachment_id)
    if found is None:
        return error_page(request, 404)
    try:
        key = tenant_sse_key(platform_of(request).settings.secret_key or "", user.account.tid)
        row, data = attachments.content(db, storage, key, found)
    except NotFound:
        return error_page(request, 404)
    except Problem:
        return error_page(request, 500)
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-cache",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Content-Disposition": files.content_disposition(row.filename),
        "ETag": f'"{row.sha256}"',
    }
    return Response(content=data, media_type=row.content_type, headers=headers)


# --- contacts -------------------------------------------------------------------------------------
def _contact_or_none(db: PageDB, raw: str) -> Any:
    contact_id = _uuid(raw)
    if contact_id is None:
        return None
    try:
        return service.get_record(db, service.CONTACTS, contact_id)
    except NotFound:
        return None


SUPPRESSION_LABELS = {
    "unsubscribed": N_("unsubscribed"),
    "bounced": N_("the address bounced"),
    "complained": N_("marked as spam"),
}


def _contact_ctx(request: Request, user: PageUser, db: PageDB, row: Any, **extra: Any) -> dict[str, Any]:
    parent = None
    if row.account_id:
        try:
            parent = service.get_record(db, service.ACCOUNTS, row.account_id)
        except NotFound:
            parent = None
    acts = service.list_records(
        db, service.ACTIVITIES, service.ListQuery(limit=50, count=True, filters={"contact_id": row.id})
    )
    return _base(
        request,
        user,
        row=row,
        parent=parent,
        activities=acts.items,
        activities_total=acts.total or 0,
        merges=_merged_from(db, "contacts", row.id),
        suppression=marketing.suppression_of(db, row.email),
        sequence_enrolments=sequences.contact_enrolments(db, row.id),
        sequence_choices=sequence_pages.choices_for_contact(db, row.id),
        **sequence_pages.labels(),
        suppression_labels={k: _(v) for k, v in SUPPRESSION_LABELS.items()},
        errors=extra.pop("errors", {}),
        form=extra.pop("form", {}),
        **extra,
    )


@router.get("/crm/contacts/{contact_id}", response_class=HTMLResponse)
def contact_page(request: Request, user: CrmReader, db: PageDB, contact_id: str) -> Response:
    row = _contact_or_none(db, contact_id)
    if row is None:
        moved = survivor_redirect(db, service.CONTACTS, contact_id, "/crm/contacts")
        return moved or error_page(request, 404)
    return render(request, "vettify/contact.html", _contact_ctx(request, user, db, row))


@router.post("/crm/contacts/{contact_id}/activities", response_class=HTMLResponse, dependencies=[CsrfChecked])
def contact_log_activity(
    request: Request, user: CrmWriter, db: PageDB, contact_id: str, form: ActivityForm
) -> Response:
    row = _contact_or_none(db, contact_id)
    if row is None:
        return error_page(request, 404)
    errors = _log_activity(request, user, db, "contact", row.id, form)
    htmx = bool(request.headers.get("hx-request"))
    if errors:
        ctx = _contact_ctx(request, user, db, row, errors=errors, form=form)
        return render(request, "vettify/contact_activity.html" if htmx else "vettify/contact.html", ctx, 422)
    message = _("Activity saved.")
    if not htmx:
        return flash(RedirectResponse(f"/crm/contacts/{row.id}", status_code=303), message)
    return toast(
        render(request, "vettify/contact_activity.html", _contact_ctx(request, user, db, row)), message
    )


# --- duplicates and merges ------------------------------------------------------------------------
ENTITIES: dict[str, tuple[service.EntitySpec[Any], dict[str, str]]] = {
    "accounts": (service.ACCOUNTS, ACCOUNT_FIELDS),
    "contacts": (service.CONTACTS, CONTACT_FIELDS),
}


def _label(entity: str, row: Any) -> str:
    if entity == "accounts":
        return str(row.name)
    return " ".join(p for p in (row.first_name, row.last_name) if p) or (row.email or str(row.id))


def _record(db: PageDB, entity: str, raw: str) -> Any:
    found = _uuid(raw)
    if found is None:
        return None
    try:
        return service.get_record(db, ENTITIES[entity][0], found)
    except NotFound:
        return None


def _duplicates(request: Request, user: PageUser, db: PageDB, entity: str, record_id: str) -> Response:
    row = _record(db, entity, record_id)
    if row is None:
        return error_page(request, 404)
    candidates = dedup.find_duplicates(db, entity, row.id)
    ctx = _base(
        request,
        user,
        entity=entity,
        row=row,
        label=_label(entity, row),
        candidates=candidates,
        reasons=DUP_REASONS,
    )
    return render(request, "vettify/duplicates.html", ctx)


def _display(entity: str, name: str, value: Any, names: dict[uuid.UUID, str]) -> str:
    if value in (None, ""):
        return ""
    if name == "account_id":
        return names.get(value, str(value))
    return str(value)


def _merge_screen(
    request: Request,
    user: PageUser,
    db: PageDB,
    entity: str,
    record_id: str,
    other_id: str | None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    row = _record(db, entity, record_id)
    other = _record(db, entity, other_id or "")
    if row is None or other is None or row.id == other.id:
        return error_page(request, 404)
    _spec, labels = ENTITIES[entity]
    names: dict[uuid.UUID, str] = {}
    if entity == "contacts":
        names = _account_names(db, {r.account_id for r in (row, other) if r.account_id})
    fields = []
    for name in dedup.MERGE_FIELDS[entity]:
        mine, theirs = getattr(row, name), getattr(other, name)
        fields.append(
            {
                "name": name,
                "label": labels.get(name, name),
                "mine": _display(entity, name, mine, names),
                "theirs": _display(entity, name, theirs, names),
                # The default choice: the survivor's value, else the other's (what the service would fill).
                "pick": "other" if mine in (None, "") and theirs not in (None, "") else "survivor",
                "same": mine == theirs,
            }
        )
    ctx = _base(
        request,
        user,
        entity=entity,
        row=row,
        other=other,
        label=_label(entity, row),
        other_label=_label(entity, other),
        fields=fields,
        errors=errors or {},
    )
    return render(request, "vettify/merge.html", ctx, status)


async def _merge_choices(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and len(k) <= 60 and len(v) <= 60}


def _merge(
    request: Request, user: PageUser, db: PageDB, entity: str, record_id: str, choices: dict[str, str]
) -> Response:
    row = _record(db, entity, record_id)
    other = _record(db, entity, choices.get("other", ""))
    if row is None or other is None or row.id == other.id:
        return error_page(request, 404)
    # The value picked per field; a field not sent keeps the service's rule (the survivor's value, its
    # blanks filled from the merged record).
    picks = {name: choices.get(f"pick_{name}") for name in dedup.MERGE_FIELDS[entity]}
    fields = {name: other.id if pick == "other" else row.id for name, pick in picks.items() if pick}
    try:
        with db.begin_nested():  # a refused merge leaves nothing half-done
            dedup.merge(db, actor(request, user), entity, row.id, [other.id], fields, None)
    except Problem as exc:
        return _merge_screen(
            request,
            user,
            db,
            entity,
            record_id,
            str(other.id),
            _problem_errors(exc),
            409 if exc.status == 409 else 422,
        )
    path = f"/crm/{entity}/{row.id}"
    return flash(RedirectResponse(path, status_code=303), _("Merged: %(name)s", name=_label(entity, other)))


@router.get("/crm/accounts/{record_id}/duplicates", response_class=HTMLResponse)
def account_duplicates(request: Request, user: CrmReader, db: PageDB, record_id: str) -> Response:
    return _duplicates(request, user, db, "accounts", record_id)


@router.get("/crm/contacts/{record_id}/duplicates", response_class=HTMLResponse)
def contact_duplicates(request: Request, user: CrmReader, db: PageDB, record_id: str) -> Response:
    return _duplicates(request, user, db, "contacts", record_id)


@router.get("/crm/accounts/{record_id}/merge", response_class=HTMLResponse)
def account_merge_screen(
    request: Request,
    user: CrmWriter,
    db: PageDB,
    record_id: str,
    other: Annotated[str | None, Query(alias="with", max_length=40)] = None,
) -> Response:
    return _merge_screen(request, user, db, "accounts", record_id, other)


@router.get("/crm/contacts/{record_id}/merge", response_class=HTMLResponse)
def contact_merge_screen(
    request: Request,
    user: CrmWriter,
    db: PageDB,
    record_id: str,
    other: Annotated[str | None, Query(alias="with", max_length=40)] = None,
) -> Response:
    return _merge_screen(request, user, db, "contacts", record_id, other)


@router.post("/crm/accounts/{record_id}/merge", response_class=HTMLResponse, dependencies=[CsrfChecked])
def account_merge(
    request: Request,
    user: CrmWriter,
    db: PageDB,
    record_id: str,
    choices: Annotated[dict[str, str], Depends(_merge_choices)],
) -> Response:
    return _merge(request, user, db, "accounts", record_id, choices)


@router.post("/crm/contacts/{record_id}/merge", response_class=HTMLResponse, dependencies=[CsrfChecked])
def contact_merge(
    request: Request,
    user: CrmWriter,
    db: PageDB,
    record_id: str,
    choices: Annotated[dict[str, str], Depends(_merge_choices)],
) -> Response:
    return _merge(request, user, db, "contacts", record_id, choices)
