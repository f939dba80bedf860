"""Spintax and template variables: nesting, escapes, stable seeds, required variables."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genius.outreach.spintax import (
    MissingVariables,
    SpintaxError,
    Variable,
    parse,
    render,
    seed_for,
    spin,
    validate,
    variants,
)


def test_nested_groups_give_every_variant() -> None:
    assert variants("{a|b|{c|d}}") == {"a", "b", "c", "d"}
    assert variants("{Bună|Salut} {ziua|{dimineața|seara}}!") == {
        f"{g} {t}!" for g in ("Bună", "Salut") for t in ("ziua", "dimineața", "seara")
    }
    assert variants("{{a|b}|c}") == {"a", "b", "c"}  # a group opening a group is not a variable
    assert variants("{|x}") == {"", "x"}
    for seed in range(50):
        assert spin("{a|b|{c|d}}", seed) in {"a", "b", "c", "d"}


def test_variables_and_escapes_are_not_spun() -> None:
    assert variants("{Hi|Hello} {{first_name}}") == {"Hi {{first_name}}", "Hello {{first_name}}"}
    assert variants(r"50\% \{not a group\} a\|b") == {r"50\% {not a group} a|b"}
    assert validate("{Hi {{ company.name }}|Hey}") == {"company.name"}


@pytest.mark.parametrize("bad", ["{a|b", "a}b", "{a|{b}", "}", "{" * 30 + "}" * 30])
def test_invalid_spintax_is_refused(bad: str) -> None:
    with pytest.raises(SpintaxError):
        parse(bad)


def test_the_seed_is_fixed_per_lead_and_step() -> None:
    text = "{Bună|Salut|Hei} {{first_name}}, {am văzut|am observat} {firma|compania} {{company}}."
    values = {"first_name": "Ana", "company": "Lotus SRL"}
    first = render(text, [], values, seed_for("lead-1", 1))
    assert all(render(text, [], values, seed_for("lead-1", 1)) == first for _ in range(20))
    texts = {render(text, [], values, seed_for(f"lead-{i}", 1)) for i in range(200)}
    assert len(texts) > 6  # different leads get different variants
    assert all("Ana" in t and "Lotus SRL" in t for t in texts)


def test_required_variables_are_checked_before_sending() -> None:
    declared = [
        Variable("first_name", required=True),
        Variable("company", required=True),
        Variable("city", required=False),
        Variable("greeting", required=True, default="Bună ziua"),
    ]
    text = "{{greeting}} {{first_name}} de la {{company}} {{city}} {{ref}}"
    with pytest.raises(MissingVariables) as err:
        render(text, declared, {"first_name": "  ", "city": None}, 1)
    assert err.value.names == ["company", "first_name", "ref"]  # undeclared `ref` counts as required
    assert "company, first_name, ref" in str(err.value)
    out = render(text, declared, {"first_name": "Ana", "company": "Lotus", "ref": "X1"}, 1)
    assert out == "Bună ziua Ana de la Lotus  X1"
    # A value holding spintax characters is inserted as it is, never spun.
    assert render("{{company}}", [], {"company": "{A|B}"}, 3) == "{A|B}"


words = st.text(alphabet=st.characters(blacklist_characters="{}|\\"), max_size=5)


@st.composite
def spintax(draw: st.DrawFn, depth: int = 0) -> tuple[str, set[str]]:
    """A random spintax text and the set of texts it can produce."""
    if depth >= 3 or draw(st.booleans()):
        w = draw(words)
        return w, {w}
    # two alternatives at least: `{{A}}` is the variable A, not a group holding a group
    alts = [draw(spintax(depth + 1)) for _ in range(draw(st.integers(2, 3)))]
    text = "{" + "|".join(a for a, _ in alts) + "}"
    tail, tails = draw(spintax(depth + 1))
    return text + tail, {a + t for _, outs in alts for a in outs for t in tails}


@settings(max_examples=200, deadline=None)
@given(spintax(), st.integers(min_value=0, max_value=2**64 - 1))
def test_spin_always_produces_one_of_the_variants(case: tuple[str, set[str]], seed: int) -> None:
    text, expected = case
    assert variants(text) == expected
    out = spin(text, seed)
    assert out in expected
    assert spin(text, seed) == out
