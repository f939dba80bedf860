"""Sign-in with the organisation's identity provider: OpenID Connect authorization code flow with PKCE.

``GET /login/oidc`` sends the browser to the IdP with ``state``, ``nonce`` and an S256
``code_challenge``; the three (and the tenant) wait in a short-lived signed, HttpOnly cookie.
``GET /login/oidc/callback`` checks the state, exchanges the code (with the PKCE verifier), verifies the
ID token against the IdP's JWKS (issuer, audience = our client id, expiry, nonce), maps its e-mail to an
active user of the tenant and opens the same web session as the password login, audited.

Enabled when ``OIDC_ISSUER`` and ``OIDC_CLIENT_ID`` are set (``app.state.oidc_enabled``).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

import httpx
import jwt
import structlog
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from genius.config import Settings
from genius.core.auth import service as auth
from genius.web.kit import _, platform_of, session_codec, signed_in

log = structlog.get_logger("genius.web.oidc")
router = APIRouter(include_in_schema=False)

FLOW_COOKIE = "genius_oidc"
FLOW_PATH = "/login/oidc"
FLOW_SECONDS = 600
DISCOVERY_SECONDS = 300
HTTP_TIMEOUT = 10.0


class OidcFailed(Exception):
    """The sign-in cannot finish; ``reason`` is logged, the user sees a generic message."""

    def __init__(self, reason: str, message: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    assert settings.secret_key
    return URLSafeTimedSerializer(settings.secret_key, salt="genius-oidc-flow")


_discovery: dict[str, tuple[float, dict[str, Any]]] = {}
_jwks: dict[str, jwt.PyJWKClient] = {}


def provider(settings: Settings) -> dict[str, Any]:
    """The IdP's discovery document (cached for a few minutes)."""
    issuer = str(settings.oidc_issuer).rstrip("/")
    cached = _discovery.get(issuer)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    response = httpx.get(issuer + "/.well-known/openid-configuration", timeout=HTTP_TIMEOUT)
    response.raise_for_status()
    meta: dict[str, Any] = response.json()
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(meta.get(key), str):
            raise OidcFailed(f"discovery without {key}")
    _discovery[issuer] = (time.monotonic() + DISCOVERY_SECONDS, meta)
    return meta


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)  # 64 characters, within RFC 7636's 43-128
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def redirect_uri(settings: Settings) -> str:
    return settings.issuer.rstrip("/") + "/login/oidc/callback"


