"""The campaign creation wizard in Chromium, end to end on the demo (issue #15): a campaign created in
the wizard (audience with its live count, the template editor with its live preview, a test send), sent
behind its confirmation to the demo's mail catcher; one mail opened and its link clicked, then the
one-click unsubscribe; the campaign's figures change, and its PDF report is rendered and downloaded.
Both themes and both languages, axe on every step, screenshots under test-artifacts/."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import DemoApp, axe_check, set_theme_and_language, shot


def _kpi(page: Any, label: str, part: str = ".value") -> str:
    """A figure of the campaign page: the big value, or (``.small``) the count under a rate."""
    kpi = page.locator(".campaign-kpis .kpi", has=page.locator(".label", has_text=label)).first
    return str(kpi.locator(part).inner_text()).strip()


def _clicked_and_unsubscribed(page: Any) -> tuple[str, str]:
    return _kpi(page, "Clicuri", ".small"), _kpi(page, "Dezabonări")


def _wait_for(page: Any, url: str, check: Any, what: str, seconds: float = 90) -> None:
    """Reload ``url`` until ``check(page)`` holds: the relay and the workers run beside the app."""
    deadline = time.monotonic() + seconds
    while True:
        page.goto(url)
        if check(page):
            return
        assert time.monotonic() < deadline, what
        time.sleep(1)


def test_create_in_the_wizard_send_click_unsubscribe_and_report(
    context: Any, page: Any, demo_app: DemoApp
) -> None:
    set_theme_and_language(context, "light", "ro", demo_app.url)
    tag = uuid.uuid4().hex[:6]
    subject = f"Oferta de iarnă {tag}"

    # 1. Name and audience, with the live count of the chosen segment.
    page.goto("/crm/campaigns")
    page.get_by_role("link", name="Campanie nouă").click()
    page.wait_for_url(re.compile(r"/crm/campaigns/new$"))
    page.locator("#f-name").fill(f"Campanie din asistent {tag}")
    every = page.locator("#wizard-count").inner_text()
    with page.expect_response(lambda r: "/crm/campaigns/new/count" in r.url):
        page.locator("#f-segment_id").select_option(index=1)
    expect(page.locator("#wizard-count")).not_to_have_text(every)
    assert re.search(r"\d+ (de )?destinatari?", page.locator("#wizard-count").inner_text())
    shot(page, "campaign-wizard-audience")
    axe_check(page, "wizard: audience")
    page.get_by_role("button", name="Înainte: mesajul").click()
    page.wait_for_url(re.compile(r"/crm/campaigns/[0-9a-f-]{36}/compose$"))
    campaign_url = page.url.removesuffix("/compose")

    # 2. The template editor: the preview follows the typing, personalised and sanitised.
    page.locator("#f-subject").fill(subject)
    page.locator("#f-html").fill(
        '<h1>Bună ziua, {{ prenume | default("client") }}!</h1>'
        '<p>Vedeți <a href="https://genius.example/oferta">oferta de iarnă</a>.</p><script>alert(1)</script>'
    )
    frame = page.frame_locator("#wizard-preview iframe.wizard-frame")
    expect(frame.locator("a")).to_have_text("oferta de iarnă", timeout=20_000)
    assert frame.locator("script").count() == 0
    expect(page.locator(".wizard-preview-subject")).to_contain_text(subject)
    # 3. A test send to one address.
    page.locator("#f-test_to").fill("test@firma.ro")
    page.get_by_role("button", name="Trimiteți un test").click()
    expect(page.locator(".wizard-test-ok")).to_contain_text("test@firma.ro")
    shot(page, "campaign-wizard-editor")
    axe_check(page, "wizard: template editor")

    # 4. The send, behind the confirmation: the recipients, and the excluded with their reasons.
    page.get_by_role("button", name="Verificați destinatarii").click()
    confirm = page.locator(".confirm-send")
    confirm.wait_for()
    text = confirm.inner_text()
    assert re.search(r"Trimiteți către \d+ (de )?destinatari?\?", text), text
    assert re.search(r"\d+ (de )?exclu", text), text
    assert page.evaluate("document.activeElement.classList.contains('confirm-send')")
    shot(page, "campaign-wizard-confirm")
    axe_check(page, "wizard: confirmation")
    page.get_by_role("button", name="Trimite acum").click()
    page.wait_for_url(campaign_url)
    assert _clicked_and_unsubscribed(page) == ("0", "0")

    # 5. The mail in the demo's mail catcher: open it, click its link.
    exact = re.compile("^" + re.escape(subject) + "$")
    _wait_for(
        page,
        "/mailbox",
        lambda p: p.locator("table.mailbox-table a.cell-title", has_text=exact).count() > 0,
        "the campaign's mails never reached the mailbox",
    )
    page.locator("table.mailbox-table a.cell-title", has_text=exact).first.click()
    page.wait_for_url(re.compile(r"/mailbox/[0-9]{19}-[0-9a-f]{32}$"))
    headers = page.locator("table.mail-headers").inner_text()
    unsubscribe = re.search(r"<(https?://[^>]+/v1/crm/track/unsubscribe/[^>]+)>", headers)
    assert unsubscribe, headers
    mail = page.frame_locator("iframe.mail-frame")
    link = mail.locator("a", has_text="oferta de iarnă")
    assert "/v1/crm/track/click/" in str(link.get_attribute("href"))
    shot(page, "campaign-wizard-mail")
    with page.expect_request(lambda r: "/v1/crm/track/click/" in r.url):
        link.click(no_wait_after=True)

    # 6. The one-click unsubscribe, through the link's confirmation page.
    page.goto(unsubscribe.group(1))
    page.get_by_role("button", name="Dezabonare").click()
    expect(page.locator("#unsubscribe-title")).to_have_text("Te-ai dezabonat")

    # 7. The figures changed: a click, an unsubscribe, the clicked link on top.
    _wait_for(
        page,
        campaign_url,
        lambda p: _clicked_and_unsubscribed(p) == ("1", "1"),
        "the click and the unsubscribe never showed on the campaign",
        seconds=30,
    )
    assert "https://genius.example/oferta" in page.locator(".top-links").inner_text()
    shot(page, "campaign-wizard-results")
    axe_check(page, "campaign after the send")

    # 8. The PDF report, rendered by pdf.render and downloaded.
    page.get_by_role("button", name="Creați raportul PDF").click()
    page.wait_for_url(re.compile(re.escape(campaign_url) + r"(#report)?$"))
    _wait_for(
        page,
        campaign_url,
        lambda p: p.get_by_role("link", name="Descărcați raportul").count() > 0,
        "the report was never rendered",
    )
    with page.expect_download() as download:
        page.get_by_role("link", name="Descărcați raportul").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    shot(page, "campaign-wizard-report")

    # The other theme and language.
    set_theme_and_language(context, "dark", "en", demo_app.url)
    page.goto(campaign_url)
    assert page.get_by_role("link", name="Download the report").count() == 1
    shot(page, "campaign-wizard-results")
    axe_check(page, "campaign after the send (dark, en)")
    page.goto("/crm/campaigns/new")
    shot(page, "campaign-wizard-audience")
    axe_check(page, "wizard: audience (dark, en)")
    page.goto(campaign_url + "/compose")
    expect(page.frame_locator("#wizard-preview iframe.wizard-frame").locator("h1")).to_be_visible()
    shot(page, "campaign-wizard-editor")
    axe_check(page, "wizard: template editor (dark, en)")
    assert not page.js_errors
