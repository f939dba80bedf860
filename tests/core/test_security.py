"""Password guessing is slowed (failed-login throttle) and every response carries security headers;
the API docs are for admins unless GENIUS_API_DOCS_PUBLIC."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import Connection

from genius.app import create_app
from genius.core.auth.throttle import NO_TICKET, LoginThrottle, ThrottlePolicy
from genius.core.kit.security_headers import install_security_headers
from genius.core.platform import Platform
from tests.conftest import PASSWORD, LiveServer, TenantCtx, free_port

WEB = Path(__file__).resolve().parents[2] / "src" / "genius" / "web"


def _address() -> str:
    """A fresh client address per test: the throttle's state lives in the session's Redis."""
    n = uuid.uuid4().int
    return f"10.{n % 250 + 1}.{(n >> 8) % 250 + 1}.{(n >> 16) % 250 + 1}"


@pytest.fixture
def clients(app: FastAPI, db: Connection) -> Iterator[Any]:
    """TestClients that appear to come from a given address (the ASGI client host)."""
    opened: list[TestClient] = []

    def make(address: str | None = None, **kw: Any) -> TestClient:
        c = TestClient(app, raise_server_exceptions=False, client=(address or _address(), 40000), **kw)
        opened.append(c)
        return c

    yield make
    for c in opened:
        c.close()


def _password(c: TestClient, tenant: str, email: str, password: str) -> Any:
    return c.post(
        "/v1/auth/token",
        data={"grant_type": "password", "tenant": tenant, "username": email, "password": password},
    )


def _metric(name: str, grant: str) -> float:
    return REGISTRY.get_sample_value(name, {"grant": grant}) or 0.0


def _audit(c: TestClient, tenant: TenantCtx, action: str) -> list[dict[str, Any]]:
    r = c.get("/v1/audit", params={"action": action, "limit": 100}, headers=tenant.headers)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


# --- failed-login throttle ------------------------------------------------------------------------
def test_password_grant_is_throttled_with_growing_retry_after(clients: Any, tenant: TenantCtx) -> None:
    attacker = clients()
    throttled_before = _metric("genius_auth_login_throttled_total", "password")
    failed_before = _metric("genius_auth_login_failed_total", "password")
    for _ in range(5):
        assert _password(attacker, tenant.slug, tenant.admin_email, "wrong").status_code == 400
    waits = []
    for step in range(3):
        r = _password(attacker, tenant.slug, tenant.admin_email, "wrong")
        assert r.status_code == 429, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        body = r.json()
        assert body["status"] == 429 and body["type"].endswith("/login-throttled")
        wait = int(r.headers["retry-after"])
        assert body["retry_after"] == wait
        waits.append(wait)
        # The right password is refused too while locked: the lock does not depend on the guess.
        assert _password(attacker, tenant.slug, tenant.admin_email, PASSWORD).status_code == 429
        if step < 2:
            time.sleep(wait + 0.1)
            assert _password(attacker, tenant.slug, tenant.admin_email, "wrong").status_code == 400
    assert waits == sorted(waits) and waits[0] < waits[1] < waits[2], waits
    assert waits[0] == 1 and waits[2] >= 3

    # The real user, from another address, still logs in; so does another account from the attacker's.
    assert _password(clients(), tenant.slug, tenant.admin_email, PASSWORD).status_code == 200
    other = attacker.post(
        "/v1/users",
        json={"email": "b@x.ro", "password": PASSWORD, "role": "sales"},
        headers=tenant.headers,
    )
    assert other.status_code == 201, other.text
    assert _password(attacker, tenant.slug, "b@x.ro", PASSWORD).status_code == 200

    assert _metric("genius_auth_login_throttled_total", "password") - throttled_before == 6
    assert _metric("genius_auth_login_failed_total", "password") - failed_before == 7
    failed = _audit(attacker, tenant, "auth.login.failed")
    assert len(failed) == 7
    assert {e["data"]["grant"] for e in failed} == {"password"}
    assert {e["target"] for e in failed} == {tenant.admin_email}
    assert "wrong" not in str(failed)  # no password in the log
    throttled = _audit(attacker, tenant, "auth.login.throttled")
    assert len(throttled) == 3 and {e["data"]["scope"] for e in throttled} == {"address"}


def test_success_clears_the_account_and_address_counter(clients: Any, tenant: TenantCtx) -> None:
    c = clients()
    for _ in range(4):
        assert _password(c, tenant.slug, tenant.admin_email, "wrong").status_code == 400
    assert _password(c, tenant.slug, tenant.admin_email, PASSWORD).status_code == 200
    for _ in range(4):
        assert _password(c, tenant.slug, tenant.admin_email, "wrong").status_code == 400
    assert _password(c, tenant.slug, tenant.admin_email, PASSWORD).status_code == 200


def _signature(r: Any) -> tuple[int, str | None, Any]:
    body = r.json()
    return r.status_code, r.headers.get("retry-after"), {k: body.get(k) for k in ("type", "title", "detail")}


def test_unknown_accounts_are_throttled_exactly_like_known_ones(clients: Any, tenant: TenantCtx) -> None:
    subjects = [
        (tenant.slug, tenant.admin_email),  # exists
        (tenant.slug, f"nobody@{tenant.slug}.test"),  # unknown user
        (f"no-such-{uuid.uuid4().hex[:8]}", "nobody@x.test"),  # unknown tenant
    ]
    runs = []
    for t, email in subjects:
        c = clients()
        runs.append([_signature(_password(c, t, email, "wrong")) for _ in range(7)])
    assert runs[0] == runs[1] == runs[2], runs
    assert [s[0] for s in runs[0]] == [400] * 5 + [429] * 2


def test_web_login_form_is_throttled_with_a_romanian_message(clients: Any, tenant: TenantCtx) -> None:
    attacker = clients()
    before = _metric("genius_auth_login_throttled_total", "web")

    def attempt(c: TestClient, password: str) -> Any:
        form = c.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert csrf
        return c.post(
            "/login",
            data={
                "tenant": tenant.slug,
                "email": tenant.admin_email,
                "password": password,
                "csrf_token": csrf[1],
            },
            follow_redirects=False,
        )

    for _ in range(5):
        assert attempt(attacker, "wrong").status_code == 401
    r = attempt(attacker, "wrong")
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert "Prea multe încercări de autentificare eșuate" in r.text and 'role="alert"' in r.text
    assert "genius_session" not in r.headers.get("set-cookie", "")
    # The API's password grant shares the counters (same credentials).
    assert _password(attacker, tenant.slug, tenant.admin_email, "wrong").status_code == 429
    assert attempt(clients(), PASSWORD).status_code == 303
    assert _metric("genius_auth_login_throttled_total", "web") - before == 1
    grants = [e["data"]["grant"] for e in _audit(attacker, tenant, "auth.login.failed")]
    assert grants == ["web"] * 5
    assert len(_audit(attacker, tenant, "auth.login.throttled")) == 1


def test_client_credentials_are_throttled(clients: Any, tenant: TenantCtx) -> None:
    admin = clients()
    r = admin.post("/v1/service-accounts", json={"name": "etl", "role": "ops"}, headers=tenant.headers)
    assert r.status_code == 201, r.text
    cid, secret = r.json()["client_id"], r.json()["client_secret"]
    before = _metric("genius_auth_login_throttled_total", "client_credentials")

    def attempt(c: TestClient, s: str) -> Any:
        return c.post(
            "/v1/auth/token", data={"grant_type": "client_credentials", "client_id": cid, "client_secret": s}
        )

    attacker = clients()
    for _ in range(5):
        assert attempt(attacker, "nope").status_code == 401
    r = attempt(attacker, secret)
    assert r.status_code == 429 and r.headers["content-type"].startswith("application/problem+json")
    assert int(r.headers["retry-after"]) >= 1
    assert attempt(clients(), secret).status_code == 200
    assert _metric("genius_auth_login_throttled_total", "client_credentials") - before == 1
    failed = _audit(admin, tenant, "auth.login.failed")
    assert len(failed) == 5 and {e["target"] for e in failed} == {cid}


def test_account_limit_across_addresses(platform: Platform, db: Connection, tenant: TenantCtx) -> None:
    """Many addresses together lock the account (the higher, per-account threshold)."""
    policy = ThrottlePolicy(max_failures=5, max_failures_account=3, base_seconds=30)
    strict = dataclasses.replace(
        platform, login_throttle=LoginThrottle(platform.redis, policy, "genius:login-t:")
    )
    app = create_app(strict, configure_observability=False)
    for _ in range(3):
        with TestClient(app, client=(_address(), 1)) as c:
            assert _password(c, tenant.slug, tenant.admin_email, "wrong").status_code == 400
    with TestClient(app, client=(_address(), 1)) as c:
        r = _password(c, tenant.slug, tenant.admin_email, PASSWORD)
        assert r.status_code == 429 and 25 <= int(r.headers["retry-after"]) <= 30
        r = c.get("/v1/audit", params={"action": "auth.login.throttled"}, headers=tenant.headers)
        assert [e["data"]["scope"] for e in r.json()["items"]] == ["account"]


def test_throttle_fails_open_when_redis_is_unreachable() -> None:
    dead = redis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=0.5, socket_timeout=0.5)
    throttle = LoginThrottle(dead, ThrottlePolicy(max_failures=1))
    before = REGISTRY.get_sample_value("genius_auth_login_throttle_errors_total") or 0.0
    for _ in range(3):
        assert throttle.attempt("k", "1.2.3.4") is NO_TICKET
    throttle.succeeded(NO_TICKET)
    assert (REGISTRY.get_sample_value("genius_auth_login_throttle_errors_total") or 0.0) - before == 3


def test_behind_a_proxy_the_forwarded_address_and_scheme_count(
    platform: Platform, db: Connection, tenant: TenantCtx
) -> None:
    """A real uvicorn, trusting X-Forwarded-For/-Proto from 127.0.0.1 (its default, as in `genius serve`):
    the throttle keys on the forwarded client address and HSTS follows the forwarded scheme."""
    app = create_app(platform, configure_observability=False)
    attacker, user = {"X-Forwarded-For": _address()}, {"X-Forwarded-For": _address()}
    with LiveServer(app, free_port()) as server, httpx.Client(base_url=server.url, timeout=30) as http:

        def grant(headers: dict[str, str], password: str) -> httpx.Response:
            data = {"grant_type": "password", "tenant": tenant.slug, "username": tenant.admin_email}
            return http.post("/v1/auth/token", data={**data, "password": password}, headers=headers)

        assert [grant(attacker, "wrong").status_code for _ in range(6)] == [400] * 5 + [429]
        assert grant(user, PASSWORD).status_code == 200
        plain = http.get("/health")
        assert "strict-transport-security" not in plain.headers
        _assert_security_headers(plain)
        tls = http.get("/health", headers={"X-Forwarded-Proto": "https"})
        assert tls.headers["strict-transport-security"] == "max-age=31536000"
    with TestClient(app) as c:
        failed = [e["data"]["ip"] for e in _audit(c, tenant, "auth.login.failed")]
    assert failed == [attacker["X-Forwarded-For"]] * 5


# --- security headers -----------------------------------------------------------------------------
def _assert_security_headers(r: Any) -> None:
    csp = r.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'self'" and directives["form-action"] == "'self'"
    assert "unsafe" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert (
        "camera=()" in r.headers["permissions-policy"] and "geolocation=()" in r.headers["permissions-policy"]
    )


def test_security_headers_on_api_responses_pages_and_errors(client: TestClient, tenant: TenantCtx) -> None:
    responses = {
        "health": client.get("/health"),
        "v1": client.get("/v1/auth/me", headers=tenant.headers),
        "unauthorized": client.get("/v1/auth/me"),
        "validation": client.post("/v1/auth/token", data={}),
        "not found": client.get("/no/such/path"),
        "login page": client.get("/login"),
        "static": client.get("/static/css/app.css"),
    }
    assert [r.status_code for r in responses.values()] == [200, 200, 401, 422, 404, 200, 200]
    for name, r in responses.items():
        _assert_security_headers(r)
        assert "strict-transport-security" not in r.headers, name
        assert r.headers.get_list("x-content-type-options") == ["nosniff"], name


def test_hsts_only_over_tls(app: FastAPI, db: Connection) -> None:
    with TestClient(app, base_url="https://testserver") as tls:
        for path in ("/health", "/login", "/v1/auth/me"):
            r = tls.get(path)
            assert r.headers["strict-transport-security"].startswith("max-age=31536000"), path
            _assert_security_headers(r)


def test_even_a_server_error_carries_the_headers() -> None:
    app = FastAPI()

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    install_security_headers(app)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom")
    assert r.status_code == 500
    _assert_security_headers(r)


def test_pages_have_no_inline_script_or_style() -> None:
    """The CSP allows neither: every template loads its script and styles from /static."""
    templates = sorted((WEB / "templates").glob("*.html"))
    assert templates
    for path in templates:
        html = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, (path.name, tag)
        assert not re.search(r"<style\b", html), path.name
        assert not re.search(r"\son[a-z]+\s*=", html, re.I), path.name
        assert not re.search(r"\sstyle\s*=", html, re.I), path.name
        assert "javascript:" not in html, path.name
    base = (WEB / "templates" / "base.html").read_text()
    assert '"includeIndicatorStyles": false' in base  # htmx would inject a <style> element otherwise


def test_ops_page_renders_under_the_csp(client: TestClient, platform_admin: TenantCtx) -> None:
    form = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf
    r = client.post(
        "/login",
        data={
            "tenant": platform_admin.slug,
            "email": platform_admin.admin_email,
            "password": PASSWORD,
            "csrf_token": csrf[1],
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    for path in ("/?home", "/audit", "/ops"):
        page = client.get(path)
        assert page.status_code == 200, path
        _assert_security_headers(page)
        assert not re.search(r"<script>(?!</script>)", page.text), path


# --- API docs -------------------------------------------------------------------------------------
@pytest.fixture
def private_docs(platform: Platform, db: Connection) -> Iterator[TestClient]:
    settings = platform.settings.model_copy(update={"api_docs_public": False})
    app = create_app(dataclasses.replace(platform, settings=settings), configure_observability=False)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


DOC_PATHS = ("/openapi.json", "/docs", "/redoc")


def test_docs_need_an_admin_when_not_public(private_docs: TestClient, make_tenant: Any) -> None:
    for path in DOC_PATHS:
        r = private_docs.get(path)
        assert r.status_code == 401, path
        assert r.headers["content-type"].startswith("application/problem+json")
        _assert_security_headers(r)
        bad = private_docs.get(path, headers={"Authorization": "Bearer not-a-token"})
        assert bad.status_code == 401, path
    browser = private_docs.get("/docs", headers={"Accept": "text/html"}, follow_redirects=False)
    assert browser.status_code == 303 and browser.headers["location"] == "/login"

    admin = make_tenant()
    sales = make_tenant(role="sales")
    for path in DOC_PATHS:
        assert private_docs.get(path, headers=admin.headers).status_code == 200, path
        r = private_docs.get(path, headers=sales.headers)
        assert r.status_code == 403 and r.json()["required_scopes"] == ["platform:admin", "tenant:admin"]
    assert "/v1/auth/token" in private_docs.get("/openapi.json", headers=admin.headers).json()["paths"]


def test_docs_accept_an_admin_web_session(private_docs: TestClient, tenant: TenantCtx) -> None:
    form = private_docs.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf
    r = private_docs.post(
        "/login",
        data={
            "tenant": tenant.slug,
            "email": tenant.admin_email,
            "password": PASSWORD,
            "csrf_token": csrf[1],
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    for path in DOC_PATHS:
        assert private_docs.get(path).status_code == 200, path


def test_docs_are_public_when_the_setting_is_on(client: TestClient) -> None:
    assert client.app.state.platform.settings.api_docs_public  # type: ignore[attr-defined]
    spec = client.get("/openapi.json")
    assert spec.status_code == 200 and spec.json()["info"]["title"] == "GeniusERP API"
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        r = client.get(path)
        assert r.status_code == 200, path
        # The docs pages keep their own CSP: FastAPI's CDN assets and their inline script pinned by hash.
        csp = r.headers["content-security-policy"]
        script_src = next(d for d in csp.split("; ") if d.startswith("script-src "))
        assert "unsafe" not in script_src and "frame-ancestors 'none'" in csp
        for inline in re.findall(r"<script>(.*?)</script>", r.text, re.S):
            digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in script_src, path
        assert r.headers["x-frame-options"] == "DENY"
    assert "swagger-ui-bundle.js" in client.get("/docs").text
