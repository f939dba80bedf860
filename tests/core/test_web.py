"""Web login: HttpOnly SameSite session cookie, CSRF on every form."""

from __future__ import annotations

import re

from tests.conftest import PASSWORD


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, html
    return m.group(1)


def test_login_sets_secure_cookie_and_shows_dashboard(client, tenant) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    form = client.get("/login")
    assert form.status_code == 200
    r = client.post(
        "/login",
        data={
            "tenant": tenant.slug,
            "email": tenant.admin_email,
            "password": PASSWORD,
            "csrf_token": _csrf(form.text),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("genius_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = client.get("/?home")
    assert page.status_code == 200 and tenant.admin_email in page.text and "crm:write" in page.text
    audit = client.get("/audit")
    assert audit.status_code == 200 and "auth.web_login" in audit.text
    rows = client.get("/audit", headers={"HX-Request": "true"})
    assert "<html" not in rows.text and "tenant.created" in rows.text


def test_login_without_csrf_or_with_wrong_password_fails(client, tenant) -> None:  # type: ignore[no-untyped-def]
    client.get("/login")
    r = client.post(
        "/login",
        data={
            "tenant": tenant.slug,
            "email": tenant.admin_email,
            "password": PASSWORD,
            "csrf_token": "forged",
        },
        follow_redirects=False,
    )
    assert r.status_code == 403 and "genius_session" not in r.headers.get("set-cookie", "")
    form = client.get("/login")
    r = client.post(
        "/login",
        data={
            "tenant": tenant.slug,
            "email": tenant.admin_email,
            "password": "wrong-one",
            "csrf_token": _csrf(form.text),
        },
        follow_redirects=False,
    )
    assert r.status_code == 401 and "Organizația, e-mailul sau parola nu sunt corecte." in r.text


def test_logout_requires_csrf(client, tenant) -> None:  # type: ignore[no-untyped-def]
    form = client.get("/login")
    client.post(
        "/login",
        data={
            "tenant": tenant.slug,
            "email": tenant.admin_email,
            "password": PASSWORD,
            "csrf_token": _csrf(form.text),
        },
    )
    assert client.post("/logout", data={"csrf_token": "nope"}, follow_redirects=False).status_code == 403
    assert client.get("/?home").status_code == 200
    token = _csrf(client.get("/?home").text)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303


def test_tampered_session_cookie_is_ignored(client) -> None:  # type: ignore[no-untyped-def]
    client.cookies.set("genius_session", "eyJ1IjoiYWJjIn0.forged.sig")
    assert client.get("/", follow_redirects=False).status_code == 303


def _login(client, tenant) -> None:  # type: ignore[no-untyped-def]
    form = client.get("/login")
    data = {
        "tenant": tenant.slug,
        "email": tenant.admin_email,
        "password": PASSWORD,
        "csrf_token": _csrf(form.text),
    }
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303


def test_navigation_comes_from_the_manifests_and_follows_scopes(client, make_tenant) -> None:  # type: ignore[no-untyped-def]
    admin = make_tenant(role="admin")  # every tenant scope: the audit log and the worker fleet
    _login(client, admin)
    nav = client.get("/?home").text.split('<nav class="nav" id="nav">')[1].split("</nav>")[0]
    assert 'href="/audit"' in nav and 'href="/ops"' in nav
    client.cookies.clear()
    viewer = make_tenant(role="viewer")  # read scopes only: no workers:admin
    _login(client, viewer)
    nav = client.get("/?home").text.split('<nav class="nav" id="nav">')[1].split("</nav>")[0]
    assert 'href="/audit"' in nav and 'href="/ops"' not in nav
    assert client.get("/ops").status_code == 403


def test_romanian_by_default_english_on_request_and_remembered(client, tenant) -> None:  # type: ignore[no-untyped-def]
    _login(client, tenant)
    page = client.get("/audit")
    assert '<html lang="ro"' in page.text and "Jurnal de audit" in page.text
    english = client.get("/audit?lang=en")
    assert '<html lang="en"' in english.text and "Audit log" in english.text
    assert "genius_lang=en" in english.headers.get("set-cookie", "")
    assert '<html lang="en"' in client.get("/audit").text  # the cookie keeps it
    # Remembered for the user: a new browser gets it at login.
    token = _csrf(client.get("/audit").text)
    client.post("/shell/preferences", data={"csrf_token": token, "lang": "en", "theme": "dark"})
    client.cookies.clear()
    _login(client, tenant)
    page = client.get("/audit")
    assert '<html lang="en" data-theme="dark"' in page.text


def test_preferences_need_csrf_and_valid_values(client, tenant) -> None:  # type: ignore[no-untyped-def]
    _login(client, tenant)
    token = _csrf(client.get("/audit").text)
    assert client.post("/shell/preferences", data={"csrf_token": "x", "theme": "dark"}).status_code == 403
    bad = client.post("/shell/preferences", data={"csrf_token": token, "theme": "pink"})
    assert bad.status_code == 422
    r = client.post(
        "/shell/preferences",
        data={"csrf_token": token, "theme": "dark", "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_error_pages_have_no_stack_trace_and_api_keeps_problem_json(client, tenant) -> None:  # type: ignore[no-untyped-def]
    _login(client, tenant)
    missing = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert missing.status_code == 404 and "Pagina nu a fost găsită" in missing.text
    assert "Traceback" not in missing.text
    api = client.get("/v1/no-such-endpoint")
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/problem+json")


def test_command_menu_lists_pages_without_diacritics(client, make_tenant) -> None:  # type: ignore[no-untyped-def]
    admin = make_tenant(role="admin")
    _login(client, admin)
    found = client.get("/shell/command", params={"q": "jurnal"})
    assert found.status_code == 200 and 'href="/audit"' in found.text and 'role="option"' in found.text
    assert 'href="/audit"' in client.get("/shell/command", params={"q": "AUDIT"}).text  # English id too
    none = client.get("/shell/command", params={"q": "zzzz-nothing"})
    assert "Nu am găsit nimic" in none.text


def test_health_widget_reports_api_and_event_bus(client, tenant) -> None:  # type: ignore[no-untyped-def]
    _login(client, tenant)
    widget = client.get("/shell/health")
    assert widget.status_code == 200
    assert "API" in widget.text and "Magistrala de evenimente" in widget.text and "<html" not in widget.text


def test_tenant_from_the_host_name(client, tenant) -> None:  # type: ignore[no-untyped-def]
    form = client.get("/login", headers={"Host": f"{tenant.slug}.genius.example"})
    assert f'name="tenant" value="{tenant.slug}"' in form.text and 'type="hidden" name="tenant"' in form.text
    data = {"email": tenant.admin_email, "password": PASSWORD, "csrf_token": _csrf(form.text), "tenant": ""}
    r = client.post(
        "/login", data=data, headers={"Host": f"{tenant.slug}.genius.example"}, follow_redirects=False
    )
    assert r.status_code == 303
    plain = client.get("/login", headers={"Host": "127.0.0.1:8000"})
    assert 'id="f-tenant"' in plain.text  # an address, not a tenant's host: the field is asked for


def test_hidden_menus_urls_and_fragments_answer_403(client, make_tenant) -> None:  # type: ignore[no-untyped-def]
    viewer = make_tenant(role="viewer")
    _login(client, viewer)
    token = _csrf(client.get("/?home").text)
    assert client.get("/ops").status_code == 403
    assert client.get("/ops/fleet", headers={"HX-Request": "true"}).status_code == 403
    r = client.post("/ops/workers/email.send/signal", data={"signal": "pause", "csrf_token": token})
    assert r.status_code == 403


def test_a_form_the_route_refuses_gets_the_error_page_not_json(client, tenant) -> None:  # type: ignore[no-untyped-def]
    form = client.get("/login")
    r = client.post("/login", data={"email": "x" * 300, "password": "p", "csrf_token": _csrf(form.text)})
    assert r.status_code == 422 and "Formularul nu a putut fi citit" in r.text
    assert r.headers["content-type"].startswith("text/html")
    api = client.post("/v1/auth/token", data={"grant_type": "password"})
    assert api.headers["content-type"].startswith("application/problem+json")


def test_every_icon_named_is_in_the_sprite() -> None:
    """Lucide renames icons between releases (filter → funnel): a missing one shows as an empty box."""
    from pathlib import Path

    import pytest

    src = Path(__file__).resolve().parents[2] / "src" / "genius"
    sprite = src / "web" / "static" / "vendor" / "icons.svg"
    if not sprite.exists():
        pytest.skip("front-end assets not installed (make assets)")
    ids = set(re.findall(r'<symbol[^>]*\bid="([^"]+)"', sprite.read_text()))
    named: set[str] = set()
    for path in [*src.rglob("*.html"), *src.rglob("*.py")]:
        named |= set(re.findall(r'icon\(\s*"([a-z0-9-]+)"', path.read_text()))
        named |= set(re.findall(r'\bicon="([a-z0-9-]+)"', path.read_text()))
    assert named and not named - ids, sorted(named - ids)
