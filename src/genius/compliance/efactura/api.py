"""HTTP API for efactura (under /v1/compliance/efactura).

* ``GET  …/oauth/start`` (compliance:write): the ANAF authorize URL for this tenant;
* ``GET  …/oauth/callback?code=&state=``: ANAF redirects the browser here (no API token: the
  encrypted ``state`` names the tenant); exchanges the code and stores the tokens encrypted;
* ``GET  …/oauth`` (compliance:read): whether the tenant is connected, until when;
* ``POST …/submissions?cif=&standard=UBL[&extern=true][&autofactura=true][&b2c=true]`` (compliance:write):
  the raw invoice XML as body (``Idempotency-Key`` header optional); 202 and the submission, queued on
  ``anaf.efactura.upload`` (``b2c``: an invoice to an individual, sent to ANAF's ``uploadb2c``);
* ``GET  …/submissions/{id}`` (compliance:read): its state and ANAF's messages;
* ``GET  …/messages?zile=&cif=[&filtru=]`` (compliance:read): ANAF's message list;
* ``GET  …/archive/{id_descarcare}`` (compliance:read): the signed ZIP (archived on first access);
* ``POST …/validate`` (compliance:read): the XML as body → every finding (XSD, EN 16931, CIUS-RO);
* ``POST …/documents[?format=json|xml|pdf]`` (compliance:read): an invoice as JSON (the typed model)
  → its UBL XML with its validation, or the PDF.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import structlog
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field

from genius.compliance.common import oauth
from genius.compliance.common.deps import (
    XML_BODY,
    ComplianceRead,
    ComplianceWrite,
    CorrelationId,
    IdempotencyKey,
)
from genius.compliance.common.errors import AnafApiError, OAuthError
from genius.compliance.efactura import archive, service
from genius.compliance.efactura.invoice import Invoice
from genius.core.auth.deps import PlatformDep, TenantDB
from genius.core.kit.errors import Problem
from genius.core.platform import Platform

log = structlog.get_logger("genius.efactura.api")
router = APIRouter(tags=["compliance"], prefix="/v1/compliance/efactura")
Cif = Annotated[str, Query(min_length=2, max_length=15, pattern=r"^(RO|ro)?\d{2,13}$")]


class SubmissionOut(BaseModel):
    id: str
    state: str
    cif: str
    standard: str
    b2c: bool = Field(
        default=False, description="An invoice to an individual, uploaded through ANAF's uploadb2c"
    )
    index_incarcare: str | None = None
    id_descarcare: str | None = None
    errors: list[str] = []
    attempts: int = 0
    xml_sha256: str
    correlation_id: str
    created_at: str | None = None
    updated_at: str | None = None
    queued: bool | None = Field(
        default=None, description="True when this request queued the work (an outbox task, sent after commit)"
    )


context_of = service.context_for
_anaf_problem = service.anaf_problem


# --- OAuth ------------------------------------------------------------------------------------------
@router.get("/oauth/start", summary="Start connecting the tenant's ANAF account (OAuth)")
def oauth_start(principal: ComplianceWrite, platform: PlatformDep) -> dict[str, str]:
    try:
        state = oauth.make_state(platform.settings, principal.tid)
        return {"authorize_url": oauth.authorize_url(platform.settings, state), "state": state}
    except OAuthError as exc:
        raise _anaf_problem(exc) from exc


@router.get("/oauth/callback", summary="ANAF's redirect back with the authorization code")
def oauth_callback(
    platform: PlatformDep,
    code: Annotated[str, Query(min_length=1, max_length=4096)],
    state: Annotated[str, Query(min_length=1, max_length=4096)],
) -> dict[str, Any]:
    try:
        tid = oauth.read_state(platform.settings, state)
        tokens = oauth.OAuthClient(platform.settings).exchange_code(code)
        with platform.db.tenant_session(tid) as session:
            store = oauth.TokenStore(platform.settings)
            store.save(session, tid, tokens)
            return {"connected": True, **store.status(session, tid)}
    except OAuthError as exc:
        if exc.kind == "refused":
            raise Problem(
                str(exc), status=400, code="anaf-oauth-refused", title="ANAF refused the code"
            ) from exc
        raise _anaf_problem(exc) from exc


@router.get("/oauth", summary="Whether the tenant's ANAF account is connected")
def oauth_status(principal: ComplianceRead, platform: PlatformDep, db: TenantDB) -> dict[str, Any]:
    return oauth.TokenStore(platform.settings).status(db, principal.tid)


# --- submissions ------------------------------------------------------------------------------------
async def _raw_body(request: Request) -> bytes:
    return await request.body()


# Read on the event loop; ``submit`` is ``def``: the XML check and the database run in the thread pool.
RawBody = Annotated[bytes, Depends(_raw_body)]


@router.post(
    "/submissions",
    status_code=202,
    response_model=SubmissionOut,
    summary="Submit an invoice XML to ANAF (idempotent)",
    openapi_extra=XML_BODY,
)
def submit(
    principal: ComplianceWrite,
    db: TenantDB,
    platform: PlatformDep,
    body: RawBody,
    response: Response,
    cif: Cif,
    standard: Annotated[Literal["UBL", "CN", "CII", "RASP"], Query()] = "UBL",
    extern: bool = False,
    autofactura: bool = False,
    b2c: Annotated[
        bool,
        Query(description="An invoice to an individual (CNP or 0000000000000): ANAF's uploadb2c"),
    ] = False,
    idempotency_key: IdempotencyKey = None,
    x_correlation_id: CorrelationId = None,
) -> SubmissionOut:
    session = db  # the request's transaction: the record and its outbox task commit together
    sub, created = service.submit_and_queue(
        session,
        principal.tid,
        body,
        cif,
        standard,
        extern=extern,
        autofactura=autofactura,
        b2c=b2c,
        idempotency_key=idempotency_key,
        correlation_id=x_correlation_id,
    )
    out = SubmissionOut.model_validate(service.summary(sub))
    if created:  # the upload is an outbox row of this transaction: a broker outage only delays it
        out.queued = True
    if not created:
        response.status_code = 200
    return out


@router.get("/submissions/{submission_id}", response_model=SubmissionOut, summary="A submission's state")
def get_submission(submission_id: uuid.UUID, principal: ComplianceRead, db: TenantDB) -> SubmissionOut:
    row = service.get_submission(db, principal.tid, submission_id)
    return SubmissionOut.model_validate(service.summary(row))


@router.get("/messages", summary="ANAF's list of messages (listaMesajeFactura)")
def list_messages(
    principal: ComplianceRead,
    platform: PlatformDep,
    cif: Cif,
    zile: Annotated[int, Query(ge=1, le=60)] = 60,
    filtru: Annotated[Literal["E", "T", "P", "R"] | None, Query()] = None,
) -> dict[str, Any]:
    client = context_of(platform).client(principal.tid)
    try:
        result = client.messages(zile, cif.upper().removeprefix("RO"), filtru)
    except (AnafApiError, OAuthError) as exc:
        raise _anaf_problem(exc) from exc
    return result.model_dump(mode="json")


@router.get(
    "/archive/{id_descarcare}",
    summary="The signed ZIP of a message (downloaded from ANAF once, then from the archive)",
    responses={200: {"content": {"application/zip": {}}}},
)
def get_archive(
    principal: ComplianceRead,
    platform: PlatformDep,
    id_descarcare: Annotated[str, Path(pattern=r"^\d{1,20}$")],
) -> Response:
    try:
        row, data = service.download(context_of(platform), principal.tid, id_descarcare)
    except (AnafApiError, OAuthError) as exc:
        raise _anaf_problem(exc) from exc
    return Response(
        data,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{id_descarcare}.zip"',
            "X-Signature-Ok": "true" if row.signature_ok else "false",
            "X-Downloads-Left-Today": str(archive.downloads_left_today(row)),
        },
    )


# --- documents: validate and generate (no ANAF call) -----------------------------------------------
MAX_XML_BYTES = 10 * 1024 * 1024  # ANAF's own upload limit is 10 MB


class FindingOut(BaseModel):
    rule: str
    severity: Literal["fatal", "warning"]
    location: str
    message: str


class ValidationOut(BaseModel):
    valid: bool
    fatal: int
    warnings: int
    findings: list[FindingOut]


def _validation(platform: Platform, xml: bytes) -> ValidationOut:
    from genius.compliance.efactura.validate import validate

    findings = validate(xml, artefacts_dir=platform.settings.efactura_artefacts_dir)
    fatal = sum(1 for f in findings if f.severity == "fatal")
    return ValidationOut(
        valid=fatal == 0,
        fatal=fatal,
        warnings=len(findings) - fatal,
        findings=[FindingOut(**f.as_dict()) for f in findings],
    )


@router.post(
    "/validate",
    response_model=ValidationOut,
    summary="Validate a UBL invoice/credit note: XSD, EN 16931 and CIUS-RO rules (nothing is sent)",
    openapi_extra=XML_BODY,
)
async def validate_document(
    request: Request, principal: ComplianceRead, platform: PlatformDep
) -> ValidationOut:
    body = await request.body()
    if len(body) > MAX_XML_BYTES:
        raise Problem("the XML is larger than 10 MB", status=413, code="too-large", title="Payload too large")
    if not body.strip():
        raise Problem(
            "send the invoice XML as the request body", status=400, code="empty-body", title="Empty body"
        )
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_validation, platform, body)


class GeneratedOut(BaseModel):
    xml: str
    validation: ValidationOut


@router.post(
    "/documents",
    summary="Generate the CIUS-RO UBL XML (or ?format=pdf) of an invoice given as JSON, with its validation",
    responses={200: {"content": {"application/xml": {}, "application/pdf": {}}}},
)
def generate_document(
    invoice: Invoice,
    principal: ComplianceRead,
    platform: PlatformDep,
    output: Annotated[Literal["json", "xml", "pdf"], Query(alias="format")] = "json",
) -> Any:
    from genius.compliance.efactura.ubl import to_ubl_xml

    try:
        if output == "pdf":
            from genius.compliance.efactura.render import render_pdf

            return Response(
                render_pdf(invoice),
                media_type="application/pdf",
                headers={"Content-Disposition": f'inline; filename="{_safe_name(invoice.number)}.pdf"'},
            )
        xml = to_ubl_xml(invoice)
    except ValueError as exc:  # e.g. control characters, which XML cannot carry
        raise Problem(
            f"the invoice cannot be written as XML: {exc}",
            status=422,
            code="unrepresentable-invoice",
            title="Invalid invoice",
        ) from exc
    except ArithmeticError as exc:  # decimal.InvalidOperation: totals too large to round to cents
        raise Problem(
            "the invoice's amounts are too large to compute its totals",
            status=422,
            code="unrepresentable-invoice",
            title="Invalid invoice",
        ) from exc
    validation = _validation(platform, xml)
    if output == "xml":
        return Response(
            xml,
            media_type="application/xml",
            headers={
                "X-Validation-Fatal": str(validation.fatal),
                "X-Validation-Warnings": str(validation.warnings),
            },
        )
    return GeneratedOut(xml=xml.decode(), validation=validation)


def _safe_name(number: str) -> str:
    return (
        "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in number)[:80] or "invoice"
    )
