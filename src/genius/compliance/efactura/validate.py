"""Validate an e-Factura UBL document: well-formedness, UBL 2.1 XSD, our EN 16931 + CIUS-RO rules, and
(optionally) the official CIUS-RO schematron.

    from genius.compliance.efactura.validate import validate

    for finding in validate(Path("factura.xml")):
        print(finding.rule, finding.severity, finding.location, finding.message)

:func:`validate` never raises for a bad document: a file that cannot be read, is not well-formed, is a
fragment or is not a UBL Invoice/CreditNote gives one finding with the rule ``XML`` (fatal). Schema
errors are reported with the rule ``XSD`` (fatal) when the UBL 2.1 schemas are available (``xsd_dir``,
else ``$GENIUS_EFACTURA_XSD_DIR`` / ``Settings.efactura_artefacts_dir``); without them the XSD step is
skipped silently. Our own rules (:mod:`.rules`) always run. When the folder ``artefacts_dir`` (default
``Settings.efactura_artefacts_dir``) holds the official CIUS-RO compiled XSLT, it runs too and its
findings that ours do not already report (same rule and location) are added, their message prefixed
with ``[official]``.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from genius.compliance.common.findings import Finding
from genius.compliance.efactura.rules.engine import Doc, run_rules

UBL_ROOTS = {
    ("urn:oasis:names:specification:ubl:schema:xsd:Invoice-2", "Invoice"),
    ("urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2", "CreditNote"),
}
CII_NS = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"


def _xml_finding(message: str, location: str = "") -> Finding:
    return Finding("XML", "fatal", location, message)


def _parse(data: bytes) -> etree._Element | Finding:
    if not data.strip():
        return _xml_finding("the file is empty")
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        where = f"line {exc.lineno}" if exc.lineno else ""
        return _xml_finding(f"not well-formed XML: {exc.msg}", where)
    except ValueError as exc:  # e.g. a str with an encoding declaration
        return _xml_finding(f"not well-formed XML: {exc}")
    if root is None:
        return _xml_finding("no XML document element")
    qname = etree.QName(root)
    if (qname.namespace, qname.localname) in UBL_ROOTS:
        return root
    if qname.namespace == CII_NS and qname.localname == "CrossIndustryInvoice":
        return _xml_finding(
            "this is a UN/CEFACT CII invoice: only UBL 2.1 Invoice/CreditNote documents are validated "
            "(ANAF accepts CII, but convert it to UBL to check it here)",
            f"/{qname.localname}",
        )
    if qname.localname in ("Invoice", "CreditNote"):
        return _xml_finding(
            f"the root element {qname.localname} is in the namespace {qname.namespace or '(none)'!r}, "
            f"not the UBL 2.1 {qname.localname} namespace",
            f"/{qname.localname}",
        )
    return _xml_finding(
        f"not an invoice: the root element is {{{qname.namespace or ''}}}{qname.localname} (a fragment?); "
        "expected a UBL 2.1 Invoice or CreditNote",
        f"/{qname.localname}",
    )


def _default_artefacts_dir() -> Path | None:
    try:
        from genius.config import get_settings

        return get_settings().efactura_artefacts_dir
    except Exception:  # settings not loadable: no official artefacts
        return None


def _xsd_findings(root: etree._Element, xsd_dir: Path | None) -> list[Finding]:
    from genius.compliance.efactura.xsd import XsdUnavailable, validate_xsd

    try:
        errors = validate_xsd(root, xsd_dir)
    except XsdUnavailable:
        return []
    except Exception as exc:  # a broken schema folder must not break validation
        return [Finding("XSD", "warning", "", f"XSD validation could not run: {exc}")]
    findings = []
    for err in errors:
        where = f" (line {err.line})" if err.line else ""
        findings.append(Finding("XSD", "fatal", err.path or "", f"{err.message}{where}"))
    return findings


def _official_findings(data: bytes, artefacts_dir: Path | None) -> list[Finding]:
    from genius.compliance.efactura.official import OfficialUnavailable, find_official_xslt, run_official

    xslt = find_official_xslt(artefacts_dir)
    if xslt is None:
        return []
    try:
        return run_official(data, xslt)
    except (OfficialUnavailable, etree.XMLSyntaxError) as exc:
        return [Finding("OFFICIAL", "warning", "", f"the official CIUS-RO validator could not run: {exc}")]


def validate(
    data: bytes | Path, *, xsd_dir: Path | None = None, artefacts_dir: Path | None = None
) -> list[Finding]:
    """Every finding for one document (empty list: valid). Never raises for bad input."""
    if isinstance(data, Path):
        try:
            data = data.read_bytes()
        except OSError as exc:
            return [_xml_finding(f"cannot read the file: {exc.strerror or exc}")]
    parsed = _parse(data)
    if isinstance(parsed, Finding):
        return [parsed]
    root = parsed

    findings = _xsd_findings(root, xsd_dir)
    ours = list(run_rules(Doc(root)))
    findings.extend(ours)

    if artefacts_dir is None:
        artefacts_dir = _default_artefacts_dir()
    if artefacts_dir is not None:
        seen = {(f.rule, f.location) for f in ours}
        our_rules = {f.rule for f in ours}
        for finding in _official_findings(data, artefacts_dir):
            if (finding.rule, finding.location) in seen:
                continue
            # the official XSLT locates findings on attributes (@currencyID, @unitCode) by their value
            if finding.rule in our_rules and not finding.location.startswith("/"):
                continue
            seen.add((finding.rule, finding.location))
            message = finding.message if finding.rule == "OFFICIAL" else f"[official] {finding.message}"
            findings.append(Finding(finding.rule, finding.severity, finding.location, message))
    return findings


def has_fatal(findings: list[Finding]) -> bool:
    return any(f.severity == "fatal" for f in findings)


__all__ = ["has_fatal", "validate"]
