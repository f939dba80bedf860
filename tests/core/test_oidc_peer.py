"""A standard OIDC client library (authlib) talks to our issuer over real HTTP."""

from __future__ import annotations

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth2Client
from authlib.jose import JsonWebKey, JsonWebToken
from authlib.jose.errors import JoseError

from tests.conftest import PASSWORD
from tests.core.test_auth import forged_tokens


def test_authlib_fetches_and_verifies_tokens_via_discovery(live_server, tenant, platform) -> None:  # type: ignore[no-untyped-def]
    meta = httpx.get(f"{live_server.url}/.well-known/openid-configuration").json()
    assert meta["issuer"] == live_server.url
    client = OAuth2Client(token_endpoint_auth_method="client_secret_post")
    token = client.fetch_token(
        meta["token_endpoint"],
        grant_type="password",
        username=tenant.admin_email,
        password=PASSWORD,
        tenant=tenant.slug,
    )
    jwks = JsonWebKey.import_key_set(httpx.get(meta["jwks_uri"]).json())
    claims = JsonWebToken(["RS256"]).decode(
        token["access_token"],
        jwks,
        claims_options={
            "iss": {"essential": True, "value": meta["issuer"]},
            "aud": {"essential": True, "value": "genius-api"},
        },
    )
    claims.validate()
    assert claims["tid"] == str(tenant.id)
    # The token works against the API it was issued for.
    me = httpx.get(meta["userinfo_endpoint"], headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.status_code == 200


def test_authlib_rejects_every_forged_token(live_server, tenant, platform) -> None:  # type: ignore[no-untyped-def]
    meta = httpx.get(f"{live_server.url}/.well-known/openid-configuration").json()
    jwks = JsonWebKey.import_key_set(httpx.get(meta["jwks_uri"]).json())
    opts = {
        "iss": {"essential": True, "value": platform.tokens.issuer},
        "aud": {"essential": True, "value": "genius-api"},
        "tid": {"essential": True},
    }
    for name, token in forged_tokens(platform, tenant).items():
        with pytest.raises((JoseError, ValueError)):
            claims = JsonWebToken(["RS256"]).decode(token, jwks, claims_options=opts)
            claims.validate()
            pytest.fail(f"authlib accepted {name}")
