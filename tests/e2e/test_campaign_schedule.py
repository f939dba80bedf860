"""Scheduling a campaign in Chromium on the demo: Programează with its confirmation (the time read in
Bucharest time), the scheduled page in both themes, then Anulează from the keyboard (the confirmation
takes the focus); axe on every step, screenshots under test-artifacts/."""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.conftest import DemoApp, axe_check, set_theme_and_language, shot

SPRING = "Newsletter de primăvară: e-Factura fără griji"  # the demo's scheduled e-mail campaign


def test_schedule_then_cancel_the_spring_newsletter(context: Any, page: Any, demo_app: DemoApp) -> None:
    set_theme_and_language(context, "light", "ro", demo_app.url)
    page.goto("/crm/campaigns")
    page.locator("table.campaigns-table a.cell-title", has_text=SPRING).click()
    page.wait_for_url(re.compile(r"/crm/campaigns/[0-9a-f-]{36}$"))
    url = page.url
    page.locator("#f-subject").fill("Primăvara vine cu e-Factura")
    page.locator("#f-html").fill("<h1>Bună ziua, {{ prenume }}!</h1><p>Vă așteptăm la demo.</p>")
    page.locator("#f-at").fill("2031-03-30T09:30")
    shot(page, "campaign-schedule-form")
    axe_check(page, "campaign schedule form")
    page.get_by_role("button", name="Programează").click()
    confirm = page.locator(".confirm-send")
    confirm.wait_for()
    assert re.search(
        r"Programați trimiterea către \d+ (de )?destinatari? pentru 30\.03\.2031 09:30\?",
        confirm.inner_text(),
    )
    shot(page, "campaign-schedule-confirm")
    axe_check(page, "campaign schedule confirmation")
    page.get_by_role("button", name="Programează").click()
    page.wait_for_url(url)
    assert "Programată pentru 30.03.2031 09:30." in page.locator(".campaign-steps-text").inner_text()
    shot(page, "campaign-scheduled")
    axe_check(page, "scheduled campaign")

    set_theme_and_language(context, "dark", "ro", demo_app.url)
    page.goto(url)
    shot(page, "campaign-scheduled")
    axe_check(page, "scheduled campaign (dark)")
    page.get_by_role("button", name="Anulează").click()
    question = page.locator(".confirm-step")
    question.wait_for()
    assert "Anulați campania?" in question.inner_text()
    assert page.evaluate("document.activeElement.classList.contains('confirm-step')")
    shot(page, "campaign-cancel-confirm")
    axe_check(page, "cancel confirmation (dark)")
    page.keyboard.press("Tab")  # Înapoi
    page.keyboard.press("Tab")  # Da, anulează campania
    assert page.evaluate("document.activeElement.textContent").strip() == "Da, anulează campania"
    page.keyboard.press("Enter")
    page.wait_for_url(url)
    assert "Campania a fost anulată." in page.content()
    assert page.locator("span.badge", has_text="Anulat").count() == 1
    shot(page, "campaign-cancelled")
    axe_check(page, "cancelled campaign (dark)")
    assert not page.js_errors
