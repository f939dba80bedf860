"""The demo mailbox in Chromium: the welcome mail the demo sends through the outbox, email.send and the
local catcher shows up; its HTML in a sandboxed frame, its text and headers. Screenshots and axe."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.e2e.conftest import DemoApp, axe_check, set_theme_and_language, shot


def _wait_for_mail(page: Any, timeout: float = 90.0) -> None:
    """The relay and a worker deliver it a few seconds after the demo starts."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto("/mailbox")
        if page.locator("table.mailbox-table a.cell-title").count():
            return
        if time.monotonic() > deadline:
            raise AssertionError("the demo's welcome mail never reached the mailbox")
        time.sleep(1)


@pytest.mark.parametrize("theme,lang", [("light", "ro"), ("dark", "en")])
def test_the_welcome_mail_arrives_and_reads_well(
    context: Any, page: Any, demo_app: DemoApp, theme: str, lang: str
) -> None:
    set_theme_and_language(context, theme, lang, demo_app.url)
    _wait_for_mail(page)
    assert page.locator("nav a[href='/mailbox']").count() == 1
    shot(page, "mailbox")
    axe_check(page, f"/mailbox ({theme}, {lang})")
    page.locator("table.mailbox-table a.cell-title", has_text="Bun venit").first.click()
    page.wait_for_url(re.compile(r"/mailbox/[0-9]{19}-[0-9a-f]{32}$"))
    frame = page.frame_locator("iframe.mail-frame")
    assert "Bun venit în GeniusERP" in frame.locator("h1").inner_text()
    assert "X-Genius-Tenant" in page.locator("table.mail-headers").inner_text()
    shot(page, "mailbox-message")
    axe_check(page, f"mailbox message ({theme}, {lang})")
    assert not page.js_errors
