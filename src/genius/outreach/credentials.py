"""The outreach providers' API keys: the environment's (``GENIUS_TIMELINESAI_API_KEY``,
``GENIUS_RESEND_API_KEY``, ``GENIUS_INSTANTLY_API_KEY``), or the tenant's own, saved in its settings.

A tenant's key is stored as a Fernet token under a key derived (HKDF) from the platform secret and the
tenant id, so a row copied to another tenant does not decrypt. Only the last four characters are ever
shown again. Saving and removing are audited. The channel tasks ask :func:`key_for` at send time, so a
key saved now serves the next message, with no restart.
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
from genius.outreach import repository
from genius.outreach.models import ProviderKey

log = structlog.get_logger("genius.outreach.credentials")

PROVIDERS = ("timelinesai", "resend", "instantly")
ENVIRONMENT = {
    "timelinesai": "timelinesai_api_key",
    "resend": "resend_api_key",
    "instantly": "instantly_api_key",
}


@dataclass(frozen=True)
class KeyStatus:
    provider: str
    source: str | None  # "tenant", "environment" or None (not configured)
    hint: str | None
    updated_at: datetime | None
    updated_by: str | None


def _fernet(secret: str, tid: uuid.UUID) -> Fernet:
    return fernet(secret, f"genius-outreach-provider-key:{tid}")


def _hint(api_key: str) -> str:
    return "…" + api_key[-4:] if len(api_key) > 8 else "…"


def save(
    session: Session,
    tid: uuid.UUID,
    provider: str,
    api_key: str,
    *,
    settings: Settings,
    actor: str,
    request_id: str = "",
) -> KeyStatus:
    secret = platform_secret(settings)
    if not secret:
        raise Conflict("GENIUS_SECRET_KEY is required to store API keys", code="no-secret-key")
    row = repository.provider_key(session, provider)
    if row is None:
        row = ProviderKey(tid=tid, provider=provider)
        session.add(row)
    row.secret = _fernet(secret, tid).encrypt(api_key.encode())
    row.hint = _hint(api_key)
    row.updated_at = utcnow()
    row.updated_by = actor
    session.flush()
    audit.record(
        session,
        tid,
        "outreach.provider_key.saved",
        actor=actor,
        target=f"outreach.provider:{provider}",
        data={"provider": provider, "hint": row.hint},
        request_id=request_id,
    )
    return KeyStatus(provider, "tenant", row.hint, row.updated_at, actor)


def remove(session: Session, tid: uuid.UUID, provider: str, *, actor: str, request_id: str = "") -> bool:
    row = repository.provider_key(session, provider)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    audit.record(
        session,
        tid,
        "outreach.provider_key.removed",
        actor=actor,
        target=f"outreach.provider:{provider}",
        data={"provider": provider},
        request_id=request_id,
    )
    return True


def tenant_key(session: Session, tid: uuid.UUID, provider: str, secret: str) -> str | None:
    """The tenant's own key for ``provider`` (None: it saved none, or it no longer decrypts)."""
    row = repository.provider_key(session, provider)
    if row is None:
        return None
    try:
        return _fernet(secret, tid).decrypt(row.secret).decode()
    except InvalidToken:  # the platform secret changed since: the key must be saved again
        log.warning("outreach.provider_key.undecryptable", provider=provider, tid=str(tid))
        return None


def key_for(session: Session, tid: uuid.UUID, provider: str, settings: Settings) -> str | None:
    """The key a send uses: the tenant's own, else the environment's (None: not configured)."""
    secret = platform_secret(settings)
    own = tenant_key(session, tid, provider, secret) if secret else None
    return own or getattr(settings, ENVIRONMENT[provider]) or None


def statuses(session: Session, settings: Settings) -> list[KeyStatus]:
    saved = {row.provider: row for row in repository.provider_keys(session)}
    out = []
    for provider in PROVIDERS:
        row = saved.get(provider)
        if row is not None:
            out.append(KeyStatus(provider, "tenant", row.hint, row.updated_at, row.updated_by))
        elif env := getattr(settings, ENVIRONMENT[provider]):
            out.append(KeyStatus(provider, "environment", _hint(env), None, None))
        else:
            out.append(KeyStatus(provider, None, None, None, None))
    return out
