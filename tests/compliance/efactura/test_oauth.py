"""ANAF OAuth: authorize URL, code exchange and refresh against the fake, automatic refresh."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from genius.compliance.common.oauth import (
    OAuthClient,
    OAuthError,
    TokenStore,
    authorize_url,
    make_state,
    read_state,
)
from genius.config import Settings
from genius.core.platform import Platform
from tests.compliance.conftest import FakeAnaf
from tests.compliance.efactura.test_client import fake_settings
from tests.conftest import TenantCtx


def test_authorize_url_and_state(fake_anaf: FakeAnaf, settings: Settings) -> None:
    s = fake_settings(fake_anaf, settings)
    tid = uuid.uuid4()
    url = authorize_url(s, make_state(s, tid))
    assert url.startswith(f"{fake_anaf.url}/anaf-oauth2/v1/authorize?")
    for part in ("response_type=code", "client_id=fake-client-id", "token_content_type=jwt", "redirect_uri="):
        assert part in url
    state = url.split("state=")[1]
    from urllib.parse import unquote

    assert read_state(s, unquote(state)) == tid
    with pytest.raises(OAuthError):
        read_state(s, "forged")
    with pytest.raises(OAuthError) as err:
        authorize_url(settings.model_copy(update={"anaf_client_id": None}), "x")
    assert err.value.kind == "config"


def test_exchange_refresh_and_automatic_refresh(
    fake_anaf: FakeAnaf, settings: Settings, platform: Platform, tenant: TenantCtx
) -> None:
    import httpx

    s = fake_settings(fake_anaf, settings)
    fake = fake_anaf.states.efactura
    redirect = httpx.get(authorize_url(s, make_state(s, tenant.id)), follow_redirects=False)
    code = httpx.URL(redirect.headers["location"]).params["code"]
    oauth = OAuthClient(s)
    tokens = oauth.exchange_code(code)
    assert fake.token_requests[-1]["grant_type"] == "authorization_code"
    assert tokens.access_token in fake.access_tokens
    assert tokens.expires_at > datetime.now(UTC) + timedelta(days=89)
    with pytest.raises(OAuthError) as err:
        oauth.exchange_code(code)  # a code is single-use
    assert err.value.kind == "refused"

    store = TokenStore(s)
    with platform.db.tenant_session(tenant.id) as session:
        store.save(session, tenant.id, tokens)
        assert store.access_token(session, tenant.id, oauth) == tokens.access_token  # still fresh
        assert len(fake.token_requests) == 2  # the exchange and the refused reuse
    # close to expiry: refreshed before use
    fake.token_lifetime = 3600
    with platform.db.tenant_session(tenant.id) as session:
        store.save(session, tenant.id, oauth.refresh(tokens.refresh_token or ""))
        assert fake.token_requests[-1]["grant_type"] == "refresh_token"
        short = store.load(session, tenant.id)
        assert short is not None
        fresh = store.access_token(session, tenant.id, oauth)
        assert fresh != short.access_token and len(fake.token_requests) == 4
        assert store.status(session, tenant.id)["connected"] is True


def test_not_connected(
    platform: Platform, settings: Settings, fake_anaf: FakeAnaf, tenant: TenantCtx
) -> None:
    s = fake_settings(fake_anaf, settings)
    with platform.db.tenant_session(tenant.id) as session, pytest.raises(OAuthError) as err:
        TokenStore(s).access_token(session, tenant.id, OAuthClient(s))
    assert err.value.kind == "not_connected"
