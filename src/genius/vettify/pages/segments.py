"""Vettify pages: segments — the list with each segment's live count, and the editor whose count and
first matches follow the rules as they are edited (htmx posts the form to ``/crm/segments/preview``);
and the campaign page's audience picker (a segment, with the live count and the exclusions).

The pages call the same services as ``/v1/crm/segments`` and ``…/campaigns/{id}/audience``."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from genius.core.kit.errors import NotFound, Problem
from genius.core.kit.manifest import N_
from genius.vettify import service
from genius.vettify.campaigns import audience
from genius.vettify.campaigns.repository import CAMPAIGNS
from genius.vettify.campaigns.schemas import CampaignUpdate
from genius.vettify.campaigns.service import update_campaign
from genius.vettify.pages.campaigns import REASON_LABELS
from genius.vettify.pages.common import CrmReader, CrmWriter, actor, can_write
from genius.vettify.segments import service as segments
from genius.vettify.segments.repository import SEGMENTS
from genius.vettify.segments.schemas import PreviewIn, SegmentCreate, SegmentFilter, SegmentUpdate
from genius.web.kit import CsrfChecked, PageDB, PageForm, _, context, error_page, flash, render

router = APIRouter(include_in_schema=False)

RULE_ROWS = 5  # rule rows in the editor (a segment holds up to 20 through the API)
FIELD_LABELS = {
    "city": N_("City"),
    "county": N_("County"),
    "job_title": N_("Job title"),
    "email": N_("E-mail"),
    "first_name": N_("First name"),
    "last_name": N_("Last name"),
    "owner": N_("Owner"),
    "company_name": N_("Company"),
    "source": N_("Source"),
    "tags": N_("Tags"),
    "stage": N_("Opportunity stage"),
    "status": N_("Lead status"),
    "compliance_status": N_("ANAF check of the company"),
    "consent": N_("E-mail consent"),
    "engagement": N_("Campaign engagement"),
}
OP_LABELS = {
    "eq": N_("is"),
    "ne": N_("is not"),
    "in": N_("is one of"),
    "not_in": N_("is none of"),
    "contains": N_("contains"),
    "starts_with": N_("starts with"),
    "is_set": N_("is filled in"),
    "is_not_set": N_("is empty"),
    "has_any": N_("has any of"),
    "has_all": N_("has all of"),
    "has_none": N_("has none of"),
    "given": N_("given"),
    "missing": N_("missing"),
    "received": N_("received a campaign"),
    "opened": N_("opened a campaign"),
    "clicked": N_("clicked in a campaign"),
    "not_opened": N_("received one and did not open it"),
    "not_clicked": N_("received one and did not click"),
}
ENTITY_LABELS = {"contact": N_("Contacts"), "lead": N_("Leads")}
LIST_OPS = frozenset({"in", "not_in", "has_any", "has_all", "has_none"})
LIST_FIELDS = frozenset({"tags", "stage", "status", "compliance_status"})
NO_VALUE_OPS = frozenset(
    {"is_set", "is_not_set", "given", "missing", "received", "opened", "clicked", "not_opened", "not_clicked"}
)


def _labels() -> dict[str, Any]:
    return {
        "field_labels": [("", _("(no rule)"))] + [(k, _(v)) for k, v in FIELD_LABELS.items()],
        "op_labels": [(k, _(v)) for k, v in OP_LABELS.items()],
        "entity_labels": [(k, _(v)) for k, v in ENTITY_LABELS.items()],
        "match_labels": [("all", _("every rule holds")), ("any", _("at least one rule holds"))],
        "reason_labels": {k: _(v) for k, v in REASON_LABELS.items()},
    }


# --- the form ↔ the filter ---------------------------------------------------------------------------
def _text(form: FormData, name: str) -> str:
    raw = form.get(name)
    return raw.strip() if isinstance(raw, str) else ""


def _rows_of(form: FormData) -> list[dict[str, str]]:
    return [{k: _text(form, f"rule_{k}_{i}") for k in ("field", "op", "value")} for i in range(RULE_ROWS)]


def _rows_from(flt: SegmentFilter) -> list[dict[str, str]]:
    rows = []
    for rule in flt.rules[:RULE_ROWS]:
        value = getattr(rule, "value", None)
        shown = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value or "")
        rows.append({"field": rule.field, "op": rule.op, "value": shown})
    return rows + [{"field": "", "op": "", "value": ""}] * (RULE_ROWS - len(rows))


def _filter_of(match: str, rows: list[dict[str, str]]) -> tuple[SegmentFilter | None, dict[str, str]]:
    """The filter the rows describe, or the message of each invalid row (``rule_<n>``)."""
    rules: list[dict[str, Any]] = []
    used: list[int] = []
    for i, row in enumerate(rows):
        if not row["field"]:
            continue
        rule: dict[str, Any] = {"field": row["field"], "op": row["op"]}
        if row["op"] in LIST_OPS or row["field"] in LIST_FIELDS:
            rule["value"] = [v.strip() for v in row["value"].split(",") if v.strip()]
        elif row["op"] not in NO_VALUE_OPS:
            rule["value"] = row["value"] or None
        rules.append(rule)
        used.append(i)
    try:
        return SegmentFilter.model_validate({"match": match or "all", "rules": rules}), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors():
            loc = err.get("loc", ())
            if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
                errors.setdefault(f"rule_{used[loc[1]]}", _("This field, condition and value do not fit."))
        return None, errors or {"rules": _("These rules are not valid.")}


def _entity(form: FormData) -> str:
    return "lead" if _text(form, "entity") == "lead" else "contact"


def _preview(db: PageDB, entity: str, flt: SegmentFilter | None, errors: dict[str, str]) -> dict[str, Any]:
    """The live count and first matches, or why there are none (an invalid rule)."""
    if flt is None:
        return {"result": None, "preview_errors": errors}
    try:
        return {
            "result": segments.preview_filter(db, PreviewIn(entity=entity, filter=flt, limit=10)),
            "preview_errors": {},
        }
    except Problem as exc:
        index = next(
            (
                str(e.get("field", "")).split(".")[2]
                for e in exc.errors or []
                if "rules." in str(e.get("field"))
            ),
            None,
        )
        message = _("This rule is not available for this kind of record.")
        return {
            "result": None,
            "preview_errors": {f"rule_{index}" if index is not None else "rules": message},
        }


# --- pages --------------------------------------------------------------------------------------------
@router.get("/crm/segments", response_class=HTMLResponse)
def segments_list(request: Request, user: CrmReader, db: PageDB) -> Response:
    page = service.list_records(db, SEGMENTS, service.ListQuery(sort="name", limit=100))
    rows = [(s, segments.count(db, s.id).count) for s in page.items]
    ctx = context(
        request, account=user.account, tenant=user.tenant, rows=rows, can_write=can_write(user), **_labels()
    )
    return render(request, "vettify/segments.html", ctx)


def _editor(request: Request, user: Any, db: PageDB, **values: Any) -> Response:
    status = values.pop("status", 200)
    ctx = context(
        request, account=user.account, tenant=user.tenant, can_write=can_write(user), **_labels(), **values
    )
    return render(request, "vettify/segment.html", ctx, status)


@router.get("/crm/segments/new", response_class=HTMLResponse)
def segment_new(request: Request, user: CrmWriter, db: PageDB) -> Response:
    rows = _rows_from(SegmentFilter())
    empty = SegmentFilter()
    return _editor(
        request,
        user,
        db,
        segment=None,
        name="",
        description="",
        entity="contact",
        match="all",
        rows=rows,
        errors={},
        **_preview(db, "contact", empty, {}),
    )


@router.get("/crm/segments/{segment_id}", response_class=HTMLResponse)
def segment_page(request: Request, segment_id: uuid.UUID, user: CrmReader, db: PageDB) -> Response:
    try:
        row = segments.get_segment(db, segment_id)
    except NotFound:
        return error_page(request, 404)
    flt = segments.filter_of(row)
    return _editor(
        request,
        user,
        db,
        segment=row,
        name=row.name,
        description=row.description or "",
        entity=row.entity,
        match=flt.match,
        rows=_rows_from(flt),
        errors={},
        **_preview(db, row.entity, flt, {}),
    )


@router.post("/crm/segments/preview", response_class=HTMLResponse, dependencies=[CsrfChecked])
def segment_live(request: Request, user: CrmReader, db: PageDB, form: PageForm) -> Response:
    """The editor's live count (htmx, on every change of a rule)."""
    entity = _entity(form)
    flt, errors = _filter_of(_text(form, "match"), _rows_of(form))
    ctx = context(request, account=user.account, **_labels(), **_preview(db, entity, flt, errors))
    return render(request, "vettify/segment_preview.html", ctx)


