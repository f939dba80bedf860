"""E-mail sequences in Chromium on the demo (issue #15): a sequence built with two steps, one step edited
(moved with the keyboard, its subject changed), activated, a demo contact enrolled from its page, the
enrolment on the sequence page, then the contact's reply marked from the row; the CRM settings page's
Resend card; and the campaign composer's draft, kept as it is typed and restored on return. Both themes
and both languages, axe on every page, screenshots under test-artifacts/."""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import DemoApp, axe_check, set_theme_and_language, shot


def test_build_edit_enrol_and_mark_a_reply(context: Any, page: Any, demo_app: DemoApp) -> None:
    set_theme_and_language(context, "light", "ro", demo_app.url)
    tag = uuid.uuid4().hex[:6]
    name = f"Bun venit {tag}"

    # 1. The builder: two steps, the third row left empty.
    page.goto("/crm/sequences")
    page.locator("#f-name").fill(name)
    page.locator("#f-steps-0-subject").fill("Bine ați venit, {{ prenume }}")
    page.locator("#f-steps-0-html").fill("<p>Mulțumim că ați ales Genius.</p>")
    page.locator("#f-steps-1-delay").fill("2")
    page.locator("#f-steps-1-condition").select_option("opened")
    page.locator("#f-steps-1-subject").fill("Ghidul e-Factura")
    page.locator("#f-steps-1-html").fill('<p>Citiți <a href="https://genius.example/ghid">ghidul</a>.</p>')
    shot(page, "sequences-builder")
    axe_check(page, "sequences: builder")
    page.get_by_role("button", name="Salvează secvența").click()
    page.wait_for_url(re.compile(r"/crm/sequences/[0-9a-f-]{36}$"))
    sequence_url = page.url
    expect(page.locator(".sequence-timeline-step")).to_have_count(2)

    # 2. Edit: step 2 moved up and back with the keyboard, then its subject changed; saved with Enter.
    page.get_by_role("link", name="Editează").click()
    page.wait_for_url(sequence_url + "/edit")
    up = page.get_by_role("button", name="Mută pasul 2 în sus")
    up.focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator("#f-steps-0-subject")).to_have_value("Ghidul e-Factura")
    page.get_by_role("button", name="Mută pasul 1 în jos").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator("#f-steps-1-subject")).to_have_value("Ghidul e-Factura")
    subject = page.locator("#f-steps-1-subject")
    subject.fill("Ghidul e-Factura, pe scurt")
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "sequence-edit")
    axe_check(page, "sequence: edit")
    subject.press("Enter")
    page.wait_for_url(sequence_url)
    expect(page.locator(".sequence-timeline-step").nth(1)).to_contain_text("Ghidul e-Factura, pe scurt")
    page.get_by_role("button", name="Activează").click()
    page.wait_for_url(sequence_url)
    expect(page.get_by_role("button", name="Pauză")).to_be_visible()

    # 3. A demo contact enrolled from its page; its sequence card says where it stands. One of the demo
    # sequence's contacts: never one of the demo's converted leads, whose crm.lead.converted event the
    # demo's relay may deliver at any moment (it would stop the enrolment, rightly, as "converted").
    page.goto("/crm/sequences")
    page.get_by_role("link", name="Bun venit — clienți noi").click()
    page.locator("table.sequence-enrolments tbody a").first.click()
    page.wait_for_url(re.compile(r"/crm/contacts/[0-9a-f-]{36}$"))
    contact_name = page.locator("h1").inner_text().strip()
    page.locator("#f-contact-sequence").select_option(label=name)
    page.locator(".contact-sequences").get_by_role("button", name="Înscrie").click()
    card = page.locator(".contact-sequences")
    expect(card).to_contain_text(name)
    expect(card.get_by_role("button", name="Marchează ca răspuns")).to_be_visible()
    shot(page, "contact-sequences")
    axe_check(page, "contact: sequence card")

    # 4. The enrolment on the sequence page; the reply marked from its row.
    page.goto(sequence_url)
    row = page.locator("table.sequence-enrolments tbody tr", has_text=contact_name)
    expect(row).to_contain_text("În desfășurare")
    shot(page, "sequence-enrolled")
    axe_check(page, "sequence: enrolled")
    row.get_by_role("button", name=f"Marchează răspunsul lui {contact_name}").click()
    page.wait_for_url(sequence_url)
    expect(page.locator("body")).to_contain_text("Răspuns înregistrat")
    row = page.locator("table.sequence-enrolments tbody tr", has_text=contact_name)
    expect(row).to_contain_text("Oprită")
    expect(row).to_contain_text("a răspuns")
    assert row.get_by_role("button").count() == 0
    shot(page, "sequence-replied")
    axe_check(page, "sequence: replied")

    # 5. The CRM settings page: the Resend webhook card.
    page.goto("/crm/settings")
    expect(page.locator("#resend-state")).to_be_visible()
    shot(page, "crm-settings")
    axe_check(page, "CRM settings")

    # The other theme and language.
    set_theme_and_language(context, "dark", "en", demo_app.url)
    page.goto(sequence_url)
    expect(page.get_by_role("link", name="Edit")).to_be_visible()
    shot(page, "sequence-replied")
    axe_check(page, "sequence (dark, en)")
    page.goto(sequence_url + "/edit")
    shot(page, "sequence-edit")
    axe_check(page, "sequence: edit (dark, en)")
    page.goto("/crm/sequences")
    shot(page, "sequences-builder")
    axe_check(page, "sequences (dark, en)")
    page.goto("/crm/settings")
    shot(page, "crm-settings")
    axe_check(page, "CRM settings (dark, en)")
    assert not page.js_errors


def test_the_campaign_composer_keeps_its_draft(context: Any, page: Any, demo_app: DemoApp) -> None:
    """The wizard's message is saved as it is typed (htmx) and is there again after leaving the page."""
    set_theme_and_language(context, "light", "ro", demo_app.url)
    tag = uuid.uuid4().hex[:6]
    page.goto("/crm/campaigns/new")
    page.locator("#f-name").fill(f"Ciornă {tag}")
    page.get_by_role("button", name="Înainte: mesajul").click()
    page.wait_for_url(re.compile(r"/crm/campaigns/[0-9a-f-]{36}/compose$"))
    compose_url = page.url
    expect(page.locator("#wizard-draft")).to_contain_text("salvat ca ciornă")
    with page.expect_response(lambda r: r.url.endswith("/compose/draft")):
        page.locator("#f-subject").fill(f"Oferta de primăvară {tag}")
    expect(page.locator("#wizard-draft")).to_contain_text("Ciornă salvată la")
    page.locator("#f-html").fill("<p>Încă scriu la ofertă…</p>")
    with page.expect_response(lambda r: r.url.endswith("/compose/draft")):
        page.get_by_role("button", name="Salvează ciorna").click()
    page.goto("/crm/campaigns")
    page.goto(compose_url)
    expect(page.locator("#f-subject")).to_have_value(f"Oferta de primăvară {tag}")
    expect(page.locator("#f-html")).to_have_value("<p>Încă scriu la ofertă…</p>")
    expect(page.locator("#wizard-draft")).to_contain_text("Ciornă restaurată")
    shot(page, "campaign-wizard-draft")
    axe_check(page, "wizard: draft restored")
    set_theme_and_language(context, "dark", "en", demo_app.url)
    page.goto(compose_url)
    expect(page.locator("#wizard-draft")).to_contain_text("Draft restored")
    shot(page, "campaign-wizard-draft")
    axe_check(page, "wizard: draft restored (dark, en)")
    assert not page.js_errors
