"""The web app's message catalogues: extract every user-visible message id and keep ``ro``/``en`` in step.

Sources: every template folder (``templates/**.html``, Jinja2's Babel extractor), the Python files that
produce page text (``web/``, each module's ``pages.py``/``*_pages.py``/``pages/`` and
``i18n_messages.py``), and the labels of every module's navigation (manifests name them without
importing the Shell).

``genius i18n update`` (``make i18n``) merges new ids into both ``.po`` files: the English catalogue
translates each id to itself, the Romanian one gets empty entries to translate. ``genius i18n check``
and the test suite fail on any id without a Romanian translation.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from genius.web.i18n import LOCALE_DIR, LOCALES

SRC = Path(__file__).resolve().parents[1]  # src/genius
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None}
# Anywhere else in the code, ``N_("…")`` (genius.core.kit.manifest.N_) marks a text shown later.
MARKER_ONLY = {"N_": None}
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true", "trimmed": "true"}


def _python_sources() -> Iterator[Path]:
    yield from sorted((SRC / "web").rglob("*.py"))
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC).parts
        if parts[0] == "web":
            continue
        if path.name in ("i18n_messages.py",) or path.name.endswith("pages.py") or "pages" in parts[:-1]:
            yield path


def _template_sources() -> Iterator[Path]:
    for path in sorted(SRC.rglob("*.html")):
        parts = path.relative_to(SRC).parts
        if "templates" in parts and parts[0] != "workers":  # the workers' documents are not web pages
            yield path


def extract() -> Catalog:
    catalog = Catalog(project="GeniusERP", charset="utf-8")
    page_sources = set(_python_sources())
    for path in sorted(SRC.rglob("*.py")):
        if path in page_sources or "N_(" not in path.read_text(encoding="utf-8"):
            continue
        for lineno, message, comments, _context in extract_from_file(
            "python", str(path), keywords=MARKER_ONLY, strip_comment_tags=True
        ):
            catalog.add(message, locations=[(str(path.relative_to(SRC)), lineno)], auto_comments=comments)
    for path in sorted(page_sources):
        for lineno, message, comments, _context in extract_from_file(
            "python", str(path), keywords=KEYWORDS, strip_comment_tags=True
        ):
            catalog.add(message, locations=[(str(path.relative_to(SRC)), lineno)], auto_comments=comments)
    for path in _template_sources():
        for lineno, message, comments, _context in extract_from_file(
            "jinja2.ext:babel_extract", str(path), keywords=KEYWORDS, options=JINJA_OPTIONS
        ):
            catalog.add(message, locations=[(str(path.relative_to(SRC)), lineno)], auto_comments=comments)
    from genius import modules

    for module in modules.modules():
        for entry in module.nav:
            for text in (entry.label, entry.section):
                if text:
                    catalog.add(text, locations=[(f"{module.name}/manifest.py", 0)])
    return catalog


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"


def read(locale: str) -> Catalog:
    path = po_path(locale)
    if not path.exists():
        return Catalog(locale=locale, project="GeniusERP", charset="utf-8")
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def update() -> dict[str, int]:
    """Merge the extracted ids into every catalogue; returns the untranslated count per locale."""
    template = extract()
    counts: dict[str, int] = {}
    for locale in LOCALES:
        catalog = read(locale)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        if locale == "en":
            for message in catalog:
                if message.id and not all(
                    message.string if isinstance(message.string, tuple) else (message.string,)
                ):
                    message.string = message.id
                    message.flags.discard("fuzzy")
        path = po_path(locale)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            write_po(f, catalog, width=100, sort_output=True, omit_header=False, include_previous=False)
        counts[locale] = len(untranslated(catalog))
    return counts


def untranslated(catalog: Catalog) -> list[str]:
    out: list[str] = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if "fuzzy" in message.flags or not all(strings):
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


def missing(locale: str = "ro") -> list[str]:
    """Ids the code uses that the catalogue does not translate (empty, fuzzy or absent)."""
    catalog = read(locale)
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in extract() if m.id}
    known = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
    gaps = sorted(i for i in ids if i not in known)
    return gaps + sorted(set(untranslated(catalog)) & ids)
