"""Our OIDC-compatible issuer: token endpoint, discovery, JWKS; users, roles and service accounts."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse
from prometheus_client import Counter

from genius.core.audit import service as audit
from genius.core.auth import service, throttle
from genius.core.auth.deps import (
    CurrentPrincipal,
    PlatformAdmin,
    PlatformDep,
    TenantAdmin,
    TenantDB,
    enforce_route_limit,
)
from genius.core.auth.models import User
from genius.core.auth.schemas import (
    KeyRotated,
    Me,
    RoleOut,
    ServiceAccountCreate,
    ServiceAccountCreated,
    TokenResponse,
    UserCreate,
    UserOut,
)
from genius.core.auth.scopes import SCOPES
from genius.core.auth.service import OAuthError
from genius.core.kit.pagination import CursorParam, LimitParam, Page

router = APIRouter(tags=["auth"])
TOKENS_ISSUED = Counter("genius_tokens_issued_total", "Access tokens issued", ["grant"])


def _basic_client(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        raw = base64.b64decode(header[6:], validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise OAuthError("invalid_client", "Malformed Basic credentials.", status=401) from exc
    cid, _, secret = raw.partition(":")
    return cid, secret


@router.post(
    "/v1/auth/token",
    response_model=TokenResponse,
    dependencies=[Depends(enforce_route_limit)],
    summary="OAuth2 token endpoint (password with tenant, client_credentials)",
    responses={
        400: {"description": "OAuth error (problem+json with `error`)"},
        401: {"description": "Bad client"},
        429: {"description": "Too many failed logins (problem+json, `Retry-After`)"},
    },
)
def token(
    request: Request,
    platform: PlatformDep,
    grant_type: Annotated[
        str, Form(max_length=40, json_schema_extra={"enum": ["password", "client_credentials"]})
    ],
    username: Annotated[str | None, Form(max_length=254)] = None,
    password: Annotated[str | None, Form(max_length=200)] = None,
    tenant: Annotated[
        str | None, Form(max_length=63, description="Tenant slug or id (password grant)")
    ] = None,
    client_id: Annotated[str | None, Form(max_length=80)] = None,
    client_secret: Annotated[str | None, Form(max_length=200)] = None,
    scope: Annotated[
        str | None, Form(max_length=1000, description="Optional subset of the role's scopes")
    ] = None,
) -> TokenResponse:
    if grant_type == "password":
        if not (username and password and tenant):
            raise OAuthError("invalid_request", "The password grant needs username, password and tenant.")
        account = throttle.guarded_login(
            platform,
            request,
            grant="password",
            tenant_ref=tenant,
            identity=username,
            authenticate=lambda: service.authenticate_password(
                platform.db, platform.passwords, tenant, username, password
            ),
        )
    elif grant_type == "client_credentials":
        basic = _basic_client(request)
        cid, secret = basic if basic else (client_id, client_secret)
        if not (cid and secret):
            raise OAuthError("invalid_client", "Client credentials are required.", status=401)
        account = throttle.guarded_login(
            platform,
            request,
            grant="client_credentials",
            tenant_ref=cid.split(".", 1)[0] if "." in cid else "",
            identity=cid,
            authenticate=lambda: service.authenticate_client(platform.db, platform.passwords, cid, secret),
        )
    else:
        raise OAuthError("unsupported_grant_type", f"Grant type {grant_type!r} is not supported.")
    granted = set(account.scopes)
    if scope:
        requested = set(scope.split())
        if not requested <= granted:
            raise OAuthError("invalid_scope", f"Not granted: {' '.join(sorted(requested - granted))}.")
        granted = requested
    access, ttl = platform.tokens.issue(
        sub=str(account.id),
        tid=account.tid,
        scopes=sorted(granted),
        role=account.role,
        whid=account.whid,
        kind=account.kind,
        email=account.email if account.kind == "user" else "",
    )
    TOKENS_ISSUED.labels(grant_type).inc()
    return TokenResponse(access_token=access, expires_in=ttl, scope=" ".join(sorted(granted)))


@router.get("/.well-known/openid-configuration", tags=["oidc"], summary="OpenID Provider metadata")
def discovery(platform: PlatformDep) -> dict[str, Any]:
    iss = platform.tokens.issuer
    return {
        "issuer": iss,
        "token_endpoint": f"{iss}/v1/auth/token",
        "jwks_uri": f"{iss}/.well-known/jwks.json",
        "userinfo_endpoint": f"{iss}/v1/auth/me",
        "grant_types_supported": ["password", "client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "response_types_supported": ["token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": list(SCOPES),
        "claims_supported": ["sub", "tid", "whid", "scp", "role", "iss", "aud", "exp", "iat", "email"],
    }


@router.get("/.well-known/jwks.json", tags=["oidc"], summary="Public signing keys (JWKS)")
def jwks(platform: PlatformDep) -> JSONResponse:
    return JSONResponse(platform.keys.jwks(), headers={"Cache-Control": "public, max-age=60"})


@router.get("/v1/auth/me", response_model=Me, summary="The caller, as the token describes it")
def me(principal: CurrentPrincipal) -> Me:
    return Me(
        sub=principal.sub,
        tid=principal.tid,
        whid=principal.whid,
        role=principal.role,
        scopes=sorted(principal.scopes),
        kind=principal.kind,
        email=principal.email,
    )


@router.post("/v1/auth/keys/rotate", response_model=KeyRotated, summary="Rotate the token signing key")
def rotate_key(principal: PlatformAdmin, platform: PlatformDep, db: TenantDB, request: Request) -> KeyRotated:
    kid = platform.keys.rotate("jwt")
    audit.record(
        db,
        principal.tid,
        "auth.key.rotated",
        actor=principal.email or principal.sub,
        target=kid,
        request_id=request.state.request_id,
    )
    return KeyRotated(kid=kid)


def _user_out(u: User) -> UserOut:
    return UserOut(
        id=u.id,
        email=u.email,
        name=u.name,
        role=u.role,
        kind=u.kind,
        whid=u.whid,
        is_active=u.is_active,
        created_at=u.created_at,
        last_login_at=u.last_login_at,
        client_id=u.client_id,
    )


@router.get(
    "/v1/users", response_model=Page[UserOut], tags=["users"], summary="Users of the tenant, oldest first"
)
def list_users(
    principal: TenantAdmin, db: TenantDB, cursor: CursorParam = None, limit: LimitParam = 50
) -> Page[UserOut]:
    return service.user_page(db, cursor=cursor, limit=limit).map(_user_out)


@router.post("/v1/users", response_model=UserOut, status_code=201, tags=["users"], summary="Create a user")
def create_user(
    body: UserCreate, principal: TenantAdmin, platform: PlatformDep, db: TenantDB, request: Request
) -> UserOut:
    service.check_grantable(body.role, principal.scopes)
    user = service.create_user(
        db,
        platform.passwords,
        principal.tid,
        email=str(body.email),
        password=body.password,
        role=body.role,
        name=body.name,
        whid=body.whid,
    )
    audit.record(
        db,
        principal.tid,
        "user.created",
        actor=principal.email or principal.sub,
        target=str(user.id),
        data={"email": user.email, "role": user.role},
        request_id=request.state.request_id,
    )
    return _user_out(user)


@router.post(
    "/v1/service-accounts",
    response_model=ServiceAccountCreated,
    status_code=201,
    tags=["users"],
    summary="Create a service account (client_credentials)",
)
def create_service_account(
    body: ServiceAccountCreate, principal: TenantAdmin, platform: PlatformDep, db: TenantDB, request: Request
) -> ServiceAccountCreated:
    if body.role == "platform_admin":
        raise service.Problem(
            "Service accounts cannot hold platform_admin.", status=403, code="forbidden", title="Forbidden"
        )
    tenant = service.tenant_of(db, principal.tid)
    user, secret = service.create_service_account(
        db, platform.passwords, tenant, name=body.name, role=body.role
    )
    audit.record(
        db,
        principal.tid,
        "service_account.created",
        actor=principal.email or principal.sub,
        target=str(user.id),
        data={"client_id": user.client_id, "role": user.role},
        request_id=request.state.request_id,
    )
    return ServiceAccountCreated(
        id=user.id, client_id=user.client_id or "", client_secret=secret, role=user.role
    )


@router.get(
    "/v1/roles", response_model=Page[RoleOut], tags=["users"], summary="Roles and their scopes, by name"
)
def list_roles(
    principal: CurrentPrincipal, db: TenantDB, cursor: CursorParam = None, limit: LimitParam = 100
) -> Page[RoleOut]:
    page = service.role_page(db, cursor=cursor, limit=limit)
    return page.map(lambda r: RoleOut(name=r.name, scopes=list(r.scopes), description=r.description))
