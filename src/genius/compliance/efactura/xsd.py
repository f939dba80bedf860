"""XSD validation of UBL 2.1 ``Invoice`` / ``CreditNote`` documents with ``lxml.etree.XMLSchema``.

The OASIS UBL 2.1 schemas are not shipped with the product: the folder holding them is a parameter.
Any folder that contains ``UBL-Invoice-2.1.xsd`` and ``UBL-CreditNote-2.1.xsd`` somewhere below it (with
the usual ``maindoc/`` + ``common/`` layout, so the relative imports resolve) will do, e.g. the
``xsd/`` folder of the OASIS UBL 2.1 distribution.

Use::

    from genius.compliance.efactura.xsd import XsdUnavailable, validate_xsd

    try:
        errors = validate_xsd(xml_bytes, xsd_dir)   # [] when valid
    except XsdUnavailable as exc:
        ...  # no schemas available: report "XSD validation skipped" (str(exc) says why)
    for err in errors:
        print(err.line, err.path, err.message)

``xsd_dir=None`` looks at ``$GENIUS_EFACTURA_XSD_DIR``, then at ``Settings.efactura_artefacts_dir``.
Each error is an :class:`XsdError` (a named tuple ``(message, path, line)``): ``path`` is the XPath of
the offending element as lxml reports it (``/Invoice/cac:LegalMonetaryTotal/...``; empty for syntax
errors), ``line`` the 1-based line number (0 when unknown). A document that is not well-formed XML or
whose root is neither a UBL Invoice nor a CreditNote gives one error, never an exception. Compiled
schemas are cached per file (loading the UBL schemas takes about a second; validating is fast).
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from lxml import etree

XSD_DIR_ENV = "GENIUS_EFACTURA_XSD_DIR"
SCHEMA_FILES = {"Invoice": "UBL-Invoice-2.1.xsd", "CreditNote": "UBL-CreditNote-2.1.xsd"}
ROOT_NAMESPACES = {
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2": "Invoice",
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2": "CreditNote",
}


class XsdError(NamedTuple):
    """One XSD finding: the message, the XPath of the element (may be empty) and the line (0 = unknown)."""

    message: str
    path: str
    line: int


class XsdUnavailable(RuntimeError):
    """No UBL 2.1 schema could be found: XSD validation is skipped (the message says where we looked)."""


def default_xsd_dir() -> Path | None:
    """``$GENIUS_EFACTURA_XSD_DIR`` or else ``Settings.efactura_artefacts_dir`` (may be None)."""
    env = os.environ.get(XSD_DIR_ENV)
    if env:
        return Path(env)
    try:
        from genius.config import get_settings

        return get_settings().efactura_artefacts_dir
    except Exception:  # settings not loadable: no default folder
        return None


@lru_cache(maxsize=16)
def find_schema_files(xsd_dir: Path) -> dict[str, Path]:
    """``{"Invoice": path, "CreditNote": path}`` of the main UBL 2.1 schemas found below ``xsd_dir``."""
    found: dict[str, Path] = {}
    if not xsd_dir.is_dir():
        return found
    for kind, filename in SCHEMA_FILES.items():
        direct = xsd_dir / "maindoc" / filename
        if direct.is_file():
            found[kind] = direct
            continue
        for path in sorted(xsd_dir.rglob(filename)):
            found[kind] = path
            break
    return found


class _Schema:
    def __init__(self, path: Path) -> None:
        parser = etree.XMLParser(no_network=True, resolve_entities=False)
        self.schema = etree.XMLSchema(etree.parse(str(path), parser))
        self.lock = threading.Lock()


@lru_cache(maxsize=8)
def _load(path: Path) -> _Schema:
    return _Schema(path)


def load_schema(xsd_dir: Path | str, kind: str = "Invoice") -> etree.XMLSchema:
    """The compiled schema for ``kind`` (``Invoice`` or ``CreditNote``); raises XsdUnavailable."""
    directory = Path(xsd_dir).resolve()
    files = find_schema_files(directory)
    if kind not in files:
        raise XsdUnavailable(f"UBL 2.1 schema {SCHEMA_FILES.get(kind, kind)} not found under {directory}")
    return _load(files[kind]).schema


def validate_xsd(
    xml: bytes | str | etree._Element | etree._ElementTree, xsd_dir: Path | str | None = None
) -> list[XsdError]:
    """Validate a UBL Invoice or CreditNote against the UBL 2.1 XSD found under ``xsd_dir``.

    Returns the list of errors (empty when valid). Raises :class:`XsdUnavailable` when no schema can be
    found (``xsd_dir`` None and no default, or the folder lacks the UBL 2.1 files).
    """
    if xsd_dir is None:
        xsd_dir = default_xsd_dir()
        if xsd_dir is None:
            raise XsdUnavailable(
                f"no UBL 2.1 XSD folder configured (set {XSD_DIR_ENV} or GENIUS_EFACTURA_ARTEFACTS_DIR)"
            )
    directory = Path(xsd_dir).resolve()
    files = find_schema_files(directory)
    if not files:
        raise XsdUnavailable(f"no UBL 2.1 XSD (UBL-Invoice-2.1.xsd) found under {directory}")

    if isinstance(xml, etree._ElementTree):
        root = xml.getroot()
    elif isinstance(xml, etree._Element):
        root = xml
    else:
        data = xml.encode("utf-8") if isinstance(xml, str) else xml
        parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False, huge_tree=False)
        try:
            root = etree.fromstring(data, parser)
        except etree.XMLSyntaxError as exc:
            line = exc.lineno or 0
            return [XsdError(f"not well-formed XML: {exc.msg}", "", line)]
    qname = etree.QName(root)
    kind = ROOT_NAMESPACES.get(qname.namespace or "")
    if kind is None or qname.localname != kind:
        return [
            XsdError(
                f"root element {{{qname.namespace}}}{qname.localname} is not a UBL 2.1 Invoice or CreditNote",
                "/" + qname.localname,
                root.sourceline or 0,
            )
        ]
    if kind not in files:
        raise XsdUnavailable(f"UBL 2.1 schema {SCHEMA_FILES[kind]} not found under {directory}")
    compiled = _load(files[kind])
    with compiled.lock:
        compiled.schema.validate(root)
        log = list(compiled.schema.error_log)
    return [XsdError(entry.message, entry.path or "", entry.line or 0) for entry in log]


__all__ = [
    "XSD_DIR_ENV",
    "XsdError",
    "XsdUnavailable",
    "default_xsd_dir",
    "find_schema_files",
    "load_schema",
    "validate_xsd",
]
