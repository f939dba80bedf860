"""Sales pages in Chromium: the invoice list and the demo's draft invoice (lines, VAT breakdown,
totals, the Issue button); the demo's issued documents accepted by the fake SPV through the real path
(outbox → worker → fake SPV → consumer), the signed ZIP downloaded and a payment recorded from the
invoice; with screenshots and axe in both themes and languages."""

from __future__ import annotations

import re
import time
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DemoApp, axe_check, set_theme_and_language, shot


@pytest.mark.parametrize("theme,lang", [("light", "ro"), ("dark", "en")])
def test_invoice_list_and_draft(context: Any, page: Any, demo_app: DemoApp, theme: str, lang: str) -> None:
    set_theme_and_language(context, theme, lang, demo_app.url)
    page.goto("/sales/invoices")
    rows = page.locator("table.invoices-table tbody tr")
    assert rows.count() >= 1
    listed = page.locator("table.invoices-table tbody").inner_text()
    assert "Client Demo Facturare SRL" in listed and "Ionescu Maria" in listed  # a company, and a person
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


def _accepted_on_the_desk(page: Any, number: str, label: str) -> None:
    """Wait on the e-Factura desk until the demo's worker and consumer have taken ``number`` to accepted."""
    deadline = time.monotonic() + 120
    while True:
        page.goto("/sales/efactura")
        row = page.locator("table tbody tr", has_text=number)
        if row.count() and label in row.inner_text():
            return
        assert time.monotonic() < deadline, row.all_inner_texts()
        time.sleep(2)


