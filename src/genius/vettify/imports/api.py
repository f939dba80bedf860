"""CSV import API under ``/v1/crm`` (scripts and the UI share it).

* ``POST /imports`` (multipart ``file``, ``entity``): store the file, detect encoding and separator,
  return the header, a preview and a suggested mapping (201). Larger than ``GENIUS_CRM_IMPORT_MAX_BYTES``:
  413;
* ``PUT /imports/{id}/mapping``: ``{"mapping": {column: field}, "on_duplicate": "skip|update|create",
  "save_as": "name"}`` or ``{"mapping_id": …}`` to reuse a saved mapping;
* ``POST /imports/{id}/validate``: counts and sample errors, nothing written;
* ``POST /imports/{id}/start``: queue the job on ``etl.sync`` (202); a failed job resumes;
* ``GET /imports/{id}``: status and progress (total, processed, counts, percent, rows/s, ETA);
* ``POST /imports/{id}/cancel``; ``GET /imports/{id}/errors.csv``; ``GET /imports``;
  ``GET /import-mappings``.

Scopes: ``crm:read`` for reads, ``crm:write`` for changes.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Header, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from genius.core.auth.deps import PlatformDep, TenantDB
from genius.core.auth.tokens import Principal
from genius.core.kit.errors import Problem
from genius.core.kit.pagination import CursorParam, LimitParam, Page
from genius.vettify.deps import CrmRead, CrmWrite
from genius.vettify.imports import schemas as s
from genius.vettify.imports import service

log = structlog.get_logger("genius.crm.imports.api")

CorrId = Annotated[str | None, Header(alias="x-corr-id", max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$")]

router = APIRouter(prefix="/v1/crm", tags=["crm-imports"])
CHUNK = 1 << 20
PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Not found (or another tenant's)"},
    409: {"description": "Not in a state that allows this"},
    422: {"description": "Invalid fields (problem+json with errors[])"},
}


class TooLarge(Problem):
    status, code, title = 413, "too-large", "File too large"


def actor_name(principal: Principal) -> str:
    return principal.email or principal.sub


def _upload_out(job: Any) -> s.UploadOut:
    out = s.ImportOut.model_validate(job).model_dump()
    return s.UploadOut(**out, preview=job.preview, suggested_mapping=dict(job.mapping or {}))


async def _read_upload(request: Request, limit: int) -> tuple[str, str, bytes]:
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit + 64 * 1024:
        raise TooLarge(f"The file is larger than {limit} bytes (GENIUS_CRM_IMPORT_MAX_BYTES).")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise service.field_error("file", "send multipart/form-data with a file and an entity")
    try:
        form = await request.form(max_files=1, max_fields=5)
    except Exception as exc:  # malformed multipart bodies
        raise Problem(f"The multipart body cannot be read: {exc}", status=400) from None
    try:
        upload = form.get("file")
        entity = form.get("entity")
        errors = []
        if not isinstance(upload, UploadFile):
            errors.append(service._err("file", "a CSV file is required"))
        if not isinstance(entity, str) or entity not in service.ENTITIES:
            errors.append(service._err("entity", f"must be one of {', '.join(service.ENTITIES)}"))
        if errors:
            raise service.Unprocessable("The request has invalid fields.", errors=errors)
        assert isinstance(upload, UploadFile) and isinstance(entity, str)
        chunks: list[bytes] = []
        size = 0
        while chunk := await upload.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"The file is larger than {limit} bytes (GENIUS_CRM_IMPORT_MAX_BYTES).")
            chunks.append(chunk)
        return entity, upload.filename or "", b"".join(chunks)
    finally:
        await form.close()


@router.post(
    "/imports",
    status_code=201,
    response_model=s.UploadOut,
    responses={**PROBLEMS, 413: {"description": "File too large"}},
    summary="Upload a CSV: detected encoding/separator, header, preview, suggested mapping",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file", "entity"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "entity": {"type": "string", "enum": list(service.ENTITIES)},
                        },
                        "additionalProperties": False,
                    }
                }
            },
        }
    },
)
async def upload(
    request: Request, response: Response, principal: CrmWrite, platform: PlatformDep, db: TenantDB
) -> s.UploadOut:
    entity, filename, data = await _read_upload(request, platform.settings.crm_import_max_bytes)
    job = await run_in_threadpool(
        service.create_import,
        db,
        service.files_from_settings(platform.settings),
        tid=principal.tid,
        entity=entity,
        filename=filename,
        data=data,
        actor=actor_name(principal),
    )
    response.headers["Location"] = f"/v1/crm/imports/{job.id}"
    return _upload_out(job)


@router.get("/imports", response_model=Page[s.ImportOut], summary="Imports, newest first (keyset pages)")
def list_imports(principal: CrmRead, db: TenantDB, limit: LimitParam = 50, cursor: CursorParam = None) -> Any:
    return service.list_jobs(db, limit=limit, cursor=cursor).map(s.ImportOut.model_validate)


@router.get(
    "/imports/{import_id}", response_model=s.ImportOut, responses=PROBLEMS, summary="Status, progress"
)
def get_import(import_id: uuid.UUID, principal: CrmRead, db: TenantDB) -> Any:
    return service.get_job(db, import_id)


@router.put(
    "/imports/{import_id}/mapping", response_model=s.ImportOut, responses=PROBLEMS, summary="Column mapping"
)
def put_mapping(import_id: uuid.UUID, body: s.MappingIn, principal: CrmWrite, db: TenantDB) -> Any:
    job = service.get_job(db, import_id, lock=True)
    return service.set_mapping(db, job, body, actor_name(principal))


@router.post(
    "/imports/{import_id}/validate",
    response_model=s.ValidationOut,
    responses=PROBLEMS,
    summary="Dry run: what the import would do (nothing is written)",
)
def validate(import_id: uuid.UUID, principal: CrmWrite, platform: PlatformDep, db: TenantDB) -> Any:
    job = service.get_job(db, import_id)
    report = service.validate(db, service.files_from_settings(platform.settings), job)
    c = report.counts
    return s.ValidationOut(
        total=report.total,
        created=c.created,
        updated=c.updated,
        skipped=c.skipped,
        rejected=c.rejected,
        errors=report.errors,
    )


@router.post(
    "/imports/{import_id}/start",
    status_code=202,
    response_model=s.ImportOut,
    responses=PROBLEMS,
    summary="Queue the import on the etl.sync worker (a failed import resumes)",
    description="The job is queued through the outbox with the state change: a broker outage only "
    "delays it. A worker that dies mid-import loses its lease, and the job is requeued and resumes.",
)
def start(
    import_id: uuid.UUID,
    request: Request,
    principal: CrmWrite,
    platform: PlatformDep,
    db: TenantDB,
    corr: CorrId = None,
) -> Any:
    job = service.get_job(db, import_id, lock=True)
    correlation_id = corr or str(getattr(request.state, "request_id", "") or "") or None
    if job.status == "failed":
        service.restart(db, job, correlation_id)
    else:
        service.mark_queued(db, job, correlation_id)
    service.queue_run(db, job)
    return job


@router.post(
    "/imports/{import_id}/cancel", response_model=s.ImportOut, responses=PROBLEMS, summary="Cancel an import"
)
def cancel(import_id: uuid.UUID, principal: CrmWrite, db: TenantDB) -> Any:
    job = service.get_job(db, import_id, lock=True)
    return service.cancel(db, job, actor_name(principal))


@router.get(
    "/imports/{import_id}/errors.csv",
    responses={**PROBLEMS, 200: {"content": {"text/csv": {}}, "description": "Rejected rows"}},
    summary="Rejected rows: row number, reason and the original cells",
)
def errors_csv(import_id: uuid.UUID, principal: CrmRead, db: TenantDB) -> Response:
    job = service.get_job(db, import_id)
    body = "".join(service.errors_csv(db, job)).encode("utf-8")
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{job.id}-errors.csv"'},
    )


@router.get("/import-mappings", response_model=list[s.MappingOut], summary="Saved column mappings")
def list_mappings(principal: CrmRead, db: TenantDB, entity: s.Entity | None = None) -> list[Any]:
    return list(service.list_mappings(db, entity.value if entity else None))
