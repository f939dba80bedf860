"""The issuer: grants, token claims, forged tokens, scopes, key rotation."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from genius.core.platform import Platform
from tests.conftest import PASSWORD


def password_grant(client: TestClient, tenant: str, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(
        "/v1/auth/token",
        data={"grant_type": "password", "tenant": tenant, "username": email, "password": password},
    )


def test_password_grant_issues_rs256_token_with_required_claims(client, tenant, platform: Platform) -> None:  # type: ignore[no-untyped-def]
    r = password_grant(client, tenant.slug, tenant.admin_email)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == platform.settings.access_token_ttl_seconds
    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "RS256" and header["kid"]
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    for claim in ("sub", "tid", "whid", "scp", "role", "iss", "aud", "exp", "iat"):
        assert claim in claims
    assert claims["tid"] == str(tenant.id) and claims["role"] == "admin"
    assert "crm:write" in claims["scp"].split() and "platform:admin" not in claims["scp"].split()
    me = client.get("/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["email"] == tenant.admin_email


def test_tenant_id_also_accepted_and_scope_can_be_narrowed(client, tenant) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        "/v1/auth/token",
        data={
            "grant_type": "password",
            "tenant": str(tenant.id),
            "username": tenant.admin_email.upper(),
            "password": PASSWORD,
            "scope": "crm:read",
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["scope"] == "crm:read"
    bad = client.post(
        "/v1/auth/token",
        data={
            "grant_type": "password",
            "tenant": tenant.slug,
            "username": tenant.admin_email,
            "password": PASSWORD,
            "scope": "platform:admin",
        },
    )
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_scope"


@pytest.mark.parametrize("case", ["password", "tenant", "email"])
def test_bad_credentials_are_invalid_grant(client, tenant, case: str) -> None:  # type: ignore[no-untyped-def]
    args = {"tenant": tenant.slug, "email": tenant.admin_email, "password": PASSWORD}
    args[case] = {"password": "wrong-password", "tenant": "no-such-tenant", "email": "x@y.ro"}[case]
    r = password_grant(client, args["tenant"], args["email"], args["password"])
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["error"] == "invalid_grant"
    assert "access_token" not in r.json()


def test_unsupported_grant_and_missing_fields(client) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/v1/auth/token", data={"grant_type": "authorization_code"})
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"
    r = client.post("/v1/auth/token", data={"grant_type": "password", "username": "a@b.ro"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    r = client.post("/v1/auth/token", data={})
    assert r.status_code == 422


def test_client_credentials_for_service_accounts(client, tenant) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/v1/service-accounts", json={"name": "etl", "role": "ops"}, headers=tenant.headers)
    assert r.status_code == 201, r.text
    cid, secret = r.json()["client_id"], r.json()["client_secret"]
    tok = client.post(
        "/v1/auth/token", data={"grant_type": "client_credentials", "client_id": cid, "client_secret": secret}
    )
    assert tok.status_code == 200, tok.text
    claims = jwt.decode(tok.json()["access_token"], options={"verify_signature": False})
    assert claims["kind"] == "service" and claims["role"] == "ops" and "workers:admin" in claims["scp"]
    basic = base64.b64encode(f"{cid}:{secret}".encode()).decode()
    tok2 = client.post(
        "/v1/auth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert tok2.status_code == 200
    bad = client.post(
        "/v1/auth/token", data={"grant_type": "client_credentials", "client_id": cid, "client_secret": "nope"}
    )
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"


# --- forged and broken tokens ------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(platform: Platform, tenant, **over):  # type: ignore[no-untyped-def]
    now = int(time.time())
    base = {
        "iss": platform.tokens.issuer,
        "aud": platform.settings.jwt_audience,
        "sub": str(tenant.admin_id),
        "tid": str(tenant.id),
        "whid": None,
        "scp": "tenant:admin audit:read crm:read",
        "role": "admin",
        "iat": now,
        "exp": now + 300,
    }
    base.update(over)
    return base


def forged_tokens(platform: Platform, tenant) -> dict[str, str]:  # type: ignore[no-untyped-def]
    key = platform.keys.signing_key("jwt")

    def sign(claims, **kw):
        return jwt.encode(claims, key.private, algorithm="RS256", headers={"kid": key.kid}, **kw)

    valid = sign(_claims(platform, tenant))
    h, p, s = valid.split(".")
    tampered_payload = json.loads(base64.urlsafe_b64decode(p + "=="))
    tampered_payload["scp"] += " platform:admin"
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = key.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    import hashlib
    import hmac

    hs_header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key.kid}).encode())
    hs_payload = _b64(json.dumps(_claims(platform, tenant)).encode())
    hs_sig = _b64(hmac.new(public_pem, f"{hs_header}.{hs_payload}".encode(), hashlib.sha256).digest())
    none_header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": key.kid}).encode())
    return {
        "expired": sign(_claims(platform, tenant, iat=int(time.time()) - 4000, exp=int(time.time()) - 3000)),
        "wrong_iss": sign(_claims(platform, tenant, iss="https://evil.example")),
        "wrong_aud": sign(_claims(platform, tenant, aud="another-api")),
        "alg_none": f"{none_header}.{hs_payload}.",
        "hs256_with_public_key": f"{hs_header}.{hs_payload}.{hs_sig}",
        "unknown_kid": jwt.encode(
            _claims(platform, tenant), other, algorithm="RS256", headers={"kid": "rogue-1"}
        ),
        "right_kid_wrong_key": jwt.encode(
            _claims(platform, tenant), other, algorithm="RS256", headers={"kid": key.kid}
        ),
        "tampered_payload": f"{h}.{_b64(json.dumps(tampered_payload).encode())}.{s}",
        "garbage": "not-a-jwt",
        "missing_tid": sign({k: v for k, v in _claims(platform, tenant).items() if k != "tid"}),
    }


def test_forged_tokens_get_401(client, tenant, platform: Platform) -> None:  # type: ignore[no-untyped-def]
    for name, token in forged_tokens(platform, tenant).items():
        r = client.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, f"{name}: {r.status_code} {r.text}"
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "invalid_token" in r.headers["www-authenticate"]
    assert client.get("/v1/auth/me").status_code == 401


def test_missing_scope_gets_403(client, tenant) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/v1/tenants", headers=tenant.headers)
    assert r.status_code == 403
    assert r.json()["required_scopes"] == ["platform:admin"]
    viewer = client.post(
        "/v1/users", json={"email": "v@x.ro", "password": PASSWORD, "role": "viewer"}, headers=tenant.headers
    )
    assert viewer.status_code == 201
    tok = password_grant(client, tenant.slug, "v@x.ro").json()["access_token"]
    r = client.post(
        "/v1/users",
        json={"email": "w@x.ro", "password": PASSWORD, "role": "viewer"},
        headers={"Authorization": f"Bearer {tok}"},
    )
    assert r.status_code == 403


def test_key_rotation_keeps_old_key_until_its_tokens_expire(
    client, platform_admin, platform: Platform
) -> None:  # type: ignore[no-untyped-def]
    old_token = platform_admin.token
    old_kid = jwt.get_unverified_header(old_token)["kid"]
    r = client.post("/v1/auth/keys/rotate", headers=platform_admin.headers)
    assert r.status_code == 200, r.text
    new_kid = r.json()["kid"]
    assert new_kid != old_kid
    kids = {k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]}
    assert {old_kid, new_kid} <= kids
    assert client.get("/v1/auth/me", headers=platform_admin.headers).status_code == 200
    fresh = password_grant(client, platform_admin.slug, platform_admin.admin_email).json()["access_token"]
    assert jwt.get_unverified_header(fresh)["kid"] == new_kid
    # Past one token lifetime the retired key leaves the JWKS and its tokens stop verifying.
    from sqlalchemy import text

    from genius.core.db.session import platform_session

    with platform_session() as s:
        s.execute(
            text("UPDATE core.signing_keys SET retired_at = now() - interval '2 days' WHERE kid = :k"),
            {"k": old_kid},
        )
    platform.keys.invalidate()
    assert old_kid not in {k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]}
    assert client.get("/v1/auth/me", headers=platform_admin.headers).status_code == 401
