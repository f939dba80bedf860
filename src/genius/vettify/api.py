"""Vettify CRM API under ``/v1/crm`` (mount with ``app.include_router(genius.vettify.api.router)``).

Scopes: ``crm:read`` for reads, ``crm:write`` for changes, ``crm:admin`` for deletes.
Concurrency: every entity has an ``ETag`` (its version). ``PATCH`` *requires* ``If-Match``
(428 without it, 412 when stale), so an update never silently overwrites another one. ``DELETE``
and the action endpoints (qualify, stage) check ``If-Match`` when it is sent.
Lists: ``?search=`` (full text without diacritics + fuzzy names), filters, ``?sort=field|-field``,
keyset pages (``limit`` ≤ 100, ``next`` cursor → ``?cursor=``) and ``total`` with ``?count=true``.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response, status
from pydantic import BaseModel
from sqlalchemy.orm import Session

from genius.core.auth.deps import TenantDB
from genius.core.auth.tokens import Principal
from genius.core.kit.pagination import CursorParam, LimitParam, Page
from genius.vettify import dedup, service, timeline, verification
from genius.vettify import schemas as s
from genius.vettify.deps import CrmAdmin, CrmRead, CrmWrite
from genius.vettify.models import CrmRecord

router = APIRouter(prefix="/v1/crm", tags=["crm"])

IfMatch = Annotated[str | None, Header(max_length=400, description="ETag from a GET")]
CorrId = Annotated[str | None, Header(alias="x-corr-id", max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$")]

PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Not found (or another tenant's)"},
    409: {"description": "Conflict (duplicate, converted lead, stage rule)"},
    412: {"description": "If-Match does not match the current ETag"},
    422: {"description": "Invalid fields (problem+json with errors[])"},
}


def actor(principal: Principal, request: Request, corr: str | None) -> service.Actor:
    request_id = str(getattr(request.state, "request_id", "") or "")
    return service.Actor(
        tid=principal.tid,
        name=principal.email or principal.sub,
        request_id=request_id,
        correlation_id=corr or request_id or None,
    )


@dataclass
class ListParams:
    search: str | None
    sort: str | None
    cursor: str | None
    limit: int
    count: bool


def listing(spec: service.EntitySpec[Any]) -> Callable[..., ListParams]:
    """The list parameters of one entity's list: ``sort`` declares the entity's sort keys."""
    keys = "|".join(sorted(spec.sorts))
    sort_pattern = rf"^-?({keys})$"
    sort_doc = f"{', '.join(sorted(spec.sorts))}; prefix - for descending (default {spec.default_sort})"

    def list_params(
        search: Annotated[
            str | None,
            Query(max_length=200, pattern=NO_NUL, description="Words to find (diacritics ignored)"),
        ] = None,
        sort: Annotated[str | None, Query(max_length=40, pattern=sort_pattern, description=sort_doc)] = None,
        cursor: CursorParam = None,
        limit: LimitParam = 50,
        count: Annotated[bool, Query(description="Also return the total number of matches")] = False,
    ) -> ListParams:
        return ListParams(search, sort, cursor, limit, count)

    # Annotations are strings here (postponed evaluation); FastAPI cannot see this function's locals.
    list_params.__annotations__["sort"] = Annotated[
        str | None, Query(max_length=40, pattern=sort_pattern, description=sort_doc)
    ]
    return list_params


NO_NUL = s.NO_NUL
Filter = Annotated[str | None, Query(max_length=300, pattern=NO_NUL)]


def page_response(
    db: TenantDB, spec: service.EntitySpec[Any], params: ListParams, out: type[BaseModel], **filters: Any
) -> Page[Any]:
    query = service.ListQuery(
        search=params.search,
        sort=params.sort,
        cursor=params.cursor,
        limit=params.limit,
        count=params.count,
        filters=filters,
    )
    return service.list_records(db, spec, query).map(out.model_validate)


def one_response(response: Response, row: CrmRecord, out: type[BaseModel]) -> Any:
    response.headers["ETag"] = service.etag(row)
    return out.model_validate(row)


def created_response(
    request: Request, response: Response, row: CrmRecord, out: type[BaseModel], path: str
) -> Any:
    response.headers["Location"] = f"/v1/crm/{path}/{row.id}"
    return one_response(response, row, out)


# --- one record's routes: create, read, change, delete --------------------------------------------
Create = Callable[[Session, service.Actor, Any], CrmRecord]
Update = Callable[[Session, service.Actor, uuid.UUID, Any, str | None], CrmRecord]
Delete = Callable[[Session, service.Actor, uuid.UUID, str | None], None]


def _endpoint(name: str, fn: Callable[..., Any], params: list[inspect.Parameter]) -> Callable[..., Any]:
    """``fn`` as a FastAPI endpoint taking ``params`` (keyword arguments): the signature FastAPI reads."""
    fn.__name__ = fn.__qualname__ = name
    fn.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return fn


def _kw(name: str, annotation: Any, default: Any = inspect.Parameter.empty) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)


@dataclass(frozen=True)
class RecordRoutes:
    """The routes every CRM record has, with the same rules (``ETag``, ``If-Match``, ``x-corr-id``,
    scopes: read, write, admin for deletes): ``POST {path}``, ``GET|PATCH|DELETE {path}/{{id_name}}``.
    Only the entity's services, models and wording differ; its list (filters) stays its own handler."""

    path: str  # "/accounts"
    name: str  # "account": the handlers' names (create_account…), as the operation ids say
    id_name: str  # "account_id"
    spec: service.EntitySpec[Any]
    out: type[BaseModel]
    create_body: type[BaseModel]
    create: Create
    update_body: type[BaseModel]
    summaries: tuple[str, str, str, str]  # create, get, change, delete
    update: Update | None = None  # default: service.update_record
    delete: Delete | None = None  # default: service.delete_record

    def add_to(self, router: APIRouter) -> None:
        spec, out, id_name = self.spec, self.out, self.id_name
        location = (router.prefix + self.path).rsplit("/", 1)[-1]  # created_response: /v1/crm/<location>/id
        update = self.update or (
            lambda db, who, rid, body, tag: service.update_record(db, spec, who, rid, body, tag)
        )
        delete = self.delete or (lambda db, who, rid, tag: service.delete_record(db, spec, who, rid, tag))
        create = self.create
        item = f"{self.path}/{{{id_name}}}"

        def create_record(**kw: Any) -> Any:
            row = create(kw["db"], actor(kw["principal"], kw["request"], kw["corr"]), kw["body"])
            return created_response(kw["request"], kw["response"], row, out, location)

        def get_record(**kw: Any) -> Any:
            return one_response(kw["response"], service.get_record(kw["db"], spec, kw[id_name]), out)

        def update_record(**kw: Any) -> Any:
            who = actor(kw["principal"], kw["request"], kw["corr"])
            row = update(kw["db"], who, kw[id_name], kw["body"], kw["if_match"])
            return one_response(kw["response"], row, out)

        def delete_record(**kw: Any) -> Response:
            delete(kw["db"], actor(kw["principal"], kw["request"], kw["corr"]), kw[id_name], kw["if_match"])
            return Response(status_code=204)

        rid, db, request, response = (
            _kw(id_name, uuid.UUID),
            _kw("db", TenantDB),
            _kw("request", Request),
            _kw("response", Response),
        )
        if_match, corr = _kw("if_match", IfMatch, None), _kw("corr", CorrId, None)
        writer, body = _kw("principal", CrmWrite), _kw("body", self.update_body)
        creates, gets, changes, deletes = self.summaries

        def route(method: str, path: str, fn: Callable[..., Any], params: list[Any], **extra: Any) -> None:
            name = f"{fn.__name__.removesuffix('_record')}_{self.name}"
            endpoint = _endpoint(name, fn, params)
            router.add_api_route(path, endpoint, methods=[method], responses=PROBLEMS, **extra)

        new = [_kw("body", self.create_body), writer, db, request, response, corr]
        route("POST", self.path, create_record, new, status_code=201, response_model=out, summary=creates)
        read = [rid, _kw("principal", CrmRead), db, response]
        route("GET", item, get_record, read, response_model=out, summary=gets)
        change = [rid, body, writer, db, request, response, if_match, corr]
        route("PATCH", item, update_record, change, response_model=out, summary=changes)
        remove = [rid, _kw("principal", CrmAdmin), db, request, if_match, corr]
        route("DELETE", item, delete_record, remove, status_code=204, summary=deletes)


