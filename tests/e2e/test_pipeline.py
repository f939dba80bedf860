"""The pipeline board, the list view, the opportunity page and the CRM dashboard in Chromium: a drag,
a keyboard move, a move that needs a reason, a refused move that rolls back; screenshots and axe in
both themes and both languages."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import DemoApp, axe_check, set_theme_and_language, shot

CARD = ".kcards[data-stage='{}'] .kcard"
STAGE_IS = "([id, stage]) => document.querySelector(`.kcard[data-id='${id}']`).dataset.stage === stage"


def card_in(page: Any, stage: str, opp_id: str) -> Any:
    return page.locator(f".kcards[data-stage='{stage}'] .kcard[data-id='{opp_id}']")


def drag(page: Any, source: Any, target: Any) -> None:
    """A mouse drag SortableJS (fallback mode) follows: press, move in small steps, release."""
    a = source.bounding_box()
    b = target.bounding_box()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + 12)
    page.mouse.down()
    page.mouse.move(a["x"] + a["width"] / 2 + 10, a["y"] + 20, steps=5)
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + 30, steps=20)
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + 40, steps=5)
    page.mouse.up()


@pytest.mark.parametrize("theme,lang", [("light", "ro"), ("dark", "ro"), ("light", "en"), ("dark", "en")])
def test_pipeline_pages_in_both_themes_and_languages(
    context: Any, page: Any, demo_app: DemoApp, theme: str, lang: str
) -> None:
    set_theme_and_language(context, theme, lang, demo_app.url)
    page.goto("/crm/opportunities")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator(".kcol").count() == 6
    assert page.locator(".kcard").count() >= 15
    shot(page, "crm-pipeline-board")
    axe_check(page, f"board ({theme}, {lang})")
    page.goto("/crm/opportunities?view=list&sort=-amount")
    assert page.locator("table.table tbody tr").count() >= 15
    shot(page, "crm-pipeline-list")
    axe_check(page, f"list ({theme}, {lang})")
    page.goto("/crm/opportunities")
    won = page.locator(CARD.format("won")).first.locator("a.kcard-title")
    won.click()
    page.wait_for_url(re.compile(r"/crm/opportunities/[0-9a-f-]{36}$"))
    shot(page, "crm-opportunity-won")
    axe_check(page, f"record ({theme}, {lang})")
    page.goto("/crm/opportunities")
    page.locator(CARD.format("negotiation")).first.locator("a.kcard-title").click()
    page.wait_for_url(re.compile(r"/crm/opportunities/[0-9a-f-]{36}$"))
    shot(page, "crm-opportunity")
    axe_check(page, f"record ({theme}, {lang})")
    page.goto("/crm")
    assert page.locator("figure.chart svg").count() == 2
    shot(page, "crm-dashboard")
    axe_check(page, f"dashboard ({theme}, {lang})")
    assert not page.js_errors


def test_drag_and_keyboard_moves_are_kept(page: Any) -> None:
    page.goto("/crm/opportunities")
    dragged = page.locator(CARD.format("prospecting")).first
    dragged_id = dragged.get_attribute("data-id")
    with page.expect_response(lambda r: r.url.endswith("/stage") and r.request.method == "POST") as moved:
        drag(page, dragged, page.locator(".kcards[data-stage='qualification']"))
    assert moved.value.status == 200
    assert card_in(page, "qualification", dragged_id).count() == 1
    page.locator(".toast").filter(has_text=re.compile("mutată")).first.wait_for()

    keyed = page.locator(CARD.format("proposal")).first
    keyed_id = keyed.get_attribute("data-id")
    keyed.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    assert card_in(page, "negotiation", keyed_id).count() == 1
    with page.expect_response(lambda r: r.url.endswith("/stage")) as moved:
        page.keyboard.press("Space")
    assert moved.value.status == 200
    page.wait_for_function(STAGE_IS, arg=[keyed_id, "negotiation"])
    shot(page, "crm-pipeline-after-moves")

    page.reload()
    assert card_in(page, "qualification", dragged_id).count() == 1
    assert card_in(page, "negotiation", keyed_id).count() == 1
    assert not page.js_errors


def test_a_move_that_needs_a_reason_asks_for_it(page: Any) -> None:
    page.goto("/crm/opportunities")
    card = page.locator(CARD.format("negotiation")).first
    opp_id = card.get_attribute("data-id")
    card.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")  # won
    with page.expect_response(lambda r: r.url.endswith("/stage")) as refused:
        page.keyboard.press("Space")
    assert refused.value.status == 422
    dialog = page.locator("#stage-reason")
    dialog.wait_for(state="visible")
    shot(page, "crm-pipeline-reason-dialog")
    axe_check(page, "reason dialog")
    page.locator("#stage-reason-input").fill("Contract semnat la demonstrație.")
    with page.expect_response(lambda r: r.url.endswith("/stage")) as moved:
        page.locator("#stage-reason-form button[type=submit]").click()
    assert moved.value.status == 200
    page.wait_for_function(STAGE_IS, arg=[opp_id, "won"])
    page.reload()
    assert card_in(page, "won", opp_id).count() == 1


def test_a_refused_move_rolls_back_with_a_toast(page: Any) -> None:
    page.goto("/crm/opportunities")
    card = page.locator(CARD.format("qualification")).first
    opp_id = card.get_attribute("data-id")
    card.evaluate("el => { el.dataset.version = '999'; }")  # as if someone else changed it meanwhile
    with page.expect_response(lambda r: r.url.endswith("/stage")) as refused:
        drag(page, card, page.locator(".kcards[data-stage='proposal']"))
    assert refused.value.status == 412
    page.locator("#alerts .toast-error").filter(has_text="Altcineva").wait_for()
    assert card_in(page, "qualification", opp_id).count() == 1
    assert card_in(page, "proposal", opp_id).count() == 0
    shot(page, "crm-pipeline-rolled-back")
    page.reload()
    assert card_in(page, "qualification", opp_id).count() == 1


def test_the_move_menu_and_escape(page: Any) -> None:
    page.goto("/crm/opportunities")
    card = page.locator(CARD.format("prospecting")).first
    opp_id = card.get_attribute("data-id")
    card.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Escape")  # cancelled: back where it was, nothing sent
    assert card_in(page, "prospecting", opp_id).count() == 1
    card.locator(".kmove summary").click()
    with page.expect_response(lambda r: r.url.endswith("/stage")) as moved:
        card.locator(".kmove button[value='proposal']").click()
    assert moved.value.status == 200
    assert card_in(page, "proposal", opp_id).count() == 1


def test_a_new_opportunity_from_a_columns_plus(page: Any) -> None:
    page.goto("/crm/opportunities")
    page.locator(".kcol-proposal .kcol-add").click()
    page.wait_for_url(re.compile(r"/crm/opportunities/new\?stage=proposal"))
    page.locator("#f-name").fill("Contract service 2027")
    with page.expect_response(re.compile(r"/crm/opportunities/account-options\?")):
        page.locator("#f-account-q").fill("a")
    options = page.locator("#f-account_id option")
    assert options.count() > 1
    page.locator("#f-account_id").select_option(index=1)
    page.locator("#f-amount").fill("12.500,50")
    shot(page, "opportunity-new")
    axe_check(page, "new opportunity form")
    page.locator("#f-amount").press("Enter")
    page.wait_for_url(re.compile(r"/crm/opportunities/[0-9a-f-]{36}$"))
    assert "Contract service 2027" in page.locator("h1").inner_text()
    assert "12.500,50" in page.content()
    assert not page.js_errors
