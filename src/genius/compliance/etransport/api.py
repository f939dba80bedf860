"""HTTP API for etransport (under /v1/compliance/etransport).

* ``POST …/validate`` (compliance:read): a declaration — JSON (the ``Declaration`` model) or the raw XML
  (any other content type) — checked with our rules (and the XSD when configured); returns the
  findings and, for JSON, the generated XML;
* ``POST …/applicability`` (compliance:read): whether a shipment needs a declaration, and why;
* ``POST …/declarations[?shipment_ref=&submit=true]`` (compliance:write): create from JSON;
  ``POST …/declarations/xml`` the same from raw XML. Refused with the findings (422) when invalid;
  ``Idempotency-Key`` / ``X-Correlation-Id`` headers optional. With ``submit`` (default) the upload is
  queued on ``anaf.etransport.submit`` (202);
* ``POST …/declarations/{id}/submit[?sync=true]`` (compliance:write): queue the upload, or (``sync``)
  upload now and return the outcome (the UIT);
* ``GET  …/declarations/{id}[?refresh=true]`` (compliance:read): the state, the UIT and its validity
  window; ``refresh`` asks ANAF (``stareMesaj``) once first.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.orm import Session

from genius.compliance.common.deps import (
    XML_BODY,
    ComplianceRead,
    ComplianceWrite,
    CorrelationId,
    IdempotencyKey,
)
from genius.compliance.common.errors import AnafApiError, OAuthError
from genius.compliance.common.schema import DeclaredModel
from genius.compliance.etransport import service
from genius.compliance.etransport.applicability import ShipmentLine, requires_etransport
from genius.compliance.etransport.build import to_xml
from genius.compliance.etransport.declaration import Declaration
from genius.core.auth.deps import PlatformDep, TenantDB
from genius.core.auth.tokens import Principal
from genius.core.events.service import defer
from genius.core.kit.errors import Problem, ServiceUnavailable
from genius.core.kit.ratelimit import RateLimiter
from genius.core.platform import Platform

log = structlog.get_logger("genius.etransport.api")
router = APIRouter(tags=["compliance"], prefix="/v1/compliance/etransport")
ShipmentRef = Annotated[str | None, Query(max_length=100)]
MAX_BODY = 5 * 1024 * 1024


class Finding(BaseModel):
    rule: str
    severity: str
    location: str
    message: str


class ValidationOut(BaseModel):
    valid: bool
    findings: list[Finding]
    xml: str | None = None


class DeclarationOut(BaseModel):
    id: str
    kind: str
    state: str
    cif: str
    shipment_ref: str | None = None
    ref_declarant: str | None = None
    operation_type: str | None = None
    target_uit: str | None = None
    index_incarcare: str | None = None
    uit: str | None = None
    uit_issued_at: str | None = None
    uit_valid_from: str | None = None
    uit_valid_until: str | None = None
    errors: list[Any] = []
    warnings: list[Any] = []
    attempts: int = 0
    xml_sha256: str
    correlation_id: str
    created_at: str | None = None
    updated_at: str | None = None
    queued: bool | None = Field(
        default=None, description="True when this request queued the work (an outbox task, sent after commit)"
    )


class LineIn(DeclaredModel):
    tariff_code: str | None = Field(None, max_length=10)
    value_ron: Decimal = Field(Decimal(0), ge=0)
    gross_weight_kg: Decimal = Field(Decimal(0), ge=0)
    high_risk: bool | None = None


class ApplicabilityIn(DeclaredModel):
    operation_type: str = Field("30", pattern=r"^(10|12|14|20|22|24|30|40|50|60|70)$")
    lines: list[LineIn] = Field(max_length=10_000)


class ApplicabilityOut(BaseModel):
    required: bool
    reasons: list[str]
    risky_value_ron: Decimal
    risky_weight_kg: Decimal


def context_of(platform: Platform) -> service.Context:
    return service.Context(
        db=platform.db,
        settings=platform.settings,
        limiter=RateLimiter(platform.redis, prefix="genius:anaf:") if platform.redis is not None else None,
    )


def _anaf_problem(exc: AnafApiError | OAuthError) -> Problem:
    if isinstance(exc, OAuthError):
        if exc.kind in ("not_connected", "config", "state"):
            return Problem(
                str(exc), status=409, code="anaf-not-connected", title="ANAF account not connected"
            )
        return ServiceUnavailable(str(exc), headers={"Retry-After": "60"})
    error = exc.error
    if error.kind in ("rate_limited", "limit"):
        return Problem(
            error.message,
            status=429,
            code="anaf-limit",
            title="ANAF limit reached",
            headers={"Retry-After": str(int(error.retry_after or 60))},
        )
    if error.retryable:
        return ServiceUnavailable(f"ANAF is unavailable: {error.message}", headers={"Retry-After": "30"})
    return Problem(error.message, status=502, code="anaf-error", title="ANAF refused the request")


def _declaration(data: Any) -> Declaration:
    try:
        return Declaration.model_validate(data)
    except ValidationError as exc:
        raise Problem(
            "the declaration does not fit the e-Transport model",
            status=422,
            code="etransport-invalid",
            title="Invalid e-Transport declaration",
            errors=[{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()],
        ) from None


async def _body(request: Request) -> bytes:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise Problem("the body is larger than 5 MB, ANAF's limit", status=413, code="too-large")
    return body


# Read on the event loop; the handlers that take it are ``def`` (validation and the database run in the
# thread pool, never on the loop).
RawBody = Annotated[bytes, Depends(_body)]


@router.post(
    "/validate",
    response_model=ValidationOut,
    summary="Validate a declaration (JSON model or raw XML) with the e-Transport rules",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Declaration"}},
                "application/xml": {"schema": {"type": "string"}},
            }
        }
    },
)
def validate(
    request: Request, principal: ComplianceRead, platform: PlatformDep, body: RawBody
) -> ValidationOut:
    xml_out: str | None = None
    if "json" in request.headers.get("content-type", ""):
        try:
            data = json.loads(body or b"null")
        except ValueError:
            raise Problem("the body is not valid JSON", status=400) from None
        xml = to_xml(_declaration(data))
        xml_out = xml.decode()
    else:
        xml = body
    findings = [Finding(**f) for f in service.check(xml, platform.settings)]
    return ValidationOut(
        valid=not any(f.severity == "fatal" for f in findings), findings=findings, xml=xml_out
    )


@router.post(
    "/applicability", response_model=ApplicabilityOut, summary="Whether a shipment needs e-Transport"
)
def applicability(body: ApplicabilityIn, principal: ComplianceRead) -> ApplicabilityOut:
    result = requires_etransport(
        (ShipmentLine(x.tariff_code, x.value_ron, x.gross_weight_kg, x.high_risk) for x in body.lines),
        body.operation_type,
    )
    return ApplicabilityOut(
        required=result.required,
        reasons=result.reasons,
        risky_value_ron=result.risky_value_ron,
        risky_weight_kg=result.risky_weight_kg,
    )


SUBMIT_TASK = "anaf.etransport.submit"


def _create(
    platform: Platform,
    principal: Principal,
    response: Response,
    declaration: Declaration | bytes,
    shipment_ref: str | None,
    submit: bool,
    idempotency_key: str | None,
    correlation_id: str | None,
    *,
    db: Session,
) -> DeclarationOut:
    session = db  # the request's transaction: the record and its outbox task commit together
    row, created = service.create(
        session,
        principal.tid,
        declaration,
        settings=platform.settings,
        shipment_ref=shipment_ref,
        idempotency_key=idempotency_key,
        correlation_id=correlation_id,
    )
    out = DeclarationOut.model_validate(service.summary(row))
    if created and submit:  # an outbox row of this transaction: a broker outage only delays it
        defer(session, SUBMIT_TASK, tid=principal.tid, args=[str(principal.tid), str(out.id)])
        out.queued = True
    if not created:
        response.status_code = 200
    return out


@router.post(
    "/declarations",
    status_code=202,
    response_model=DeclarationOut,
    summary="Create (and by default submit) a declaration from the JSON model",
)
def create_declaration(
    declaration: Declaration,
    principal: ComplianceWrite,
    db: TenantDB,
    platform: PlatformDep,
    response: Response,
    shipment_ref: ShipmentRef = None,
    submit: bool = True,
    idempotency_key: IdempotencyKey = None,
    x_correlation_id: CorrelationId = None,
) -> DeclarationOut:
    return _create(
        platform,
        principal,
        response,
        declaration,
        shipment_ref,
        submit,
        idempotency_key,
        x_correlation_id,
        db=db,
    )


@router.post(
    "/declarations/xml",
    status_code=202,
    response_model=DeclarationOut,
    summary="Create (and by default submit) a declaration from its XML",
    openapi_extra=XML_BODY,
)
def create_declaration_xml(
    principal: ComplianceWrite,
    platform: PlatformDep,
    body: RawBody,
    db: TenantDB,
    response: Response,
    shipment_ref: ShipmentRef = None,
    submit: bool = True,
    idempotency_key: IdempotencyKey = None,
    x_correlation_id: CorrelationId = None,
) -> DeclarationOut:
    return _create(
        platform, principal, response, body, shipment_ref, submit, idempotency_key, x_correlation_id, db=db
    )


@router.post(
    "/declarations/{declaration_id}/submit",
    response_model=DeclarationOut,
    summary="Submit a declaration to ANAF (queued, or now with sync=true)",
)
def submit_declaration(
    declaration_id: uuid.UUID,
    principal: ComplianceWrite,
    platform: PlatformDep,
    response: Response,
    sync: bool = False,
) -> DeclarationOut:
    if sync:
        try:
            return DeclarationOut.model_validate(
                service.upload(context_of(platform), principal.tid, declaration_id)
            )
        except (AnafApiError, OAuthError) as exc:
            raise _anaf_problem(exc) from exc
    # Its own short transaction: with sync=true the handler calls ANAF, holding no transaction.
    with platform.db.tenant_session(principal.tid) as session:
        out = DeclarationOut.model_validate(
            service.summary(service.get(session, principal.tid, declaration_id))
        )
        if out.state == "pending":
            defer(session, SUBMIT_TASK, tid=principal.tid, args=[str(principal.tid), str(declaration_id)])
            out.queued = True
            response.status_code = 202
    return out


@router.get(
    "/declarations/{declaration_id}",
    response_model=DeclarationOut,
    summary="A declaration's state, UIT and validity window",
)
def get_declaration(
    declaration_id: uuid.UUID, principal: ComplianceRead, platform: PlatformDep, refresh: bool = False
) -> DeclarationOut:
    if refresh:
        try:
            return DeclarationOut.model_validate(
                service.poll(context_of(platform), principal.tid, declaration_id)
            )
        except (AnafApiError, OAuthError) as exc:
            raise _anaf_problem(exc) from exc
    with platform.db.tenant_session(principal.tid) as session:
        return DeclarationOut.model_validate(
            service.summary(service.get(session, principal.tid, declaration_id))
        )
