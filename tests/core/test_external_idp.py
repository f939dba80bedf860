"""External-IdP mode: tokens from a Keycloak-like issuer, verified through its discovery and JWKS."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jwt.algorithms import RSAAlgorithm

from genius.app import create_app
from genius.core.platform import Platform
from tests.conftest import LiveServer, free_port


def fake_idp(port: int, key: rsa.RSAPrivateKey, kid: str) -> FastAPI:
    """The two documents a relying party reads from Keycloak: discovery and the realm's JWKS."""
    idp = FastAPI()
    issuer = f"http://127.0.0.1:{port}/realms/genius"
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key())) | {"kid": kid, "alg": "RS256", "use": "sig"}

    @idp.get("/realms/genius/.well-known/openid-configuration")
    def discovery() -> dict[str, str]:
        return {"issuer": issuer, "jwks_uri": f"{issuer}/protocol/openid-connect/certs"}

    @idp.get("/realms/genius/protocol/openid-connect/certs")
    def certs() -> dict[str, Any]:
        return {"keys": [jwk]}

    return idp


def test_external_idp_tokens_with_claim_mapping(platform: Platform, tenant, db, settings) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer = f"http://127.0.0.1:{port}/realms/genius"
    with LiveServer(fake_idp(port, key, "kc-1"), port):
        ext_settings = settings.model_copy(
            update={
                "oidc_issuer": issuer,
                "oidc_audience": "genius",
                "oidc_tenant_claim": "genius.tenant_id",
                "oidc_scope_claim": "scope",
                "oidc_role_claim": "genius.role",
            }
        )
        p = Platform.build(ext_settings, "", None, db=platform.db)
        client = TestClient(create_app(p, configure_observability=False), raise_server_exceptions=False)
        now = int(time.time())
        claims = {
            "iss": issuer,
            "aud": "genius",
            "sub": str(uuid.uuid4()),
            "iat": now,
            "exp": now + 300,
            "scope": "openid crm:read audit:read",
            "genius": {"tenant_id": str(tenant.id), "role": "sales"},
            "email": "ana@kc.example",
        }

        def sign(c: dict, kid: str = "kc-1", k: rsa.RSAPrivateKey = key) -> dict[str, str]:  # type: ignore[type-arg]
            return {"Authorization": "Bearer " + jwt.encode(c, k, algorithm="RS256", headers={"kid": kid})}

        me = client.get("/v1/auth/me", headers=sign(claims))
        assert me.status_code == 200, me.text
        assert me.json()["tid"] == str(tenant.id) and me.json()["role"] == "sales"
        assert "crm:read" in me.json()["scopes"]
        assert client.get("/v1/audit", headers=sign(claims)).status_code == 200
        assert client.get("/v1/tenants", headers=sign(claims)).status_code == 403

        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        rejected = {
            "expired": sign(claims | {"exp": now - 600, "iat": now - 900}),
            "wrong_aud": sign(claims | {"aud": "someone-else"}),
            "unknown_kid": sign(claims, kid="kc-2", k=other),
            "wrong_key": sign(claims, k=other),
            "no_tenant": sign({k: v for k, v in claims.items() if k != "genius"}),
        }
        for name, headers in rejected.items():
            assert client.get("/v1/auth/me", headers=headers).status_code == 401, name
