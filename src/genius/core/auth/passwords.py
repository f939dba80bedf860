"""Password hashing with argon2id (argon2-cffi)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

SECRET_PREFIX = "sha256$"


class Passwords:
    def __init__(self, time_cost: int = 3, memory_kib: int = 65536) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)
        # Verifying against a dummy hash for unknown users keeps the timing of both answers alike.
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._dummy, password) and password_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        if password_hash.startswith(SECRET_PREFIX):
            return False
        return self._hasher.check_needs_rehash(password_hash)

    # Service-account secrets are 256-bit random strings, not human passwords: a slow hash adds
    # nothing against guessing them, so they are stored as SHA-256 and checked in constant time.
    @staticmethod
    def hash_secret(secret: str) -> str:
        return SECRET_PREFIX + hashlib.sha256(secret.encode()).hexdigest()

    @staticmethod
    def verify_secret(stored: str | None, secret: str) -> bool:
        given = SECRET_PREFIX + hashlib.sha256(secret.encode()).hexdigest()
        return bool(stored) and hmac.compare_digest(stored or "", given)
