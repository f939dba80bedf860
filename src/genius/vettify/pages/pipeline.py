"""Vettify pages: opportunities — the pipeline board (kanban), the list view and the record page.

The board is server-rendered (it reads without JavaScript; every card links to its record page and
carries a "Move to…" form). ``static/kanban.js`` adds drag and drop (SortableJS) and the keyboard
(Space to grab, ←/→ to move, Space to drop, Esc to cancel), and moves cards optimistically: the card
moves at once, ``POST /crm/opportunities/{id}/stage`` (JSON answer, ``If-Match`` with the card's
version) confirms it or the card goes back with an error toast. The same route takes the plain form
(post-redirect-get; errors re-render the record page with status 422).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Header, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from genius.core.kit.errors import Conflict, NotFound, PreconditionFailed, Problem
from genius.core.kit.manifest import N_
from genius.core.kit.pagination import BadCursor
from genius.vettify import service
from genius.vettify.pages import dashboard
from genius.vettify.pages.common import (
    CrmReader,
    CrmWriter,
    actor,
    can_write,
    form_values,
    problem_errors,
    validation_errors,
)
from genius.vettify.pages.summaries import panel as summary_panel
from genius.vettify.repository import pipeline as repo
from genius.vettify.schemas import (
    OPEN_STAGES,
    REASON_REQUIRED,
    TRANSITIONS,
    OpportunityCreate,
    Stage,
    StageIn,
)
from genius.web import formats
from genius.web.kit import (
    LIST_COUNT_CAP,
    CsrfChecked,
    PageDB,
    PageForm,
    PageUser,
    _,
    context,
    error_page,
    flash,
    render,
)

router = APIRouter(include_in_schema=False)

STAGES: tuple[Stage, ...] = tuple(Stage)
STAGE_LABELS: dict[str, str] = {
    Stage.prospecting: N_("Prospecting"),
    Stage.qualification: N_("Qualification"),
    Stage.proposal: N_("Proposal"),
    Stage.negotiation: N_("Negotiation"),
    Stage.won: N_("Won"),
    Stage.lost: N_("Lost"),
}
STAGE_BADGES: dict[str, str] = {
    Stage.prospecting: "",
    Stage.qualification: "info",
    Stage.proposal: "brand",
    Stage.negotiation: "warn",
    Stage.won: "ok",
    Stage.lost: "err",
}
PER_COLUMN = 50  # cards shown per column (the list view pages through all of them)
PAGE_SIZE = 25
LIST_SORTS = ("name", "amount", "created_at", "updated_at")


def stage_label(stage: str) -> str:
    return _(STAGE_LABELS.get(stage, stage))


def needs_reason(current: str, target: str) -> bool:
    """Won and lost need a reason, and so does reopening a lost opportunity."""
    return Stage(target) in REASON_REQUIRED or Stage(current) not in OPEN_STAGES


def next_stage(stage: str) -> str | None:
    """The stage a form offers first: the next one along the pipeline, else the first allowed."""
    targets = allowed_targets(stage)
    later = [t for t in targets if STAGES.index(Stage(t)) > STAGES.index(Stage(stage))]
    choices = later or targets
    return choices[0] if choices else None


def allowed_targets(stage: str) -> list[str]:
    allowed = TRANSITIONS[Stage(stage)]
    return [s.value for s in STAGES if s in allowed]


# --- column totals --------------------------------------------------------------------------------
def _amount_text(amounts: dict[str, Decimal], fmt: Any) -> str:
    """``125,5 mii lei + 12 mii EUR``: lei first, then the other currencies (no conversion)."""
    if not amounts:
        return fmt(0)
    order = sorted(amounts, key=lambda c: (c != "RON", c))
    return " + ".join(fmt(amounts[c], c) for c in order)


def column_summaries(totals: list[repo.StageTotal]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for stage in STAGES:
        rows = [t for t in totals if t.stage == stage]
        amounts = {t.currency: t.amount for t in rows}
        count = sum(t.count for t in rows)
        out[stage.value] = {
            "count": count,
            "count_label": formats.number(count),
            "total_short": _amount_text(amounts, formats.money_short),
            "total_full": _amount_text(amounts, formats.money),
            "amounts": amounts,
        }
    return out


# --- the board and the list -----------------------------------------------------------------------
@router.get("/crm/opportunities")
def opportunities(
    request: Request,
    user: CrmReader,
    db: PageDB,
    view: Annotated[str, Query(max_length=10)] = "board",
    sort: Annotated[str | None, Query(max_length=20)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    stage: Annotated[str | None, Query(max_length=20)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    ctx = context(
        request,
        account=user.account,
        tenant=user.tenant,
        can_write=can_write(user),
        stages=[s.value for s in STAGES],
        open_stages=[s.value for s in OPEN_STAGES],
        stage_label=stage_label,
        stage_badges=STAGE_BADGES,
        view="list" if view == "list" else "board",
    )
    if view != "list":
        cards = repo.board_cards(db, [s.value for s in STAGES], PER_COLUMN)
        columns = column_summaries(repo.stage_totals(db))
        ctx.update(
            cards=cards,
            columns=columns,
            allowed=allowed_targets,
            needs_reason={
                s.value: sorted(t.value for t in STAGES if needs_reason(s.value, t)) for s in STAGES
            },
            empty=not any(cards.values()),
        )
        return render(request, "vettify/pipeline.html", ctx)
    return _list(request, db, ctx, sort, cursor, stage, q)


def _list(
    request: Request,
    db: Any,
    ctx: dict[str, Any],
    sort: str | None,
    cursor: str | None,
    stage: str | None,
    q: str | None,
) -> Response:
    key = (sort or "-updated_at").lstrip("-")
    if key not in LIST_SORTS:
        sort = "-updated_at"
    stage_filter = stage if stage in {s.value for s in STAGES} else None
    query = service.ListQuery(
        search=(q or "").strip() or None,
        sort=sort or "-updated_at",
        cursor=cursor or None,
        limit=PAGE_SIZE,
        count=True,
        count_cap=LIST_COUNT_CAP,
        filters={"stage": stage_filter},
    )
    try:
        page = service.list_records(db, service.OPPORTUNITIES, query)
    except (BadCursor, Problem):
        query = replace(query, search=None, cursor=None)
        page = service.list_records(db, service.OPPORTUNITIES, query)
    base = {"view": "list", "sort": query.sort or "", "stage": stage_filter or "", "q": query.search or ""}

    def url(**changes: str | None) -> str:
        params = {**base, **changes}
        return "/crm/opportunities?" + urlencode({k: v for k, v in params.items() if v})

    ctx.update(
        rows=page.items,
        total=page.total,
        names=repo.account_names(db, [o.account_id for o in page.items]),
        sort=query.sort,
        stage_filter=stage_filter or "",
        q=query.search or "",
        next_url=url(cursor=page.next) if page.next else None,
        prev_url=url() if cursor else None,
        url_for_sort=lambda s: url(sort=s),
    )
    name = (
        "vettify/opportunity_rows.html" if request.headers.get("hx-request") else "vettify/pipeline_list.html"
    )
    return render(request, name, ctx)


# --- one opportunity ------------------------------------------------------------------------------
def _record_context(request: Request, user: PageUser, db: Any, opp_id: uuid.UUID) -> dict[str, Any] | None:
    try:
        opp = service.get_record(db, service.OPPORTUNITIES, opp_id)
    except NotFound:
        return None
    history = list(service.stage_history(db, opp_id))
    account = repo.account_names(db, [opp.account_id])
    contact_name = None
    if opp.contact_id is not None:
        try:
            contact = service.get_record(db, service.CONTACTS, opp.contact_id)
            contact_name = " ".join(p for p in (contact.first_name, contact.last_name) if p) or contact.email
        except NotFound:
            contact_name = None
    return context(
        request,
        account=user.account,
        tenant=user.tenant,
        can_write=can_write(user),
        opp=opp,
        account_name=account.get(opp.account_id),
        contact_name=contact_name,
        history=list(reversed(history)),
        **summary_panel(db, "opportunity", opp.id),
        stage_label=stage_label,
        stage_badges=STAGE_BADGES,
        targets=allowed_targets(opp.stage),
        needs_reason=[t for t in allowed_targets(opp.stage) if needs_reason(opp.stage, t)],
        needs_reason_labels=", ".join(
            stage_label(t) for t in allowed_targets(opp.stage) if needs_reason(opp.stage, t)
        ),
        errors={},
        chosen=next_stage(opp.stage) or "",
        reason="",
    )


# --- new opportunity (from the board's header, a column's "+", or Account 360) ----------------------
OPPORTUNITY_FIELDS = (
    "name",
    "account_id",
    "stage",
    "amount",
    "currency",
    "probability",
    "expected_close_date",
    "owner",
)
CURRENCY_CHOICES = ("RON", "EUR", "USD")
ACCOUNT_CHOICES = 100


def _account_choices(db: Session, search: str | None, selected: str | None) -> list[tuple[str, str]]:
    """(id, name) of the accounts to pick from: the first ``ACCOUNT_CHOICES`` by name that match
    ``search`` (diacritics ignored, as everywhere), with the selected one kept in the list."""
    query = service.ListQuery(search=(search or "").strip() or None, sort="name", limit=ACCOUNT_CHOICES)
    try:
        rows = service.list_records(db, service.ACCOUNTS, query).items
    except (Problem, BadCursor):
        rows = []
    choices = [(str(a.id), a.name + (f" · {a.cui}" if a.cui else "")) for a in rows]
    if selected and selected not in {c[0] for c in choices}:
        try:
            chosen = service.get_record(db, service.ACCOUNTS, uuid.UUID(selected))
            choices.insert(0, (str(chosen.id), chosen.name + (f" · {chosen.cui}" if chosen.cui else "")))
        except (ValueError, NotFound):
            pass
    return choices


def _new_context(
    request: Request, user: PageUser, db: Session, values: dict[str, str], errors: dict[str, str]
) -> dict[str, Any]:
    return context(
        request,
        account=user.account,
        tenant=user.tenant,
        values=values,
        errors=errors,
        accounts=_account_choices(db, None, values.get("account_id")),
        stages=[(st.value, stage_label(st)) for st in OPEN_STAGES],
        currencies=[(c, c) for c in CURRENCY_CHOICES],
        labels={
            "name": _("Name"),
            "account_id": _("Account"),
            "stage": _("Stage"),
            "amount": _("Amount"),
            "currency": _("Currency"),
            "probability": _("Probability (%)"),
            "expected_close_date": _("Expected close date"),
            "owner": _("Owner"),
        },
    )


@router.get("/crm/opportunities/new")
def opportunity_new(
    request: Request,
    user: CrmWriter,
    db: PageDB,
    stage: Annotated[str | None, Query(max_length=20)] = None,
    account_id: Annotated[str | None, Query(max_length=36)] = None,
) -> Response:
    values = {name: "" for name in OPPORTUNITY_FIELDS} | {
        "stage": stage if stage in {st.value for st in OPEN_STAGES} else Stage.prospecting.value,
        "account_id": account_id or "",
        "currency": "RON",
        "owner": user.account.email,
    }
    return render(request, "vettify/opportunity_form.html", _new_context(request, user, db, values, {}))


@router.get("/crm/opportunities/account-options")
def opportunity_account_options(
    request: Request, user: CrmWriter, db: PageDB, q: Annotated[str | None, Query(max_length=200)] = None
) -> Response:
    """The account picker's options for what the user typed (htmx swaps them into the select)."""
    ctx = context(request, account=user.account, accounts=_account_choices(db, q, None), selected="")
    return render(request, "vettify/opportunity_account_options.html", ctx)


