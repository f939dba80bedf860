"""Sales pages in Chromium: the invoice list and the demo's draft invoice (lines, VAT breakdown,
totals, the Issue button); the demo's issued documents accepted by the fake SPV through the real path
(outbox → worker → fake SPV → consumer), the signed ZIP downloaded and a payment recorded from the
invoice; with screenshots and axe in both themes and languages."""

from __future__ import annotations

import re
import time
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
    page.goto("/sales/invoices?status=draft")
    page.locator("table.invoices-table a.cell-title").first.click()
    page.wait_for_url(re.compile(r"/sales/invoices/[0-9a-f-]{36}$"))
    assert page.locator("dl.totals").is_visible()
    assert page.get_by_role("button", name=re.compile("^(Emite|Issue)$")).is_visible()
    shot(page, "sales-invoice")
    axe_check(page, f"invoice page ({theme}, {lang})")
    assert not page.js_errors


def _accepted_invoice(page: Any, label: str) -> None:
    """Wait until the demo's worker and consumer have taken the first invoice to "accepted"."""
    deadline = time.monotonic() + 120
    while True:
        page.goto("/sales/invoices?status=issued")
        row = page.locator("table.invoices-table tbody tr", has_text="000001")
        if label in row.inner_text():
            row.locator("a.cell-title").click()
            page.wait_for_url(re.compile(r"/sales/invoices/[0-9a-f-]{36}$"))
            return
        assert time.monotonic() < deadline, row.inner_text()
        time.sleep(2)


@pytest.mark.parametrize("theme,lang", [("dark", "ro"), ("light", "en")])
def test_accepted_invoice_zip_and_payment(
    context: Any, page: Any, demo_app: DemoApp, theme: str, lang: str
) -> None:
    set_theme_and_language(context, theme, lang, demo_app.url)
    accepted = "Acceptată de SPV" if lang == "ro" else "Accepted by SPV"
    _accepted_invoice(page, accepted)
    assert accepted in page.locator("dl.facts").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("ZIP")).click()
    assert download.value.suggested_filename.endswith(".zip")
    # The PDF the demo's pdf.render worker rendered when the invoice was issued.
    pdf_url = page.url + "/pdf"
    deadline = time.monotonic() + 90
    while (pdf := page.request.get(pdf_url)).headers.get("content-type") != "application/pdf":
        assert time.monotonic() < deadline, pdf.headers
        time.sleep(2)
    assert pdf.body().startswith(b"%PDF")
    shot(page, "sales-invoice-accepted")
    axe_check(page, f"accepted invoice ({theme}, {lang})")
    page.get_by_role("link", name=re.compile("^(Înregistrează încasarea|Record payment)$")).click()
    page.wait_for_url(re.compile(r"/payment$"))
    amount = page.get_by_label(re.compile("^(Valoare|Amount)"))
    amount.fill("999999")
    page.get_by_role("button", name=re.compile("^(Înregistrează încasarea|Record payment)$")).click()
    assert page.locator(".field-error").first.is_visible()
    shot(page, "sales-payment-form")
    axe_check(page, f"payment form ({theme}, {lang})")
    amount.fill("100")
    page.get_by_label(re.compile("^(Referință|Reference)")).fill(f"OP e2e {theme}")
    page.get_by_role("button", name=re.compile("^(Înregistrează încasarea|Record payment)$")).click()
    page.wait_for_url(re.compile(r"/sales/invoices/[0-9a-f-]{36}$"))
    assert f"OP e2e {theme}" in page.locator(".doc-payments").inner_text()
    shot(page, "sales-invoice-paid")
    assert not page.js_errors


