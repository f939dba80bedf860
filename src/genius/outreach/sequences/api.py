"""Sequence and template routes under ``/v1/outreach``:

* ``/templates``: create, list (``Page``), get with its A/B versions (``ETag``), add a version;
* ``/sequences``: create with its steps, list, get (``ETag``), ``PATCH`` (``If-Match`` required: 428
  without, 412 stale), append a step;
* ``/sequences/{id}/enrollments``: enroll a journey, list; ``/enrollments/{id}/stop``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Response

from genius.core.auth.deps import TenantDB
from genius.core.kit.etag import etag
from genius.core.kit.pagination import CursorParam, LimitParam, Page
from genius.outreach.deps import OutreachRead, OutreachWrite
from genius.outreach.sequences import repository, service
from genius.outreach.sequences import schemas as s

router = APIRouter(prefix="/v1/outreach", tags=["outreach sequences"])

IfMatch = Annotated[str | None, Header(max_length=400, description="ETag from a GET")]
PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Not found (or another tenant's)"},
    409: {"description": "Conflict (a duplicate name or label, a journey already enrolled or closed)"},
    412: {"description": "If-Match does not match the current ETag"},
    422: {"description": "Invalid fields, spintax that does not parse (problem+json with errors[])"},
}


def _tagged(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


# --- templates ---------------------------------------------------------------------------------------
@router.post(
    "/templates",
    response_model=s.TemplateOut,
    status_code=201,
    summary="Create a message template (spintax content, declared variables)",
    responses=PROBLEMS,
)
def create_template(principal: OutreachWrite, db: TenantDB, body: s.TemplateIn, response: Response) -> Any:
    row = service.create_template(db, principal.tid, body)
    _tagged(response, row.version)
    return row


@router.get("/templates", response_model=Page[s.TemplateOut], summary="Templates, oldest first")
def list_templates(
    principal: OutreachRead, db: TenantDB, cursor: CursorParam = None, limit: LimitParam = 50
) -> Page[s.TemplateOut]:
    return repository.template_page(db, cursor=cursor, limit=limit).map(s.TemplateOut.model_validate)


@router.get(
    "/templates/{template_id}",
    response_model=s.TemplateDetail,
    summary="A template with its A/B versions and their open and reply rates",
    responses=PROBLEMS,
)
def get_template(principal: OutreachRead, db: TenantDB, template_id: uuid.UUID, response: Response) -> Any:
    row = service.get_template(db, template_id)
    _tagged(response, row.version)
    return service.template_detail(db, row)


@router.post(
    "/templates/{template_id}/versions",
    response_model=s.VersionOut,
    status_code=201,
    summary="Add an A/B version to a template (each lead keeps the version it drew)",
    responses=PROBLEMS,
)
def add_version(principal: OutreachWrite, db: TenantDB, template_id: uuid.UUID, body: s.VersionIn) -> Any:
    return service.version_out(service.add_version(db, principal.tid, template_id, body))


# --- sequences ---------------------------------------------------------------------------------------
@router.post(
    "/sequences",
    response_model=s.SequenceDetail,
    status_code=201,
    summary="Create a sequence with its steps (each step sends on its template's channel)",
    responses=PROBLEMS,
)
def create_sequence(principal: OutreachWrite, db: TenantDB, body: s.SequenceIn, response: Response) -> Any:
    row = service.create_sequence(db, principal.tid, body)
    _tagged(response, row.version)
    return service.sequence_detail(db, row)


@router.get("/sequences", response_model=Page[s.SequenceOut], summary="Sequences, oldest first")
def list_sequences(
    principal: OutreachRead, db: TenantDB, cursor: CursorParam = None, limit: LimitParam = 50
) -> Page[s.SequenceOut]:
    return repository.sequence_page(db, cursor=cursor, limit=limit).map(s.SequenceOut.model_validate)


@router.get(
    "/sequences/{sequence_id}",
    response_model=s.SequenceDetail,
    summary="A sequence with its steps",
    responses=PROBLEMS,
)
def get_sequence(principal: OutreachRead, db: TenantDB, sequence_id: uuid.UUID, response: Response) -> Any:
    row = service.get_sequence(db, sequence_id)
    _tagged(response, row.version)
    return service.sequence_detail(db, row)


@router.patch(
    "/sequences/{sequence_id}",
    response_model=s.SequenceDetail,
    summary="Rename, describe, activate or deactivate a sequence (If-Match required)",
    responses={**PROBLEMS, 428: {"description": "If-Match is missing"}},
)
def update_sequence(
    principal: OutreachWrite,
    db: TenantDB,
    sequence_id: uuid.UUID,
    body: s.SequencePatch,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    row = service.update_sequence(db, sequence_id, body, if_match)
    _tagged(response, row.version)
    return service.sequence_detail(db, row)


@router.post(
    "/sequences/{sequence_id}/steps",
    response_model=s.StepOut,
    status_code=201,
    summary="Append a step to a sequence",
    responses=PROBLEMS,
)
def add_step(principal: OutreachWrite, db: TenantDB, sequence_id: uuid.UUID, body: s.StepIn) -> Any:
    return service.add_step(db, principal.tid, sequence_id, body)


# --- enrollments -------------------------------------------------------------------------------------
@router.post(
    "/sequences/{sequence_id}/enrollments",
    response_model=s.EnrollmentOut,
    status_code=201,
    summary="Enroll a journey: its first step is due after the step's delay",
    responses=PROBLEMS,
)
def enroll(principal: OutreachWrite, db: TenantDB, sequence_id: uuid.UUID, body: s.EnrollIn) -> Any:
    return service.enroll(db, principal.tid, sequence_id, body.journey_id)


@router.get(
    "/sequences/{sequence_id}/enrollments",
    response_model=Page[s.EnrollmentOut],
    summary="A sequence's enrollments, oldest first",
    responses=PROBLEMS,
)
def list_enrollments(
    principal: OutreachRead,
    db: TenantDB,
    sequence_id: uuid.UUID,
    cursor: CursorParam = None,
    limit: LimitParam = 50,
) -> Page[s.EnrollmentOut]:
    seq = service.get_sequence(db, sequence_id)
    return repository.enrollment_page(db, seq.id, cursor=cursor, limit=limit).map(
        s.EnrollmentOut.model_validate
    )


@router.post(
    "/enrollments/{enrollment_id}/stop",
    response_model=s.EnrollmentOut,
    summary="Stop an active enrollment (nothing more is sent)",
    responses=PROBLEMS,
)
def stop_enrollment(principal: OutreachWrite, db: TenantDB, enrollment_id: uuid.UUID, body: s.StopIn) -> Any:
    return service.stop(db, enrollment_id, body.reason.strip())
