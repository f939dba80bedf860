"""HTTP API for reges (under /v1/compliance/reges).

* ``POST …/validate`` (compliance:read): a message — JSON (``$type`` salariat/contract/…, as the REGES
  API takes it) or XML (any other content type) — checked with our model and checks (CNP checksum…)
  and the XSD when ``GENIUS_REGES_XSD`` is set; returns the findings and the XML we would send;
* ``POST …/submissions`` (compliance:write): an employee or contract operation (JSON or XML) → 202 with
  the submission id, queued on ``reges.submit``. Invalid (model, CNP, XSD) → 422 with field-level
  ``errors`` and nothing is recorded or sent. ``Idempotency-Key`` / ``X-Correlation-Id`` headers
  optional; the same key again → 200 with the first submission;
* ``GET …/submissions[?state=&cursor=&limit=]``, ``GET …/submissions/{id}`` (compliance:read): state,
  receipt id and the REGES result;
* ``GET …/nomenclators/{tip}`` (compliance:read): a REGES nomenclator (nationalitate, cor, …).
"""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any, Literal

import structlog
from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, Field, ValidationError

from genius.compliance.common.deps import ComplianceRead, ComplianceWrite, CorrelationId, IdempotencyKey
from genius.compliance.reges import service
from genius.compliance.reges.client import CircuitOpen, RegesError
from genius.compliance.reges.messages import DocumentError, parse_xml, to_xml
from genius.compliance.reges.validate import check, model_findings
from genius.core.auth.deps import PlatformDep, TenantDB
from genius.core.events.service import defer
from genius.core.kit.errors import NotFound, Problem, ServiceUnavailable
from genius.core.kit.pagination import CursorParam, LimitParam, Page
from genius.core.platform import Platform

log = structlog.get_logger("genius.reges.api")
router = APIRouter(tags=["compliance"], prefix="/v1/compliance/reges")
MAX_BODY = 5 * 1024 * 1024
# The nomenclators REGES Online serves (``GET /api/Nomenclator?tip=``); any other name is refused here (422).
Nomenclator = Literal[
    "nationalitate", "tara", "cor", "temeisuspendare", "tipsporpredefinit", "tipsporangajator"
]
MESSAGE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object", "description": "a REGES message ($type)"}},
            "application/xml": {"schema": {"type": "string", "minLength": 1, "pattern": "\\S"}},
        },
    }
}
_TYPE_PATTERN = "^([Ss][Aa][Ll][Aa][Rr][Ii][Aa][Tt]|[Cc][Oo][Nn][Tt][Rr][Aa][Cc][Tt])$"  # case-insensitive
# What ``POST …/submissions`` takes: one employee (salariat) or contract message, named by ``$type``.
SUBMISSION_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "a REGES employee or contract message",
                    "required": ["$type"],
                    "properties": {
                        "$type": {
                            "type": "string",
                            "pattern": _TYPE_PATTERN,
                        }
                    },
                }
            },
            "application/xml": {"schema": {"type": "string", "minLength": 1, "pattern": "\\S"}},
        },
    }
}


class Finding(BaseModel):
    rule: str
    severity: str
    location: str
    message: str


class ValidationOut(BaseModel):
    valid: bool
    findings: list[Finding]
    xml: str | None = None


class SubmissionOut(BaseModel):
    id: str
    entity: str
    operation: str
    message_id: str
    state: str
    receipt_id: str | None = None
    result: dict[str, Any] | None = None
    errors: list[Any] = []
    attempts: int = 0
    polls: int = 0
    correlation_id: str
    submitted_at: str | None = None
    finished_at: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    queued: bool | None = Field(
        default=None, description="True when this request queued the work (an outbox task, sent after commit)"
    )


def context_of(platform: Platform) -> service.Context:
    return service.Context(db=platform.db, settings=platform.settings, redis=platform.redis)


def _reges_problem(exc: RegesError | CircuitOpen) -> Problem:
    if isinstance(exc, CircuitOpen):
        return ServiceUnavailable(str(exc), headers={"Retry-After": str(int(exc.retry_after) + 1)})
    if exc.kind == "config":
        return Problem(exc.message, status=409, code="reges-not-configured", title="REGES is not configured")
    if exc.kind == "rate_limited":
        return Problem(
            exc.message,
            status=429,
            code="reges-limit",
            title="REGES limit reached",
            headers={"Retry-After": str(int(exc.retry_after or 60))},
        )
    if exc.retryable or exc.kind == "unauthorized":
        return ServiceUnavailable(f"REGES is unavailable: {exc.message}", headers={"Retry-After": "30"})
    return Problem(exc.message, status=502, code="reges-error", title="REGES refused the request")


async def _body(request: Request) -> bytes:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise Problem("the body is larger than 5 MB", status=413, code="too-large")
    if not body.strip():
        raise Problem("the body is empty", status=400)
    return body


# Read on the event loop; the handlers that take it are ``def`` (parsing, the checks, the XSD and the
# database run in the thread pool, never on the loop).
RawBody = Annotated[bytes, Depends(_body)]


