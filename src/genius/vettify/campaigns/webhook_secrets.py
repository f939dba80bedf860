"""A tenant's own signing secret of the Resend webhook its campaign mail reports to.

Resend gives each webhook endpoint its own ``whsec_…`` secret; a tenant with its own Resend account
points its endpoint at ``/v1/crm/webhooks/resend/{tenant}`` and saves that secret here. The rule:

* a tenant that saved a secret is verified with **its own only** — the environment's
  ``GENIUS_RESEND_WEBHOOK_SECRET`` no longer signs for it (else whoever holds the shared secret could
  still write that tenant's bounces);
* a tenant without one is verified with the environment's secret (none: every event is refused).

The secret is stored as a Fernet token under a key derived (HKDF) from the platform secret and the tenant
id, so a row copied to another tenant does not decrypt; only a hint (its last four characters) is shown
again. Saving and removing are audited. Services flush and never commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import structlog
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.orm import Session

from genius.config import Settings
from genius.core.audit import service as audit
from genius.core.db.base import utcnow
from genius.core.kit.crypto import fernet, platform_secret
from genius.core.kit.errors import Conflict
from genius.vettify.campaigns import repository as repo
from genius.vettify.campaigns.models import WebhookSecret

log = structlog.get_logger("genius.vettify.campaigns.webhook_secrets")
RESEND = "resend"


@dataclass(frozen=True)
class SecretStatus:
    provider: str
    source: str | None  # "tenant", "environment" or None (not configured: events are refused)
    hint: str | None
    updated_at: datetime | None
    updated_by: str | None


def _fernet(secret: str, tid: uuid.UUID) -> Fernet:
    return fernet(secret, f"genius-crm-webhook-secret:{tid}")


def _hint(value: str) -> str:
    return "…" + value[-4:]


def save(
    session: Session,
    tid: uuid.UUID,
    value: str,
    *,
    settings: Settings,
    actor: str,
    request_id: str = "",
    provider: str = RESEND,
) -> SecretStatus:
    secret = platform_secret(settings)
    if not secret:
        raise Conflict("GENIUS_SECRET_KEY is required to store webhook secrets", code="no-secret-key")
    row = repo.webhook_secret(session, provider)
    if row is None:
        row = WebhookSecret(tid=tid, provider=provider)
        session.add(row)
    row.secret = _fernet(secret, tid).encrypt(value.encode())
    row.hint = _hint(value)
    row.updated_at = utcnow()
    row.updated_by = actor
    session.flush()
    audit.record(
        session,
        tid,
        "crm.webhook_secret.saved",
        actor=actor,
        target=f"crm.webhook:{provider}",
        data={"provider": provider, "hint": row.hint},
        request_id=request_id,
    )
    return SecretStatus(provider, "tenant", row.hint, row.updated_at, actor)


def remove(
    session: Session, tid: uuid.UUID, *, actor: str, request_id: str = "", provider: str = RESEND
) -> bool:
    row = repo.webhook_secret(session, provider)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    audit.record(
        session,
        tid,
        "crm.webhook_secret.removed",
        actor=actor,
        target=f"crm.webhook:{provider}",
        data={"provider": provider},
        request_id=request_id,
    )
    return True


def status(session: Session, settings: Settings, provider: str = RESEND) -> SecretStatus:
    row = repo.webhook_secret(session, provider)
    if row is not None:
        return SecretStatus(provider, "tenant", row.hint, row.updated_at, row.updated_by)
    if settings.resend_webhook_secret:
        return SecretStatus(provider, "environment", _hint(settings.resend_webhook_secret), None, None)
    return SecretStatus(provider, None, None, None, None)


def secret_for(session: Session, tid: uuid.UUID, settings: Settings, provider: str = RESEND) -> str | None:
    """The secret a webhook event of this tenant must be signed with: its own when it saved one (even if
    it no longer decrypts — then nothing verifies until it is saved again), else the environment's."""
    row = repo.webhook_secret(session, provider)
    if row is None:
        return settings.resend_webhook_secret or None
    secret = platform_secret(settings)
    try:
        return _fernet(secret, tid).decrypt(row.secret).decode() if secret else None
    except InvalidToken:  # the platform secret changed since: refuse rather than fall back
        log.warning("crm.webhook_secret.undecryptable", provider=provider, tid=str(tid))
        return None
