"""Vettify pages: leads (clienți potențiali) — the list, bulk actions, the form, the record, qualify and
convert.

Everything goes through ``genius.vettify.service`` as the API does (``list_records`` with a keyset
``Page``, ``create_lead``, ``update_record`` with ``If-Match``, ``qualify_lead``, ``convert_lead``,
``delete_record``), under the API's scopes: reads need crm:read, changes crm:write, deletes crm:admin.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from genius.core.auth import service as auth
from genius.core.auth.scopes import Scope
from genius.core.kit.errors import (
    Conflict,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    Problem,
)
from genius.core.kit.manifest import N_
from genius.vettify import schemas as s
from genius.vettify import service
from genius.vettify.models import Lead
from genius.vettify.pages.common import (
    CrmAdmin,
    CrmReader,
    CrmWriter,
    actor,
    can_write,
    form_values,
    problem_errors,
    survivor_redirect,
    validation_errors,
)
from genius.vettify.pages.summaries import panel as summary_panel
from genius.web.kit import (
    LIST_COUNT_CAP,
    CsrfChecked,
    PageDB,
    PageForm,
    PageUser,
    _,
    context,
    flash,
    ngettext,
    platform_of,
    render,
)

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
BULK_MAX = 100

# --- vocabulary -----------------------------------------------------------------------------------
STATUS_LABELS = {
    "new": N_("New"),
    "qualified": N_("Qualified"),
    "disqualified": N_("Disqualified"),
    "converted": N_("Converted"),
}
# The sources the demo and the imports use; any other source is shown as typed.
SOURCE_LABELS = {
    "website": N_("Website"),
    "referral": N_("Referral"),
    "trade_show": N_("Trade show"),
    "cold_call": N_("Cold call"),
    "linkedin": N_("LinkedIn"),
    "campaign": N_("Campaign"),
}
ACTIVITY_KINDS = {
    "note": N_("Note"),
    "call": N_("Call"),
    "meeting": N_("Meeting"),
    "email": N_("E-mail"),
    "task": N_("Task"),
}
STATUS_KINDS = {"new": "info", "qualified": "brand", "disqualified": "", "converted": "ok"}

# The form's fields, in order: (name, label, input type, hint)
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("first_name", N_("First name"), "text"),
    ("last_name", N_("Last name"), "text"),
    ("company_name", N_("Company"), "text"),
    ("cui", N_("CUI / tax ID"), "text"),
    ("email", N_("E-mail"), "email"),
    ("phone", N_("Phone"), "tel"),
    ("job_title", N_("Job title"), "text"),
    ("source", N_("Source"), "text"),
    ("city", N_("City"), "text"),
    ("county", N_("County"), "text"),
    ("owner", N_("Owner"), "text"),
    ("notes", N_("Notes"), "textarea"),
)
FIELD_NAMES = tuple(name for name, _label, _type in FIELDS)

# The list's columns: key → (label, sort key or None). "name" is always shown.
COLUMNS: dict[str, tuple[str, str | None]] = {
    "company": (N_("Company"), "company_name"),
    "cui": (N_("CUI"), None),
    "email": (N_("E-mail"), None),
    "phone": (N_("Phone"), None),
    "city": (N_("City"), None),
    "source": (N_("Source"), None),
    "status": (N_("Status"), None),
    "owner": (N_("Owner"), None),
    "created": (N_("Created"), "created_at"),
    "updated": (N_("Updated"), "updated_at"),
}
COLUMNS_COOKIE = "genius_lead_columns"
DEFAULT_COLUMNS = ("company", "email", "phone", "status", "owner", "created")


def lead_name(lead: Lead) -> str:
    person = " ".join(p for p in (lead.first_name, lead.last_name) if p)
    return person or lead.company_name or lead.email or _("Unnamed lead")


def _globals(user: PageUser) -> dict[str, Any]:
    return {
        "account": user.account,
        "tenant": user.tenant,
        "can_write": can_write(user),
        "can_delete": Scope.CRM_ADMIN in user.account.scopes,
        "status_labels": {k: _(v) for k, v in STATUS_LABELS.items()},
        "status_kinds": STATUS_KINDS,
        "lead_name": lead_name,
        "activity_kinds": {k: _(v) for k, v in ACTIVITY_KINDS.items()},
        "source_labels": {k: _(v) for k, v in SOURCE_LABELS.items()},
    }


def _get_lead(db: Session, lead_id: uuid.UUID) -> Lead:
    try:
        return service.get_record(db, service.LEADS, lead_id)
    except NotFound:
        raise HTTPException(404) from None


# --- the list ---------------------------------------------------------------------------------------
@dataclass
class ListState:
    q: str
    status: str
    owner: str
    source: str
    sort: str
    cursor: str
    cols: list[str]

    def url(self, **changes: Any) -> str:
        base: dict[str, Any] = {
            "q": self.q,
            "status": self.status,
            "owner": self.owner,
            "source": self.source,
            "sort": self.sort,
            "cursor": self.cursor,
        }
        base.update(changes)
        params: list[tuple[str, str]] = [(k, str(v)) for k, v in base.items() if v]
        if self.cols != list(DEFAULT_COLUMNS):
            params.extend(("col", c) for c in self.cols)
        query = urlencode(params)
        return "/crm/leads" + (f"?{query}" if query else "")


def _list_state(
    q: str | None,
    status: str | None,
    owner: str | None,
    source: str | None,
    sort: str | None,
    cursor: str | None,
    col: list[str] | None,
) -> ListState:
    status = status if status in STATUS_LABELS else ""
    key = (sort or "").lstrip("-")
    sort = sort if sort and key in service.LEADS.sorts else ""
    cols = [c for c in dict.fromkeys(col or []) if c in COLUMNS] or list(DEFAULT_COLUMNS)
    return ListState(
        _clean(q),
        status or "",
        _clean(owner),
        _clean(source),
        sort or "",
        (cursor or "").replace("\x00", ""),
        cols,
    )


def _clean(text: str | None) -> str:
    """A typed filter: trimmed, without NUL characters (PostgreSQL refuses them in text)."""
    return (text or "").replace("\x00", "").strip()


Text200 = Annotated[str | None, Query(max_length=200)]


@router.get("/crm/leads")
def leads_list(
    request: Request,
    user: CrmReader,
    db: PageDB,
    q: Text200 = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    owner: Text200 = None,
    source: Annotated[str | None, Query(max_length=50)] = None,
    sort: Annotated[str | None, Query(max_length=40)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    col: Annotated[list[str] | None, Query(max_length=20)] = None,
) -> Response:
    remembered = request.cookies.get(COLUMNS_COOKIE, "")
    chosen = col if col else [c for c in remembered.split(",") if c][:20] or None
    state = _list_state(q, status, owner, source, sort, cursor, chosen)
    filters = {"status": state.status or None, "owner": state.owner or None, "source": state.source or None}
    query = service.ListQuery(
        search=state.q or None,
        sort=state.sort or None,
        cursor=state.cursor or None,
        limit=PAGE_SIZE,
        count=True,
        count_cap=LIST_COUNT_CAP,
        filters=filters,
    )
    try:
        page = service.list_records(db, service.LEADS, query)
    except service.BadCursor:  # an old or edited link: start again at the first page
        state.cursor = ""
        page = service.list_records(db, service.LEADS, query.__class__(**{**query.__dict__, "cursor": None}))
    filtered = bool(state.q or state.status or state.owner or state.source)
    ctx = context(
        request,
        **_globals(user),
        state=state,
        page=page,
        filtered=filtered,
        columns=COLUMNS,
        column_labels={k: _(v[0]) for k, v in COLUMNS.items()},
        next_url=state.url(cursor=page.next) if page.next else None,
        first_url=state.url(cursor="") if state.cursor else None,
        sort_url=lambda value: state.url(sort=value, cursor=""),
        current_url=state.url(),
        confirm_delete=_plural_forms(N_("Delete %(num)s lead?"), N_("Delete %(num)s leads?")),
        me=user.account.email,
        views=auth.saved_views(db, user.account.id, VIEWS_PAGE),
        view_query=state.url(cursor="").partition("?")[2],
    )
    if request.headers.get("hx-request") and request.headers.get("hx-target") == "leads-results":
        response = render(request, "vettify/leads_results.html", ctx)
    else:
        response = render(request, "vettify/leads.html", ctx)
    if col:  # the columns chosen are remembered for the next visit (this browser)
        value = ",".join(state.cols) if state.cols != list(DEFAULT_COLUMNS) else ""
        response.set_cookie(
            COLUMNS_COOKIE,
            value,
            max_age=0 if not value else 31536000,
            path="/crm/leads",
            httponly=True,
            samesite="lax",
        )
    return response


# --- saved views (named filters, per user) ----------------------------------------------------------
VIEWS_PAGE = "crm.leads"


def _view_target(query: str) -> str:
    """The list URL a saved view opens: rebuilt from the known parameters only (anything else dropped)."""
    params = parse_qs(query[:2000], keep_blank_values=False)

    def one(name: str) -> str | None:
        values = params.get(name)
        return values[-1][:200] if values else None

    state = _list_state(
        one("q"), one("status"), one("owner"), one("source"), one("sort"), None, params.get("col")
    )
    return state.url(cursor="")


@router.post("/crm/leads/views", dependencies=[CsrfChecked])
def leads_view_save(user: CrmReader, db: PageDB, form: PageForm) -> Response:
    name, query = form.get("name"), form.get("query")
    target = _view_target(query if isinstance(query, str) else "")
    try:
        auth.save_view(
            db, user.account.id, VIEWS_PAGE, name if isinstance(name, str) else "", target.partition("?")[2]
        )
    except auth.ViewRefused as exc:
        message = {
            "name": _("A view's name has 1 to 60 characters."),
            "count": _(
                "You can keep at most %(num)s saved views; delete one first.", num=auth.MAX_SAVED_VIEWS
            ),
        }.get(exc.reason, _("These filters are too long to save."))
        return flash(RedirectResponse(target, status_code=303), message, "error")
    return flash(
        RedirectResponse(target, status_code=303),
        _("View “%(name)s” saved.", name=" ".join(str(name).split())),
    )


@router.post("/crm/leads/views/delete", dependencies=[CsrfChecked])
def leads_view_delete(user: CrmReader, db: PageDB, form: PageForm) -> Response:
    name = form.get("name")
    back = _back(form)
    if isinstance(name, str) and auth.delete_view(db, user.account.id, VIEWS_PAGE, name):
        return flash(RedirectResponse(back, status_code=303), _("View “%(name)s” deleted.", name=name))
    return flash(RedirectResponse(back, status_code=303), _("That view no longer exists."), "error")


def _plural_forms(singular: str, plural: str) -> dict[str, str]:
    """The confirmation in each plural form of the language (one / few / many, Romanian's three),
    with ``{n}`` for the number: leads.js picks the form for the rows selected."""
    return {
        form: ngettext(singular, plural, n).replace(str(n), "{n}")
        for form, n in (("one", 1), ("few", 2), ("many", 20))
    }


# --- bulk actions -----------------------------------------------------------------------------------
TAG: TypeAdapter[str] = TypeAdapter(s.Tag)


def _bulk_ids(form: FormData) -> list[uuid.UUID]:
    ids: list[uuid.UUID] = []
    for raw in form.getlist("ids")[:BULK_MAX]:
        try:
            ids.append(uuid.UUID(str(raw)))
        except ValueError:
            continue
    return list(dict.fromkeys(ids))


def _back(form: FormData) -> str:
    back = form.get("back")
    return (
        back if isinstance(back, str) and back.startswith("/crm/leads") and "//" not in back else "/crm/leads"
    )


def _bulk_done(back: str, done: int, skipped: int) -> Response:
    response = RedirectResponse(back, status_code=303)
    message = ngettext("%(num)s lead updated.", "%(num)s leads updated.", done)
    if skipped:
        message += " " + ngettext(
            "%(num)s skipped (converted or changed meanwhile).",
            "%(num)s skipped (converted or changed meanwhile).",
            skipped,
        )
    return flash(response, message, "error" if skipped and not done else "success")


@router.post("/crm/leads/bulk", dependencies=[CsrfChecked])
def leads_bulk(request: Request, user: CrmWriter, db: PageDB, form: PageForm) -> Response:
    ids, back = _bulk_ids(form), _back(form)
    action = form.get("action")
    if not ids:
        return flash(RedirectResponse(back, status_code=303), _("Select at least one lead."), "error")
    who = actor(request, user)
    done = skipped = 0
    if action == "assign":
        owner = form.get("owner")
        owner = owner.strip() if isinstance(owner, str) else ""
        try:
            patch = s.LeadUpdate(owner=owner or None)
        except ValidationError:
            return flash(RedirectResponse(back, status_code=303), _("The owner is too long."), "error")
        for lead_id in ids:
            try:
                row = service.get_record(db, service.LEADS, lead_id)
                service.update_record(db, service.LEADS, who, lead_id, patch, service.etag(row))
                done += 1
            except (Conflict, NotFound):
                skipped += 1
    elif action == "status":
        target = form.get("status")
        if target not in ("new", "qualified", "disqualified"):
            return flash(RedirectResponse(back, status_code=303), _("Choose a status."), "error")
        for lead_id in ids:
            try:
                if target == "qualified":
                    service.qualify_lead(db, who, lead_id, None)
                else:
                    row = service.get_record(db, service.LEADS, lead_id)
                    update = s.LeadUpdate(status=s.LeadStatus(target))
                    service.update_record(db, service.LEADS, who, lead_id, update, service.etag(row))
                done += 1
            except (Conflict, NotFound, Problem):
                skipped += 1
    elif action == "tag":
        try:
            tag = TAG.validate_python(form.get("tag") or "")
        except ValidationError:
            return flash(
                RedirectResponse(back, status_code=303),
                _("Type a tag: 1 to 50 characters, no line breaks."),
                "error",
            )
        for lead_id in ids:
            try:
                row = service.get_record(db, service.LEADS, lead_id)
                if tag in (row.tags or []):
                    done += 1  # already tagged: nothing to change
                    continue
                update = s.LeadUpdate(tags=[*(row.tags or []), tag])
                service.update_record(db, service.LEADS, who, lead_id, update, service.etag(row))
                done += 1
            except (Conflict, NotFound, ValidationError):  # ValidationError: already 20 tags
                skipped += 1
    else:
        return flash(RedirectResponse(back, status_code=303), _("Choose an action."), "error")
    return _bulk_done(back, done, skipped)


@router.post("/crm/leads/bulk-delete", dependencies=[CsrfChecked])
def leads_bulk_delete(request: Request, user: CrmAdmin, db: PageDB, form: PageForm) -> Response:
    ids, back = _bulk_ids(form), _back(form)
    if not ids:
        return flash(RedirectResponse(back, status_code=303), _("Select at least one lead."), "error")
    if form.get("confirm") != "1":  # without JavaScript: ask on a page of its own
        question = ngettext("Delete %(num)s lead?", "Delete %(num)s leads?", len(ids))
        ctx = context(request, **_globals(user), ids=ids, back=back, question=question)
        return render(request, "vettify/leads_bulk_confirm.html", ctx)
    who = actor(request, user)
    done = skipped = 0
    for lead_id in ids:
        try:
            service.delete_record(db, service.LEADS, who, lead_id, None)
            done += 1
        except (Conflict, NotFound):
            skipped += 1
    response = RedirectResponse(back, status_code=303)
    message = ngettext("%(num)s lead deleted.", "%(num)s leads deleted.", done)
    if skipped:
        message += " " + ngettext(
            "%(num)s not deleted (converted leads stay).",
            "%(num)s not deleted (converted leads stay).",
            skipped,
        )
    return flash(response, message, "error" if skipped and not done else "success")


# --- create / edit ------------------------------------------------------------------------------------
def _form_ctx(
    request: Request,
    user: PageUser,
    *,
    lead: Lead | None,
    values: Mapping[str, Any],
    errors: Mapping[str, str] | None = None,
    conflict: bool = False,
    form_token: str = "",
) -> dict[str, Any]:
    return context(
        request,
        **_globals(user),
        lead=lead,
        values=values,
        errors=dict(errors or {}),
        fields=[(name, _(label), kind) for name, label, kind in FIELDS],
        labels={name: _(label) for name, label, _kind in FIELDS} | {"status": _("Status")},
        conflict=conflict,
        form_token=form_token or uuid.uuid4().hex,
    )


@router.get("/crm/leads/new")
def lead_new(request: Request, user: CrmWriter) -> Response:
    values = {name: "" for name in FIELD_NAMES} | {"owner": user.account.email}
    return render(request, "vettify/lead_form.html", _form_ctx(request, user, lead=None, values=values))


FORM_TOKEN_TTL = 600


def _claim_form_token(request: Request, user: PageUser, token: str) -> str | None:
    """Double submit: the first POST of a form claims its token; a second one waits for the first's
    lead and is sent to it. Returns that lead's id for a repeat, None for the first submit."""
    redis = platform_of(request).redis
    if redis is None or not token.isalnum() or len(token) > 64:
        return None
    key = f"genius:crm:lead-form:{user.account.tid}:{token}"
    try:
        if redis.set(key, "", nx=True, ex=FORM_TOKEN_TTL):
            return None
        for _attempt in range(30):
            value = redis.get(key)
            if value:
                return str(value.decode() if isinstance(value, bytes) else value)
            time.sleep(0.1)
    except Exception:  # the cache is down: the submit-once script still guards the button
        return None
    return None


def _form_token_result(request: Request, user: PageUser, token: str, lead_id: uuid.UUID | None) -> None:
    redis = platform_of(request).redis
    if redis is None or not token.isalnum():
        return
    key = f"genius:crm:lead-form:{user.account.tid}:{token}"
    try:
        if lead_id is None:
            redis.delete(key)
        else:
            redis.set(key, str(lead_id), ex=FORM_TOKEN_TTL)
    except Exception:
        return


@router.post("/crm/leads/new", dependencies=[CsrfChecked])
def lead_create(request: Request, user: CrmWriter, db: PageDB, form: PageForm) -> Response:
    values = form_values(form, FIELD_NAMES)
    token = str(form.get("form_token") or "")
    repeated = _claim_form_token(request, user, token)
    if repeated:
        return RedirectResponse(f"/crm/leads/{repeated}", status_code=303)
    try:
        body = s.LeadCreate.model_validate(values)
        lead = service.create_lead(db, actor(request, user), body)
    except ValidationError as exc:
        _form_token_result(request, user, token, None)
        ctx = _form_ctx(request, user, lead=None, values=values, errors=validation_errors(exc))
        return render(request, "vettify/lead_form.html", ctx, 422)
    except Problem as exc:
        _form_token_result(request, user, token, None)
        ctx = _form_ctx(
            request,
            user,
            lead=None,
            values=values,
            errors=problem_errors(exc) or {"first_name": _("The lead could not be saved.")},
        )
        return render(request, "vettify/lead_form.html", ctx, 422)
    _form_token_result(request, user, token, lead.id)
    response = RedirectResponse(f"/crm/leads/{lead.id}", status_code=303)
    return flash(response, _("Lead %(name)s created.", name=lead_name(lead)))


def _lead_values(lead: Lead) -> dict[str, Any]:
    return {name: getattr(lead, name) or "" for name in FIELD_NAMES} | {"status": lead.status}


@router.get("/crm/leads/{lead_id}/edit")
def lead_edit(request: Request, lead_id: uuid.UUID, user: CrmWriter, db: PageDB) -> Response:
    lead = _get_lead(db, lead_id)
    if lead.status == "converted":
        response = RedirectResponse(f"/crm/leads/{lead.id}", status_code=303)
        return flash(response, _("A converted lead can no longer be changed."), "error")
    ctx = _form_ctx(request, user, lead=lead, values=_lead_values(lead) | {"version": lead.version})
    return render(request, "vettify/lead_form.html", ctx)


@router.post("/crm/leads/{lead_id}/edit", dependencies=[CsrfChecked])
def lead_update(
    request: Request, lead_id: uuid.UUID, user: CrmWriter, db: PageDB, form: PageForm
) -> Response:
    lead = _get_lead(db, lead_id)
    values: dict[str, Any] = form_values(form, FIELD_NAMES)
    version = str(form.get("version") or "")
    values_out = values | {"version": version, "status": form.get("status") or lead.status}
    changes: dict[str, Any] = {k: (v if v.strip() else None) for k, v in values.items()}
    status = form.get("status")
    if status in ("new", "disqualified"):
        changes["status"] = status
    try:
        patch = s.LeadUpdate.model_validate(changes)
        service.update_record(
            db, service.LEADS, actor(request, user), lead.id, patch, f'"{version}"' if version else None
        )
    except ValidationError as exc:
        ctx = _form_ctx(request, user, lead=lead, values=values_out, errors=validation_errors(exc))
        return render(request, "vettify/lead_form.html", ctx, 422)
    except (PreconditionFailed, PreconditionRequired):
        current = _lead_values(lead) | {"version": lead.version}
        ctx = _form_ctx(request, user, lead=lead, values=values_out, conflict=True)
        ctx["current"] = current
        ctx["values"] = values_out | {"version": lead.version}
        return render(request, "vettify/lead_form.html", ctx, 409)
    except Conflict:
        response = RedirectResponse(f"/crm/leads/{lead.id}", status_code=303)
        return flash(response, _("A converted lead can no longer be changed."), "error")
    except Problem as exc:
        errors = problem_errors(exc) or {"first_name": _("The lead could not be saved.")}
        ctx = _form_ctx(request, user, lead=lead, values=values_out, errors=errors)
        return render(request, "vettify/lead_form.html", ctx, 422)
    response = RedirectResponse(f"/crm/leads/{lead.id}", status_code=303)
    return flash(response, _("Changes saved."))


# --- the record -----------------------------------------------------------------------------------------
def _convert_preview(db: Session, lead: Lead) -> dict[str, Any]:
    """What convert will create or link, as ``service.convert_lead`` decides it."""
    existing = service.find_account_by_cui(db, lead.cui) if lead.cui else None
    account = service.get_record(db, service.ACCOUNTS, existing) if existing else None
    person = " ".join(p for p in (lead.first_name, lead.last_name) if p) or (lead.email or "")
    account_name = account.name if account else (lead.company_name or person)
    return {
        "existing_account": account,
        "account_name": account_name,
        "contact_name": person or account_name,
        "opportunity_name": f"{account_name} - {person or 'lead'}"[:300],
    }


def _activities(db: Session, lead: Lead) -> list[Any]:
    query = service.ListQuery(limit=20, filters={"lead_id": lead.id})
    return list(service.list_records(db, service.ACTIVITIES, query).items)


def _record_ctx(request: Request, user: PageUser, db: Session, lead: Lead, **extra: Any) -> dict[str, Any]:
    tab = request.query_params.get("tab")
    return context(
        request,
        **_globals(user),
        lead=lead,
        name=lead_name(lead),
        tab=tab if tab in ("overview", "activity") else "overview",
        activities=_activities(db, lead),
        **summary_panel(db, "lead", lead.id),
        preview=_convert_preview(db, lead) if lead.status == "qualified" else None,
        convert=extra.pop("convert", {"create_opportunity": True, "currency": "RON"}),
        convert_errors=extra.pop("convert_errors", {}),
        **extra,
    )


@router.get("/crm/leads/{lead_id}")
def lead_record(request: Request, lead_id: uuid.UUID, user: CrmReader, db: PageDB) -> Response:
    try:
        lead = service.get_record(db, service.LEADS, lead_id)
    except NotFound:  # only then look for a survivor: a live lead's page pays no extra query
        moved = survivor_redirect(db, service.LEADS, str(lead_id), "/crm/leads")
        if moved is not None:
            return moved
        raise HTTPException(404) from None
    return render(request, "vettify/lead.html", _record_ctx(request, user, db, lead))


@router.post("/crm/leads/{lead_id}/qualify", dependencies=[CsrfChecked])
def lead_qualify(
    request: Request, lead_id: uuid.UUID, user: CrmWriter, db: PageDB, form: PageForm
) -> Response:
    version = str(form.get("version") or "")
    response = RedirectResponse(f"/crm/leads/{lead_id}", status_code=303)
    try:
        service.qualify_lead(db, actor(request, user), lead_id, f'"{version}"' if version else None)
    except NotFound:
        raise HTTPException(404) from None
    except PreconditionFailed:
        return flash(response, _("Someone changed this lead meanwhile. Check it and try again."), "error")
    except Conflict:
        return flash(response, _("The lead is already converted."), "error")
    return flash(response, _("Lead qualified. You can convert it now."))


CONVERT_FIELDS = ("opportunity_name", "amount", "currency", "expected_close_date")


def _amount(raw: str) -> str:
    """Romanian amounts: ``1.234,56`` or ``1234,56`` (or ``1234.56``)."""
    text = raw.strip().replace(" ", "").replace("\u00a0", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    return text


@router.get("/crm/leads/{lead_id}/convert")
def lead_convert_page(request: Request, lead_id: uuid.UUID, user: CrmWriter, db: PageDB) -> Response:
    lead = _get_lead(db, lead_id)
    if lead.status != "qualified":
        return RedirectResponse(f"/crm/leads/{lead.id}", status_code=303)
    return render(request, "vettify/lead_convert.html", _record_ctx(request, user, db, lead))


@router.post("/crm/leads/{lead_id}/convert", dependencies=[CsrfChecked])
def lead_convert(
    request: Request, lead_id: uuid.UUID, user: CrmWriter, db: PageDB, form: PageForm
) -> Response:
    lead = _get_lead(db, lead_id)
    values = form_values(form, CONVERT_FIELDS)
    create_opportunity = form.get("create_opportunity") == "1"
    body: dict[str, Any] = {"create_opportunity": create_opportunity}
    if create_opportunity:
        body |= {
            "opportunity_name": values["opportunity_name"] or None,
            "amount": _amount(values["amount"]) or None,
            "currency": values["currency"] or "RON",
            "expected_close_date": values["expected_close_date"] or None,
        }
    shown = values | {"create_opportunity": create_opportunity}
    try:
        result = service.convert_lead(db, actor(request, user), lead.id, s.ConvertIn.model_validate(body))
    except ValidationError as exc:
        errors = validation_errors(exc)
        ctx = _record_ctx(request, user, db, lead, convert=shown, convert_errors=errors)
        return render(request, "vettify/lead_convert.html", ctx, 422)
    except Conflict:
        response = RedirectResponse(f"/crm/leads/{lead.id}", status_code=303)
        return flash(response, _("Only a qualified lead can be converted: qualify it first."), "error")
    except Problem as exc:
        errors = problem_errors(exc) or {"opportunity_name": _("The lead could not be converted.")}
        ctx = _record_ctx(request, user, db, lead, convert=shown, convert_errors=errors)
        return render(request, "vettify/lead_convert.html", ctx, 422)
    if result.opportunity_id:
        target = f"/crm/opportunities/{result.opportunity_id}"
    else:
        target = f"/crm/accounts/{result.account_id}"
    if result.repeated:
        message = _("This lead was already converted.")
    elif result.account_created:
        message = _("Lead converted: a new account, its contact and the opportunity were created.")
    else:
        message = _("Lead converted and linked to the existing account.")
    return flash(RedirectResponse(target, status_code=303), message)