# --- accounts -------------------------------------------------------------------------------------
@router.get("/accounts", response_model=Page[s.AccountOut], summary="Accounts (search, filter, pages)")
def list_accounts(
    principal: CrmRead,
    db: TenantDB,
    params: Annotated[ListParams, Depends(listing(service.ACCOUNTS))],
    cui: Filter = None,
    city: Filter = None,
    county: Filter = None,
    industry: Filter = None,
    owner: Filter = None,
    compliance_status: s.ComplianceStatus | None = None,
) -> Any:
    return page_response(
        db,
        service.ACCOUNTS,
        params,
        s.AccountOut,
        cui=cui,
        city=city,
        county=county,
        industry=industry,
        owner=owner,
        compliance_status=compliance_status,
    )


RecordRoutes(
    "/accounts",
    "account",
    "account_id",
    service.ACCOUNTS,
    s.AccountOut,
    s.AccountCreate,
    service.create_account,
    s.AccountUpdate,
    ("Create an account", "One account", "Change an account", "Delete (soft) an account"),
).add_to(router)


# --- contacts -------------------------------------------------------------------------------------
@router.get("/contacts", response_model=Page[s.ContactOut], summary="Contacts (search, filter, pages)")
def list_contacts(
    principal: CrmRead,
    db: TenantDB,
    params: Annotated[ListParams, Depends(listing(service.CONTACTS))],
    account_id: uuid.UUID | None = None,
    email: Filter = None,
    city: Filter = None,
    owner: Filter = None,
) -> Any:
    return page_response(
        db,
        service.CONTACTS,
        params,
        s.ContactOut,
        account_id=account_id,
        email=email.lower() if email else None,
        city=city,
        owner=owner,
    )