@router.post("/crm/segments/new", dependencies=[CsrfChecked])
def segment_create(request: Request, user: CrmWriter, db: PageDB, form: PageForm) -> Response:
    return segment_save(request, user, db, form, None)


@router.post("/crm/segments/{segment_id}", dependencies=[CsrfChecked])
def segment_save(
    request: Request, user: CrmWriter, db: PageDB, form: PageForm, segment_id: uuid.UUID | None
) -> Response:
    entity, match, rows = _entity(form), _text(form, "match"), _rows_of(form)
    name, description = _text(form, "name"), _text(form, "description")
    flt, errors = _filter_of(match, rows)
    if not name:
        errors["name"] = _("Required.")
    segment = None
    if segment_id is not None:
        try:
            segment = segments.get_segment(db, segment_id)
        except NotFound:
            return error_page(request, 404)
    if flt is not None and not errors:
        who = actor(request, user)
        try:
            if segment is None:
                body = SegmentCreate(name=name, description=description or None, entity=entity, filter=flt)
                segment = segments.create_segment(db, who, body)
            else:
                patch = SegmentUpdate(name=name, description=description or None, entity=entity, filter=flt)
                segments.update_segment(db, who, segment.id, patch, _text(form, "version") or None)
        except ValidationError:
            errors["name"] = _("This value is not valid.")
        except Problem as exc:
            errors["rules"] = exc.detail or exc.title
        else:
            response = RedirectResponse(f"/crm/segments/{segment.id}", status_code=303)
            return flash(response, _("Segment saved."))
    return _editor(
        request,
        user,
        db,
        segment=segment,
        name=name,
        description=description,
        entity=entity,
        match=match or "all",
        rows=rows,
        errors=errors,
        status=422,
        **_preview(db, entity, flt, errors),
    )


