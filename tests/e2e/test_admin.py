"""The administration pages in Chromium: a read-only user created by the admin signs in and sees no
administration; every admin page in both themes and languages, checked with axe."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from tests.e2e.conftest import DemoApp, axe_check, login, set_theme_and_language, shot

ADMIN_PAGES = [
    "/admin/users",
    "/admin/users/new",
    "/admin/roles",
    "/admin/service-accounts",
    "/admin/settings",
]


def _sign_out(page: Any) -> None:
    page.locator("#user-menu summary").click()
    page.get_by_role("button", name=re.compile("Deconectare|Sign out|Ieșire")).click()
    page.wait_for_url(re.compile("/login"))


def test_a_viewer_created_here_signs_in_and_sees_no_administration(
    page: Any, context: Any, demo_app: DemoApp
) -> None:
    email = f"viewer-{uuid.uuid4().hex[:6]}@demo.ro"
    page.goto("/admin/users")
    page.get_by_role("link", name="Adaugă utilizator").click()
    page.locator("#f-email").fill(email)
    page.locator("#f-name").fill("Vera Cititoarea")
    page.locator("#f-role").select_option("viewer")
    page.get_by_role("button", name="Creează utilizatorul").click()
    secret = page.locator("#secret").inner_text()
    assert len(secret) >= 12
    shot(page, "admin-password-once")
    axe_check(page, "password shown once")
    page.get_by_role("link", name="Gata").click()
    assert page.get_by_text("Doar citire").first.is_visible()

    _sign_out(page)
    login(page, demo_app, email=email, password=secret)
    nav = page.locator("#nav")
    assert nav.get_by_role("link", name="Utilizatori").count() == 0
    assert nav.get_by_role("link", name="Setări").count() == 0
    response = page.goto("/admin/users")
    assert response is not None and response.status == 403
    shot(page, "admin-viewer-forbidden")
    leads = page.goto("/crm/leads")
    if leads is not None and leads.status == 200:
        main = page.locator("main")
        assert main.get_by_role("button", name=re.compile("Adaugă|Editează|Șterge|Salvează")).count() == 0
        assert main.get_by_role("link", name=re.compile("Adaugă|Editează")).count() == 0
    # The language and the theme switch for this user too.
    page.goto("/audit")
    page.locator(".topbar .seg").get_by_role("link", name="EN").click()
    page.wait_for_function("document.documentElement.lang === 'en'")
    page.locator("[data-theme-toggle]").click()
    page.wait_for_function("document.documentElement.getAttribute('data-theme') === 'dark'")
    assert page.get_by_role("heading", name="Audit log").is_visible()
    shot(page, "admin-viewer-audit")
    assert not page.js_errors


def test_service_account_and_settings_errors(page: Any) -> None:
    page.goto("/admin/service-accounts")
    page.locator("#f-name").fill("Formular site")
    page.get_by_role("button", name="Creează contul de serviciu").click()
    assert page.locator("#client-id").inner_text().startswith("demo.")
    shot(page, "admin-client-secret-once")
    page.goto("/admin/settings")
    page.locator("#f-cui").fill("RO14399841")
    page.get_by_role("button", name="Salvează").click()
    assert page.locator("#f-cui-error").is_visible()
    shot(page, "admin-settings-bad-cui")
    axe_check(page, "settings with an error")
    page.locator("#f-cui").fill("RO14399840")
    page.get_by_role("button", name="Salvează").click()
    page.wait_for_url(re.compile("/admin/settings$"))
    assert page.locator("#f-cui").input_value() == "14399840"
    # "Verify at ANAF": the demo's fake ANAF registry answers with the official name.
    page.get_by_role("button", name="Verifică la ANAF").click()
    assert page.locator("#anaf-name").inner_text(timeout=20_000).strip()
    shot(page, "admin-settings-anaf-verified")
    axe_check(page, "settings after Verify at ANAF")


@pytest.mark.parametrize("theme,lang", [("light", "ro"), ("dark", "ro"), ("light", "en"), ("dark", "en")])
def test_admin_pages_in_both_themes_and_languages(
    context: Any, page: Any, demo_app: DemoApp, theme: str, lang: str
) -> None:
    set_theme_and_language(context, theme, lang, demo_app.url)
    for path in ADMIN_PAGES:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == lang
        shot(page, "admin-" + path.removeprefix("/admin/").replace("/", "-"))
        axe_check(page, f"{path} ({theme}, {lang})")
    page.goto("/admin/users")
    page.locator("#users a.cell-title").first.click()
    page.wait_for_url(re.compile("/admin/users/[0-9a-f-]+$"))
    shot(page, "admin-user")
    axe_check(page, f"user page ({theme}, {lang})")
    assert not page.js_errors
