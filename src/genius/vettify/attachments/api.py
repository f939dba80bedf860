"""Attachment routes under ``/v1/crm`` (scopes as in ``genius.vettify.api``: read, write, admin to delete).

The upload body is parsed as it streams in (``python_multipart``), so a file over
GENIUS_CRM_ATTACHMENT_MAX_BYTES is refused with 413 as soon as the limit is crossed (or at once when
``Content-Length`` already says so), never after buffering all of it. The caller and the parent record
are checked before the body is read.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from genius.core.auth.deps import TenantDB
from genius.core.auth.tokens import Principal
from genius.core.kit.errors import Problem
from genius.core.kit.pagination import CursorParam, Page
from genius.core.platform import Platform
from genius.core.storage import Storage, storage_from_settings, tenant_sse_key
from genius.vettify import service
from genius.vettify.api import PROBLEMS, CorrId, CrmAdmin, CrmRead, CrmWrite, actor
from genius.vettify.attachments import files
from genius.vettify.attachments import service as attachments
from genius.vettify.attachments.service import ParentType, TooLarge, Upload

router = APIRouter(prefix="/v1/crm", tags=["crm"])

FIELD = "file"
MAX_FORM_OVERHEAD = 64 * 1024  # part headers, boundaries and small extra fields


class AttachmentOut(BaseModel):
    id: uuid.UUID
    entity_type: str
    entity_id: uuid.UUID
    filename: str
    content_type: str
    declared_type: str | None
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime

    model_config = ConfigDict(from_attributes=True)


def get_storage(request: Request) -> Storage:
    """The object store, built once per application (tests override this dependency)."""
    state = request.app.state
    storage: Storage | None = getattr(state, "crm_attachment_storage", None)
    if storage is None:
        storage = storage_from_settings(state.platform.settings)
        state.crm_attachment_storage = storage
    return storage


StorageDep = Annotated[Storage, Depends(get_storage)]


def _platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def sse_key(request: Request, principal: Principal) -> bytes:
    secret = _platform(request).settings.secret_key
    assert secret, "the platform is built with a secret key"
    return tenant_sse_key(secret, principal.tid)


def writable_parent(parent: ParentType, parent_id: uuid.UUID, principal: CrmWrite, db: TenantDB) -> None:
    attachments.ensure_parent(db, parent, parent_id)


class _Reader:
    """Collects the one ``file`` part of a multipart body, refusing it once it passes ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.header_field = b""
        self.header_value = b""
        self.headers: dict[bytes, bytes] = {}
        self.in_file = False
        self.other_bytes = 0
        self.files = 0
        self.filename: str | None = None
        self.declared_type: str | None = None
        self.data = bytearray()

    def on_part_begin(self) -> None:
        self.headers = {}
        self.in_file = False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[self.header_field.strip().lower()] = self.header_value.strip()
        self.header_field = self.header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b"").decode("latin-1"))
        if options.get(b"name") != FIELD.encode():
            return
        self.files += 1
        if self.files > 1:
            raise service.field_error(FIELD, "send one file per request")
        self.in_file = True
        raw_name = options.get(b"filename")
        self.filename = raw_name.decode("utf-8", "replace") if raw_name is not None else None
        declared = self.headers.get(b"content-type")
        self.declared_type = declared.decode("latin-1")[:255] if declared else None

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        size = end - start
        if self.in_file:
            if len(self.data) + size > self.limit:
                raise _too_large(self.limit)
            self.data += data[start:end]
        else:
            self.other_bytes += size
            if self.other_bytes > MAX_FORM_OVERHEAD:
                raise _too_large(self.limit)

    def on_part_end(self) -> None:
        self.in_file = False


def _too_large(limit: int) -> TooLarge:
    return TooLarge(
        f"An attachment may have at most {limit} bytes ({limit / 1048576:g} MB).",
        max_bytes=limit,
        errors=[{"field": FIELD, "in": "body", "message": f"larger than {limit} bytes", "type": "too_large"}],
    )


