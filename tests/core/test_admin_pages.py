"""The Shell's administration pages: users, roles, service accounts, company settings."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import PASSWORD


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, html[:2000]
    return m.group(1)


def login(client: TestClient, slug: str, email: str, password: str = PASSWORD) -> Any:
    client.cookies.clear()
    form = client.get("/login")
    return client.post(
        "/login",
        data={"tenant": slug, "email": email, "password": password, "csrf_token": _csrf(form.text)},
        follow_redirects=False,
    )


def csrf_of(client: TestClient, url: str = "/admin/users") -> str:
    return _csrf(client.get(url).text)


def create_user(client: TestClient, csrf: str, **fields: str) -> Any:
    data = {"csrf_token": csrf, "email": "ana@firma.ro", "name": "Ana Pop", "role": "sales"} | fields
    return client.post("/admin/users", data=data, follow_redirects=False)


def _secret(html: str) -> str:
    m = re.search(r'<code id="secret">([^<]+)</code>', html)
    assert m, html[:3000]
    return m.group(1)


def _user_id(client: TestClient, email: str) -> str:
    page = client.get("/admin/users").text
    m = re.search(
        r'<tr data-user="'
        + re.escape(email)
        + r'">\s*<td><a class="cell-title" href="/admin/users/([0-9a-f-]+)"',
        page,
    )
    assert m, page
    return m.group(1)


def test_create_user_with_generated_password_then_they_sign_in(client, tenant) -> None:  # type: ignore[no-untyped-def]
    assert login(client, tenant.slug, tenant.admin_email).status_code == 303
    page = client.get("/admin/users")
    assert page.status_code == 200 and tenant.admin_email in page.text
    r = create_user(client, _csrf(page.text))
    assert r.status_code == 201, r.text
    assert r.headers["cache-control"] == "no-store"
    password = _secret(r.text)
    listing = client.get("/admin/users").text
    assert "ana@firma.ro" in listing and password not in listing
    audit = client.get("/audit?action=user.created").text
    assert "user.created" in audit
    # The new user signs in with the password shown once.
    assert login(client, tenant.slug, "ana@firma.ro", password).status_code == 303
    assert client.get("/admin/users").status_code == 403  # sales is no administrator


def test_create_user_with_own_password_and_bad_input(client, tenant) -> None:  # type: ignore[no-untyped-def]
    login(client, tenant.slug, tenant.admin_email)
    csrf = csrf_of(client)
    r = create_user(client, csrf, password_mode="set", password="a-long-password-1")
    assert r.status_code == 303 and r.headers["location"].startswith("/admin/users/")
    again = create_user(client, csrf, password_mode="set", password="a-long-password-1")
    assert again.status_code == 422 and "Există deja un utilizator cu acest e-mail." in again.text
    bad = create_user(client, csrf, email="not-an-email", password_mode="set", password="short")
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    assert "error-summary" in bad.text
    unknown = create_user(client, csrf, email="b@firma.ro", role="nope")
    assert unknown.status_code == 422
    # Only a platform admin grants platform_admin.
    grant = create_user(client, csrf, email="c@firma.ro", role="platform_admin")
    assert grant.status_code == 422 and "c@firma.ro" not in client.get("/admin/users").text
    assert login(client, tenant.slug, "ana@firma.ro", "a-long-password-1").status_code == 303


def test_change_role_disable_and_reset_password(client, tenant) -> None:  # type: ignore[no-untyped-def]
    login(client, tenant.slug, tenant.admin_email)
    csrf = csrf_of(client)
    create_user(client, csrf, password_mode="set", password="first-password-1")
    uid = _user_id(client, "ana@firma.ro")
    r = client.post(
        f"/admin/users/{uid}/role", data={"csrf_token": csrf, "role": "viewer"}, follow_redirects=False
    )
    assert r.status_code == 303
    assert "Doar citire" in client.get(f"/admin/users/{uid}").text
    assert (
        client.post(
            f"/admin/users/{uid}/role", data={"csrf_token": csrf, "role": "platform_admin"}
        ).status_code
        == 422
    )

    # Ana signs in (her own browser), then the admin disables her: her session stops working.
    ana = TestClient(client.app, raise_server_exceptions=False)
    assert login(ana, tenant.slug, "ana@firma.ro", "first-password-1").status_code == 303
    assert ana.get("/?home").status_code == 200
    r = client.post(
        f"/admin/users/{uid}/active", data={"csrf_token": csrf, "active": "0"}, follow_redirects=False
    )
    assert r.status_code == 303
    assert ana.get("/?home", follow_redirects=False).headers["location"] == "/login"
    assert login(ana, tenant.slug, "ana@firma.ro", "first-password-1").status_code == 401
    assert "Dezactivat" in client.get("/admin/users").text
    # Enabled again, then the password is reset (generated, shown once): the old one no longer works.
    client.post(f"/admin/users/{uid}/active", data={"csrf_token": csrf, "active": "1"})
    r = client.post(f"/admin/users/{uid}/password", data={"csrf_token": csrf, "password_mode": "generate"})
    assert r.status_code == 200
    new = _secret(r.text)
    assert login(ana, tenant.slug, "ana@firma.ro", "first-password-1").status_code == 401
    assert login(ana, tenant.slug, "ana@firma.ro", new).status_code == 303
    # Or set by the admin; too short is an inline error.
    short = client.post(
        f"/admin/users/{uid}/password", data={"csrf_token": csrf, "password_mode": "set", "password": "x"}
    )
    assert short.status_code == 422 and 'aria-invalid="true"' in short.text
    client.post(
        f"/admin/users/{uid}/password",
        data={"csrf_token": csrf, "password_mode": "set", "password": "chosen-password-2"},
    )
    assert login(ana, tenant.slug, "ana@firma.ro", "chosen-password-2").status_code == 303
    login(client, tenant.slug, tenant.admin_email)
    audit = client.get("/audit").text
    for action in ("user.role_changed", "user.disabled", "user.enabled", "user.password_reset"):
        assert action in audit, action


def test_an_admin_cannot_disable_themself(client, tenant) -> None:  # type: ignore[no-untyped-def]
    login(client, tenant.slug, tenant.admin_email)
    csrf = csrf_of(client)
    me = client.get(f"/admin/users/{tenant.admin_id}")
    assert "disable-user" not in me.text
    r = client.post(f"/admin/users/{tenant.admin_id}/active", data={"csrf_token": csrf, "active": "0"})
    assert r.status_code == 422
    assert client.get("/admin/users").status_code == 200


def test_another_tenants_user_is_not_found(client, tenant, make_tenant) -> None:  # type: ignore[no-untyped-def]
    other = make_tenant()
    login(client, tenant.slug, tenant.admin_email)
    csrf = csrf_of(client)
    assert client.get(f"/admin/users/{other.admin_id}").status_code == 404
    r = client.post(f"/admin/users/{other.admin_id}/active", data={"csrf_token": csrf, "active": "0"})
    assert r.status_code == 404
    assert login(client, other.slug, other.admin_email).status_code == 303


def test_roles_page_lists_scopes_with_descriptions(client, tenant) -> None:  # type: ignore[no-untyped-def]
    login(client, tenant.slug, tenant.admin_email)
    page = client.get("/admin/roles")
    assert page.status_code == 200
    assert "crm:write" in page.text and "Creează și modifică date CRM" in page.text
    assert "Doar citire" in page.text


def test_service_account_secret_shown_once_and_rotated(client, tenant) -> None:  # type: ignore[no-untyped-def]
    login(client, tenant.slug, tenant.admin_email)
    csrf = csrf_of(client, "/admin/service-accounts")
    r = client.post("/admin/service-accounts", data={"csrf_token": csrf, "name": "Website", "role": "sales"})
    assert r.status_code == 201 and r.headers["cache-control"] == "no-store"
    secret = _secret(r.text)
    client_id = re.search(r'<code id="client-id">([^<]+)</code>', r.text).group(1)  # type: ignore[union-attr]
    listing = client.get("/admin/service-accounts").text
    assert client_id in listing and secret not in listing

    def token(s: str) -> int:
        return client.post(
            "/v1/auth/token",
            data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": s},
        ).status_code

    assert token(secret) == 200
    sid = re.search(r'action="/admin/service-accounts/([0-9a-f-]+)/rotate"', listing).group(1)  # type: ignore[union-attr]
    rotated = client.post(f"/admin/service-accounts/{sid}/rotate", data={"csrf_token": csrf})
    assert rotated.status_code == 200
    new = _secret(rotated.text)
    assert new != secret and token(secret) == 401 and token(new) == 200
    bad = client.post("/admin/service-accounts", data={"csrf_token": csrf, "name": "", "role": "sales"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    nope = client.post(
        "/admin/service-accounts", data={"csrf_token": csrf, "name": "X", "role": "platform_admin"}
    )
    assert nope.status_code == 422
    # A user id is not a service account.
    assert (
        client.post(
            f"/admin/service-accounts/{tenant.admin_id}/rotate", data={"csrf_token": csrf}
        ).status_code
        == 404
    )
    client.post(f"/admin/service-accounts/{sid}/active", data={"csrf_token": csrf, "active": "0"})
    assert token(new) == 401
    audit = client.get("/audit").text
    assert "service_account.created" in audit and "service_account.secret_rotated" in audit


ADMIN_GETS = [
    "/admin",
    "/admin/users",
    "/admin/users/new",
    "/admin/roles",
    "/admin/service-accounts",
    "/admin/settings",
]


def test_without_the_admin_scope_every_admin_url_is_forbidden(client, tenant) -> None:  # type: ignore[no-untyped-def]
    login(client, tenant.slug, tenant.admin_email)
    csrf = csrf_of(client)
    create_user(client, csrf, password_mode="set", password="viewer-password-1", role="viewer")
    uid = _user_id(client, "ana@firma.ro")
    login(client, tenant.slug, "ana@firma.ro", "viewer-password-1")
    home = client.get("/?home")
    viewer_csrf = _csrf(home.text)
    assert "/admin/users" not in home.text  # the navigation hides the administration pages
    for url in [*ADMIN_GETS, f"/admin/users/{uid}"]:
        assert client.get(url, follow_redirects=False).status_code == 403, url
    posts = [
        "/admin/users",
        f"/admin/users/{uid}/role",
        f"/admin/users/{uid}/active",
        f"/admin/users/{uid}/password",
        "/admin/service-accounts",
        f"/admin/service-accounts/{uid}/rotate",
        f"/admin/service-accounts/{uid}/active",
        "/admin/settings",
        "/admin/settings/logo",
        "/admin/settings/verify-cui",
    ]
    for url in posts:
        r = client.post(
            url, data={"csrf_token": viewer_csrf, "role": "admin", "active": "1"}, follow_redirects=False
        )
        assert r.status_code == 403, url
    # Nothing changed.
    login(client, tenant.slug, tenant.admin_email)
    assert "Doar citire" in client.get(f"/admin/users/{uid}").text


def test_unsafe_admin_routes_need_the_csrf_token(client, tenant) -> None:  # type: ignore[no-untyped-def]
    login(client, tenant.slug, tenant.admin_email)
    r = client.post("/admin/users", data={"email": "z@firma.ro", "role": "sales"}, follow_redirects=False)
    assert r.status_code == 403 and "z@firma.ro" not in client.get("/admin/users").text


def test_names_render_escaped(client, tenant) -> None:  # type: ignore[no-untyped-def]
    login(client, tenant.slug, tenant.admin_email)
    csrf = csrf_of(client)
    payload = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    r = create_user(client, csrf, name=payload, password_mode="set", password="a-long-password-1")
    assert r.status_code == 303
    for url in ("/admin/users", r.headers["location"]):
        html = client.get(url).text
        assert payload not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    sa = client.post("/admin/service-accounts", data={"csrf_token": csrf, "name": payload, "role": "viewer"})
    assert payload not in sa.text and payload not in client.get("/admin/service-accounts").text


def test_settings_save_validate_and_verify_cui(client, tenant) -> None:  # type: ignore[no-untyped-def]
    from genius.core.kit.manifest import CompanyInfo

    login(client, tenant.slug, tenant.admin_email)
    page = client.get("/admin/settings")
    assert page.status_code == 200 and f"Tenant {tenant.slug}" in page.text
    assert "Europe/Bucharest" in page.text and "SMTP" in page.text
    csrf = _csrf(page.text)
    base = {
        "csrf_token": csrf,
        "company_name": "Genius Test SRL",
        "default_currency": "EUR",
        "timezone": "Europe/Bucharest",
        "hours_start": "08:30",
        "hours_end": "17:00",
    }
    bad = client.post("/admin/settings", data=base | {"cui": "RO14399841"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text and "CUI" in bad.text
    hours = client.post("/admin/settings", data=base | {"hours_start": "18:00", "hours_end": "09:00"})
    assert hours.status_code == 422
    tz = client.post("/admin/settings", data=base | {"timezone": "Mars/Olympus"})
    assert tz.status_code == 422
    ok = client.post("/admin/settings", data=base | {"cui": "RO 14399840"}, follow_redirects=False)
    assert ok.status_code == 303
    saved = client.get("/admin/settings").text
    assert 'value="14399840"' in saved and 'value="08:30"' in saved and "Genius Test SRL" in saved
    assert "tenant.settings_updated" in client.get("/audit").text

    # "Verify at ANAF" goes through the compliance module's manifest hook (faked here).
    asked: list[str] = []

    def fake_lookup(platform, cui):  # type: ignore[no-untyped-def]
        asked.append(cui)
        return CompanyInfo(cui, True, name="GENIUS <b>TEST</b> SRL", address="București")

    app = client.app
    before = app.state.company_lookup
    app.state.company_lookup = fake_lookup
    try:
        r = client.post(
            "/admin/settings/verify-cui", data={"csrf_token": csrf}, headers={"HX-Request": "true"}
        )
    finally:
        app.state.company_lookup = before
    assert r.status_code == 200 and asked == ["14399840"]
    assert "GENIUS &lt;b&gt;TEST&lt;/b&gt; SRL" in r.text and "<html" not in r.text
    assert "GENIUS &lt;b&gt;TEST&lt;/b&gt; SRL" in client.get("/admin/settings").text


def test_settings_logo_is_stored_encrypted(client, tenant) -> None:  # type: ignore[no-untyped-def]
    login(client, tenant.slug, tenant.admin_email)
    csrf = csrf_of(client, "/admin/settings")
    assert client.get("/admin/settings/logo").status_code == 404
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    r = client.post(
        "/admin/settings/logo",
        data={"csrf_token": csrf},
        files={"logo": ("logo.png", png, "image/png")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    got = client.get("/admin/settings/logo")
    assert got.status_code == 200 and got.content == png and got.headers["content-type"] == "image/png"
    bad = client.post(
        "/admin/settings/logo",
        data={"csrf_token": csrf},
        files={"logo": ("x.svg", b"<svg onload=alert(1)>", "image/svg+xml")},
    )
    assert bad.status_code == 422
    client.post(
        "/admin/settings",
        data={
            "csrf_token": csrf,
            "company_name": "<script>alert(1)</script>",
            "default_currency": "RON",
            "timezone": "Europe/Bucharest",
            "hours_start": "09:00",
            "hours_end": "18:00",
        },
    )
    page = client.get("/admin/settings").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_edit_a_roles_scopes(client, tenant) -> None:  # type: ignore[no-untyped-def]
    login(client, tenant.slug, tenant.admin_email)
    page = client.get("/admin/roles?edit=viewer")
    assert page.status_code == 200 and 'action="/admin/roles/viewer"' in page.text
    csrf = _csrf(page.text)
    r = client.post(
        "/admin/roles/viewer",
        data={"csrf_token": csrf, "scopes": ["crm:read", "crm:write"]},
        follow_redirects=False,
    )
    assert r.status_code == 303
    create_user(client, csrf, role="viewer", password_mode="set", password="viewer-password-1")
    token = client.post(
        "/v1/auth/token",
        data={
            "grant_type": "password",
            "username": "ana@firma.ro",
            "password": "viewer-password-1",
            "tenant": tenant.slug,
        },
    ).json()
    assert set(token["scope"].split()) == {"crm:read", "crm:write"}
    # Unknown scopes are refused; the admin's own role keeps tenant:admin.
    bad = client.post("/admin/roles/viewer", data={"csrf_token": csrf, "scopes": ["platform:admin"]})
    assert "crm:write" in client.get("/admin/roles").text and bad.status_code == 200
    client.post("/admin/roles/admin", data={"csrf_token": csrf, "scopes": ["crm:read"]})
    assert client.get("/admin/roles").status_code == 200
    assert client.get("/audit").status_code == 403  # audit:read was taken away, tenant:admin stayed
    client.post("/admin/roles/admin", data={"csrf_token": csrf, "scopes": ["audit:read"]})
    assert "role.updated" in client.get("/audit").text


def test_demo_team_is_seeded_once(client, tenant, platform) -> None:  # type: ignore[no-untyped-def]
    from genius.core.tenancy import demo

    demo.seed(platform, tenant.id)
    demo.seed(platform, tenant.id)
    login(client, tenant.slug, tenant.admin_email)
    users = client.get("/admin/users").text
    assert users.count('data-user="') == 5 and "Radu Stan" in users and "Dezactivat" in users
    assert client.get("/admin/service-accounts").text.count('data-client="') == 1
    assert 'value="14399840"' in client.get("/admin/settings").text