@pytest.mark.parametrize("theme,lang", [("light", "ro"), ("dark", "en")])
def test_quotes_and_orders(context: Any, page: Any, demo_app: DemoApp, theme: str, lang: str) -> None:
    """The demo's accepted quote and its confirmed order, partially invoiced, with the invoicing form."""
    set_theme_and_language(context, theme, lang, demo_app.url)
    page.goto("/sales/quotes")
    row = page.locator("table.invoices-table tbody tr", has_text="OF-")
    assert re.search("Acceptată|Accepted", row.first.inner_text())
    shot(page, "sales-quotes")
    axe_check(page, f"/sales/quotes ({theme}, {lang})")
    row.first.locator("a.cell-title").click()
    page.wait_for_url(re.compile(r"/sales/quotes/[0-9a-f-]{36}$"))
    assert page.locator("dl.totals").is_visible()
    shot(page, "sales-quote")
    axe_check(page, f"quote page ({theme}, {lang})")
    page.locator("dl.facts a[href^='/sales/orders/']").click()
    page.wait_for_url(re.compile(r"/sales/orders/[0-9a-f-]{36}$"))
    assert re.search("Facturată parțial|Partially invoiced", page.locator("dl.facts").inner_text())
    assert page.locator(".doc-payments a[href^='/sales/invoices/']").count() == 1
    shot(page, "sales-order")
    axe_check(page, f"order page ({theme}, {lang})")
    page.goto("/sales/orders")
    shot(page, "sales-orders")
    axe_check(page, f"/sales/orders ({theme}, {lang})")
    assert not page.js_errors


@pytest.mark.parametrize("theme,lang", [("light", "ro"), ("dark", "en")])
def test_efactura_outbox(context: Any, page: Any, demo_app: DemoApp, theme: str, lang: str) -> None:
    """The compliance desk's e-Factura outbox: the demo's issued documents with their SPV status and
    deadline; the status filter."""
    set_theme_and_language(context, theme, lang, demo_app.url)
    page.goto("/sales/efactura")
    rows = page.locator("table tbody tr")
    assert rows.count() >= 4
    head = page.locator("table thead").inner_text().upper()  # the headers are styled in capitals
    assert ("TERMEN SPV" if lang == "ro" else "SPV DEADLINE") in head
    shot(page, "sales-efactura-outbox")
    axe_check(page, f"/sales/efactura ({theme}, {lang})")
    page.goto("/sales/efactura?state=failed")
    assert page.locator("table tbody tr").count() == 0
    shot(page, "sales-efactura-outbox-failed")
    axe_check(page, f"/sales/efactura?state=failed ({theme}, {lang})")
    assert not page.js_errors


@pytest.mark.parametrize("theme,lang", [("light", "ro"), ("dark", "en")])
def test_efactura_inbox(context: Any, page: Any, demo_app: DemoApp, theme: str, lang: str) -> None:
    """The e-Factura desk's inbox tab: the demo's two supplier invoices, fetched from the fake SPV by the
    inbox (paginated list, descarcare, signature checked), delivered to sales by the consumer; one opened
    in its readable view (parties, lines, VAT, totals)."""
    set_theme_and_language(context, theme, lang, demo_app.url)
    page.goto("/sales/efactura")
    page.get_by_role("link", name="Primite" if lang == "ro" else "Received (inbox)").click()
    page.wait_for_url("**/sales/efactura/inbox")
    deadline = time.monotonic() + 90  # the consumer delivers the demo's events shortly after start
    while page.locator("table tbody tr").count() < 2:
        assert time.monotonic() < deadline, "the demo's supplier invoices never reached the inbox"
        time.sleep(2)
        page.reload()
    text = page.locator("table tbody").inner_text()
    assert "CONSTRUCTII DEFALCAT SRL" in text and "SI-000877" in text
    assert text.count("Verificată" if lang == "ro" else "Verified") == 2
    shot(page, "sales-efactura-inbox")
    axe_check(page, f"/sales/efactura/inbox ({theme}, {lang})")
    page.get_by_role("link", name="CONSTRUCTII DEFALCAT SRL").click()
    page.wait_for_url(re.compile(r".*/sales/efactura/inbox/[0-9a-f-]{36}$"))
    body = page.locator("main").inner_text()
    assert "Lucrări de amenajare birouri" in body and "RO29500004" in body
    assert ("Defalcare TVA" if lang == "ro" else "VAT breakdown") in body
    shot(page, "sales-supplier-invoice")
    axe_check(page, f"supplier invoice ({theme}, {lang})")
    assert not page.js_errors
