"""Vettify CRM API under ``/v1/crm`` (mount with ``app.include_router(genius.vettify.api.router)``).

Scopes: ``crm:read`` for reads, ``crm:write`` for changes, ``crm:admin`` for deletes.
Concurrency: every entity has an ``ETag`` (its version). ``PATCH`` *requires* ``If-Match``
(428 without it, 412 when stale), so an update never silently overwrites another one. ``DELETE``
and the action endpoints (qualify, stage) check ``If-Match`` when it is sent.
Lists: ``?search=`` (full text without diacritics + fuzzy names), filters, ``?sort=field|-field``,
keyset pages (``limit`` ≤ 100, ``next`` cursor → ``?cursor=``) and ``total`` with ``?count=true``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response, status
from pydantic import BaseModel

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


@router.post(
    "/accounts", status_code=201, response_model=s.AccountOut, responses=PROBLEMS, summary="Create an account"
)
def create_account(
    body: s.AccountCreate,
    principal: CrmWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    corr: CorrId = None,
) -> Any:
    row = service.create_account(db, actor(principal, request, corr), body)
    return created_response(request, response, row, s.AccountOut, "accounts")


@router.get("/accounts/{account_id}", response_model=s.AccountOut, responses=PROBLEMS, summary="One account")
def get_account(account_id: uuid.UUID, principal: CrmRead, db: TenantDB, response: Response) -> Any:
    return one_response(response, service.get_record(db, service.ACCOUNTS, account_id), s.AccountOut)


@router.patch(
    "/accounts/{account_id}", response_model=s.AccountOut, responses=PROBLEMS, summary="Change an account"
)
def update_account(
    account_id: uuid.UUID,
    body: s.AccountUpdate,
    principal: CrmWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> Any:
    row = service.update_record(
        db, service.ACCOUNTS, actor(principal, request, corr), account_id, body, if_match
    )
    return one_response(response, row, s.AccountOut)


@router.delete(
    "/accounts/{account_id}", status_code=204, responses=PROBLEMS, summary="Delete (soft) an account"
)
def delete_account(
    account_id: uuid.UUID,
    principal: CrmAdmin,
    db: TenantDB,
    request: Request,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> Response:
    service.delete_record(db, service.ACCOUNTS, actor(principal, request, corr), account_id, if_match)
    return Response(status_code=204)


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


@router.post(
    "/contacts", status_code=201, response_model=s.ContactOut, responses=PROBLEMS, summary="Create a contact"
)
def create_contact(
    body: s.ContactCreate,
    principal: CrmWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    corr: CorrId = None,
) -> Any:
    row = service.create_contact(db, actor(principal, request, corr), body)
    return created_response(request, response, row, s.ContactOut, "contacts")


@router.get("/contacts/{contact_id}", response_model=s.ContactOut, responses=PROBLEMS, summary="One contact")
def get_contact(contact_id: uuid.UUID, principal: CrmRead, db: TenantDB, response: Response) -> Any:
    return one_response(response, service.get_record(db, service.CONTACTS, contact_id), s.ContactOut)


@router.patch(
    "/contacts/{contact_id}", response_model=s.ContactOut, responses=PROBLEMS, summary="Change a contact"
)
def update_contact(
    contact_id: uuid.UUID,
    body: s.ContactUpdate,
    principal: CrmWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> Any:
    row = service.update_record(
        db, service.CONTACTS, actor(principal, request, corr), contact_id, body, if_match
    )
    return one_response(response, row, s.ContactOut)


@router.delete(
    "/contacts/{contact_id}", status_code=204, responses=PROBLEMS, summary="Delete (soft) a contact"
)
def delete_contact(
    contact_id: uuid.UUID,
    principal: CrmAdmin,
    db: TenantDB,
    request: Request,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> Response:
    service.delete_record(db, service.CONTACTS, actor(principal, request, corr), contact_id, if_match)
    return Response(status_code=204)


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


@router.post("/leads", status_code=201, response_model=s.LeadOut, responses=PROBLEMS, summary="Create a lead")
def create_lead(
    body: s.LeadCreate,
    principal: CrmWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    corr: CorrId = None,
) -> Any:
    row = service.create_lead(db, actor(principal, request, corr), body)
    return created_response(request, response, row, s.LeadOut, "leads")


@router.get("/leads/{lead_id}", response_model=s.LeadOut, responses=PROBLEMS, summary="One lead")
def get_lead(lead_id: uuid.UUID, principal: CrmRead, db: TenantDB, response: Response) -> Any:
    return one_response(response, service.get_record(db, service.LEADS, lead_id), s.LeadOut)


@router.patch(
    "/leads/{lead_id}",
    response_model=s.LeadOut,
    responses=PROBLEMS,
    summary="Change a lead (not once converted)",
)
def update_lead(
    lead_id: uuid.UUID,
    body: s.LeadUpdate,
    principal: CrmWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> Any:
    row = service.update_record(db, service.LEADS, actor(principal, request, corr), lead_id, body, if_match)
    return one_response(response, row, s.LeadOut)


@router.delete("/leads/{lead_id}", status_code=204, responses=PROBLEMS, summary="Delete (soft) a lead")
def delete_lead(
    lead_id: uuid.UUID,
    principal: CrmAdmin,
    db: TenantDB,
    request: Request,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> Response:
    service.delete_record(db, service.LEADS, actor(principal, request, corr), lead_id, if_match)
    return Response(status_code=204)


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


@router.post(
    "/opportunities",
    status_code=201,
    response_model=s.OpportunityOut,
    responses=PROBLEMS,
    summary="Create an opportunity",
)
def create_opportunity(
    body: s.OpportunityCreate,
    principal: CrmWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    corr: CorrId = None,
) -> Any:
    row = service.create_opportunity(db, actor(principal, request, corr), body)
    return created_response(request, response, row, s.OpportunityOut, "opportunities")


@router.get(
    "/opportunities/{opportunity_id}",
    response_model=s.OpportunityOut,
    responses=PROBLEMS,
    summary="One opportunity",
)
def get_opportunity(opportunity_id: uuid.UUID, principal: CrmRead, db: TenantDB, response: Response) -> Any:
    return one_response(
        response, service.get_record(db, service.OPPORTUNITIES, opportunity_id), s.OpportunityOut
    )


@router.patch(
    "/opportunities/{opportunity_id}",
    response_model=s.OpportunityOut,
    responses=PROBLEMS,
    summary="Change an opportunity (the stage moves with POST …/stage)",
)
def update_opportunity(
    opportunity_id: uuid.UUID,
    body: s.OpportunityUpdate,
    principal: CrmWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> Any:
    row = service.update_record(
        db, service.OPPORTUNITIES, actor(principal, request, corr), opportunity_id, body, if_match
    )
    return one_response(response, row, s.OpportunityOut)


@router.delete(
    "/opportunities/{opportunity_id}",
    status_code=204,
    responses=PROBLEMS,
    summary="Delete (soft) an opportunity",
)
def delete_opportunity(
    opportunity_id: uuid.UUID,
    principal: CrmAdmin,
    db: TenantDB,
    request: Request,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> Response:
    service.delete_record(
        db, service.OPPORTUNITIES, actor(principal, request, corr), opportunity_id, if_match
    )
    return Response(status_code=204)


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


@router.post(
    "/activities",
    status_code=201,
    response_model=s.ActivityOut,
    responses=PROBLEMS,
    summary="Log an activity",
)
def create_activity(
    body: s.ActivityCreate,
    principal: CrmWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    corr: CorrId = None,
) -> Any:
    row = service.create_activity(db, actor(principal, request, corr), body)
    return created_response(request, response, row, s.ActivityOut, "activities")


@router.get(
    "/activities/{activity_id}", response_model=s.ActivityOut, responses=PROBLEMS, summary="One activity"
)
def get_activity(activity_id: uuid.UUID, principal: CrmRead, db: TenantDB, response: Response) -> Any:
    return one_response(response, service.get_record(db, service.ACTIVITIES, activity_id), s.ActivityOut)


@router.patch(
    "/activities/{activity_id}",
    response_model=s.ActivityOut,
    responses=PROBLEMS,
    summary="Change an activity",
)
def update_activity(
    activity_id: uuid.UUID,
    body: s.ActivityUpdate,
    principal: CrmWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> Any:
    row = service.update_record(
        db, service.ACTIVITIES, actor(principal, request, corr), activity_id, body, if_match
    )
    return one_response(response, row, s.ActivityOut)


@router.delete(
    "/activities/{activity_id}", status_code=204, responses=PROBLEMS, summary="Delete (soft) an activity"
)
def delete_activity(
    activity_id: uuid.UUID,
    principal: CrmAdmin,
    db: TenantDB,
    request: Request,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> Response:
    service.delete_record(db, service.ACTIVITIES, actor(principal, request, corr), activity_id, if_match)
    return Response(status_code=204)


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