@router.get("/login/oidc")
def start(request: Request, tenant: Annotated[str, Query(max_length=63)] = "") -> Response:
    if not getattr(request.app.state, "oidc_enabled", False):
        return RedirectResponse("/login", status_code=303)
    from genius.web.pages import tenant_from_host

    settings = platform_of(request).settings
    tenant = tenant.strip() or tenant_from_host(request)
    try:
        meta = provider(settings)
    except (httpx.HTTPError, ValueError, OidcFailed) as exc:
        log.warning("oidc_discovery_failed", error=str(exc))
        return _failed(request, tenant, 502)
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    verifier, challenge = _pkce()
    query = {
        "response_type": "code",
        "client_id": settings.oidc_client_id,
        "redirect_uri": redirect_uri(settings),
        "scope": settings.oidc_login_scopes,
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    response = RedirectResponse(f"{meta['authorization_endpoint']}?{urlencode(query)}", status_code=303)
    flow = _serializer(settings).dumps({"s": state, "n": nonce, "v": verifier, "t": tenant})
    response.set_cookie(
        FLOW_COOKIE,
        flow,
        max_age=FLOW_SECONDS,
        path=FLOW_PATH,
        httponly=True,
        samesite="lax",  # the IdP's redirect back is a top-level GET navigation
        secure=session_codec(request).secure,
    )
    return response


@router.get("/login/oidc/callback")
def callback(
    request: Request,
    state: Annotated[str, Query(max_length=500)] = "",
    code: Annotated[str, Query(max_length=4000)] = "",
    error: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    if not getattr(request.app.state, "oidc_enabled", False):
        return RedirectResponse("/login", status_code=303)
    platform = platform_of(request)
    settings = platform.settings
    try:
        flow = _serializer(settings).loads(request.cookies.get(FLOW_COOKIE, ""), max_age=FLOW_SECONDS)
    except (BadSignature, ValueError, TypeError):
        flow = None
    tenant_ref = str(flow.get("t", "")) if isinstance(flow, dict) else ""
    if not isinstance(flow, dict) or not secrets.compare_digest(str(flow.get("s", "")), state):
        log.info("oidc_state_mismatch")
        message = _("The sign-in took too long or was started in another browser; please try again.")
        return _failed(request, tenant_ref, 400, message)
    if error or not code:
        log.info("oidc_idp_error", error=error[:100])
        return _failed(request, tenant_ref, 401)
    try:
        claims = _exchange(settings, code, str(flow["v"]), str(flow["n"]))
        account, tenant_id = _account(platform, settings, claims, tenant_ref)
    except OidcFailed as exc:
        log.info("oidc_login_failed", reason=exc.reason)
        return _failed(request, tenant_ref, 401, exc.message)
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("oidc_idp_unreachable", error=str(exc))
        return _failed(request, tenant_ref, 502)
    return _signed_in(request, account, tenant_id, str(claims.get("sub", "")))


def _exchange(settings: Settings, code: str, verifier: str, nonce: str) -> dict[str, Any]:
    meta = provider(settings)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri(settings),
        "code_verifier": verifier,
        "client_id": str(settings.oidc_client_id),
    }
    basic = (
        (str(settings.oidc_client_id), settings.oidc_client_secret) if settings.oidc_client_secret else None
    )
    response = httpx.post(meta["token_endpoint"], data=form, auth=basic, timeout=HTTP_TIMEOUT)
    if response.status_code != 200:
        raise OidcFailed(f"token endpoint answered {response.status_code}")
    id_token = response.json().get("id_token")
    if not isinstance(id_token, str):
        raise OidcFailed("no id_token")
    jwks = _jwks.get(meta["jwks_uri"])
    if jwks is None:
        jwks = _jwks[meta["jwks_uri"]] = jwt.PyJWKClient(meta["jwks_uri"], cache_keys=True, lifespan=300)
    try:
        key = jwks.get_signing_key_from_jwt(id_token)
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key.key,
            algorithms=settings.oidc_algorithms,
            audience=str(settings.oidc_client_id),
            issuer=str(settings.oidc_issuer),
            options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            leeway=30,
        )
    except jwt.PyJWKClientError as exc:
        raise OidcFailed("unknown signing key") from exc
    except jwt.PyJWTError as exc:
        raise OidcFailed(f"id token rejected: {exc}") from exc
    if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
        raise OidcFailed("nonce mismatch")
    return claims


def _account(
    platform: Any, settings: Settings, claims: dict[str, Any], tenant_ref: str
) -> tuple[auth.Account, uuid.UUID]:
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email or claims.get("email_verified") is False:
        raise OidcFailed("no verified e-mail in the id token")
    with platform.db.platform_session() as s:
        tenant = auth.find_tenant(s, tenant_ref) if tenant_ref else None
        claimed = claims
        for part in settings.oidc_tenant_claim.split("."):
            claimed = claimed.get(part) if isinstance(claimed, dict) else None  # type: ignore[assignment]
        if tenant is None and isinstance(claimed, str):
            tenant = auth.find_tenant(s, claimed)
        tenant_id = tenant.id if tenant is not None and tenant.status == "active" else None
        if tenant is not None and isinstance(claimed, str) and claimed not in (str(tenant.id), tenant.slug):
            raise OidcFailed("the id token names another tenant")
    if tenant_id is None:
        raise OidcFailed("unknown tenant")
    account = auth.active_person(platform.db, tenant_id, email)
    if account is None:
        message = _(
            "Your organisation's identity provider vouched for %(email)s, but no active user has this "
            "e-mail here.",
            email=email,
        )
        raise OidcFailed("no active user with this e-mail", message)
    return account, tenant_id


def _signed_in(request: Request, account: auth.Account, tid: uuid.UUID, subject: str) -> Response:
    """The same web session as the password login (pages.login), audited with the method."""
    platform = platform_of(request)
    data = {"method": "oidc", "issuer": str(platform.settings.oidc_issuer), "sub": subject[:200]}
    response = signed_in(request, account, data)
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
    return response


def _failed(request: Request, tenant: str, status: int, message: str | None = None) -> Response:
    """Back to the login form with the reason (never the IdP's raw error)."""
    from genius.web.pages import _login_page

    text = message or _(
        "Sign-in with your organisation's identity provider failed. Try again or use your password."
    )
    response = _login_page(request, tenant, text, status)
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
    return response