def _message(request: Request, body: bytes) -> Any:
    """The body as a message model (JSON or XML); 400 when unreadable, 422 with field errors when invalid."""
    if "json" in request.headers.get("content-type", ""):
        try:
            data = json.loads(body)
        except ValueError:
            raise Problem("the body is not valid JSON", status=400) from None
        return service.to_message(data)
    try:
        doc = parse_xml(body)
    except DocumentError as exc:
        raise service.InvalidMessage(
            str(exc), errors=[{"field": exc.location, "rule": "REGES-PARSE", "message": str(exc)}]
        ) from None
    except ValidationError as exc:
        findings = [f.as_dict() for f in model_findings(exc)]
        raise service.InvalidMessage(
            "the message does not fit the REGES model", errors=service.field_errors(findings)
        ) from None
    return service.to_message(doc.model_dump(mode="json", by_alias=True, exclude_none=True))


@router.post(
    "/validate",
    response_model=ValidationOut,
    summary="Check a REGES message (JSON or XML): model, CNP checksum, optional XSD",
    openapi_extra=MESSAGE_BODY,
)
def validate(principal: ComplianceRead, platform: PlatformDep, body: RawBody) -> ValidationOut:
    from genius.compliance.reges.messages import parse

    try:
        doc = parse(body)
    except DocumentError as exc:
        return ValidationOut(
            valid=False,
            findings=[Finding(rule="REGES-PARSE", severity="fatal", location=exc.location, message=str(exc))],
        )
    except ValidationError as exc:
        return ValidationOut(valid=False, findings=[Finding(**f.as_dict()) for f in model_findings(exc)])
    findings = [Finding(**f.as_dict()) for f in check(doc, service.xsd_path_of(platform.settings))]
    return ValidationOut(
        valid=not any(f.severity == "fatal" for f in findings), findings=findings, xml=to_xml(doc).decode()
    )


@router.post(
    "/submissions",
    status_code=202,
    response_model=SubmissionOut,
    summary="Send an employee or contract operation to REGES (queued)",
    openapi_extra=SUBMISSION_BODY,
)
def create_submission(
    request: Request,
    principal: ComplianceWrite,
    db: TenantDB,
    platform: PlatformDep,
    body: RawBody,
    response: Response,
    submit: bool = True,
    idempotency_key: IdempotencyKey = None,
    x_correlation_id: CorrelationId = None,
) -> SubmissionOut:
    message = _message(request, body)
    session = db  # the request's transaction: the record and its outbox task commit together
    row, created = service.create(
        session,
        principal.tid,
        message,
        settings=platform.settings,
        idempotency_key=idempotency_key,
        correlation_id=x_correlation_id,
    )
    out = SubmissionOut.model_validate(service.summary(row))
    if created and submit:  # an outbox row of this transaction: a broker outage only delays it
        defer(session, "reges.submit", tid=principal.tid, args=[str(principal.tid), str(out.id)])
        out.queued = True
    if not created:
        response.status_code = 200
    return out


@router.get(
    "/submissions", response_model=Page[SubmissionOut], summary="The tenant's REGES submissions, newest first"
)
def list_submissions(
    principal: ComplianceRead,
    db: TenantDB,
    state: Literal["pending", "submitted", "succeeded", "failed"] | None = None,
    cursor: CursorParam = None,
    limit: LimitParam = 50,
) -> Page[SubmissionOut]:
    page = service.listing(db, principal.tid, state=state, cursor=cursor, limit=limit)
    return page.map(lambda r: SubmissionOut.model_validate(service.summary(r)))


@router.get("/submissions/{submission_id}", response_model=SubmissionOut, summary="A REGES submission")
def get_submission(
    submission_id: uuid.UUID, principal: ComplianceRead, platform: PlatformDep, refresh: bool = False
) -> SubmissionOut:
    if refresh:
        try:
            return SubmissionOut.model_validate(
                service.poll(context_of(platform), principal.tid, submission_id)
            )
        except (RegesError, CircuitOpen) as exc:
            raise _reges_problem(exc) from exc
    with platform.db.tenant_session(principal.tid) as session:
        return SubmissionOut.model_validate(
            service.summary(service.get(session, principal.tid, submission_id))
        )


@router.get(
    "/nomenclators/{tip}",
    summary="A REGES nomenclator (nationalitate, tara, cor, temeisuspendare, tipsporpredefinit, …)",
    responses={404: {"description": "REGES does not know this nomenclator"}},
)
def nomenclator(
    principal: ComplianceRead,
    platform: PlatformDep,
    tip: Annotated[Nomenclator, Path(description="the nomenclator's name, as REGES spells it")],
) -> list[dict[str, Any]]:
    try:
        return context_of(platform).client().nomenclator(tip)
    except RegesError as exc:
        if exc.kind == "rejected":  # REGES refused the name: the caller asked for a list it does not keep
            raise NotFound(f"REGES has no nomenclator {tip!r}: {exc.message}") from exc
        raise _reges_problem(exc) from exc
    except CircuitOpen as exc:
        raise _reges_problem(exc) from exc
