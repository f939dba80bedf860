"""Signing keys: RS256 for access tokens, Ed25519 for audit exports.

Keys live in ``core.signing_keys`` (private halves encrypted), so every API process signs and
verifies with the same set. Rotation adds a new key and retires the old one; a retired key stays
in the JWKS until every token it signed has expired.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from jwt.algorithms import RSAAlgorithm

from genius.core.auth import repository
from genius.core.auth.models import SigningKey
from genius.core.db.base import utcnow
from genius.core.db.session import platform_session
from genius.core.kit.crypto import fernet

PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


@dataclass(frozen=True)
class LoadedKey:
    kid: str
    purpose: str
    alg: str
    private: PrivateKey
    public_jwk: dict[str, Any]
    retired: bool

    @property
    def public(self) -> Any:
        return self.private.public_key()


def _new_kid(purpose: str) -> str:
    return f"{purpose}-{utcnow():%Y%m%d}-{secrets.token_hex(4)}"


class KeyStore:
    def __init__(self, secret_key: str, token_ttl_seconds: int, cache_seconds: float = 5.0) -> None:
        self._fernet = fernet(secret_key, "genius-signing-keys")
        self._ttl = token_ttl_seconds
        self._cache_seconds = cache_seconds
        self._keys: list[LoadedKey] = []
        self._loaded_at = 0.0
        self._lock = threading.Lock()

    # -- creation ------------------------------------------------------------------------------
    def _generate(self, purpose: str) -> SigningKey:
        kid = _new_kid(purpose)
        private: PrivateKey
        if purpose == "jwt":
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            jwk = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
            jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
            alg = "RS256"
        else:
            private = ed25519.Ed25519PrivateKey.generate()
            raw = private.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
            import base64

            jwk = {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": base64.urlsafe_b64encode(raw).rstrip(b"=").decode(),
                "kid": kid,
                "alg": "EdDSA",
                "use": "sig",
            }
            alg = "EdDSA"
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return SigningKey(
            kid=kid, purpose=purpose, alg=alg, private_key=self._fernet.encrypt(pem), public_jwk=jwk
        )

    def ensure(self) -> None:
        """Create the first key of each purpose if there is none (idempotent; safe across processes)."""
        with platform_session() as s:
            for purpose in ("jwt", "audit"):
                if not repository.has_active_key(s, purpose):
                    repository.add_key(s, self._generate(purpose))
        self.invalidate()

    def rotate(self, purpose: str = "jwt") -> str:
        with platform_session() as s:
            repository.retire_active_keys(s, purpose)
            key = self._generate(purpose)
            repository.add_key(s, key)
        self.invalidate()
        return key.kid

    # -- reading -------------------------------------------------------------------------------
    def invalidate(self) -> None:
        self._loaded_at = 0.0

    def _load(self, force: bool = False) -> list[LoadedKey]:
        now = time.monotonic()
        if not force and self._keys and now - self._loaded_at < self._cache_seconds:
            return self._keys
        with self._lock:
            if not force and self._keys and time.monotonic() - self._loaded_at < self._cache_seconds:
                return self._keys
            # Retired JWT keys are kept for one token lifetime (plus leeway) after retirement.
            horizon = utcnow() - timedelta(seconds=self._ttl + 60)
            with platform_session() as s:
                rows = repository.live_keys(s, horizon)
            keys = []
            for row in rows:
                private = serialization.load_pem_private_key(self._fernet.decrypt(row.private_key), None)
                assert isinstance(private, (rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey))
                keys.append(
                    LoadedKey(
                        row.kid,
                        row.purpose,
                        row.alg,
                        private,
                        dict(row.public_jwk),
                        row.retired_at is not None,
                    )
                )
            self._keys = keys
            self._loaded_at = time.monotonic()
            return keys

    def signing_key(self, purpose: str = "jwt") -> LoadedKey:
        for key in self._load():
            if key.purpose == purpose and not key.retired:
                return key
        self.ensure()
        for key in self._load(force=True):
            if key.purpose == purpose and not key.retired:
                return key
        raise RuntimeError(f"no active {purpose} signing key")

    def verification_key(self, kid: str, purpose: str = "jwt") -> LoadedKey | None:
        for key in self._load():
            if key.kid == kid and key.purpose == purpose:
                return key
        # Another process may just have rotated; refresh at most once per cache period.
        if time.monotonic() - self._loaded_at > 1.0:
            for key in self._load(force=True):
                if key.kid == kid and key.purpose == purpose:
                    return key
        return None

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        return {"keys": [k.public_jwk for k in self._load() if k.purpose == "jwt"]}

    def audit_keys(self) -> list[LoadedKey]:
        return [k for k in self._load() if k.purpose == "audit"]
