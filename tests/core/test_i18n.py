"""Translations: every message the pages show has a Romanian text, and no English is left outside the
catalogue in the templates."""

from __future__ import annotations

import re

import lxml.html

from genius.web import catalog, formats
from genius.web.catalog import _template_sources

# Text a template may show as is: brand and technical names, symbols, format placeholders.
ALLOWED_RAW = re.compile(
    r"^(GeniusERP|G|API|CUI|ANAF|SPV|REGES|SMTP|OIDC|CSV|RON|EUR|MiB|Ctrl|K|Enter|Esc|↑|↓|#|"
    r"[/·…\u00d7—:%(),.\-+*| ]|\d+|s|ms|Ctrl K|genius worker|genius audit verify FILE|/docs|/openapi.json)+$"
)


def test_every_message_has_a_romanian_translation() -> None:
    gaps = catalog.missing("ro")
    assert not gaps, "untranslated (run `make i18n` and translate the ro catalogue):\n" + "\n".join(gaps)


VISIBLE_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt", "hx-confirm", "data-confirm", "label")


def _visible_texts(source: str) -> list[str]:
    """The text nodes and visible attributes of a template, with every Jinja construct blanked out."""
    blanked = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " \u2063 ", source, flags=re.S)
    tree = lxml.html.fragment_fromstring(blanked, create_parent="div")
    texts: list[str] = []
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag in ("script", "style", "code", "kbd"):
            if isinstance(element.tag, str) and element.tail:
                texts.append(element.tail)
            continue
        texts.extend(t for t in (element.text, element.tail) if t)
        texts.extend(v for k, v in element.attrib.items() if k in VISIBLE_ATTRIBUTES)
    return [t.replace("\u2063", " ").strip() for t in texts if t.replace("\u2063", " ").strip()]


def test_no_english_left_outside_the_catalogue_in_templates() -> None:
    offenders = [
        f"{path.relative_to(path.parents[2])}: {text!r}"
        for path in _template_sources()
        for text in _visible_texts(path.read_text(encoding="utf-8"))
        if re.search(r"[A-Za-z]{2,}", text) and not ALLOWED_RAW.match(text)
    ]
    assert not offenders, "user-visible text outside _():\n" + "\n".join(offenders)


def test_romanian_formats() -> None:
    from datetime import UTC, date, datetime
    from decimal import Decimal

    assert formats.money(Decimal("1234.56")) == "1.234,56\u00a0lei"
    assert formats.money("1234.5", "EUR") == "1.234,50\u00a0EUR"
    assert formats.number(1234567) == "1.234.567"
    assert formats.day(date(2026, 12, 3)) == "03.12.2026"
    # 12:05 UTC is 14:05 in Bucharest in winter (EET, UTC+2).
    assert formats.moment(datetime(2026, 12, 3, 12, 5, tzinfo=UTC)) == "03.12.2026 14:05"
    assert formats.percent(0.256) == "25,6\u00a0%"
