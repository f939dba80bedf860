"""The Shell in Chromium: login, navigation, the command menu, shortcuts, the language and theme
switches, error pages; axe on each page in both themes and both languages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DemoApp, axe_check, set_theme_and_language, shot

SHELL_PAGES = ["/?home", "/audit", "/ops", "/shortcuts"]


def test_login_page_is_accessible_and_rejects_a_wrong_password(browser: Any, demo_app: DemoApp) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=demo_app.url)
    page = ctx.new_page()
    page.goto("/login")
    shot(page, "login")
    axe_check(page, "login")
    page.get_by_label(re.compile("Organiza")).fill(demo_app.tenant)
    page.get_by_label("E-mail").fill(demo_app.email)
    page.get_by_label("Parolă").fill("wrong-password")
    page.get_by_role("button", name="Autentificare").click()
    assert page.get_by_role("alert").filter(has_text="nu sunt corecte").is_visible()
    shot(page, "login-error")
    ctx.close()


@pytest.mark.parametrize("theme,lang", [("light", "ro"), ("dark", "ro"), ("light", "en"), ("dark", "en")])
def test_shell_pages_in_both_themes_and_languages(
    context: Any, page: Any, demo_app: DemoApp, theme: str, lang: str
) -> None:
    set_theme_and_language(context, theme, lang, demo_app.url)
    for path in SHELL_PAGES:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == lang
        name = path.strip("/?").replace("/", "-") or "home"
        shot(page, f"shell-{name}")
        axe_check(page, f"{path} ({theme}, {lang})")
    assert not page.js_errors


def test_command_menu_from_the_keyboard(page: Any) -> None:
    page.goto("/audit")
    page.keyboard.press("Control+k")
    dialog = page.get_by_role("dialog", name=re.compile("Meniu de comenzi"))
    assert dialog.is_visible()
    page.keyboard.type("worker")
    expect(page.locator("#command-results [role=option]")).to_have_count(1)
    shot(page, "command-menu")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("/ops"))


def test_go_to_shortcuts_and_help(page: Any) -> None:
    page.goto("/audit")
    page.keyboard.press("?")
    assert page.get_by_role("dialog", name=re.compile("Scurtături")).is_visible()
    shot(page, "shortcuts-dialog")
    page.keyboard.press("Escape")


def test_theme_switch_is_remembered(page: Any) -> None:
    page.goto("/audit")
    before = page.locator("html").get_attribute("data-theme")
    page.locator("[data-theme-toggle]").click()
    expected = "light" if before == "dark" else "dark"
    assert page.locator("html").get_attribute("data-theme") == expected
    page.wait_for_timeout(300)
    page.reload()
    assert page.locator("html").get_attribute("data-theme") == expected


def test_error_page(page: Any) -> None:
    page.goto("/no-such-page")
    assert page.get_by_role("heading", name="Pagina nu a fost găsită").is_visible()
    shot(page, "error-404")
