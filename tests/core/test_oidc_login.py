"""Web sign-in with the organisation's identity provider: authorization code + PKCE against a minimal
OpenID provider running in the test (discovery, authorize, token, JWKS)."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.testclient import TestClient
from jwt.algorithms import RSAAlgorithm

from genius.app import create_app
from genius.core.platform import Platform
from genius.web.admin import oidc
from tests.conftest import LiveServer, free_port

CLIENT_ID = "genius-web"


class FakeIdP:
    """Signs ID tokens for ``user`` (set by the test); checks PKCE S256 at the token endpoint."""

    def __init__(self, port: int) -> None:
        self.issuer = f"http://127.0.0.1:{port}/realms/acme"
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.user: dict[str, Any] = {}
        self.codes: dict[str, dict[str, str]] = {}
        self.tamper: dict[str, Any] = {}
        self.app = self._app()

    def _app(self) -> FastAPI:
        idp = FastAPI()
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key())) | {
            "kid": "k1",
            "alg": "RS256",
            "use": "sig",
        }

        @idp.get("/realms/acme/.well-known/openid-configuration")
        def discovery() -> dict[str, str]:
            return {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/auth",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/certs",
            }

        @idp.get("/realms/acme/certs")
        def certs() -> dict[str, Any]:
            return {"keys": [jwk]}

        @idp.get("/realms/acme/auth")
        def authorize(request: Request) -> RedirectResponse:
            q = request.query_params
            assert q["response_type"] == "code" and q["client_id"] == CLIENT_ID
            assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43
            code = uuid.uuid4().hex
            self.codes[code] = {
                "challenge": q["code_challenge"],
                "nonce": q["nonce"],
                "redirect": q["redirect_uri"],
            }
            return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}")

        @idp.post("/realms/acme/token")
        def token(
            grant_type: str = Form(),
            code: str = Form(),
            code_verifier: str = Form(),
            redirect_uri: str = Form(),
        ) -> JSONResponse:
            issued = self.codes.pop(code, None)
            digest = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).rstrip(b"=")
            if issued is None or digest.decode() != issued["challenge"] or redirect_uri != issued["redirect"]:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            now = int(time.time())
            claims = {
                "iss": self.issuer,
                "aud": CLIENT_ID,
                "sub": "idp-user-1",
                "iat": now,
                "exp": now + 300,
                "nonce": issued["nonce"],
                **self.user,
            } | self.tamper
            signed = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "k1"})
            return JSONResponse({"access_token": "x", "token_type": "Bearer", "id_token": signed})

        return idp


@pytest.fixture
def idp_app(platform: Platform, settings, db):  # type: ignore[no-untyped-def]
    port = free_port()
    fake = FakeIdP(port)
    oidc._discovery.clear()
    oidc._jwks.clear()
    with LiveServer(fake.app, port):
        s = settings.model_copy(update={"oidc_issuer": fake.issuer, "oidc_client_id": CLIENT_ID})
        p = Platform.build(s, "", None, db=platform.db)
        client = TestClient(create_app(p, configure_observability=False), raise_server_exceptions=False)
        yield fake, client


def _sign_in(client: TestClient, tenant: str = "") -> Any:
    start = client.get("/login/oidc" + (f"?tenant={tenant}" if tenant else ""), follow_redirects=False)
    assert start.status_code == 303, start.text
    target = start.headers["location"]
    q = parse_qs(urlparse(target).query)
    assert q["code_challenge_method"] == ["S256"] and q["state"] and q["nonce"]
    assert "genius_oidc=" in start.headers["set-cookie"] and "HttpOnly" in start.headers["set-cookie"]
    back = httpx.get(target, follow_redirects=False)
    assert back.status_code in (302, 303, 307)
    callback = urlparse(back.headers["location"])
    return client.get(f"{callback.path}?{callback.query}", follow_redirects=False)


def test_login_page_offers_the_idp_and_signs_in_a_known_user(idp_app, tenant) -> None:  # type: ignore[no-untyped-def]
    fake, client = idp_app
    assert "/login/oidc" in client.get("/login").text
    fake.user = {"email": tenant.admin_email.upper(), "email_verified": True}
    done = _sign_in(client, tenant.slug)
    assert done.status_code == 303 and done.headers["location"] == "/", done.text
    assert "genius_session=" in done.headers.get("set-cookie", "")
    assert client.get("/admin/users").status_code == 200
    entries = client.get("/v1/audit?action=auth.web_login", headers=tenant.headers).json()["items"]
    assert [e["data"]["method"] for e in entries] == ["oidc"]


def test_unknown_or_disabled_email_gets_no_session(idp_app, tenant) -> None:  # type: ignore[no-untyped-def]
    fake, client = idp_app
    fake.user = {"email": "stranger@firma.ro"}
    r = _sign_in(client, tenant.slug)
    assert r.status_code == 401 and "stranger@firma.ro" in r.text
    assert "genius_session=" not in r.headers.get("set-cookie", "")
    fake.user = {"email": tenant.admin_email, "email_verified": False}
    assert _sign_in(client, tenant.slug).status_code == 401


def test_tampered_flows_are_refused(idp_app, tenant, make_tenant) -> None:  # type: ignore[no-untyped-def]
    fake, client = idp_app
    fake.user = {"email": tenant.admin_email}
    # A forged state, or no flow cookie at all (started in another browser).
    client.get("/login/oidc?tenant=" + tenant.slug, follow_redirects=False)
    assert client.get("/login/oidc/callback?code=x&state=forged").status_code == 400
    client.cookies.clear()
    assert client.get("/login/oidc/callback?code=x&state=y").status_code == 400
    # The IdP reports an error.
    start = client.get("/login/oidc?tenant=" + tenant.slug, follow_redirects=False)
    state = parse_qs(urlparse(start.headers["location"]).query)["state"][0]
    assert client.get(f"/login/oidc/callback?error=access_denied&state={state}").status_code == 401
    # A wrong nonce, a wrong audience, an expired token.
    for bad in ({"nonce": "other"}, {"aud": "someone-else"}, {"exp": int(time.time()) - 600}):
        fake.tamper = bad
        r = _sign_in(client, tenant.slug)
        assert r.status_code == 401 and "genius_session=" not in r.headers.get("set-cookie", ""), bad
    fake.tamper = {}
    # The ID token names another tenant than the one the user chose.
    other = make_tenant()
    fake.user = {"email": tenant.admin_email, "tid": str(other.id)}
    assert _sign_in(client, tenant.slug).status_code == 401
    # Without a tenant in the form, the token's tenant claim chooses it.
    fake.user = {"email": other.admin_email, "tid": str(other.id)}
    assert _sign_in(client).status_code == 303


def test_without_configuration_the_idp_routes_lead_back_to_login(client) -> None:  # type: ignore[no-untyped-def]
    assert "/login/oidc" not in client.get("/login").text
    assert client.get("/login/oidc", follow_redirects=False).headers["location"] == "/login"
    assert client.get("/login/oidc/callback?code=x&state=y", follow_redirects=False).status_code == 303