@pytest.mark.parametrize("theme,lang", [("light", "ro"), ("dark", "en")])
def test_invoice_editor_issue_accept_pdf_zip_and_payment(
    context: Any, page: Any, demo_app: DemoApp, theme: str, lang: str
) -> None:
    """An invoice written in the editor (customer searched, a catalogue product and a free line, live
    totals, a line added and removed by keyboard), issued, accepted by the fake SPV on the e-Factura desk,
    its PDF and signed ZIP downloaded and its payment recorded."""
    set_theme_and_language(context, theme, lang, demo_app.url)
    ro = lang == "ro"
    page.goto("/sales/invoices")
    page.get_by_role("link", name="Factură nouă" if ro else "New invoice").first.click()
    page.wait_for_url(re.compile(r"/sales/invoices/new$"))
    # Issue with nothing chosen: the errors beside their fields, nothing saved.
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name=re.compile("^(Emite|Issue)$")).click()
    assert page.locator("#customer-error").is_visible()
    assert page.locator(".error-summary").is_visible()
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "sales-editor-errors")
    axe_check(page, f"editor with errors ({theme}, {lang})")

    search = page.get_by_label("Căutați în conturile CRM" if ro else "Search the CRM accounts")
    with page.expect_response(lambda r: "/sales/invoices/editor/customers" in r.url):
        search.fill("Demo Facturare")
    customer = page.get_by_role("radio", name=re.compile("Client Demo Facturare SRL"))
    customer.check()
    page.get_by_label(re.compile("^(Produs, linia 1|Product, line 1)$")).select_option(
        label="LIC-ERP · Licență Genius ERP (lunar)"
    )
    description = page.get_by_label(re.compile("^(Descriere, linia 1|Description, line 1)$"))
    expect(description).not_to_have_value("")
    assert "Licență Genius ERP" in description.input_value()
    quantity = page.get_by_label(re.compile("^(Cantitate, linia 1|Quantity, line 1)$"))
    totals = page.locator("#editor-totals dl.totals")
    quantity.fill("2")
    quantity.press("Tab")
    # The totals come back from the server (htmx, after a 100 ms pause): on a loaded machine, give them time.
    expect(totals).to_contain_text("605,00", timeout=20_000)
    # A free line, added by keyboard (the new line's product gets the focus), then a third one removed.
    add = page.get_by_role("button", name=re.compile("^(Adaugă linie|Add line)$"))
    add.focus()
    page.keyboard.press("Enter")
    expect(page.locator("[name='lines.1.product_id']")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.type("Instruire e2e")
    page.get_by_label(re.compile("^(Preț unitar, linia 2|Unit price, line 2)$")).fill("100,50")
    page.get_by_label(re.compile("^(Preț unitar, linia 2|Unit price, line 2)$")).press("Tab")
    page.wait_for_load_state("networkidle")
    expect(totals).to_contain_text("726,61", timeout=20_000)
    add.focus()
    page.keyboard.press("Enter")
    expect(page.locator("[name='lines.2.product_id']")).to_be_focused()
    remove = page.get_by_role("button", name=re.compile("^(Șterge linia 3|Remove line 3)$"))
    remove.focus()
    page.keyboard.press("Enter")
    expect(page.locator("[name='lines.2.description']")).to_have_count(0)
    assert "726,61" in totals.inner_text()  # 2 x 250 + 100,50 = 600,50 + 21 % VAT
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "sales-editor")
    axe_check(page, f"invoice editor ({theme}, {lang})")

    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name=re.compile("^(Emite|Issue)$")).click()
    page.wait_for_url(re.compile(r"/sales/invoices/[0-9a-f-]{36}$"))
    invoice_url = page.url
    number = re.search(r"GEN-\d{4}-\d{6}", page.locator("h1").inner_text())
    assert number, page.locator("h1").inner_text()
    accepted = "Acceptată de SPV" if ro else "Accepted by SPV"
    _accepted_on_the_desk(page, number.group(0), accepted)
    shot(page, "sales-efactura-desk-editor")
    axe_check(page, f"/sales/efactura after the editor ({theme}, {lang})")
    page.locator("table tbody tr", has_text=number.group(0)).locator("a.cell-title").click()
    page.wait_for_url(invoice_url)
    assert accepted in page.locator("dl.facts").inner_text()
    with page.expect_download() as zipped:
        page.get_by_role("link", name=re.compile("ZIP")).click()
    assert zipped.value.suggested_filename == f"{number.group(0)}.zip"
    deadline = time.monotonic() + 90
    while page.request.get(invoice_url + "/pdf").headers.get("content-type") != "application/pdf":
        assert time.monotonic() < deadline
        time.sleep(2)
    page.reload()
    with page.expect_download() as pdf:
        page.get_by_role("link", name="PDF", exact=True).click()
    assert pdf.value.suggested_filename == f"{number.group(0)}.pdf"
    with open(pdf.value.path(), "rb") as fh:
        assert fh.read(4) == b"%PDF"
    page.get_by_role("link", name=re.compile("^(Înregistrează încasarea|Record payment)$")).click()
    page.wait_for_url(re.compile(r"/payment$"))
    page.get_by_label(re.compile("^(Referință|Reference)")).fill(f"OP editor {theme}")
    page.get_by_role("button", name=re.compile("^(Înregistrează încasarea|Record payment)$")).click()
    page.wait_for_url(invoice_url)
    assert ("Încasată" if ro else "Paid") in page.locator("dl.facts").inner_text()
    assert f"OP editor {theme}" in page.locator(".doc-payments").inner_text()
    shot(page, "sales-editor-invoice-paid")
    axe_check(page, f"paid invoice ({theme}, {lang})")
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
    # Its PDF: the first ask queues pdf.render through the outbox; the demo's worker renders it.
    pdf_url = page.url + "/pdf"
    deadline = time.monotonic() + 60
    while not (answer := page.request.get(pdf_url, max_redirects=0)).body().startswith(b"%PDF"):
        assert answer.status in (200, 303), answer.status
        assert time.monotonic() < deadline, "the supplier invoice's PDF was never rendered"
        time.sleep(2)
    assert answer.headers["content-type"] == "application/pdf"
    assert not page.js_errors


@pytest.mark.parametrize("theme,lang", [("light", "ro"), ("dark", "en")])
def test_invoice_to_a_person_shows_her_cnp_masked(
    context: Any, page: Any, demo_app: DemoApp, theme: str, lang: str
) -> None:
    """The demo's B2C invoice: the customer card shows the CNP masked and the form to change it; a bad
    CNP is refused on the field."""
    set_theme_and_language(context, theme, lang, demo_app.url)
    page.goto("/sales/invoices?status=issued")
    page.locator("table.invoices-table tbody tr", has_text="Ionescu Maria").locator("a.cell-title").click()
    page.wait_for_url(re.compile(r"/sales/invoices/[0-9a-f-]{36}$"))
    card = page.locator("section.card", has=page.locator("#f-cnp"))
    assert "2••••••••0011" in card.inner_text()
    page.locator("#f-cnp").fill("2800315080012")
    page.locator("#f-cnp").press("Enter")
    page.wait_for_load_state()
    expect(page.locator("#f-cnp-error")).to_be_visible()
    assert page.locator("#f-cnp").get_attribute("aria-invalid") == "true"
    shot(page, "sales-invoice-b2c")
    axe_check(page, f"B2C invoice ({theme}, {lang})")
    assert not page.js_errors