RecordRoutes(
    "/contacts",
    "contact",
    "contact_id",
    service.CONTACTS,
    s.ContactOut,
    s.ContactCreate,
    service.create_contact,
    s.ContactUpdate,
    ("Create a contact", "One contact", "Change a contact", "Delete (soft) a contact"),
).add_to(router)


# --- leads ----------------------------------------------------------------------------------------
@router.get("/leads", response_model=Page[s.LeadOut], summary="Leads (search, filter, pages)")
def list_leads(
    principal: CrmRead,
    db: TenantDB,
    params: Annotated[ListParams, Depends(listing(service.LEADS))],
    status: s.LeadStatus | None = None,
    source: Filter = None,
    city: Filter = None,
    county: Filter = None,
    cui: Filter = None,
    email: Filter = None,
    owner: Filter = None,
) -> Any:
    return page_response(
        db,
        service.LEADS,
        params,
        s.LeadOut,
        status=status,
        source=source,
        city=city,
        county=county,
        cui=cui,
        email=email.lower() if email else None,
        owner=owner,
    )


@router.post(
    "/leads/validate-cui",
    response_model=s.CuiCheckOut,
    summary="Check a CUI/CIF locally (checksum); ANAF verification happens on the account",
)
def validate_cui(body: s.CuiCheckIn, principal: CrmRead, db: TenantDB) -> Any:
    try:
        cui = s.normalise_cui(body.cui)
    except ValueError as exc:
        return s.CuiCheckOut(cui="", input=body.cui, valid=False, reason=str(exc))
    return s.CuiCheckOut(
        cui=cui,
        input=body.cui,
        valid=True,
        vat_code=f"RO{cui}",
        existing_account_id=service.find_account_by_cui(db, cui),
    )


RecordRoutes(
    "/leads",
    "lead",
    "lead_id",
    service.LEADS,
    s.LeadOut,
    s.LeadCreate,
    service.create_lead,
    s.LeadUpdate,
    ("Create a lead", "One lead", "Change a lead (not once converted)", "Delete (soft) a lead"),
).add_to(router)


