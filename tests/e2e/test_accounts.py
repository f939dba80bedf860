"""Accounts and contacts in Chromium: the lists, Account 360 (every tab), logging a call, uploading and
downloading an attachment, and merging the demo's duplicate contact; axe on every page, screenshots in
both themes and both languages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from genius.vettify.demo import SEED, _account, _Maker
from tests.e2e.conftest import DemoApp, axe_check, set_theme_and_language, shot

TABS = ("overview", "timeline", "compliance", "contacts", "opportunities", "attachments")
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def first_demo_account() -> str:
    """The demo's first account (Faker from the demo's fixed seed): it has the timeline activities and
    the duplicate contact."""
    return _account(_Maker(SEED), 0).name


def open_account(page: Any, name: str) -> str:
    page.goto("/crm/accounts?" + f"q={name.split()[0]}")
    page.get_by_role("link", name=name, exact=True).click()
    page.wait_for_url(re.compile(r"/crm/accounts/[0-9a-f-]{36}"))
    return str(page.url.split("?")[0])


@pytest.mark.parametrize("theme,lang", [("light", "ro"), ("dark", "ro"), ("light", "en"), ("dark", "en")])
def test_accounts_and_contacts_pages(
    context: Any, page: Any, demo_app: DemoApp, theme: str, lang: str
) -> None:
    set_theme_and_language(context, theme, lang, demo_app.url)
    page.goto("/crm/accounts")
    assert page.locator("table.table tbody tr").count() >= 10
    shot(page, "crm-accounts")
    axe_check(page, f"accounts ({theme}, {lang})")

    url = open_account(page, first_demo_account())
    tabs = TABS if (theme, lang) in (("light", "ro"), ("dark", "en")) else ("overview",)
    for tab in tabs:
        page.goto(f"{url}?tab={tab}")
        assert page.locator(f'nav.tabs a[href$="tab={tab}"][aria-current="page"]').count() == 1
        shot(page, f"crm-account360-{tab}")
        axe_check(page, f"account 360 {tab} ({theme}, {lang})")

    page.goto("/crm/contacts")
    assert page.locator("table.table tbody tr").count() >= 10
    shot(page, "crm-contacts")
    axe_check(page, f"contacts ({theme}, {lang})")
    page.locator("table.table tbody tr a.cell-title").first.click()
    page.wait_for_url(re.compile(r"/crm/contacts/[0-9a-f-]{36}"))
    shot(page, "crm-contact")
    axe_check(page, f"contact ({theme}, {lang})")
    assert not page.js_errors


def test_search_is_debounced_and_diacritic_insensitive(page: Any) -> None:
    name = first_demo_account()
    word = name.split()[0]
    plain = word.translate(str.maketrans("ăâîșțşţĂÂÎȘȚ", "aaisstsAAIST"))
    page.goto("/crm/accounts")
    page.get_by_label(re.compile("Caută clienți")).fill(plain.lower())
    page.wait_for_url(re.compile(r"q="))
    assert page.get_by_role("link", name=name, exact=True).is_visible()


def test_log_a_call_and_attach_a_file(page: Any, tmp_path: Path) -> None:
    url = open_account(page, first_demo_account())
    page.goto(f"{url}?tab=timeline")
    form = page.locator("form.activity-form")
    form.get_by_text("Apel", exact=True).click()
    form.get_by_label("Subiect").fill("Apel de verificare e2e")
    form.get_by_label("Detalii").fill("Clientul confirmă comanda.")
    form.get_by_role("button", name="Salvează activitatea").click()
    timeline = page.locator("#timeline-items")
    timeline.get_by_text("Apel de verificare e2e").wait_for()
    shot(page, "crm-account360-logged-call")

    page.goto(f"{url}?tab=attachments")
    # refused in the browser before any upload: an executable's extension
    bad = tmp_path / "factura.exe"
    bad.write_bytes(b"MZ" + b"\x00" * 64)
    page.locator("#upload-file").set_input_files(str(bad))
    error = page.locator("#upload-error")
    error.wait_for(state="visible")
    assert "nu este permis" in error.inner_text()
    shot(page, "crm-account360-upload-refused")
    good = tmp_path / "Contract semnat.pdf"
    good.write_bytes(PDF)
    page.locator("#upload-file").set_input_files(str(good))
    link = page.get_by_role("link", name=re.compile("Contract semnat.pdf"))
    link.wait_for()
    shot(page, "crm-account360-uploaded")
    axe_check(page, "attachments after upload")
    with page.expect_download() as download_info:
        link.click()
    saved = tmp_path / "downloaded.pdf"
    download_info.value.save_as(saved)
    assert saved.read_bytes() == PDF
    assert not page.js_errors


def test_merge_the_duplicate_contacts(context: Any, page: Any, demo_app: DemoApp) -> None:
    page.goto("/crm/contacts/duplicates")
    assert page.get_by_text("același e-mail").first.is_visible()
    shot(page, "crm-duplicates-all")
    axe_check(page, "duplicates of the tenant")
    url = open_account(page, first_demo_account())
    page.goto(f"{url}?tab=contacts")
    # the account's first contact with a duplicate (not the demo's undeliverable address, added last)
    page.locator("table.table tbody tr a.cell-title", has_not_text="Nelivrabil").first.click()
    page.wait_for_url(re.compile(r"/crm/contacts/[0-9a-f-]{36}$"))
    contact_url = page.url
    page.get_by_role("link", name="Caută duplicate").click()
    page.wait_for_url(re.compile("/duplicates"))
    assert page.get_by_text("același e-mail").first.is_visible()
    shot(page, "crm-duplicates")
    axe_check(page, "duplicates")
    page.get_by_role("link", name=re.compile("Compară și fuzionează")).first.click()
    page.wait_for_url(re.compile("/merge"))
    shot(page, "crm-merge")
    axe_check(page, "merge")
    set_theme_and_language(context, "dark", "en", demo_app.url)
    page.reload()
    shot(page, "crm-merge")
    axe_check(page, "merge (dark, en)")
    set_theme_and_language(context, "light", "ro", demo_app.url)
    page.reload()
    # keep the other record's phone and job title
    theirs = page.locator('input[name="pick_job_title"][value="other"]')
    theirs.check()
    page.locator('input[name="pick_phone"][value="other"]').check()
    other_job = page.locator("tr", has=theirs).locator("td").nth(1).inner_text().strip()
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Fuzionează").click()
    page.wait_for_url(contact_url)
    assert page.get_by_role("heading", name="Fuzionat din").is_visible()
    assert page.get_by_text(other_job, exact=False).first.is_visible()
    shot(page, "crm-contact-merged")
    axe_check(page, "contact after merge")
