"""Sales pages in Chromium: the invoice list and the demo's draft invoice (lines, VAT breakdown,
totals, the Issue button), with screenshots and axe in both themes and languages."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import DemoApp, axe_check, set_theme_and_language, shot


@pytest.mark.parametrize("theme,lang", [("light", "ro"), ("dark", "en")])
def test_invoice_list_and_draft(context: Any, page: Any, demo_app: DemoApp, theme: str, lang: str) -> None:
    set_theme_and_language(context, theme, lang, demo_app.url)
    page.goto("/sales/invoices")
    rows = page.locator("table.invoices-table tbody tr")
    assert rows.count() >= 1
    assert "Client Demo Facturare SRL" in rows.first.inner_text()
    shot(page, "sales-invoices")
    axe_check(page, f"/sales/invoices ({theme}, {lang})")
    page.locator("table.invoices-table a.cell-title").first.click()
    page.wait_for_url(re.compile(r"/sales/invoices/[0-9a-f-]{36}$"))
    assert page.locator("dl.totals").is_visible()
    assert page.get_by_role("button", name=re.compile("^(Emite|Issue)$")).is_visible()
    shot(page, "sales-invoice")
    axe_check(page, f"invoice page ({theme}, {lang})")
    assert not page.js_errors