@router.post(
    "/leads/{lead_id}/qualify", response_model=s.LeadOut, responses=PROBLEMS, summary="Qualify a lead"
)
def qualify_lead(
    lead_id: uuid.UUID,
    principal: CrmWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> Any:
    row = service.qualify_lead(db, actor(principal, request, corr), lead_id, if_match)
    return one_response(response, row, s.LeadOut)


@router.post(
    "/leads/{lead_id}/convert",
    response_model=s.ConvertOut,
    responses=PROBLEMS,
    summary="Convert a qualified lead into account + contact + opportunity (idempotent)",
)
def convert_lead(
    lead_id: uuid.UUID,
    principal: CrmWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    body: s.ConvertIn | None = None,
    corr: CorrId = None,
) -> Any:
    result = service.convert_lead(db, actor(principal, request, corr), lead_id, body or s.ConvertIn())
    response.status_code = status.HTTP_200_OK if result.repeated else status.HTTP_201_CREATED
    return s.ConvertOut(
        account_id=result.account_id,
        contact_id=result.contact_id,
        opportunity_id=result.opportunity_id,
        account_created=result.account_created,
        contact_created=result.contact_created,
    )


# --- opportunities --------------------------------------------------------------------------------
@router.get("/opportunities", response_model=Page[s.OpportunityOut], summary="Opportunities (search, pages)")
def list_opportunities(
    principal: CrmRead,
    db: TenantDB,
    params: Annotated[ListParams, Depends(listing(service.OPPORTUNITIES))],
    stage: s.Stage | None = None,
    account_id: uuid.UUID | None = None,
    contact_id: uuid.UUID | None = None,
    currency: Annotated[str | None, Query(max_length=3)] = None,
    owner: Filter = None,
) -> Any:
    return page_response(
        db,
        service.OPPORTUNITIES,
        params,
        s.OpportunityOut,
        stage=stage,
        account_id=account_id,
        contact_id=contact_id,
        currency=currency.upper() if currency else None,
        owner=owner,
    )


RecordRoutes(
    "/opportunities",
    "opportunity",
    "opportunity_id",
    service.OPPORTUNITIES,
    s.OpportunityOut,
    s.OpportunityCreate,
    service.create_opportunity,
    s.OpportunityUpdate,
    (
        "Create an opportunity",
        "One opportunity",
        "Change an opportunity (the stage moves with POST …/stage)",
        "Delete (soft) an opportunity",
    ),
).add_to(router)


@router.post(
    "/opportunities/{opportunity_id}/stage",
    response_model=s.OpportunityOut,
    responses=PROBLEMS,
    summary="Move an opportunity to another stage (won/lost need a reason)",
)
def change_stage(
    opportunity_id: uuid.UUID,
    body: s.StageIn,
    principal: CrmWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> Any:
    row, _changed = service.change_stage(
        db, actor(principal, request, corr), opportunity_id, body.stage, body.reason, if_match
    )
    return one_response(response, row, s.OpportunityOut)


@router.get(
    "/opportunities/{opportunity_id}/stages",
    response_model=list[s.StageChangeOut],
    responses=PROBLEMS,
    summary="Stage history: who moved it, when, from where, why",
)
def list_stage_history(opportunity_id: uuid.UUID, principal: CrmRead, db: TenantDB) -> Any:
    return [s.StageChangeOut.model_validate(c) for c in service.stage_history(db, opportunity_id)]


# --- activities -----------------------------------------------------------------------------------
@router.get("/activities", response_model=Page[s.ActivityOut], summary="Activities (search, filter, pages)")
def list_activities(
    principal: CrmRead,
    db: TenantDB,
    params: Annotated[ListParams, Depends(listing(service.ACTIVITIES))],
    kind: s.ActivityKind | None = None,
    account_id: uuid.UUID | None = None,
    contact_id: uuid.UUID | None = None,
    lead_id: uuid.UUID | None = None,
    opportunity_id: uuid.UUID | None = None,
    owner: Filter = None,
) -> Any:
    return page_response(
        db,
        service.ACTIVITIES,
        params,
        s.ActivityOut,
        kind=kind,
        account_id=account_id,
        contact_id=contact_id,
        lead_id=lead_id,
        opportunity_id=opportunity_id,
        owner=owner,
    )


RecordRoutes(
    "/activities",
    "activity",
    "activity_id",
    service.ACTIVITIES,
    s.ActivityOut,
    s.ActivityCreate,
    service.create_activity,
    s.ActivityUpdate,
    ("Log an activity", "One activity", "Change an activity", "Delete (soft) an activity"),
).add_to(router)


# --- CUI verification -----------------------------------------------------------------------------
@router.post(
    "/accounts/{account_id}/verify",
    status_code=202,
    response_model=s.AccountOut,
    responses=PROBLEMS,
    summary="Check the account's CUI at ANAF again (asynchronous; status becomes pending)",
)
def verify_account(
    account_id: uuid.UUID,
    principal: CrmWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    corr: CorrId = None,
) -> Any:
    who = actor(principal, request, corr)
    row = service.get_record(db, service.ACCOUNTS, account_id, lock=True)
    verification.recheck(db, row, requested_by=who.name, correlation_id=who.correlation_id)
    return one_response(response, row, s.AccountOut)


# --- duplicates and merges ------------------------------------------------------------------------
MergeEntity = Annotated[
    Literal["accounts", "contacts", "leads"], Path(description="accounts, contacts or leads")
]


@router.get(
    "/{entity}/{record_id}/duplicates",
    response_model=s.DuplicatesOut,
    responses=PROBLEMS,
    summary="Likely duplicates of a record (same CUI, e-mail or phone, or a similar name)",
)
def duplicates(entity: MergeEntity, record_id: uuid.UUID, principal: CrmRead, db: TenantDB) -> Any:
    found = dedup.find_duplicates(db, entity, record_id)
    return {"items": [c.__dict__ for c in found]}


@router.post(
    "/{entity}/merge",
    response_model=s.MergeOut,
    responses=PROBLEMS,
    summary="Merge duplicates into a survivor: related records move, merged rows are kept as snapshots",
)
def merge(
    entity: MergeEntity,
    body: s.MergeIn,
    principal: CrmWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> Any:
    result = dedup.merge(
        db, actor(principal, request, corr), entity, body.survivor_id, body.merged_ids, body.fields, if_match
    )
    _, out = dedup.MERGEABLE[entity]
    response.headers["ETag"] = service.etag(result.survivor)
    return s.MergeOut(
        merge_id=result.merge_id,
        survivor_id=result.survivor.id,
        merged_ids=result.merged_ids,
        moved=result.moved,
        survivor=out.model_validate(result.survivor).model_dump(mode="json"),
    )


@router.get(
    "/{entity}/{record_id}/merges",
    response_model=Page[s.MergeRecordOut],
    responses=PROBLEMS,
    summary="Merges into this record, newest first, with every merged row as it was",
)
def merge_history(
    entity: MergeEntity,
    record_id: uuid.UUID,
    principal: CrmRead,
    db: TenantDB,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Any:
    page = dedup.merges_of(db, entity, record_id, limit=limit, cursor=cursor)
    return page.map(s.MergeRecordOut.model_validate)


# --- Account 360 timeline -------------------------------------------------------------------------
@router.get(
    "/accounts/{account_id}/timeline",
    response_model=Page[s.TimelineItem],
    responses=PROBLEMS,
    summary="Account 360: activities, opportunities, stage changes, orders, shipments, compliance, merges",
)
def account_timeline(
    account_id: uuid.UUID,
    principal: CrmRead,
    db: TenantDB,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
    kind: Annotated[
        list[
            Literal[
                "activity", "opportunity", "stage_change", "sales_order", "shipment", "compliance", "merge"
            ]
        ]
        | None,
        Query(description="Only these kinds"),
    ] = None,
) -> Any:
    return timeline.account_timeline(
        db, account_id, limit=limit, cursor=cursor, kinds=list(kind) if kind else None
    )