@pytest.mark.parametrize("theme,lang", [("light", "ro"), ("dark", "en")])
def test_compliance_desk_validate_etransport_and_anaf(
    context: Any, page: Any, demo_app: DemoApp, theme: str, lang: str
) -> None:
    """The desk's tools: an issued invoice's XML, broken on purpose, validated with its finding on the
    file's line; the orders' UITs with their countdown; a CUI looked up at the (fake) ANAF registry."""
    set_theme_and_language(context, theme, lang, demo_app.url)
    page.goto("/sales/invoices?status=issued")
    links = page.locator("table tbody tr a.cell-title")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    xmls = (page.request.get(f"{href}/ubl").body() for href in hrefs)
    xml = next(x for x in xmls if b"<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>" in x)  # not a credit note
    broken = xml.replace(b"<cbc:InvoiceTypeCode>380<", b"<cbc:InvoiceTypeCode>999<", 1)
    page.goto("/sales/efactura")
    page.get_by_role("link", name="Validează un fișier" if lang == "ro" else "Validate a file").click()
    page.wait_for_url("**/sales/efactura/validate")
    page.locator("#f-file").set_input_files(
        files=[{"name": "factura-gresita.xml", "mimeType": "application/xml", "buffer": broken}]
    )
    page.get_by_role("button", name="Validează" if lang == "ro" else "Validate").click()
    page.wait_for_load_state()
    rows = page.locator("table.finding-table tbody tr")
    expect(rows.first).to_be_visible()
    assert "BR-CL-01" in page.locator("table.finding-table").inner_text()
    shot(page, "sales-efactura-validate")
    axe_check(page, f"/sales/efactura/validate ({theme}, {lang})")

    page.goto("/sales/etransport")
    expect(page.locator("main table tbody tr").first).to_be_visible()
    shot(page, "sales-etransport")
    axe_check(page, f"/sales/etransport ({theme}, {lang})")
    page.locator("main table tbody tr a").first.click()  # the order the UIT belongs to
    page.wait_for_url(re.compile(r".*/sales/orders/[0-9a-f-]{36}(#etransport)?$"))
    expect(page.locator(".etr-code")).to_be_visible()
    shot(page, "sales-order-etransport")
    axe_check(page, f"order with its UIT ({theme}, {lang})")

    page.goto("/sales/anaf")
    page.locator("#f-cui").fill("RO14399840")
    page.locator("#f-cui").press("Enter")
    page.wait_for_url("**/sales/anaf?cui=*")
    expect(page.locator("#company-h")).to_be_visible()
    shot(page, "sales-anaf-lookup")
    axe_check(page, f"/sales/anaf ({theme}, {lang})")
    assert not page.js_errors


