"""HTTP API for SAF-T D406 (under /v1/compliance/saft).

* ``POST …/validate`` (compliance:read): a D406 XML body → every finding (ours; DUKIntegrator's too
  when configured);
* ``POST …/reports?kind=L|T|A|C[&test_variant=true]`` (compliance:write): a ledger JSON (the
  ``Ledger`` model) → the report is recorded and its build (``anaf.saft.generate``) is started as a
  long job with its lease (``jobs.start``, in the request's transaction) (202 + id);
  ``Idempotency-Key`` / ``X-Correlation-Id`` headers optional (the same key again: 200 + the report);
  ``queue=false`` records it without queueing (a later ``anaf.saft.generate`` builds it);
* ``GET …/reports[?cursor=&limit=]`` (compliance:read): the tenant's reports, newest first (a page);
* ``GET …/reports/{id}`` (compliance:read): status, segments (storage key, SHA-256, size), findings;
* ``GET …/reports/{id}/segments/{index}`` (compliance:read): a segment's XML.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import structlog
from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from genius.compliance.common.deps import ComplianceRead, ComplianceWrite, CorrelationId, IdempotencyKey
from genius.compliance.saft import service
from genius.compliance.saft.ledger import Ledger
from genius.core.auth.deps import PlatformDep, TenantDB
from genius.core.jobs.service import start
from genius.core.kit.errors import NotFound, Problem
from genius.core.kit.pagination import CursorParam, LimitParam, Page
from genius.core.storage import tenant_files_from_settings

log = structlog.get_logger("genius.saft.api")
router = APIRouter(tags=["compliance"], prefix="/v1/compliance/saft")
MAX_VALIDATE_BODY = 50 * 1024 * 1024


class Finding(BaseModel):
    rule: str
    severity: str
    location: str
    message: str


class ValidationOut(BaseModel):
    valid: bool
    findings: list[Finding]


class SegmentOut(BaseModel):
    index: int
    key: str
    sha256: str
    size: int


class ReportOut(BaseModel):
    id: str
    kind: str
    status: str
    cui: str
    period_start: str
    period_end: str
    variant: str
    segments: list[SegmentOut] = []
    findings: list[dict[str, Any]] = []
    fatal_count: int = 0
    warning_count: int = 0
    error: str | None = None
    correlation_id: str
    created_at: str | None = None
    updated_at: str | None = None
    finished_at: str | None = None
    queued: bool | None = Field(
        default=None, description="True when this request queued the work (an outbox task, sent after commit)"
    )


async def _body(request: Request, limit: int) -> bytes:
    body = await request.body()
    if len(body) > limit:
        raise Problem(f"the body is larger than {limit // (1024 * 1024)} MB", status=413, code="too-large")
    return body


@router.post(
    "/validate",
    response_model=ValidationOut,
    summary="Validate a D406 (SAF-T) file",
    openapi_extra={"requestBody": {"content": {"application/xml": {"schema": {"type": "string"}}}}},
)
async def validate(request: Request, principal: ComplianceRead, platform: PlatformDep) -> ValidationOut:
    body = await _body(request, MAX_VALIDATE_BODY)
    # DUKIntegrator (when configured) takes seconds to minutes: off the event loop
    found = await run_in_threadpool(service.check, body, platform.settings)
    findings = [Finding(**f.as_dict()) for f in found]
    return ValidationOut(valid=not any(f.severity == "fatal" for f in findings), findings=findings)


@router.post(
    "/reports",
    status_code=202,
    response_model=ReportOut,
    summary="Build a D406 report from a ledger (queued on anaf.saft)",
)
def create_report(
    ledger: Ledger,
    principal: ComplianceWrite,
    db: TenantDB,
    platform: PlatformDep,
    response: Response,
    kind: Literal["L", "T", "A", "C"] = "L",
    test_variant: bool = False,
    queue: bool = True,
    idempotency_key: IdempotencyKey = None,
    x_correlation_id: CorrelationId = None,
) -> ReportOut:
    storage = tenant_files_from_settings(platform.settings)
    session = db  # the request's transaction: the record and its outbox task commit together
    row, created = service.create(
        session,
        storage,
        principal.tid,
        ledger,
        kind,
        test_variant=test_variant,
        idempotency_key=idempotency_key,
        correlation_id=x_correlation_id,
    )
    out = ReportOut.model_validate(service.summary(row))
    if created and queue:  # an outbox row of this transaction: a broker outage only delays it
        # A long job: its lease and its task together, so a killed builder is requeued by the relay.
        start(
            session,
            job_id=uuid.UUID(out.id),
            tid=principal.tid,
            kind="saft.build",
            task="anaf.saft.generate",
            args=[str(principal.tid), str(out.id)],
        )
        out.queued = True
    if not created:
        response.status_code = 200
    return out


@router.get("/reports", response_model=Page[ReportOut], summary="The tenant's SAF-T reports, newest first")
def list_reports(
    principal: ComplianceRead, db: TenantDB, cursor: CursorParam = None, limit: LimitParam = 50
) -> Page[ReportOut]:
    page = service.recent(db, principal.tid, cursor=cursor, limit=limit)
    return page.map(lambda r: ReportOut.model_validate({**service.summary(r), "findings": []}))


@router.get("/reports/{report_id}", response_model=ReportOut, summary="A SAF-T report's status and findings")
def get_report(report_id: uuid.UUID, principal: ComplianceRead, db: TenantDB) -> ReportOut:
    return ReportOut.model_validate(service.summary(service.get(db, principal.tid, report_id)))


@router.get(
    "/reports/{report_id}/segments/{index}",
    summary="Download a segment of a built SAF-T report (XML)",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}}},
)
def download_segment(
    report_id: uuid.UUID,
    index: Annotated[int, Path(ge=1, le=100_000)],
    principal: ComplianceRead,
    db: TenantDB,
    platform: PlatformDep,
) -> Response:
    row = service.get(db, principal.tid, report_id)
    segments = {int(s["index"]): s for s in row.segments or []}
    total = len(segments)
    if index not in segments:
        raise NotFound(f"Report {report_id} has no segment {index}.")
    key = segments[index]["key"]
    data = tenant_files_from_settings(platform.settings).for_tenant(principal.tid).get(key)
    name = key.rsplit("/", 1)[-1]
    return Response(
        data,
        media_type="application/xml",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Segment": f"{index}/{total}",
            "ETag": f'"{segments[index]["sha256"]}"',
        },
    )
