"""The churn badge of Account 360 in Chromium: the demo's first account has a score (seeded from its
synthetic order history), shown with its bucket, percentage, the features that weigh most and the model;
axe-clean, screenshots in both themes and both languages."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import ARTIFACTS, DemoApp, axe_check, set_theme_and_language, shot
from tests.e2e.test_accounts import first_demo_account, open_account

WORDS = {
    "ro": ("Risc de abandon", "Ce cântărește cel mai mult", r"risc (scăzut|mediu|ridicat)"),
    "en": ("Churn risk", "What weighs most", r"(low|medium|high) risk"),
}


@pytest.mark.parametrize("theme,lang", [("light", "ro"), ("dark", "ro"), ("dark", "en")])
def test_churn_badge_on_account_360(
    context: Any, page: Any, demo_app: DemoApp, theme: str, lang: str
) -> None:
    set_theme_and_language(context, theme, lang, demo_app.url)
    open_account(page, first_demo_account())
    card = page.locator("section.churn")
    title, why, bucket = WORDS[lang]
    assert title in card.locator("h2").inner_text()
    assert re.search(bucket, card.locator(".badge").inner_text(), re.IGNORECASE)
    assert re.fullmatch(r"\d{1,3} %", card.locator(".churn-percent").inner_text().strip())
    assert why in card.inner_text()
    assert card.locator(".churn-features li").count() >= 1
    shot(page, "crm-account360-churn")
    ARTIFACTS.mkdir(exist_ok=True)
    card.screenshot(path=str(ARTIFACTS / f"crm-churn-badge-{theme}-{lang}.png"))
    axe_check(page, f"account 360 churn ({theme}, {lang})")
    assert not page.js_errors
