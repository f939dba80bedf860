"""``POST /webhooks/{timelinesai|instantly|resend}/{tenant id}``: provider webhooks.

No login: the provider's signature (Resend, Svix) or our shared secret (Instantly, TimelinesAI) is the
credential, checked before anything is read or stored; a forged request or a replay older than 5
minutes is a 401 problem and changes nothing. The tenant is the URL's, which the operator configures at
the provider. A verified delivery is kept with its processing task in one transaction and answered 200
at once (``duplicate: true`` for a delivery already kept).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from pydantic import BaseModel

from genius.core.auth.deps import PlatformDep
from genius.core.db.base import utcnow
from genius.core.directory import repository as directory
from genius.core.kit.errors import NotFound, Problem
from genius.core.platform import Platform
from genius.outreach.webhooks import parse, service

router = APIRouter(prefix="/webhooks", tags=["outreach"])

TenantRef = Annotated[uuid.UUID, Path(description="The tenant the webhook was configured for")]
Secret = Annotated[str | None, Header(alias="X-Webhook-Secret", description="Our shared secret")]
SecretQuery = Annotated[
    str | None,
    Query(
        alias="secret", max_length=200, description="The shared secret, for providers that cannot set headers"
    ),
]
REFUSED: dict[int | str, dict[str, Any]] = {
    400: {"description": "Not a JSON event"},
    401: {"description": "Forged, unsigned or replayed (older than 5 minutes)"},
    404: {"description": "Unknown tenant"},
}
MAX_BODY = 1_000_000


class Accepted(BaseModel):
    received: bool = True
    duplicate: bool = False


class WebhookRefused(Problem):
    status, code, title = 401, "webhook-refused", "Webhook refused"


class WebhookMalformed(Problem):
    status, code, title = 400, "webhook-malformed", "Webhook not readable"


async def _body(request: Request) -> bytes:
    """The exact bytes (the signature covers them), read on the event loop; the handlers are plain
    ``def``, so their verification and database work run in the thread pool."""
    body = await request.body()
    if len(body) > MAX_BODY:
        raise WebhookMalformed("The webhook body is larger than 1 MB.")
    return body


RawBody = Annotated[bytes, Depends(_body)]


def _keep(platform: Platform, tid: uuid.UUID, read: Callable[[], parse.Event], body: bytes) -> Accepted:
    """Verify, then keep."""
    try:
        event = read()
    except parse.Refused as exc:
        raise WebhookRefused(str(exc)) from exc
    except parse.Malformed as exc:
        raise WebhookMalformed(str(exc)) from exc
    with platform.db.platform_session() as s:
        tenant = directory.get(s, tid)
        if tenant is None or tenant.status != "active":
            raise NotFound("Unknown tenant.")
    with platform.db.tenant_session(tid) as session:
        kept = service.accept(session, tid, event, parse._document(body))
    return Accepted(duplicate=not kept)


@router.post(
    "/resend/{tenant}", response_model=Accepted, responses=REFUSED, summary="Resend events (Svix-signed)"
)
def resend(tenant: TenantRef, request: Request, platform: PlatformDep, body: RawBody) -> Accepted:
    headers = {k.lower(): v for k, v in request.headers.items()}
    secret = platform.settings.resend_webhook_secret
    return _keep(platform, tenant, lambda: parse.resend(secret, body, headers, utcnow()), body)


@router.post("/instantly/{tenant}", response_model=Accepted, responses=REFUSED, summary="Instantly events")
def instantly(
    tenant: TenantRef,
    platform: PlatformDep,
    body: RawBody,
    x_secret: Secret = None,
    secret: SecretQuery = None,
) -> Accepted:
    expected = platform.settings.instantly_webhook_secret
    return _keep(
        platform, tenant, lambda: parse.instantly(expected, x_secret or secret, body, utcnow()), body
    )


@router.post(
    "/timelinesai/{tenant}",
    response_model=Accepted,
    responses=REFUSED,
    summary="TimelinesAI (WhatsApp) events",
)
def timelinesai(
    tenant: TenantRef,
    platform: PlatformDep,
    body: RawBody,
    x_secret: Secret = None,
    secret: SecretQuery = None,
) -> Accepted:
    expected = platform.settings.timelinesai_webhook_secret
    return _keep(
        platform, tenant, lambda: parse.timelinesai(expected, x_secret or secret, body, utcnow()), body
    )