@pytest.mark.parametrize("theme,lang", [("light", "ro"), ("dark", "en")])
def test_compliance_desk_saft_reges_products_and_uit_actions(
    context: Any, page: Any, demo_app: DemoApp, theme: str, lang: str
) -> None:
    """The rest of the desk: a SAF-T report requested from a ledger and built by the worker, its files;
    a REGES message checked (a wrong CNP); a product's tariff code refused beside its field; the order's
    UIT with its Correct form and its Cancel button behind a confirmation (dismissed: the demo keeps it)."""
    import json

    from tests.compliance.reges.conftest import BAD_CNP, salariat
    from tests.compliance.saft import samples

    set_theme_and_language(context, theme, lang, demo_app.url)
    page.goto("/sales/saft")
    page.locator("#f-kind").select_option("L")
    page.locator("#f-year").fill("2026")
    page.locator("#f-month").select_option("6")
    page.locator("#f-ledger").set_input_files(
        files=[
            {
                "name": "ledger.json",
                "mimeType": "application/json",
                "buffer": json.dumps(samples.month_data()).encode(),
            }
        ]
    )
    page.get_by_role("button", name="Generează raportul" if lang == "ro" else "Build the report").click()
    page.wait_for_url(re.compile(r".*/sales/saft/[0-9a-f-]{36}$"))
    deadline = time.monotonic() + 120
    while page.locator("a[href*='/segments/1']").count() == 0 and time.monotonic() < deadline:
        time.sleep(1)  # the anaf.saft worker builds it in the background
        page.reload()
    expect(page.locator("a[href*='/segments/1']")).to_be_visible()
    shot(page, "sales-saft-report")
    axe_check(page, f"/sales/saft/{{id}} ({theme}, {lang})")
    # the annual report (fixed assets) of last year, and one for this year, which has not closed
    last_year = date.today().year - 1
    assets = json.dumps(samples.assets_year().model_dump(mode="json"))
    for year, shift in ((last_year, last_year - 2026), (last_year + 1, last_year + 1 - 2026)):
        page.goto("/sales/saft")
        page.locator("#f-kind").select_option("A")
        page.locator("#f-year").fill(str(year))
        shifted = re.sub(r'"(20\d\d)-', lambda m, n=shift: f'"{int(m[1]) + n}-', assets).encode()
        page.locator("#f-ledger").set_input_files(
            files=[{"name": f"mijloace-fixe-{year}.json", "mimeType": "application/json", "buffer": shifted}]
        )
        page.get_by_role("button", name="Generează raportul" if lang == "ro" else "Build the report").click()
        page.wait_for_load_state()
    expect(page.locator("#f-year-error")).to_be_visible()  # this year's financial year is not closed
    shot(page, "sales-saft-year-not-closed")
    axe_check(page, f"/sales/saft with errors ({theme}, {lang})")
    page.goto("/sales/saft")
    annual = "Anual (mijloace fixe)" if lang == "ro" else "Annual (fixed assets)"
    expect(page.locator("main table tbody tr", has_text=annual).first).to_be_visible()
    shot(page, "sales-saft")
    axe_check(page, f"/sales/saft ({theme}, {lang})")

    page.goto("/sales/reges")
    page.locator("form.validate-form details summary").click()
    page.locator("#f-message").fill(json.dumps(salariat(cnp=BAD_CNP)))
    page.get_by_role("button", name="Verifică mesajul" if lang == "ro" else "Check the message").click()
    page.wait_for_load_state()
    expect(page.locator("table.finding-table tbody tr").first).to_be_visible()
    cnp_text = "nu este un CNP valid" if lang == "ro" else "is not a valid CNP"  # the finding, translated
    assert cnp_text in page.locator("table.finding-table").inner_text()
    shot(page, "sales-reges-check")
    axe_check(page, f"/sales/reges ({theme}, {lang})")

    # a message that passes is sent from the page, behind a confirmation; the worker sends it to the
    # (fake) REGES and reads its result, which the submission's page shows as it comes
    page.locator("form.validate-form details").evaluate("d => { d.open = true; }")  # open after a paste
    page.locator("#f-message").fill(json.dumps(salariat()))
    page.get_by_role("button", name="Verifică mesajul" if lang == "ro" else "Check the message").click()
    page.wait_for_load_state()
    send = page.get_by_role("button", name="Trimite la REGES" if lang == "ro" else "Send to REGES")
    expect(send).to_be_visible()
    shot(page, "sales-reges-sendable")
    confirmations: list[str] = []

    def accept(dialog: Any) -> None:
        confirmations.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    send.click()
    page.wait_for_url(re.compile(r".*/sales/reges/[0-9a-f-]{36}$"))
    assert confirmations and "InregistrareSalariat" in confirmations[0]
    registered = "Înregistrat" if lang == "ro" else "Registered"
    expect(page.locator("#reges-submission .badge", has_text=registered)).to_be_visible(timeout=120_000)
    assert "SUCCES" in page.locator("#reges-submission").inner_text()
    shot(page, "sales-reges-submission")
    axe_check(page, f"/sales/reges/{{id}} ({theme}, {lang})")

    page.goto("/sales/products")
    page.locator("main table tbody tr a.cell-title").first.click()
    page.wait_for_url(re.compile(r".*/sales/products/[0-9a-f-]{36}$"))
    page.locator("#f-cod_tarifar").fill("2710")
    page.get_by_role("button", name="Salvează" if lang == "ro" else "Save").click()
    expect(page.locator("#f-cod_tarifar-error")).to_be_visible()
    shot(page, "sales-product-tariff-code")
    axe_check(page, f"/sales/products/{{id}} ({theme}, {lang})")

    page.goto("/sales/etransport")
    page.locator("main table tbody tr a").first.click()
    page.wait_for_url(re.compile(r".*/sales/orders/[0-9a-f-]{36}(#etransport)?$"))
    expect(page.locator(".etr-code")).to_be_visible()
    page.locator(".etr-fix summary").click()
    expect(page.locator(".etr-fix form")).to_be_visible()
    shot(page, "sales-order-uit-correct")
    axe_check(page, f"order with its UIT's correction form ({theme}, {lang})")
    dialogs: list[str] = []

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="Anulează UIT" if lang == "ro" else "Cancel UIT").click()
    assert dialogs and "UIT" in dialogs[0]
    expect(page.locator(".etr-code")).to_be_visible()  # dismissed: nothing sent
    assert not page.js_errors
