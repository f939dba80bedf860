from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from cryptography.hazmat.primitives.asymmetric import ed25519
from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from genius.core.audit import service
from genius.core.audit.models import AuditEntry
from genius.core.auth.deps import AuditRead, PlatformDep, TenantDB
from genius.core.db.session import Database
from genius.core.kit.pagination import CursorParam, LimitParam, Page

router = APIRouter(tags=["audit"])


class AuditEntryOut(BaseModel):
    seq: int
    id: uuid.UUID
    occurred_at: datetime
    actor: str
    action: str
    target: str
    data: dict[str, Any]
    request_id: str
    prev_hash: str
    hash: str


def _entry(e: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(**service.entry_json(e) | {"occurred_at": e.occurred_at})


@router.get(
    "/v1/audit", response_model=Page[AuditEntryOut], summary="The caller's tenant audit log, newest first"
)
def list_audit(
    principal: AuditRead,
    db: TenantDB,
    cursor: CursorParam = None,
    limit: LimitParam = 50,
    action: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[AuditEntryOut]:
    return service.list_page(db, cursor=cursor, limit=limit, action=action).map(_entry)


def _stream(db: Database, tid: uuid.UUID, kid: str, private: ed25519.Ed25519PrivateKey) -> Any:
    # The body is sent after the handler returns, when the request's TenantDB is already closed: the
    # export reads in its own transaction, opened by the streaming iterator.
    with db.tenant_session(tid) as s:
        # REPEATABLE READ is not needed: the chain is append-only and the export stops at what it read.
        yield from service.export_lines(s, tid, kid, private)


@router.get(
    "/v1/audit/export",
    summary="Signed JSON Lines export of the tenant's audit chain",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}}},
)
def export_audit(principal: AuditRead, platform: PlatformDep) -> StreamingResponse:
    key = platform.keys.signing_key("audit")
    assert isinstance(key.private, ed25519.Ed25519PrivateKey)
    filename = f"audit-{principal.tid}-{datetime.now():%Y%m%dT%H%M%S}.jsonl"
    return StreamingResponse(
        _stream(platform.db, principal.tid, key.kid, key.private),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/v1/audit/public-key", summary="Public keys that sign audit exports (JWKS)")
def audit_public_key(platform: PlatformDep) -> dict[str, list[dict[str, Any]]]:
    return {"keys": [k.public_jwk for k in platform.keys.audit_keys()]}
