"""ANAF OAuth2 (``logincert.anaf.ro/anaf-oauth2/v1``): authorization-code flow, tokens per tenant.

* ``authorize_url``: where the user's browser goes (``response_type=code``, ``client_id``,
  ``redirect_uri``, ``token_content_type=jwt``, ``state``); ANAF authenticates the user's qualified
  certificate and redirects back with ``?code=…&state=…``.
* ``OAuthClient.exchange_code`` / ``refresh``: ``POST {base}/token`` with the client credentials as
  HTTP Basic (as ANAF's registration guide says), form fields ``grant_type``, ``code`` +
  ``redirect_uri`` or ``refresh_token``, and ``token_content_type=jwt``. Access tokens live 90 days,
  refresh tokens 365.
* ``TokenStore``: the tokens, Fernet-encrypted, in ``compliance.efactura_oauth_tokens`` (one row per
  tenant, ``common.models.OAuthToken``; its SQL in ``common.repository``); ``access_token()``
  refreshes automatically shortly before expiry. e-Factura and e-Transport share it.
* ``token_provider``: what an ANAF client calls for the tenant's Bearer token.
* ``make_state`` / ``read_state``: the ``state`` parameter is an encrypted, time-limited token naming
  the tenant, so the callback (a browser redirect carrying no API token) knows whose tokens arrived.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import httpx
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.orm import Session

from genius.compliance.common import repository
from genius.compliance.common.client import TokenProvider
from genius.compliance.common.errors import OAuthError
from genius.config import Settings
from genius.core.db.session import Database
from genius.core.kit.crypto import fernet

TOKEN_PURPOSE = "anaf-efactura-oauth-tokens"
STATE_PURPOSE = "anaf-efactura-oauth-state"
STATE_TTL_SECONDS = 900
REFRESH_MARGIN = timedelta(days=1)
DEFAULT_ACCESS_LIFETIME = timedelta(days=90)
DEFAULT_REFRESH_LIFETIME = timedelta(days=365)


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str | None
    expires_at: datetime
    refresh_expires_at: datetime | None
    token_type: str = "Bearer"


def _secret(settings: Settings) -> str:
    if not settings.secret_key:
        raise OAuthError("config", "GENIUS_SECRET_KEY is required to store ANAF tokens")
    return settings.secret_key


def _require_client(settings: Settings) -> tuple[str, str, str]:
    if not (settings.anaf_client_id and settings.anaf_client_secret and settings.anaf_redirect_uri):
        raise OAuthError(
            "config",
            "ANAF OAuth is not configured: set GENIUS_ANAF_CLIENT_ID, GENIUS_ANAF_CLIENT_SECRET and "
            "GENIUS_ANAF_REDIRECT_URI (the callback URL registered with ANAF)",
        )
    return settings.anaf_client_id, settings.anaf_client_secret, settings.anaf_redirect_uri


# --- state -----------------------------------------------------------------------------------------
def make_state(settings: Settings, tid: uuid.UUID) -> str:
    payload = json.dumps({"tid": str(tid), "n": secrets.token_urlsafe(8)}).encode()
    return fernet(_secret(settings), STATE_PURPOSE).encrypt(payload).decode()


def read_state(settings: Settings, state: str, ttl: int = STATE_TTL_SECONDS) -> uuid.UUID:
    try:
        payload = fernet(_secret(settings), STATE_PURPOSE).decrypt(state.encode(), ttl=ttl)
        return uuid.UUID(json.loads(payload)["tid"])
    except (InvalidToken, ValueError, KeyError, TypeError):
        raise OAuthError("state", "the OAuth state is invalid or expired; start again") from None


def authorize_url(settings: Settings, state: str) -> str:
    client_id, _, redirect_uri = _require_client(settings)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "token_content_type": "jwt",
            "state": state,
        }
    )
    return f"{settings.anaf_oauth_base.rstrip('/')}/authorize?{query}"


# --- token endpoint ------------------------------------------------------------------------------------
class OAuthClient:
    def __init__(self, settings: Settings, http: httpx.Client | None = None) -> None:
        self.settings = settings
        self.http = http or httpx.Client(timeout=settings.anaf_timeout)

    def _token(self, form: dict[str, str]) -> TokenSet:
        client_id, client_secret, _ = _require_client(self.settings)
        url = f"{self.settings.anaf_oauth_base.rstrip('/')}/token"
        try:
            response = self.http.post(
                url, data={**form, "token_content_type": "jwt"}, auth=(client_id, client_secret)
            )
        except httpx.HTTPError as exc:
            raise OAuthError("unavailable", f"ANAF OAuth unreachable: {exc}") from exc
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code >= 500:
            raise OAuthError("unavailable", f"ANAF OAuth answered HTTP {response.status_code}")
        if response.status_code != 200 or not isinstance(data, dict) or not data.get("access_token"):
            detail = ""
            if isinstance(data, dict):
                detail = str(data.get("error_description") or data.get("error") or "")
            raise OAuthError(
                "refused", f"ANAF OAuth refused the request (HTTP {response.status_code}) {detail}".strip()
            )
        now = datetime.now(UTC)
        try:
            expires_in = float(data.get("expires_in") or DEFAULT_ACCESS_LIFETIME.total_seconds())
        except (TypeError, ValueError):
            expires_in = DEFAULT_ACCESS_LIFETIME.total_seconds()
        refresh = data.get("refresh_token")
        try:
            refresh_in = (
                float(data["refresh_token_expires_in"]) if "refresh_token_expires_in" in data else None
            )
        except (TypeError, ValueError):
            refresh_in = None
        return TokenSet(
            access_token=str(data["access_token"]),
            refresh_token=str(refresh) if refresh else form.get("refresh_token"),
            expires_at=now + timedelta(seconds=expires_in),
            refresh_expires_at=now
            + (timedelta(seconds=refresh_in) if refresh_in is not None else DEFAULT_REFRESH_LIFETIME),
            token_type=str(data.get("token_type") or "Bearer"),
        )

    def exchange_code(self, code: str) -> TokenSet:
        _, _, redirect_uri = _require_client(self.settings)
        return self._token({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri})

    def refresh(self, refresh_token: str) -> TokenSet:
        return self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})


# --- storage -------------------------------------------------------------------------------------------
class TokenStore:
    """Encrypted tokens per tenant; ``access_token`` refreshes them before they expire."""

    def __init__(self, settings: Settings, margin: timedelta = REFRESH_MARGIN) -> None:
        self._fernet: Fernet = fernet(_secret(settings), TOKEN_PURPOSE)
        self.margin = margin

    def save(self, session: Session, tid: uuid.UUID, tokens: TokenSet) -> None:
        row = repository.oauth_token(session, tid) or repository.add_oauth_token(session, tid)
        row.access_token = self._fernet.encrypt(tokens.access_token.encode())
        row.refresh_token = (
            self._fernet.encrypt(tokens.refresh_token.encode()) if tokens.refresh_token else None
        )
        row.token_type = tokens.token_type
        row.expires_at = tokens.expires_at
        row.refresh_expires_at = tokens.refresh_expires_at
        row.updated_at = datetime.now(UTC)
        repository.flush(session)

    def load(self, session: Session, tid: uuid.UUID) -> TokenSet | None:
        row = repository.oauth_token(session, tid)
        if row is None:
            return None
        try:
            access = self._fernet.decrypt(row.access_token).decode()
            refresh = self._fernet.decrypt(row.refresh_token).decode() if row.refresh_token else None
        except InvalidToken:
            raise OAuthError(
                "not_connected", "stored ANAF tokens cannot be decrypted (secret key changed?)"
            ) from None
        return TokenSet(access, refresh, row.expires_at, row.refresh_expires_at, row.token_type)

    def status(self, session: Session, tid: uuid.UUID) -> dict[str, object]:
        row = repository.oauth_token(session, tid)
        if row is None:
            return {"connected": False}
        return {
            "connected": True,
            "expires_at": row.expires_at.isoformat(),
            "refresh_expires_at": row.refresh_expires_at.isoformat() if row.refresh_expires_at else None,
        }

    def refresh(self, session: Session, tid: uuid.UUID, oauth: OAuthClient) -> TokenSet:
        current = self.load(session, tid)
        if current is None or not current.refresh_token:
            raise OAuthError("not_connected", "no ANAF refresh token: connect the ANAF account again")
        if current.refresh_expires_at is not None and current.refresh_expires_at <= datetime.now(UTC):
            raise OAuthError(
                "not_connected", "the ANAF refresh token expired: connect the ANAF account again"
            )
        tokens = oauth.refresh(current.refresh_token)
        self.save(session, tid, tokens)
        return tokens

    def access_token(self, session: Session, tid: uuid.UUID, oauth: OAuthClient) -> str:
        current = self.load(session, tid)
        if current is None:
            raise OAuthError("not_connected", "this tenant has not connected its ANAF account (OAuth)")
        if current.expires_at - self.margin <= datetime.now(UTC):
            return self.refresh(session, tid, oauth).access_token
        return current.access_token


def connect_without_browser(
    db: Database, settings: Settings, tid: uuid.UUID, http: httpx.Client | None = None
) -> dict[str, object]:
    """The authorization-code flow where the authorization server approves without a login page (the
    demo's fake ANAF): our ``state``, ``/authorize``, the redirect's ``code`` and ``state`` read back as
    the callback reads them, the code exchanged and the tokens stored. Returns the connection's status."""
    client = http or httpx.Client(timeout=settings.anaf_timeout)
    url = authorize_url(settings, make_state(settings, tid))
    try:
        reply = client.get(url, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise OAuthError("unavailable", f"ANAF OAuth unreachable: {exc}") from exc
    location = httpx.URL(reply.headers.get("location", ""))
    code, state = location.params.get("code"), location.params.get("state")
    if reply.status_code not in (302, 303) or not code or not state:
        raise OAuthError("refused", f"ANAF OAuth did not approve (HTTP {reply.status_code})")
    if read_state(settings, state) != tid:
        raise OAuthError("state", "the OAuth state came back for another tenant")
    tokens = OAuthClient(settings, client).exchange_code(code)
    store = TokenStore(settings)
    with db.tenant_session(tid) as session:
        store.save(session, tid, tokens)
        return store.status(session, tid)


def token_provider(
    db: Database, settings: Settings, tid: uuid.UUID, http: httpx.Client | None = None
) -> TokenProvider:
    """The tenant's access token for an ANAF client (e-Factura, e-Transport). Each call is its own short
    tenant transaction, so a refreshed token is stored at once, whatever the caller does next."""
    store = TokenStore(settings)
    oauth = OAuthClient(settings, http)

    def token(refresh: bool) -> str:
        with db.tenant_session(tid) as session:
            if refresh:
                return store.refresh(session, tid, oauth).access_token
            return store.access_token(session, tid, oauth)

    return token
