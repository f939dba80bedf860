"""FastAPI dependencies: who is calling, what they may do, and their tenant's transaction.

Modules declare typed dependencies with the scopes they need, once per module, e.g.::

    CrmWrite = Annotated[Principal, Depends(requires(Scope.CRM_WRITE))]

    @router.post("/v1/crm/accounts")
    def create(principal: CrmWrite, db: TenantDB) -> ...
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

import structlog
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import Counter
from sqlalchemy.orm import Session

from genius.core.auth.scopes import Scope
from genius.core.auth.tokens import InvalidToken, Principal
from genius.core.kit.errors import Forbidden, TooManyRequests, Unauthorized
from genius.core.platform import Platform

log = structlog.get_logger("genius.auth")
AUTH_FAILURES = Counter("genius_auth_failures_total", "Rejected credentials", ["reason"])

_bearer = HTTPBearer(auto_error=False, description="An access token from POST /v1/auth/token")


def platform_of(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


# The cheap dependencies are coroutines: a plain ``def`` dependency runs in the thread pool, and every
# request paid one thread hop per such step (the platform, the route limit, the scope check) before any
# real work. Only those that block (a Redis or database round trip) stay plain functions.
async def get_platform(request: Request) -> Platform:
    return platform_of(request)


PlatformDep = Annotated[Platform, Depends(get_platform)]


def route_key(request: Request) -> str:
    route = request.scope.get("route")
    return f"{request.method} {getattr(route, 'path', request.url.path)}"


async def enforce_route_limit(request: Request, platform: PlatformDep) -> None:
    """Per-route limits (GENIUS_RATE_LIMIT_ROUTES), keyed by route and client address. Every request
    passes here: the common case (no limit on the route) returns on the event loop; the limiter's Redis
    round trip runs in the thread pool."""
    key = route_key(request)
    limit = platform.route_limits.get(key)
    if limit is None:
        return
    client = request.client.host if request.client else "unknown"
    decision = await run_in_threadpool(platform.limiter.hit, f"route:{key}:{client}", limit, "route")
    if not decision.allowed:
        raise TooManyRequests(
            f"Rate limit for {key} exceeded.", headers={"Retry-After": str(decision.retry_after)}
        )


def current_principal(
    request: Request,
    platform: PlatformDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        AUTH_FAILURES.labels("missing").inc()
        raise Unauthorized(
            "A bearer token is required.", headers={"WWW-Authenticate": 'Bearer realm="genius"'}
        )
    try:
        principal = platform.tokens.verify(credentials.credentials)
    except InvalidToken as exc:
        AUTH_FAILURES.labels(str(exc).split(":")[0][:40]).inc()
        log.info("token_rejected", reason=str(exc))
        raise Unauthorized(
            f"The access token is not valid: {exc}.",
            headers={
                "WWW-Authenticate": f'Bearer realm="genius", error="invalid_token", error_description="{exc}"'
            },
        ) from exc
    structlog.contextvars.bind_contextvars(tid=str(principal.tid), sub=principal.sub)
    request.state.principal = principal
    decision = platform.limiter.hit(f"user:{principal.tid}:{principal.sub}", platform.user_limit, "user")
    if not decision.allowed:
        raise TooManyRequests(
            "Rate limit for this user exceeded.", headers={"Retry-After": str(decision.retry_after)}
        )
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def requires(*scopes: Scope | str) -> Callable[[Principal], Awaitable[Principal]]:
    async def check(principal: CurrentPrincipal) -> Principal:
        missing = [s for s in scopes if s not in principal.scopes]
        if missing:
            AUTH_FAILURES.labels("scope").inc()
            raise Forbidden(f"Missing scope: {' '.join(missing)}.", required_scopes=[str(s) for s in scopes])
        return principal

    check.__name__ = "requires_" + "_".join(s.replace(":", "_") for s in scopes)
    return check


def tenant_db(principal: CurrentPrincipal, platform: PlatformDep) -> Iterator[Session]:
    """The caller's tenant transaction; committed when the endpoint returns, before the response."""
    with platform.db.tenant_session(principal.tid, principal.whid) as session:
        yield session


# scope="function": the commit happens before the response is sent, so a failed commit is an error
# response and never a 200 for lost data.
TenantDB = Annotated[Session, Depends(tenant_db, scope="function")]


def platform_db(principal: CurrentPrincipal, platform: PlatformDep) -> Iterator[Session]:
    """A transaction on platform tables only (no tenant set), for platform-wide endpoints; committed when
    the endpoint returns. Authenticated first: an anonymous caller never gets a session."""
    with platform.db.platform_session() as session:
        yield session


PlatformDB = Annotated[Session, Depends(platform_db, scope="function")]

# Core's own typed dependencies (the registry's API uses WorkersAdmin too: the scope is core's).
PlatformAdmin = Annotated[Principal, Depends(requires(Scope.PLATFORM_ADMIN))]
TenantAdmin = Annotated[Principal, Depends(requires(Scope.TENANT_ADMIN))]
AuditRead = Annotated[Principal, Depends(requires(Scope.AUDIT_READ))]
WorkersAdmin = Annotated[Principal, Depends(requires(Scope.WORKERS_ADMIN))]