async def read_upload(request: Request) -> Upload:
    """The ``file`` part of a ``multipart/form-data`` body, read chunk by chunk under the size limit."""
    limit = _platform(request).settings.crm_attachment_max_bytes
    ctype, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise Problem(
            "Send the file as multipart/form-data with a part named 'file'.",
            status=415,
            code="unsupported-media-type",
            title="Unsupported media type",
        )
    declared_length = request.headers.get("content-length", "")
    if declared_length.isdigit() and int(declared_length) > limit + MAX_FORM_OVERHEAD:
        raise _too_large(limit)
    reader = _Reader(limit)
    parser = MultipartParser(
        boundary,
        callbacks={
            "on_part_begin": reader.on_part_begin,
            "on_header_field": reader.on_header_field,
            "on_header_value": reader.on_header_value,
            "on_header_end": reader.on_header_end,
            "on_headers_finished": reader.on_headers_finished,
            "on_part_data": reader.on_part_data,
            "on_part_end": reader.on_part_end,
        },
    )
    try:
        async for chunk in request.stream():
            if chunk:
                parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        raise Problem(f"The multipart body is malformed: {exc}.", code="bad-multipart") from None
    if reader.files == 0:
        raise service.field_error(FIELD, "a file part named 'file' is required")
    return Upload(reader.filename, reader.declared_type, bytes(reader.data))


UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FIELD],
                    "properties": {FIELD: {"type": "string", "format": "binary"}},
                    "additionalProperties": False,
                }
            }
        },
    }
}
UPLOAD_PROBLEMS: dict[int | str, dict[str, Any]] = {
    **PROBLEMS,
    413: {"description": "Larger than GENIUS_CRM_ATTACHMENT_MAX_BYTES"},
    415: {"description": "Not multipart, or the sniffed content type is not accepted"},
}


@router.post(
    "/{parent}/{parent_id}/attachments",
    status_code=201,
    response_model=AttachmentOut,
    responses=UPLOAD_PROBLEMS,
    openapi_extra=UPLOAD_BODY,
    summary="Attach a file (multipart 'file', ≤ 10 MB; the type is sniffed from the bytes)",
)
def upload(
    parent: ParentType,
    parent_id: uuid.UUID,
    principal: CrmWrite,
    db: TenantDB,
    storage: StorageDep,
    request: Request,
    response: Response,
    _parent: Annotated[None, Depends(writable_parent)],
    body: Annotated[Upload, Depends(read_upload)],
    corr: CorrId = None,
) -> Any:
    row = attachments.add(
        db, storage, sse_key(request, principal), actor(principal, request, corr), parent, parent_id, body
    )
    response.headers["Location"] = f"/v1/crm/attachments/{row.id}"
    return AttachmentOut.model_validate(row)


@router.get(
    "/{parent}/{parent_id}/attachments",
    response_model=Page[AttachmentOut],
    responses=PROBLEMS,
    summary="Files attached to a record, newest first",
)
def list_attachments(
    parent: ParentType,
    parent_id: uuid.UUID,
    principal: CrmRead,
    db: TenantDB,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: CursorParam = None,
) -> Any:
    page = attachments.list_for(db, parent, parent_id, limit=limit, cursor=cursor)
    return page.map(AttachmentOut.model_validate)


@router.get(
    "/attachments/{attachment_id}",
    response_model=AttachmentOut,
    responses=PROBLEMS,
    summary="An attachment's metadata",
)
def get_attachment(attachment_id: uuid.UUID, principal: CrmRead, db: TenantDB, response: Response) -> Any:
    row = attachments.get(db, attachment_id)
    response.headers["ETag"] = f'"{row.sha256}"'
    return AttachmentOut.model_validate(row)


@router.get(
    "/attachments/{attachment_id}/content",
    response_class=Response,
    responses={
        **PROBLEMS,
        200: {"description": "The file, as an attachment"},
        304: {"description": "Unchanged"},
    },
    summary="Download an attachment",
)
def download(
    attachment_id: uuid.UUID,
    principal: CrmRead,
    db: TenantDB,
    storage: StorageDep,
    request: Request,
    if_none_match: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-cache",
        # Opened directly in a browser tab, the file still cannot run script or reach anything.
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    row = attachments.get(db, attachment_id)
    etag = f'"{row.sha256}"'
    if if_none_match and etag in [t.strip().removeprefix("W/") for t in if_none_match.split(",")]:
        return Response(status_code=304, headers={**headers, "ETag": etag})
    row, data = attachments.content(db, storage, sse_key(request, principal), attachment_id)
    headers["ETag"] = etag
    headers["Content-Disposition"] = files.content_disposition(row.filename)
    return Response(content=data, media_type=row.content_type, headers=headers)


@router.delete(
    "/attachments/{attachment_id}",
    status_code=204,
    responses=PROBLEMS,
    summary="Delete (soft) an attachment; recorded in the audit log",
)
def delete_attachment(
    attachment_id: uuid.UUID,
    principal: CrmAdmin,
    db: TenantDB,
    request: Request,
    corr: CorrId = None,
) -> Response:
    attachments.delete(db, actor(principal, request, corr), attachment_id)
    return Response(status_code=204)
