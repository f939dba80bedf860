"""Outreach in Chromium on the demo: the overview's QuotaUsageGrid has the seeded usage in the right
colours (15 green, 2 amber, 3 red: one full, one banned, one offline; in business hours the demo's
scheduler may have added new contacts since) with a tooltip on focus, and a
review item is worked through to a reply with the keyboard; screenshots and axe in both themes and
languages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from genius.outreach.demo import USAGE
from genius.outreach.overview.service import band
from tests.e2e.conftest import DemoApp, axe_check, set_theme_and_language, shot

# The demo's usage today per phone and the band each one must show.
USED = USAGE
BANDS = ["ok"] * 15 + ["warn", "warn", "full", "full", "full"]

COLOURS = """() => {
  const probe = (name) => {
    const el = document.createElement("span");
    el.style.backgroundColor = `var(${name})`;
    document.body.appendChild(el);
    const c = getComputedStyle(el).backgroundColor;
    el.remove();
    return c;
  };
  return {
    tokens: {ok: probe("--ok"), warn: probe("--warn"), full: probe("--err")},
    cells: [...document.querySelectorAll(".quota-cell")].map((cell) => ({
      band: cell.dataset.band,
      status: cell.dataset.status,
      fill: getComputedStyle(cell.querySelector(".quota-fill")).backgroundColor,
      width: cell.querySelector(".quota-fill").getBoundingClientRect().width,
      track: cell.querySelector(".quota-bar").getBoundingClientRect().width,
      figs: cell.querySelector(".quota-figs").innerText,
    })),
  };
}"""


@pytest.mark.parametrize("theme,lang", [("light", "ro"), ("dark", "en")])
def test_quota_grid_and_a_review_to_a_reply(
    context: Any, page: Any, demo_app: DemoApp, theme: str, lang: str
) -> None:
    set_theme_and_language(context, theme, lang, demo_app.url)
    page.goto("/outreach")
    page.locator("[data-quota-grid]").wait_for()
    seen = page.evaluate(COLOURS)
    cells = seen["cells"]
    assert [c["status"] for c in cells[-2:]] == ["BANNED", "OFFLINE"]
    used = [int(c["figs"].split("/")[0]) for c in cells]
    # In the demo's business hours (Europe/Bucharest) its scheduler sends the steps that fall due, and
    # a new contact adds one to its phone's usage: the grid shows the seeded usage or more, never on
    # the full, banned or offline phones, and every cell's band is its own usage's.
    assert all(now >= seeded for now, seeded in zip(used, USED, strict=True)), used
    assert used[-3:] == list(USED[-3:])
    if used == list(USED):
        assert [c["band"] for c in cells] == BANDS
    assert [c["band"] for c in cells] == [band(n, 200, c["status"]) for n, c in zip(used, cells, strict=True)]
    assert [c["band"] for c in cells[-3:]] == ["full"] * 3
    for c in cells:
        assert c["fill"] == seen["tokens"][c["band"]], c
        assert (
            abs(c["width"] - c["track"] * min(100, int(c["figs"].split("/")[0]) * 100 // 200) / 100) <= 2
        ), c
    assert len({seen["tokens"][b] for b in ("ok", "warn", "full")}) == 3
    # The tooltip: on keyboard focus, with the number, the usage and the status.
    banned = page.locator(".quota-cell").nth(18)
    banned.focus()
    tip = banned.locator("[role=tooltip]")
    assert tip.is_visible()
    assert "57" in tip.inner_text() and re.search("Blocat|Banned", tip.inner_text())
    shot(page, "outreach-dashboard")
    axe_check(page, f"/outreach ({theme}, {lang})")

    page.goto("/outreach/review")
    items = page.locator("[data-review-item]")
    before = items.count()
    assert before >= 1
    first = items.first
    assert first.locator("[data-sla]").is_visible()
    assert re.search("(Termen depășit|mai sunt|SLA breached|left)", first.locator("[data-sla]").inner_text())
    shot(page, "outreach-review")
    axe_check(page, f"/outreach/review ({theme}, {lang})")
    # "e" puts the cursor in the reply; typing there (letters a, d, s, t included) is just typing.
    page.keyboard.press("e")
    box = first.locator("textarea[data-reply]")
    assert box.evaluate("el => el === document.activeElement")
    box.fill("")
    box.type("Mulțumim, vă sunăm mâine dimineață să stabilim detaliile.")
    assert page.url.endswith("/outreach/review") and items.count() == before
    first.get_by_role("button", name=re.compile("Trimite varianta editată|Send edited")).click()
    page.wait_for_load_state()
    assert page.locator("[data-review-item]").count() == before - 1
    page.goto("/outreach/review?status=RESOLVED")
    resolved = page.locator("[data-review-item]", has_text="vă sunăm mâine dimineață")
    assert resolved.count() >= 1
    shot(page, "outreach-review-resolved")
    assert not page.js_errors


@pytest.mark.parametrize("theme,lang", [("light", "ro"), ("dark", "en")])
def test_a_lead_converted_in_outreach_reaches_the_crm_pipeline(
    context: Any, page: Any, demo_app: DemoApp, theme: str, lang: str
) -> None:
    """The journey list filtered to negotiations, one lead's conversation, and the move to CONVERTED
    (keyboard-filled form) that creates the CRM opportunity, found then in the CRM's pipeline."""
    set_theme_and_language(context, theme, lang, demo_app.url)
    page.goto("/outreach/leads?stage=NEGOTIATION&sort=-sentimentScore")
    rows = page.locator("table.journeys tbody tr")
    assert rows.count() >= 2
    shot(page, "outreach-leads")
    axe_check(page, f"/outreach/leads ({theme}, {lang})")
    rows.first.locator("a.cell-title").click()
    page.wait_for_url(re.compile(r"/outreach/leads/[0-9a-f-]{36}$"))
    assert page.locator(".conversation .msg").count() >= 1
    shot(page, "outreach-lead")
    axe_check(page, f"/outreach/leads/<id> ({theme}, {lang})")

    name = f"Outreach E2E {theme} {lang}"
    page.locator("#f-to_state").focus()
    page.keyboard.press("End")  # the last allowed move: CONVERTED comes after NEGOTIATION's others
    page.locator("#f-to_state").select_option("CONVERTED")
    page.locator("#f-reason").fill("Contract semnat la telefon")
    page.locator("#f-opportunity_name").fill(name)
    page.locator("#f-amount").fill("9.500,00")
    page.locator("#f-amount").press("Enter")
    page.wait_for_load_state()
    crm_box = page.locator("#crm-h")
    crm_box.wait_for()
    assert re.search("În CRM|In the CRM", crm_box.inner_text())
    shot(page, "outreach-lead-converted")

    # The CRM's opportunity: the one made now, or the one the CRM had made when it converted the lead.
    page.locator("#crm-h ~ ul a[href^='/crm/opportunities/']").click()
    page.wait_for_url(re.compile(r"/crm/opportunities/[0-9a-f-]{36}$"))
    expect(page.locator("h1")).to_be_visible()
    assert not page.js_errors


