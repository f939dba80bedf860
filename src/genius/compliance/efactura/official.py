"""Run an *official* compiled schematron (XSLT 2.0, e.g. ANAF's CIUS-RO bundle) with saxonche.

The product carries its own rules (:mod:`.rules`); the official artefacts are optional: when the user
points ``Settings.efactura_artefacts_dir`` at a folder holding the compiled CIUS-RO XSLT, the validator
also runs it and reports its findings (with the official rule ids). Use::

    xslt = find_official_xslt(settings.efactura_artefacts_dir)
    if xslt is not None:
        findings = run_official(xml_bytes, xslt)

The compiled stylesheet is cached per path (compiling the 1 MB CIUS-RO XSLT takes seconds); one saxon
processor is shared by the process and every transformation runs under a lock, so this is thread-safe.
The input is parsed with lxml first (no network, no entities) and handed over re-serialised, so Saxon
never fetches anything. Locations are converted from the schematron's ``/*:Invoice[namespace-uri()=…][1]``
form to ``/Invoice/cac:AccountingSupplierParty[1]/…`` (the form our own rules use).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from lxml import etree

from genius.compliance.common.findings import Finding, Severity
from genius.compliance.efactura.rules.engine import PREFIX_OF

SVRL = "http://purl.oclc.org/dsdl/svrl"

#: File names of the full CIUS-RO UBL bundle (EN 16931 + RO rules), most specific first.
OFFICIAL_NAMES = (
    "EN16931-CIUS_RO-UBL-validation.xslt",
    "EN16931-CIUS_RO-UBL-validation.xsl",
)
_PATTERNS = ("*CIUS_RO*UBL*.xsl*", "*CIUS-RO*UBL*.xsl*", "*ROeFactura*UBL*.xsl*", "*RO*UBL*validation*.xsl*")

_lock = threading.RLock()
_processor: Any = None
_executables: dict[Path, Any] = {}


class OfficialUnavailable(RuntimeError):
    """The official XSLT cannot be compiled or run (saxonche missing, broken file…)."""


def find_official_xslt(artefacts_dir: Path | str | None) -> Path | None:
    """The CIUS-RO UBL compiled XSLT in ``artefacts_dir`` (searched recursively), or None.

    ``artefacts_dir`` may also be the XSLT file itself. The full bundle
    (``EN16931-CIUS_RO-UBL-validation.xslt``) is preferred over a RO-only stylesheet.
    """
    if artefacts_dir is None:
        return None
    base = Path(artefacts_dir)
    if base.is_file():
        return base if base.suffix.lower() in (".xsl", ".xslt") else None
    if not base.is_dir():
        return None
    for name in OFFICIAL_NAMES:
        direct = base / name
        if direct.is_file():
            return direct
        for path in sorted(base.rglob(name)):
            return path
    for pattern in _PATTERNS:
        for path in sorted(base.rglob(pattern)):
            if path.is_file():
                return path
    return None


def _executable(xslt: Path) -> Any:
    global _processor
    key = xslt.resolve()
    with _lock:
        cached = _executables.get(key)
        if cached is not None:
            return cached
        try:
            from saxonche import PySaxonProcessor
        except ImportError as exc:  # pragma: no cover - saxonche is a dependency
            raise OfficialUnavailable("saxonche is not installed") from exc
        if _processor is None:
            _processor = PySaxonProcessor(license=False)
        compiler = _processor.new_xslt30_processor()
        try:
            executable = compiler.compile_stylesheet(stylesheet_file=str(key))
        except Exception as exc:
            raise OfficialUnavailable(f"cannot compile {key}: {exc}") from exc
        if executable is None:
            raise OfficialUnavailable(f"cannot compile {key}")
        _executables[key] = executable
        return executable


_STEP = re.compile(r"^\*:([\w.-]+)\[namespace-uri\(\)='([^']*)'\](\[\d+\])?$")


def convert_location(location: str) -> str:
    """``/*:Invoice[namespace-uri()='…'][1]/*:Note[namespace-uri()='…'][2]`` → ``/Invoice/cbc:Note[2]``."""
    if not location.startswith("/"):
        return location
    # Split on "/" outside of brackets (namespace URIs contain slashes).
    steps: list[str] = []
    depth = 0
    current = ""
    for char in location[1:]:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        if char == "/" and depth == 0:
            steps.append(current)
            current = ""
        else:
            current += char
    steps.append(current)
    out: list[str] = []
    for index, step in enumerate(steps):
        match = _STEP.match(step)
        if match is None:
            out.append(step)
            continue
        name, uri, position = match.groups()
        prefix = PREFIX_OF.get(uri)
        qualified = f"{prefix}:{name}" if prefix else name
        out.append(qualified if index == 0 else qualified + (position or ""))
    return "/" + "/".join(out)


def _clean_text(rule_id: str, text: str) -> str:
    text = " ".join(text.split())
    for prefix in (f"[{rule_id}]-", f"[{rule_id}] -", f"[{rule_id}]"):
        if text.startswith(prefix):
            return text[len(prefix) :].strip()
    return text


def parse_svrl(svrl: bytes | str) -> list[Finding]:
    """The findings of an SVRL report (``failed-assert`` and ``successful-report``)."""
    data = svrl.encode("utf-8") if isinstance(svrl, str) else svrl
    parser = etree.XMLParser(no_network=True, resolve_entities=False, huge_tree=True)
    root = etree.fromstring(data, parser)
    findings: list[Finding] = []
    for node in root.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        rule_id = (node.get("id") or "").strip() or "SCHEMATRON"
        flag = (node.get("flag") or "fatal").strip().lower()
        severity: Severity = "warning" if flag in ("warning", "information", "info") else "fatal"
        text_node = node.find(f"{{{SVRL}}}text")
        text = "".join(text_node.itertext()) if text_node is not None else ""
        findings.append(
            Finding(
                rule_id, severity, convert_location(node.get("location") or ""), _clean_text(rule_id, text)
            )
        )
    return findings


def run_official(xml: bytes, xslt: Path) -> list[Finding]:
    """Run the compiled schematron ``xslt`` on ``xml`` and return its findings (official ids).

    Raises :class:`OfficialUnavailable` when the stylesheet cannot be compiled or run, and
    ``lxml.etree.XMLSyntaxError`` when ``xml`` is not well-formed (callers check that first).
    """
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False, huge_tree=False)
    root = etree.fromstring(xml, parser)
    clean = etree.tostring(root, encoding="unicode")
    executable = _executable(Path(xslt))
    with _lock:
        try:
            node = _processor.parse_xml(xml_text=clean)
            result = executable.transform_to_string(xdm_node=node)
        except Exception as exc:
            raise OfficialUnavailable(f"the official XSLT failed: {str(exc).strip()}") from exc
    if not result:
        raise OfficialUnavailable("the official XSLT produced no report")
    return parse_svrl(result)


__all__ = [
    "OfficialUnavailable",
    "convert_location",
    "find_official_xslt",
    "parse_svrl",
    "run_official",
]
