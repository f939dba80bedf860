"""Segments in Chromium on the demo (runs before test_campaigns, which sends the Demo newsletter): the
list, the editor whose live count follows a rule typed with the keyboard, and the newsletter's audience
picker with its count and exclusions; both themes, axe-clean, screenshots under test-artifacts/."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import DemoApp, axe_check, set_theme_and_language, shot

SEGMENT = "Clienți activi din București"


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_segment_editor_and_audience_picker(context: Any, page: Any, demo_app: DemoApp, theme: str) -> None:
    set_theme_and_language(context, theme, "ro", demo_app.url)
    page.goto("/crm/segments")
    row = page.locator("table.segments-table tr", has_text=SEGMENT)
    assert int(row.locator("td.num").inner_text().replace(".", "")) > 0
    shot(page, "segments")
    axe_check(page, f"/crm/segments ({theme})")

    row.locator("a.cell-title").click()
    page.wait_for_url(re.compile(r"/crm/segments/[0-9a-f-]{36}$"))
    count = page.locator("#segment-preview .segment-count .value")
    before = count.inner_text()
    assert int(before.replace(".", "")) > 0
    shot(page, "segment-editor")
    axe_check(page, f"segment editor ({theme})")

    # Keyboard only: focus the first rule's value, replace it, and the count follows (htmx).
    page.locator("#f-rule_value_0").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("Nicăieri")
    page.wait_for_function(
        "() => document.querySelector('#segment-preview .segment-count .value')?.textContent.trim() === '0'"
    )
    page.keyboard.press("Tab")
    shot(page, "segment-editor-live")
    axe_check(page, f"segment editor after a change ({theme})")

    page.goto("/crm/campaigns")
    page.locator("table.campaigns-table a.cell-title", has_text="Demo newsletter").click()
    picker = page.locator("#campaign-audience")
    picker.wait_for()
    assert picker.locator("#f-audience-segment option:checked").inner_text() == SEGMENT
    assert re.search(r"\d+ (de )?destinatari", picker.inner_text())
    # the excluded, counted with their reason (suppressed or without consent, depending on the demo's data)
    assert re.search(r"\d+ exclu[sș]i?\s+\d+ · (fără consimțământ|dezabonat)", picker.inner_text())
    shot(page, "campaign-audience")
    axe_check(page, f"campaign audience picker ({theme})")
    assert not page.js_errors
