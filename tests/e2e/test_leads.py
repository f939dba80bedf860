"""Leads in Chromium: the list, the form with its errors (and the CUI check digit as you type), the
record, qualify and convert, then the new account found with Ctrl+K typed without diacritics.
Screenshots and axe on each page, in both themes and both languages."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from tests.e2e.conftest import DemoApp, axe_check, set_theme_and_language, shot

WEIGHTS = (7, 5, 3, 2, 1, 7, 5, 3, 2)


def valid_cui(rng: random.Random) -> str:
    body = str(rng.randint(10_000_000, 99_999_999))
    total = sum(int(d) * w for d, w in zip(body.rjust(9, "0"), WEIGHTS, strict=True))
    control = (total * 10) % 11
    return body + str(0 if control == 10 else control)


def _open_qualified_lead(page: Any) -> None:
    page.goto("/crm/leads?status=qualified")
    page.locator("table.leads-table a.cell-title").first.click()
    page.wait_for_url(re.compile(r"/crm/leads/[0-9a-f-]{36}$"))


@pytest.mark.parametrize("theme,lang", [("light", "ro"), ("dark", "ro"), ("light", "en"), ("dark", "en")])
def test_leads_pages_in_both_themes_and_languages(
    context: Any, page: Any, demo_app: DemoApp, theme: str, lang: str
) -> None:
    set_theme_and_language(context, theme, lang, demo_app.url)
    page.goto("/crm/leads")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("table.leads-table tbody tr").count() > 0
    shot(page, "leads-list")
    axe_check(page, f"/crm/leads ({theme}, {lang})")

    page.goto("/crm/leads/new")
    page.locator("#f-cui").fill("18547291")
    page.get_by_role("button", name=re.compile("^(Salvează|Save)$")).click()
    page.wait_for_selector(".error-summary")
    shot(page, "lead-form-errors")
    axe_check(page, f"lead form with errors ({theme}, {lang})")

    _open_qualified_lead(page)
    shot(page, "lead-record")
    axe_check(page, f"lead record ({theme}, {lang})")
    record = page.url
    page.get_by_role("link", name=re.compile("^(Activitate|Activity)")).click()
    page.wait_for_url(re.compile("tab=activity"))
    shot(page, "lead-record-activity")
    axe_check(page, f"lead activity ({theme}, {lang})")
    page.goto(record)
    page.get_by_role("link", name=re.compile("^(Convertește|Convert)$")).click()
    dialog = page.locator("#convert-dialog")
    assert dialog.is_visible()
    shot(page, "lead-convert")
    axe_check(page, f"convert dialog ({theme}, {lang})")
    page.keyboard.press("Escape")
    assert not page.js_errors


def test_search_is_debounced_on_the_server(page: Any) -> None:
    page.goto("/crm/leads")
    name = page.locator("table.leads-table a.cell-title").first.inner_text()
    word = name.split()[-1]
    plain = word.translate(str.maketrans("ăâîșțĂÂÎȘȚ", "aaistAAIST"))
    with page.expect_response(re.compile(r"/crm/leads\?q=")):
        page.locator("#leads-q").fill(plain.lower())
    page.wait_for_url(re.compile(r"[?&]q="))
    assert word in page.locator("#leads-results").inner_text()
    page.get_by_role("link", name=re.compile("^(Nume|Name)")).click()
    page.wait_for_url(re.compile(r"sort=last_name"))
    assert "q=" in page.url


def test_create_fix_qualify_convert_and_find_with_ctrl_k(page: Any) -> None:
    rng = random.Random()
    suffix = rng.randint(1000, 9999)
    company = f"Cărămida Roșie Ștefănești {suffix} SRL"
    plain = f"caramida rosie stefanesti {suffix}"

    page.goto("/crm/leads")
    page.get_by_role("link", name=re.compile("Client potențial nou")).first.click()
    page.wait_for_url(re.compile("/crm/leads/new"))
    page.get_by_label("Prenume").fill("Mihaela")
    page.get_by_label("Nume", exact=True).fill("Țurcanu")
    page.get_by_label("Firmă").fill(company)
    cui = page.locator("#f-cui")
    cui.fill("18547291")  # a wrong check digit: said at once, before saving
    assert "err" in (page.locator("#cui-status").get_attribute("class") or "")
    page.get_by_label("E-mail").fill("mihaela@")
    page.get_by_role("button", name="Salvează").click()
    page.wait_for_selector(".error-summary")
    assert page.locator("#f-cui-error").is_visible() and page.locator("#f-email-error").is_visible()
    assert page.locator("#f-cui").get_attribute("aria-invalid") == "true"
    shot(page, "lead-form-errors-filled")

    page.locator("#f-cui").fill("RO" + valid_cui(rng))
    assert "ok" in (page.locator("#cui-status").get_attribute("class") or "")
    page.get_by_label("E-mail").fill(f"mihaela.{suffix}@caramida.ro")
    page.get_by_role("button", name="Salvează").dblclick()  # a double click saves once
    page.wait_for_url(re.compile(r"/crm/leads/[0-9a-f-]{36}$"))
    lead_url = page.url
    assert page.get_by_role("heading", name="Mihaela Țurcanu").is_visible()

    page.get_by_role("button", name="Califică").click()
    page.wait_for_selector(".toast")
    assert page.locator(".badge", has_text="Calificat").first.is_visible()
    page.get_by_role("link", name="Convertește").click()
    dialog = page.locator("#convert-dialog")
    assert dialog.is_visible() and company in dialog.inner_text()
    dialog.get_by_label("Valoare").fill("12.500,00")
    shot(page, "lead-convert-filled")
    dialog.get_by_role("button", name="Convertește").click()
    page.wait_for_url(re.compile(r"/crm/(opportunities|accounts)/[0-9a-f-]{36}"))

    page.goto(lead_url)
    assert page.locator(".badge", has_text="Convertit").first.is_visible()
    page.keyboard.press("Control+k")
    page.keyboard.type(plain)
    option = page.locator("#command-results a[href^='/crm/accounts/']", has_text=company).first
    option.wait_for()
    shot(page, "leads-command-menu")


def test_save_a_view_and_open_it_from_the_menu(page: Any) -> None:
    page.goto("/crm/leads")
    with page.expect_response(re.compile(r"/crm/leads\?.*status=qualified")):
        page.locator("#leads-status").select_option("qualified")
    name = page.locator("#view-name")
    shot(page, "leads-filtered")
    name.fill("Calificați")
    name.press("Enter")  # the keyboard alone saves it
    page.wait_for_url(re.compile(r"status=qualified"))
    page.goto("/crm/leads")
    menu = page.locator(".views-menu > summary")
    menu.focus()
    page.keyboard.press("Enter")
    link = page.locator(".views-menu a", has_text="Calificați")
    assert link.is_visible()
    shot(page, "leads-views-menu")
    axe_check(page, "saved views menu")
    link.click()
    page.wait_for_url(re.compile(r"status=qualified"))
    assert page.locator("#leads-status").input_value() == "qualified"
    assert not page.js_errors
