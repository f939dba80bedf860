"""Rate limits (Redis token bucket) and RFC 9457 errors."""

from __future__ import annotations

import uuid

import redis
from fastapi.testclient import TestClient

from genius.app import create_app
from genius.core.kit.ratelimit import Limit, RateLimiter
from genius.core.platform import Platform
from tests.conftest import make_settings


def limited_client(platform: Platform, redis_url: str, **limits: object) -> TestClient:
    settings = make_settings(**limits)
    p = Platform.build(
        settings, platform.db.app_url.render_as_string(hide_password=False), redis_url, db=platform.db
    )
    # Fresh key space per test, so earlier tests' traffic does not count.
    p.limiter.prefix = f"genius:rl:{uuid.uuid4().hex}:"
    return TestClient(create_app(p, configure_observability=False), raise_server_exceptions=False)


def test_token_bucket_script(redis_url: str) -> None:
    limiter = RateLimiter(redis.Redis.from_url(redis_url), prefix=f"t:{uuid.uuid4().hex}:")
    limit = Limit.parse("5/min")
    results = [limiter.hit("k", limit) for _ in range(7)]
    assert [r.allowed for r in results] == [True] * 5 + [False] * 2
    assert results[-1].retry_after >= 1 and results[-1].retry_after <= 12
    assert limiter.hit("other", limit).allowed


def test_limiter_fails_open_without_redis() -> None:
    limiter = RateLimiter(redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2))
    assert limiter.hit("k", Limit.parse("1/s")).allowed


def test_per_user_limit_answers_429_with_retry_after(platform, redis_url, tenant, db) -> None:  # type: ignore[no-untyped-def]
    with limited_client(platform, redis_url, rate_limit_user="3/min") as c:
        codes = [c.get("/v1/auth/me", headers=tenant.headers).status_code for _ in range(5)]
        assert codes == [200, 200, 200, 429, 429]
        r = c.get("/v1/auth/me", headers=tenant.headers)
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert r.headers["content-type"].startswith("application/problem+json")


def test_per_ip_limit(platform, redis_url, db) -> None:  # type: ignore[no-untyped-def]
    with limited_client(platform, redis_url, rate_limit_ip="4/min") as c:
        codes = [c.get("/.well-known/openid-configuration").status_code for _ in range(6)]
        assert codes == [200] * 4 + [429] * 2
        assert c.get("/health").status_code == 200  # probes are never limited


def test_per_route_limit(platform, redis_url, db) -> None:  # type: ignore[no-untyped-def]
    with limited_client(platform, redis_url, rate_limit_routes={"POST /v1/auth/token": "2/min"}) as c:
        codes = [c.post("/v1/auth/token", data={"grant_type": "password"}).status_code for _ in range(4)]
        assert codes == [400, 400, 429, 429]


def test_problem_json_everywhere(client, tenant) -> None:  # type: ignore[no-untyped-def]
    cases = [
        client.get("/v1/nope"),
        client.delete("/v1/tenants", headers=tenant.headers),
        client.post(
            "/v1/users", content=b"{not json", headers={**tenant.headers, "content-type": "application/json"}
        ),
        client.post(
            "/v1/users", json={"email": "bad", "password": "x", "role": "Bad Role"}, headers=tenant.headers
        ),
        client.get("/v1/audit?limit=100000", headers=tenant.headers),
        client.get("/v1/audit?cursor=a%21b", headers=tenant.headers),
    ]
    assert [r.status_code for r in cases] == [404, 405, 422, 422, 422, 422]
    for r in cases:
        assert r.headers["content-type"].startswith("application/problem+json"), r.text
        body = r.json()
        assert {"type", "title", "status"} <= body.keys() and body["status"] == r.status_code
    fields = {e["field"] for e in cases[3].json()["errors"]}
    assert fields == {"email", "password", "role"}


def test_duplicate_user_and_unknown_role(client, tenant) -> None:  # type: ignore[no-untyped-def]
    body = {"email": "dup@x.ro", "password": "long-enough-pw", "role": "sales"}
    assert client.post("/v1/users", json=body, headers=tenant.headers).status_code == 201
    again = client.post("/v1/users", json={**body, "email": "DUP@x.ro"}, headers=tenant.headers)
    assert again.status_code == 409
    unknown = client.post(
        "/v1/users", json={**body, "email": "n@x.ro", "role": "wizard"}, headers=tenant.headers
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "role"
    escalate = client.post(
        "/v1/users", json={**body, "email": "e@x.ro", "role": "platform_admin"}, headers=tenant.headers
    )
    assert escalate.status_code == 403
