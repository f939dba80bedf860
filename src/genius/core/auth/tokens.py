"""Access tokens: issued by our OIDC-compatible issuer (RS256, ``kid``), or by an external IdP.

Verification pins the algorithm list to RS256 (or the configured external list), so ``alg: none`` and
HS256-signed-with-the-public-key tokens never reach a key; the key is chosen by ``kid`` only among
our own (or the IdP's JWKS), and ``iss``/``aud``/``exp`` are required and checked.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from jwt import PyJWKClient

from genius.config import Settings
from genius.core.auth.keys import KeyStore

INTERNAL_ALGORITHMS = ["RS256"]
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]


class InvalidToken(Exception):
    """The token cannot be trusted; the message names why (logged, and returned as the detail)."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: the same shape whether the token came from us or from an external IdP."""

    sub: str
    tid: uuid.UUID
    scopes: frozenset[str]
    role: str = ""
    whid: uuid.UUID | None = None
    kind: str = "user"
    email: str = ""
    issuer: str = ""
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def has(self, *scopes: str) -> bool:
        return all(s in self.scopes for s in scopes)


def _claim(claims: dict[str, Any], path: str) -> Any:
    """Dotted claim paths for IdPs that nest them (Keycloak: ``realm_access.roles``)."""
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _scopes(value: Any) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, list | tuple):
        return frozenset(str(v) for v in value)
    return frozenset()


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _b64json(segment: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def _peek(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims, *unverified*: only to pick the issuer and key; PyJWT then verifies."""
    try:
        head, body, _sig = token.split(".")
        header, claims = _b64json(head), _b64json(body)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidToken("malformed token") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise InvalidToken("malformed token")
    return header, claims


class TokenService:
    def __init__(self, settings: Settings, keys: KeyStore) -> None:
        self.settings = settings
        self.keys = keys
        self.issuer = settings.issuer
        self.audience = settings.jwt_audience
        self.ttl = settings.access_token_ttl_seconds
        self._external: PyJWKClient | None = None

    # -- issuing ---------------------------------------------------------------------------------
    def issue(
        self,
        *,
        sub: str,
        tid: uuid.UUID,
        scopes: list[str] | frozenset[str],
        role: str,
        whid: uuid.UUID | None = None,
        kind: str = "user",
        email: str = "",
        ttl: int | None = None,
    ) -> tuple[str, int]:
        key = self.keys.signing_key("jwt")
        now = int(time.time())
        lifetime = ttl or self.ttl
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": sub,
            "tid": str(tid),
            "whid": str(whid) if whid else None,
            "scp": " ".join(sorted(scopes)),
            "role": role,
            "kind": kind,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "jti": secrets.token_hex(8),
        }
        if email:
            claims["email"] = email
        token = jwt.encode(claims, key.private, algorithm="RS256", headers={"kid": key.kid})
        return token, lifetime

    # -- verifying -------------------------------------------------------------------------------
    def verify(self, token: str) -> Principal:
        header, unverified = _peek(token)
        iss = unverified.get("iss")
        if iss == self.issuer:
            return self._verify_internal(token, header)
        if self.settings.oidc_issuer and iss == self.settings.oidc_issuer:
            return self._verify_external(token)
        raise InvalidToken("unknown issuer")

    def _verify_internal(self, token: str, header: dict[str, Any]) -> Principal:
        if header.get("alg") not in INTERNAL_ALGORITHMS:
            raise InvalidToken("algorithm not allowed")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise InvalidToken("missing kid")
        key = self.keys.verification_key(kid, "jwt")
        if key is None:
            raise InvalidToken("unknown kid")
        try:
            claims = jwt.decode(
                token,
                key.public,
                algorithms=INTERNAL_ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                options={"require": [*REQUIRED_CLAIMS, "tid"]},
                leeway=5,
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("token expired") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc) or "invalid token") from exc
        tid = _uuid(claims.get("tid"))
        if tid is None:
            raise InvalidToken("invalid tid claim")
        return Principal(
            sub=str(claims["sub"]),
            tid=tid,
            scopes=_scopes(claims.get("scp")),
            role=str(claims.get("role") or ""),
            whid=_uuid(claims.get("whid")),
            kind=str(claims.get("kind") or "user"),
            email=str(claims.get("email") or ""),
            issuer=self.issuer,
            claims=claims,
        )

    def _jwks_client(self) -> PyJWKClient:
        if self._external is None:
            url = self.settings.oidc_jwks_url
            if not url:
                import httpx

                discovery = httpx.get(
                    self.settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",  # type: ignore[union-attr]
                    timeout=5,
                )
                discovery.raise_for_status()
                url = str(discovery.json()["jwks_uri"])
            self._external = PyJWKClient(url, cache_keys=True, lifespan=300)
        return self._external

    def _verify_external(self, token: str) -> Principal:
        s = self.settings
        try:
            signing_key = self._jwks_client().get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                signing_key.key,
                algorithms=s.oidc_algorithms,
                audience=s.oidc_audience or s.jwt_audience,
                issuer=s.oidc_issuer,
                options={"require": REQUIRED_CLAIMS},
                leeway=5,
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("token expired") from exc
        except jwt.PyJWKClientError as exc:
            raise InvalidToken("unknown kid") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc) or "invalid token") from exc
        except Exception as exc:  # the IdP's JWKS is unreachable: the token cannot be trusted
            raise InvalidToken("issuer keys unavailable") from exc
        tid = _uuid(_claim(claims, s.oidc_tenant_claim))
        if tid is None:
            raise InvalidToken(f"missing or invalid tenant claim {s.oidc_tenant_claim!r}")
        role_value = _claim(claims, s.oidc_role_claim)
        return Principal(
            sub=str(claims["sub"]),
            tid=tid,
            scopes=_scopes(_claim(claims, s.oidc_scope_claim)),
            role=role_value if isinstance(role_value, str) else "",
            whid=_uuid(_claim(claims, "whid")),
            kind="user",
            email=str(claims.get("email") or ""),
            issuer=str(s.oidc_issuer),
            claims=claims,
        )
