"""Public webhooks of campaign mail: bounces, complaints and delivery reports (no login: the signature
is the credential, and the tenant is named in the path).

* ``POST /v1/crm/webhooks/email-events/{tenant}``: our generic event (``EmailEventIn``), signed with
  the tenant's secret (``GET /v1/crm/webhooks/email-events/secret``, tenant admins) the Standard
  Webhooks way: headers ``webhook-id``, ``webhook-timestamp`` (Unix seconds), ``webhook-signature``
  (``v1,`` + base64 HMAC-SHA256 of ``id.timestamp.body``); ``svix-*`` names are accepted too.
* ``POST /v1/crm/webhooks/resend/{tenant}``: Resend's events as Resend sends them (Svix-signed with the
  endpoint's ``whsec_`` secret): the tenant's own when it saved one (``PUT
  /v1/crm/settings/resend-webhook-secret``, tenant admins; then the environment's no longer verifies for
  it), else ``GENIUS_RESEND_WEBHOOK_SECRET``.

A bad signature or a timestamp more than 5 minutes off is a 401 problem+json and changes nothing; a
redelivered event id answers ``duplicate`` and changes nothing. Each event is applied in its tenant's
own transaction, opened here: there is no principal.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response

from genius.core.auth.deps import PlatformDep, TenantAdmin, TenantDB
from genius.core.directory import repository as directory
from genius.core.kit.errors import NotFound, Problem, Unauthorized, field_error
from genius.core.platform import Platform
from genius.vettify.api import PROBLEMS
from genius.vettify.campaigns import bounces, webhook_secrets
from genius.vettify.campaigns.schemas import (
    EmailEventIn,
    EmailEventOut,
    ResendSecretIn,
    ResendSecretOut,
    WebhookSecretOut,
)

router = APIRouter(prefix="/v1/crm/webhooks", tags=["crm"])
settings_router = APIRouter(prefix="/v1/crm/settings", tags=["crm"])

MAX_BODY = 256 * 1024
TenantRef = Annotated[
    str,
    Path(
        pattern=r"^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$",
        description="The tenant's slug or id",
    ),
]
SIGNED: dict[int | str, dict[str, Any]] = {
    401: {"description": "Signature missing, forged, or older than 5 minutes (replay)"},
    404: {"description": "Unknown tenant"},
    413: {"description": "Body over 256 KiB"},
}


async def raw_body(request: Request) -> bytes:
    """The body exactly as signed (FastAPI has read and cached it for the JSON parameter)."""
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]


def _tenant(platform: Platform, ref: str) -> uuid.UUID:
    with platform.db.platform_session() as s:
        tenant = directory.find(s, ref)
        if tenant is None or tenant.status != "active":
            raise NotFound("Unknown tenant.")
        return tenant.id


def _verified(platform: Platform, secret: str | None, raw: bytes, request: Request) -> str:
    if len(raw) > MAX_BODY:
        raise Problem("The body is over 256 KiB.", status=413, code="too-large", title="Too large")
    if not secret:
        raise Unauthorized("No signing secret is configured for this webhook.", code="webhook-not-configured")
    return bounces.verify(secret, raw, request.headers)


@router.post(
    "/email-events/{tenant}",
    response_model=EmailEventOut,
    responses=SIGNED,
    summary="Generic e-mail event (delivered, bounced hard|soft, complained), Standard Webhooks-signed",
)
def email_event(
    tenant: TenantRef, body: EmailEventIn, raw: RawBody, request: Request, platform: PlatformDep
) -> Any:
    tid = _tenant(platform, tenant)
    key = platform.settings.secret_key
    event_id = _verified(platform, bounces.tenant_secret(key, tid) if key else None, raw, request)
    if not (body.message_id or body.email):
        raise field_error("message_id", "message_id or email is required.")
    with platform.db.tenant_session(tid) as s:
        return bounces.apply(s, tid, "webhook", event_id, [bounces.from_generic(body)])


@router.post(
    "/resend/{tenant}",
    response_model=EmailEventOut,
    responses=SIGNED,
    summary="Resend's webhook (email.delivered, email.bounced, email.complained, email.delivery_delayed)",
)
def resend_event(
    tenant: TenantRef, body: dict[str, Any], raw: RawBody, request: Request, platform: PlatformDep
) -> Any:
    tid = _tenant(platform, tenant)
    with platform.db.tenant_session(tid) as s:
        secret = webhook_secrets.secret_for(s, tid, platform.settings)
    event_id = _verified(platform, secret, raw, request)
    if not isinstance(body.get("type"), str):
        raise field_error("type", "The event's type is required.")
    with platform.db.tenant_session(tid) as s:
        return bounces.apply(s, tid, "resend", event_id, bounces.from_resend(body))


@router.get(
    "/email-events/secret",
    response_model=WebhookSecretOut,
    summary="This tenant's signing secret of the generic e-mail event webhook, and its URL",
)
def email_event_secret(principal: TenantAdmin, platform: PlatformDep) -> Any:
    key = platform.settings.secret_key
    if not key:
        raise Unauthorized("GENIUS_SECRET_KEY is not set.", code="webhook-not-configured")
    return WebhookSecretOut(
        secret=bounces.tenant_secret(key, principal.tid),
        url=f"{platform.settings.issuer}/v1/crm/webhooks/email-events/{principal.tid}",
    )


def _secret_out(status: webhook_secrets.SecretStatus, platform: Platform, tid: uuid.UUID) -> ResendSecretOut:
    return ResendSecretOut(
        source=status.source,
        hint=status.hint,
        updated_at=status.updated_at,
        updated_by=status.updated_by,
        url=f"{platform.settings.issuer}/v1/crm/webhooks/resend/{tid}",
    )


def _request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", "") or "")


@settings_router.get(
    "/resend-webhook-secret",
    response_model=ResendSecretOut,
    summary="Which secret verifies this tenant's Resend webhook (its own or the environment's); a hint only",
)
def resend_secret(principal: TenantAdmin, db: TenantDB, platform: PlatformDep) -> Any:
    return _secret_out(webhook_secrets.status(db, platform.settings), platform, principal.tid)


@settings_router.put(
    "/resend-webhook-secret",
    response_model=ResendSecretOut,
    responses=PROBLEMS,
    summary="Save the signing secret of this tenant's Resend webhook endpoint (encrypted; audited); from "
    "now on only it verifies this tenant's events",
)
def save_resend_secret(
    principal: TenantAdmin, db: TenantDB, platform: PlatformDep, request: Request, body: ResendSecretIn
) -> Any:
    saved = webhook_secrets.save(
        db,
        principal.tid,
        body.secret,
        settings=platform.settings,
        actor=principal.email or principal.sub,
        request_id=_request_id(request),
    )
    return _secret_out(saved, platform, principal.tid)


@settings_router.delete(
    "/resend-webhook-secret",
    status_code=204,
    responses=PROBLEMS,
    summary="Remove this tenant's own Resend secret (the environment's, if any, verifies again)",
)
def remove_resend_secret(principal: TenantAdmin, db: TenantDB, request: Request) -> Response:
    removed = webhook_secrets.remove(
        db, principal.tid, actor=principal.email or principal.sub, request_id=_request_id(request)
    )
    if not removed:
        raise NotFound("This tenant has saved no Resend webhook secret.")
    return Response(status_code=204)
