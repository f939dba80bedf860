"""Secrets at rest: keys stored in the database are encrypted with a key derived from GENIUS_SECRET_KEY."""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

if TYPE_CHECKING:
    from genius.config import Settings


def derive_key(secret: str, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        secret.encode()
    )


def fernet(secret: str, purpose: str = "genius-at-rest") -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derive_key(secret, purpose)))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def platform_secret(settings: Settings) -> str | None:
    """The platform secret tenant secrets are sealed with: ``GENIUS_SECRET_KEY``, else the embedded mode's
    generated one; None in production without it (then no tenant secret can be stored)."""
    if settings.secret_key:
        return settings.secret_key
    try:
        from genius.embedded import ensure_secret_key  # the embedded mode keeps one in its data folder

        return ensure_secret_key(settings)
    except RuntimeError:
        return None
