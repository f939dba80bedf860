from __future__ import annotations

from fastapi import APIRouter, Request

from genius.core.audit import service as audit
from genius.core.auth.deps import PlatformAdmin, PlatformDB, PlatformDep, TenantDB
from genius.core.kit.pagination import CursorParam, LimitParam, Page
from genius.core.tenancy import service
from genius.core.tenancy.models import Tenant
from genius.core.tenancy.schemas import TenantCreate, TenantCreated, TenantOut

router = APIRouter(tags=["tenants"])


def _out(t: Tenant) -> TenantOut:
    return TenantOut(
        id=t.id,
        slug=t.slug,
        name=t.name,
        status=t.status,
        dedicated_database=bool(t.dsn),
        created_at=t.created_at,
    )


@router.post("/v1/tenants", response_model=TenantCreated, status_code=201, summary="Provision a tenant")
def create_tenant(
    body: TenantCreate, principal: PlatformAdmin, platform: PlatformDep, db: TenantDB, request: Request
) -> TenantCreated:
    result = service.provision_from_request(
        platform, body, actor=principal.email or principal.sub, request_id=request.state.request_id
    )
    # The provisioning is also recorded in the acting platform admin's own chain.
    audit.record(
        db,
        principal.tid,
        "tenant.created",
        actor=principal.email or principal.sub,
        target=str(result.tenant.id),
        data={"slug": body.slug},
        request_id=request.state.request_id,
    )
    return TenantCreated(**_out(result.tenant).model_dump(), admin_user_id=result.admin_user_id)


@router.get(
    "/v1/tenants", response_model=Page[TenantOut], summary="List tenants (oldest first; total always counted)"
)
def list_tenants(
    principal: PlatformAdmin, db: PlatformDB, cursor: CursorParam = None, limit: LimitParam = 50
) -> Page[TenantOut]:
    return service.tenant_page(db, cursor=cursor, limit=limit).map(_out)