@router.post("/crm/opportunities/new", dependencies=[CsrfChecked])
def opportunity_create(request: Request, user: CrmWriter, db: PageDB, form: PageForm) -> Response:
    values = form_values(form, OPPORTUNITY_FIELDS)
    body: dict[str, Any] = {k: v for k, v in values.items() if v.strip()}
    if "amount" in body:
        body["amount"] = formats.parse_decimal(body["amount"])
    try:
        opportunity_in = OpportunityCreate.model_validate(body)
        created = service.create_opportunity(db, actor(request, user), opportunity_in)
    except (ValidationError, Problem) as exc:
        errors = validation_errors(exc) if isinstance(exc, ValidationError) else problem_errors(exc)
        errors = errors or {"account_id": _("Choose an existing account.")}
        ctx = _new_context(request, user, db, values, errors)
        return render(request, "vettify/opportunity_form.html", ctx, 422)
    response = RedirectResponse(f"/crm/opportunities/{created.id}", status_code=303)
    return flash(response, _("Opportunity %(name)s created.", name=created.name))


@router.get("/crm/opportunities/{opp_id}")
def opportunity(request: Request, opp_id: uuid.UUID, user: CrmReader, db: PageDB) -> Response:
    ctx = _record_context(request, user, db, opp_id)
    if ctx is None:
        return error_page(request, 404)
    return render(request, "vettify/opportunity.html", ctx)


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _refusal(exc: Problem, target: str) -> tuple[int, str, str, str | None]:
    """(status, code, message in the user's language, field) for a refused stage change."""
    if isinstance(exc, PreconditionFailed):
        return (
            412,
            "stale",
            _("Someone else changed this opportunity meanwhile. Reload the page and try again."),
            None,
        )
    if isinstance(exc, NotFound):
        return 404, "not-found", _("This opportunity no longer exists."), None
    if isinstance(exc, Conflict):
        return (
            409,
            "stage-transition",
            _("An opportunity cannot move from this stage to %(stage)s.", stage=stage_label(target)),
            None,
        )
    if any(e.get("field") == "reason" for e in (exc.errors or [])):
        return (
            422,
            "reason-required",
            _("Give a reason to move the opportunity to %(stage)s.", stage=stage_label(target)),
            "reason",
        )
    return exc.status, exc.code, _("The stage could not be changed."), None