# --- the campaign's audience ------------------------------------------------------------------------
def audience_context(db: PageDB, tid: uuid.UUID, campaign_id: uuid.UUID) -> dict[str, Any]:
    """The campaign page's picker: the segments of contacts and the live audience of the chosen one."""
    return {
        "segment_options": [(str(s.id), s.name) for s in segments.segments_for_picker(db)],
        "audience": audience.summary(db, tid, campaign_id),
    }


@router.get("/crm/campaigns/{campaign_id}/audience", response_class=HTMLResponse)
def campaign_audience_picker(
    request: Request, campaign_id: uuid.UUID, user: CrmReader, db: PageDB
) -> Response:
    """The picker, loaded into the campaign page (htmx) before its send form."""
    try:
        extra = audience_context(db, user.account.tid, campaign_id)
    except NotFound:
        return error_page(request, 404)
    ctx = context(
        request,
        account=user.account,
        campaign_id=campaign_id,
        can_write=can_write(user),
        **_labels(),
        **extra,
    )
    return render(request, "vettify/campaign_audience.html", ctx)


@router.post("/crm/campaigns/{campaign_id}/audience", dependencies=[CsrfChecked])
def campaign_audience(
    request: Request, campaign_id: uuid.UUID, user: CrmWriter, db: PageDB, form: PageForm
) -> Response:
    """Choose the campaign's segment (empty: every contact); htmx gets the picker with its new count."""
    raw = _text(form, "segment_id")
    try:
        chosen = uuid.UUID(raw) if raw else None
    except ValueError:
        chosen = None
    try:
        campaign = service.get_record(db, CAMPAIGNS, campaign_id)
        if chosen != campaign.segment_id:
            patch = CampaignUpdate(segment_id=chosen)
            update_campaign(db, actor(request, user), campaign_id, patch, f'"{campaign.version}"')
    except NotFound:
        return error_page(request, 404)
    except Problem as exc:
        ctx = context(
            request,
            account=user.account,
            campaign_id=campaign_id,
            refusal=exc.detail or exc.title,
            **_labels(),
            **audience_context(db, user.account.tid, campaign_id),
        )
        return render(request, "vettify/campaign_audience.html", ctx, 422)
    if request.headers.get("HX-Request") != "true":
        return RedirectResponse(f"/crm/campaigns/{campaign_id}", status_code=303)
    ctx = context(
        request,
        account=user.account,
        campaign_id=campaign_id,
        **_labels(),
        **audience_context(db, user.account.tid, campaign_id),
    )
    return render(request, "vettify/campaign_audience.html", ctx)