@pytest.mark.parametrize("theme,lang", [("light", "ro"), ("dark", "en")])
def test_sequence_and_template_editors(
    context: Any, page: Any, demo_app: DemoApp, theme: str, lang: str
) -> None:
    """The demo's sequences with their steps, a template with its preview, and a new template whose live
    spintax preview follows what is typed."""
    set_theme_and_language(context, theme, lang, demo_app.url)
    page.goto("/outreach/sequences")
    assert page.locator(".seq-step").count() >= 2
    shot(page, "outreach-sequences")
    axe_check(page, f"/outreach/sequences ({theme}, {lang})")
    page.locator(".seq-step a").first.click()
    page.wait_for_url(re.compile(r"/outreach/templates/[0-9a-f-]{36}$"))
    assert page.locator(".spin-sample").count() == 3
    shot(page, "outreach-template")
    axe_check(page, f"/outreach/templates/<id> ({theme}, {lang})")

    page.goto("/outreach/templates/new")
    content = page.locator("#f-content")
    content.fill("{Salut|Bună ziua} {{first_name}}, {o întrebare|o idee} pentru {{company}}?")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#spintax-preview .msg-text')]"
        ".every(e => e.innerText.includes(' pentru ') && !e.innerText.includes('{'))"
    )
    texts = page.locator("#spintax-preview .msg-text").all_inner_texts()
    assert len(texts) == 3 and all(re.match(r"(Salut|Bună ziua) ", t) for t in texts)
    content.fill("{Salut|Bună ziua")
    page.locator("#spintax-preview [role=alert]").wait_for()
    shot(page, "outreach-template-new")
    axe_check(page, f"/outreach/templates/new ({theme}, {lang})")
    assert not page.js_errors