@router.post("/crm/opportunities/{opp_id}/stage", dependencies=[CsrfChecked])
def move(
    request: Request,
    opp_id: uuid.UUID,
    user: CrmWriter,
    db: PageDB,
    stage: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
    version: Annotated[str, Form(max_length=12)] = "",
    next_url: Annotated[str, Form(alias="next", max_length=300)] = "",
    if_match: Annotated[str | None, Header(max_length=100)] = None,
) -> Response:
    as_json = _wants_json(request)
    if if_match is None and version.strip().isdigit():
        if_match = f'"{version.strip()}"'
    try:
        body = StageIn.model_validate({"stage": stage, "reason": reason.strip() or None})
    except ValidationError as exc:
        bad = {str(e["loc"][0]) for e in exc.errors() if e.get("loc")}
        name = "reason" if "reason" in bad and "stage" not in bad else "stage"
        text = _("Reasons are at most 2000 characters.") if name == "reason" else _("Choose a stage.")
        return _refused(request, user, db, opp_id, as_json, 422, "validation", text, name, stage, reason)
    try:
        opp, changed = service.change_stage(
            db, actor(request, user), opp_id, body.stage, body.reason, if_match
        )
    except Problem as exc:
        status, code, message, field = _refusal(exc, body.stage.value)
        return _refused(request, user, db, opp_id, as_json, status, code, message, field, stage, reason)
    dashboard.forget(request, user.account.tid)
    message = _("%(name)s moved to %(stage)s.", name=opp.name, stage=stage_label(opp.stage))
    if as_json:
        db.flush()
        columns = column_summaries(repo.stage_totals(db))
        return JSONResponse(
            {
                "ok": True,
                "changed": changed,
                "id": str(opp.id),
                "stage": opp.stage,
                "version": opp.version,
                "etag": service.etag(opp),
                "allowed": allowed_targets(opp.stage),
                "message": message,
                "columns": {
                    k: {
                        "count": v["count"],
                        "count_label": v["count_label"],
                        "total_short": v["total_short"],
                        "total_full": v["total_full"],
                    }
                    for k, v in columns.items()
                },
            },
            headers={"ETag": service.etag(opp)},
        )
    target = (
        next_url
        if next_url.startswith("/crm/opportunities") and "//" not in next_url
        else f"/crm/opportunities/{opp.id}"
    )
    return flash(RedirectResponse(target, status_code=303), message)


def _refused(
    request: Request,
    user: PageUser,
    db: Any,
    opp_id: uuid.UUID,
    as_json: bool,
    status: int,
    code: str,
    message: str,
    field: str | None,
    stage: str,
    reason: str,
) -> Response:
    if as_json:
        return JSONResponse(
            {"ok": False, "code": code, "message": message, "field": field}, status_code=status
        )
    ctx = _record_context(request, user, db, opp_id)
    if ctx is None:
        return error_page(request, 404)
    errors = {field or "stage": message}
    ctx.update(errors=errors, chosen=stage or ctx["chosen"], reason=reason, refused=message)
    return render(request, "vettify/opportunity.html", ctx, status)
