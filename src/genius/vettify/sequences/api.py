"""E-mail sequence routes under ``/v1/crm/email-sequences``: create (with steps), list, one (with its
``ETag``), edit (``PUT``, ``If-Match`` required: 428 without, 412 stale), activate / pause / archive,
enrol (by hand or from a segment), the enrolments, and a contact's reply (which stops its sequences).
Reads need ``crm:read``, changes ``crm:write``, like the campaigns."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response, status

from genius.core.auth.deps import TenantDB
from genius.core.kit.pagination import Page
from genius.vettify.api import PROBLEMS, CorrId, actor
from genius.vettify.deps import CrmRead, CrmWrite
from genius.vettify.sequences import service
from genius.vettify.sequences.schemas import (
    EnrolIn,
    EnrolmentOut,
    EnrolmentState,
    EnrolOut,
    ReplyIn,
    SequenceCreate,
    SequenceOut,
    SequenceStatus,
    SequenceSummary,
    SequenceUpdate,
    StopOut,
)

router = APIRouter(prefix="/v1/crm/email-sequences", tags=["crm"])

IfMatch = Annotated[str | None, Header(max_length=400, description="The ETag of a GET")]
EDIT_PROBLEMS: dict[int | str, dict[str, Any]] = {
    **PROBLEMS,
    412: {"description": "If-Match does not match the current ETag: someone changed the sequence"},
    428: {"description": "If-Match is missing"},
}

EnrolmentLimit = Annotated[int, Query(ge=1, le=500, description="How many enrolments, newest first")]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SequenceOut,
    responses=PROBLEMS,
    summary="Create an e-mail sequence (a draft) with its steps",
)
def create_sequence(
    body: SequenceCreate, principal: CrmWrite, db: TenantDB, request: Request, corr: CorrId = None
) -> Any:
    row = service.create_sequence(db, actor(principal, request, corr), body)
    return service.sequence_out(db, row)


@router.get("", response_model=Page[SequenceSummary], summary="E-mail sequences, newest first")
def list_sequences(principal: CrmRead, db: TenantDB) -> Any:
    rows = service.list_sequences(db)
    return Page[SequenceSummary](items=rows, next=None, total=len(rows))


@router.post(
    "/replies",
    response_model=StopOut,
    responses=PROBLEMS,
    summary="Record a contact's reply (by contact id or address): its active enrolments stop",
)
def record_reply(
    body: ReplyIn, principal: CrmWrite, db: TenantDB, request: Request, corr: CorrId = None
) -> Any:
    return service.record_reply(db, actor(principal, request, corr), body)


@router.get(
    "/contacts/{contact_id}",
    response_model=list[EnrolmentOut],
    responses=PROBLEMS,
    summary="A contact's enrolments in every sequence (state, step, next send)",
)
def contact_enrolments(contact_id: uuid.UUID, principal: CrmRead, db: TenantDB) -> Any:
    service.check_contact(db, contact_id)
    return service.contact_enrolments(db, contact_id)


@router.get("/{sequence_id}", response_model=SequenceOut, responses=PROBLEMS, summary="One e-mail sequence")
def get_sequence(sequence_id: uuid.UUID, principal: CrmRead, db: TenantDB, response: Response) -> Any:
    row = service.get_sequence(db, sequence_id)
    response.headers["ETag"] = service.etag(row)
    return service.sequence_out(db, row)


@router.put(
    "/{sequence_id}",
    response_model=SequenceOut,
    responses=EDIT_PROBLEMS,
    summary="Edit a sequence: its name, window and steps in their new order (If-Match required)",
    description="A step with its id is kept (moved, changed); one without is new; a step left out is "
    "removed. Enrolments already past a step never get it (again); one waiting on a removed step moves "
    "to the step that follows, or completes. A change reaches only the sends not made yet.",
)
def update_sequence(
    sequence_id: uuid.UUID,
    body: SequenceUpdate,
    principal: CrmWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> Any:
    row = service.update_sequence(db, actor(principal, request, corr), sequence_id, body, if_match)
    response.headers["ETag"] = service.etag(row)
    return service.sequence_out(db, row)


def _move(
    sequence_id: uuid.UUID,
    target: SequenceStatus,
    principal: Any,
    db: Any,
    request: Request,
    response: Response,
    if_match: str | None,
    corr: str | None,
) -> SequenceOut:
    row = service.set_status(db, actor(principal, request, corr), sequence_id, target, if_match)
    response.headers["ETag"] = service.etag(row)
    return service.sequence_out(db, row)


@router.post(
    "/{sequence_id}/activate",
    response_model=SequenceOut,
    responses=PROBLEMS,
    summary="Activate a draft or paused sequence: its due steps go out",
)
def activate(
    sequence_id: uuid.UUID,
    principal: CrmWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> Any:
    return _move(sequence_id, SequenceStatus.active, principal, db, request, response, if_match, corr)


@router.post(
    "/{sequence_id}/pause",
    response_model=SequenceOut,
    responses=PROBLEMS,
    summary="Pause an active sequence: nothing is sent until it is activated again",
)
def pause(
    sequence_id: uuid.UUID,
    principal: CrmWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> Any:
    return _move(sequence_id, SequenceStatus.paused, principal, db, request, response, if_match, corr)


@router.post(
    "/{sequence_id}/archive",
    response_model=SequenceOut,
    responses=EDIT_PROBLEMS,
    summary="Archive a sequence: nothing more is sent, it takes no enrolments and cannot be edited",
)
def archive(
    sequence_id: uuid.UUID,
    principal: CrmWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> Any:
    return _move(sequence_id, SequenceStatus.archived, principal, db, request, response, if_match, corr)


@router.post(
    "/{sequence_id}/enrolments",
    response_model=EnrolOut,
    responses=PROBLEMS,
    summary="Enrol contacts by hand (contact_ids) or a segment's matches now (segment_id)",
)
def enrol(
    sequence_id: uuid.UUID,
    body: EnrolIn,
    principal: CrmWrite,
    db: TenantDB,
    request: Request,
    corr: CorrId = None,
) -> Any:
    return service.enrol(db, actor(principal, request, corr), sequence_id, body)


@router.get(
    "/{sequence_id}/enrolments",
    response_model=Page[EnrolmentOut],
    responses=PROBLEMS,
    summary="A sequence's enrolments with their state, step and next send",
)
def list_enrolments(
    sequence_id: uuid.UUID,
    principal: CrmRead,
    db: TenantDB,
    state: EnrolmentState | None = None,
    limit: EnrolmentLimit = 100,
) -> Any:
    rows = service.enrolments(db, sequence_id, state=state.value if state else None, limit=limit)
    return Page[EnrolmentOut](items=rows, next=None, total=None)
