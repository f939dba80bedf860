"""Our own implementation of the e-Transport v2 business rules (schematron v2.0.2), in Python.

``validate(xml)`` returns every finding (rule id, severity, XPath location, message) for an XML
document, a fragment or a broken file — never an exception. The findings are:

* ``XML`` — not well-formed, or not an ``eTransport`` v2 document;
* ``XSD`` — the official XSD's verdict, only when a path to ``schema_ETR_v2.xsd`` is given
  (``xsd_path`` / ``GENIUS_ETRANSPORT_XSD``); without it ``STRUCT`` findings cover what the XSD requires
  (mandatory elements and attributes), so the product works without ANAF's files;
* ``BT-TY-005``, ``BR-*`` and ``BR-CL-*`` — the schematron's rules with their own ids and the same
  tests, evaluated the way the schematron defines them (each rule on every node its context matches).

Faithful to the official XPath, quirks included: ``BR-201`` only asks that ``declPostAvarie`` *contain*
``D``; ``BR-031``-``BR-033`` search (not anchor) ``[0-9A-Z]{2,20}``; ``BR-036`` counts integer digits only
when there is a decimal point; ``BR-019`` computes the check digits from code points and fails short UITs.

Two rules share their context with an earlier rule of the same pattern (``//@uit``: BR-019 before
BR-003; ``//@codTaraOrgTransport``: BR-043 before BR-209). A schematron processor fires only the first
matching rule per node, so ANAF's validation never raises BR-003 or BR-209; we report them as
``warning`` (useful, but not a reason for ANAF to refuse the file).

The official compiled XSL visits elements only (the skeleton's default), so its attribute rules never
fire; ``tests/compliance/etransport/test_rules_official.py`` compares with it both as published and
with attribute visiting switched on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from lxml import etree

from genius.compliance.common.findings import Finding, Severity
from genius.compliance.etransport import codes

NS = "mfp:anaf:dgti:eTransport:declaratie:v2"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)

TIN_RE = re.compile(r"^(([1-9][0-9]{12})|([1-9][0-9]{1,9}))$")
UIT_RE = re.compile(r"[0-9ACDEFHJKLMNPQRTUVWXY]{14}[0-9]{2}")
AUTO_RE = re.compile(r"[0-9A-Z]{2,20}")
DATEMODIF_RE = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})")
TARIFF_RE = re.compile(r"^(\d{4}|\d{6}|\d{8})$")
STR100_RE = re.compile(r"^.{2,100}$")
_DECIMAL_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")

RULE_IDS: tuple[str, ...] = (
    "BT-TY-005",
    "BR-002", "BR-201", "BR-202", "BR-203", "BR-204", "BR-019", "BR-003", "BR-043", "BR-209",
    "BR-008", "BR-004", "BR-005", "BR-006", "BR-007", "BR-025", "BR-212", "BR-213", "BR-046",
    "BR-218", "BR-020", "BR-068", "BR-069", "BR-070", "BR-205", "BR-206", "BR-207", "BR-208",
    "BR-026", "BR-027", "BR-035", "BR-036", "BR-028", "BR-037", "BR-038", "BR-029", "BR-039",
    "BR-040", "BR-030", "BR-041", "BR-042", "BR-031", "BR-032", "BR-033", "BR-034", "BR-214",
    "BR-215", "BR-210", "BR-216", "BR-211", "BR-217",
    "BR-CL-001", "BR-CL-010", "BR-CL-002", "BR-CL-003", "BR-CL-004", "BR-CL-005", "BR-CL-006",
    "BR-CL-007", "BR-CL-008", "BR-CL-009",
)  # fmt: skip
SHADOWED = frozenset({"BR-003", "BR-209"})


def _ns(s: str | None) -> str:
    """XPath ``normalize-space``."""
    return " ".join((s or "").split())


def xs_decimal(value: str | None) -> Decimal | None:
    """XPath ``xs:decimal(…)`` (no exponent, no NaN/INF); ``None`` when the cast would fail."""
    if value is None:
        return None
    text = value.strip()
    if not _DECIMAL_RE.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def uit_check_fails(uit: str) -> bool:
    """BR-019 exactly as the XPath: ``matches(substring(., 15), $UIT-CHECK)``."""
    if len(uit) < 14:
        check = "aN"  # the sum is NaN: substring('NaN', 2, 2)
    else:
        check = str(sum(ord(c) for c in uit[:14]))[-2:]
    return re.search(re.escape(check), uit[14:]) is None


@dataclass
class Doc:
    root: etree._Element

    def attrs(self, name: str) -> Iterator[tuple[etree._Element, str]]:
        """``//@name``: every (element, value) pair, document order."""
        for el in self.root.iter("*"):
            value = el.get(name)
            if value is not None:
                yield el, value

    def first(self, name: str) -> str | None:
        """The value of ``//@name`` used as a single string (the first one)."""
        return next((v for _, v in self.attrs(name)), None)

    def elements(self, local: str) -> list[etree._Element]:
        return list(self.root.iter(f"{{{NS}}}{local}"))

    def path(self, el: etree._Element, attr: str | None = None) -> str:
        steps = []
        node: etree._Element | None = el
        while node is not None:
            name = etree.QName(node).localname
            parent = node.getparent()
            if parent is not None:
                same = [c for c in parent if c.tag == node.tag]
                steps.append(f"{name}[{same.index(node) + 1}]" if len(same) > 1 else name)
            else:
                steps.append(name)
            node = parent
        location = "/" + "/".join(reversed(steps))
        return f"{location}/@{attr}" if attr else location


class _Out:
    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.findings: list[Finding] = []

    def add(
        self,
        rule: str,
        el: etree._Element,
        message: str,
        attr: str | None = None,
        severity: Severity = "fatal",
    ) -> None:
        self.findings.append(Finding(rule, severity, self.doc.path(el, attr), message))


# --- pattern Typemodel ------------------------------------------------------------------------------------
def _typemodel(out: _Out) -> None:
    root = out.doc.root
    counts = [
        len(root.findall(f"{{{NS}}}{t}")) for t in ("notificare", "stergere", "confirmare", "modifVehicul")
    ]
    if sorted(counts) != [0, 0, 0, 1]:
        out.add(
            "BT-TY-005",
            root,
            "An eTransport document must have exactly one of notificare, confirmare, stergere or "
            "modifVehicul.",
        )


# --- pattern Rulesmodel -----------------------------------------------------------------------------------
def _amount_rules(out: _Out, name: str, ids: tuple[str, str, str], positive: bool, label: str) -> None:
    for el, value in out.doc.attrs(name):
        number = xs_decimal(value)
        if number is None or (number <= 0 if positive else number < 0):
            need = "greater than 0" if positive else "0 or more"
            out.add(ids[0], el, f"{label} must be {need} ({name}={value!r}).", name)
        if len(value.partition(".")[2]) > 2:
            out.add(ids[1], el, f"{label} may have at most 2 decimals ({name}={value!r}).", name)
        if len(value.partition(".")[0] if "." in value else "") > 12:
            out.add(ids[2], el, f"{label} may have at most 12 integer digits ({name}={value!r}).", name)


def _rulesmodel(out: _Out) -> None:
    doc, root = out.doc, out.doc.root
    op_values = [v for _, v in doc.attrs("codTipOperatiune")]
    op_raw = op_values[0] if op_values else None  # general comparisons: //@codTipOperatiune = 'x'
    op = _ns(op_raw)

    def op_is(*values: str) -> bool:
        return any(v in values for v in op_values)

    # context xx:eTransport (the root only, when it is one)
    if root.tag == f"{{{NS}}}eTransport":
        declarant = root.get("codDeclarant")
        if not TIN_RE.search(_ns(declarant)):
            out.add(
                "BR-002",
                root,
                f"The declarant's fiscal code (CUI/CNP/NIF) is not a valid Romanian one "
                f"(codDeclarant={declarant!r}): digits only, no RO prefix, no leading zero.",
                "codDeclarant",
            )
        post = root.get("declPostAvarie")
        if post is not None and "D" not in _ns(post):
            out.add("BR-201", root, f"declPostAvarie may only be 'D' (got {post!r}).", "declPostAvarie")
        mods = root.findall(f"{{{NS}}}modifVehicul")
        if mods:
            changed = [m.get("dataModificare") for m in mods]
            if not any(_ns(c) for c in changed):
                out.add("BR-202", mods[0], "A vehicle change needs its date (dataModificare).")
            if not DATEMODIF_RE.search(_ns(changed[0])):
                out.add(
                    "BR-203",
                    mods[0],
                    f"dataModificare must be yyyy-mm-ddThh:mm:ss (got {changed[0]!r}).",
                    "dataModificare",
                )
            if not any(_ns(m.get("nrVehicul")) for m in mods):
                out.add("BR-204", mods[0], "A vehicle change needs the registration number (nrVehicul).")

    # //@uit: BR-019 (BR-003 is shadowed, see the module docstring)
    for el, value in doc.attrs("uit"):
        if uit_check_fails(value):
            out.add(
                "BR-019",
                el,
                f"The UIT {value!r} fails its check digits: the last two must be the last two digits of "
                "the sum of the character codes of the first fourteen.",
                "uit",
            )
        if not UIT_RE.search(_ns(value)):
            out.add(
                "BR-003",
                el,
                f"The UIT {value!r} is not well formed (14 of 0-9 and A-Y without B, G, I, O, S, Z, then 2 "
                "digits).",
                "uit",
                severity="warning",
            )

    # //@codTaraOrgTransport: BR-043 (BR-209 is shadowed)
    org_code = _ns(doc.first("codOrgTransport"))
    for el, value in doc.attrs("codTaraOrgTransport"):
        if value == "RO" and not op_is("30") and not TIN_RE.search(org_code):
            out.add(
                "BR-043",
                el,
                f"A Romanian transport organiser needs a valid Romanian fiscal code outside national "
                f"transport (codOrgTransport={org_code!r}).",
                "codTaraOrgTransport",
            )
        if value == "RO" and op_is("30") and not (TIN_RE.search(org_code) or "PF" in org_code):
            out.add(
                "BR-209",
                el,
                f"A Romanian transport organiser needs a valid Romanian fiscal code, or PF for a person "
                f"(codOrgTransport={org_code!r}).",
                "codTaraOrgTransport",
                severity="warning",
            )

    # the elements that refer to a UIT
    for tag, parent in (
        ("corectie", "notificare"),
        ("notificareAnterioara", "notificare"),
        ("stergere", None),
        ("confirmare", None),
        ("modifVehicul", None),
    ):
        for el in doc.elements(tag):
            p = el.getparent()
            if parent and (p is None or p.tag != f"{{{NS}}}{parent}"):
                continue
            if not _ns(el.get("uit")):
                out.add("BR-008", el, f"{tag} must name the UIT it refers to (uit).")

    # @codTipOperatiune
    country = _ns(doc.first("codTara"))
    partner_code = _ns(doc.first("cod"))
    for el, value in doc.attrs("codTipOperatiune"):
        v = _ns(value)
        at = "codTipOperatiune"
        if v in ("10", "12", "14", "20", "22", "24", "60", "70") and not (
            country in codes.EU_COUNTRIES and country != "RO"
        ):
            out.add(
                "BR-004",
                el,
                f"For an intra-EU operation ({v}) the partner's country must be an EU country other than "
                f"RO (codTara={country!r}).",
                at,
            )
        if v == "30" and country != "RO":
            out.add(
                "BR-005",
                el,
                f"For national transport (30) the partner's country must be RO ({country!r}).",
                at,
            )
        if v in ("40", "50") and country in codes.EU_COUNTRIES:
            out.add(
                "BR-006",
                el,
                f"For import/export ({v}) the partner's country must be outside the EU ({country!r}).",
                at,
            )
        if v == "30" and not (TIN_RE.search(partner_code) or "PF" in partner_code):
            out.add(
                "BR-007",
                el,
                f"For national transport the partner's fiscal code must be a valid Romanian one, or PF "
                f"when unknown (cod={partner_code!r}).",
                at,
            )
        if v in ("30", "40", "50", "60", "70") and doc.elements("notificareAnterioara"):
            out.add(
                "BR-025",
                el,
                f"Operation {v} cannot refer to earlier notifications (notificareAnterioara).",
                at,
            )
        if v in ("20", "22", "24", "30", "50", "70") and any(
            e.get("codPtf") is not None for e in doc.elements("locStartTraseuRutier")
        ):
            out.add(
                "BR-212",
                el,
                f"For operation {v} the route cannot start at a border crossing point (codPtf).",
                at,
            )
        if v in ("12", "14", "30", "40", "60") and any(
            e.get("codPtf") is not None for e in doc.elements("locFinalTraseuRutier")
        ):
            out.add(
                "BR-213",
                el,
                f"For operation {v} the route cannot end at a border crossing point (codPtf).",
                at,
            )
        if v in ("10", "20", "30", "60", "70") and doc.first("codBirouVamal") is not None:
            out.add("BR-046", el, f"For operation {v} no customs office (codBirouVamal) may be given.", at)

    # xx:bunuriTransportate
    purposes = {
        "10": ("101", "201", "301", "401", "501", "601", "703", "801", "802", "901", "1001", "1101", "9901"),
        "20": ("101", "301", "703", "801", "802", "9901"),
        "30": ("101", "704", "705", "9901"),
    }
    for el in doc.elements("bunuriTransportate"):
        gross = el.get("greutateBruta")
        net = el.get("greutateNeta")
        if gross is None or gross == "":
            out.add("BR-218", el, "Every goods line needs its gross weight (greutateBruta).")
        if net is not None:
            g, n = xs_decimal(gross), xs_decimal(net)
            if g is None or n is None or g < n:
                out.add(
                    "BR-020",
                    el,
                    f"The gross weight must be at least the net weight (greutateBruta={gross!r}, "
                    f"greutateNeta={net!r}).",
                )
        purpose = _ns(el.get("codScopOperatiune"))
        for rule, code in (("BR-068", "10"), ("BR-069", "20"), ("BR-070", "30")):
            if op == code and purpose not in purposes[code]:
                out.add(
                    rule,
                    el,
                    f"For operation {code} the purpose (codScopOperatiune) must be one of "
                    f"{', '.join(purposes[code])} (got {purpose!r}).",
                )
        if op in ("12", "14", "22", "24", "40", "50", "60", "70") and purpose != "9999":
            out.add(
                "BR-205",
                el,
                f"For operation {op} the purpose (codScopOperatiune) must be 9999 (got {purpose!r}).",
            )
        if op not in ("60", "70"):
            for rule, name, label in (
                ("BR-206", "codTarifar", "the tariff code"),
                ("BR-207", "greutateNeta", "the net weight"),
                ("BR-208", "valoareLeiFaraTva", "the value without VAT"),
            ):
                if el.get(name) is None:
                    out.add(
                        rule, el, f"Except for operations 60 and 70 every goods line needs {label} ({name})."
                    )

    # //@tipDocument
    notes = [v for _, v in doc.attrs("observatii")]
    for el, value in doc.attrs("tipDocument"):
        if _ns(value) == "9999" and not any(_ns(n) for n in notes):
            out.add(
                "BR-026",
                el,
                "A transport document of type 9999 (other) needs a note (observatii).",
                "tipDocument",
            )

    _amount_rules(out, "cantitate", ("BR-027", "BR-035", "BR-036"), True, "The quantity")
    _amount_rules(out, "greutateNeta", ("BR-028", "BR-037", "BR-038"), True, "The net weight")
    _amount_rules(out, "greutateBruta", ("BR-029", "BR-039", "BR-040"), True, "The gross weight")
    _amount_rules(out, "valoareLeiFaraTva", ("BR-030", "BR-041", "BR-042"), False, "The value without VAT")

    for rule, name, label in (
        ("BR-031", "nrVehicul", "The vehicle registration"),
        ("BR-032", "nrRemorca1", "Trailer 1's registration"),
        ("BR-033", "nrRemorca2", "Trailer 2's registration"),
    ):
        for el, value in doc.attrs(name):
            if not AUTO_RE.search(_ns(value)):
                out.add(rule, el, f"{label} must have 2-20 capital letters A-Z and digits ({value!r}).", name)
    for el, value in doc.attrs("codTarifar"):
        if not TARIFF_RE.search(_ns(value)):
            out.add("BR-034", el, f"The tariff code must have 4, 6 or 8 digits ({value!r}).", "codTarifar")
    for rule, name, label in (
        ("BR-214", "denumireLocalitate", "The locality"),
        ("BR-215", "denumireStrada", "The street"),
    ):
        for el, value in doc.attrs(name):
            if not STR100_RE.search(_ns(value)):
                out.add(rule, el, f"{label} must have 2 to 100 characters ({value!r}).", name)

    for tag, rule, rule_customs, allowed, where in (
        ("locStartTraseuRutier", "BR-210", "BR-216", "40", "start"),
        ("locFinalTraseuRutier", "BR-211", "BR-217", "50", "end"),
    ):
        for el in doc.elements(tag):
            given = [
                el.get("codBirouVamal") is not None,
                el.find(f"{{{NS}}}locatie") is not None,
                el.get("codPtf") is not None,
            ]
            if sum(given) != 1:
                out.add(
                    rule,
                    el,
                    f"The route's {where} must be exactly one of: an address (locatie), a border crossing "
                    "point (codPtf) or a customs office (codBirouVamal).",
                )
            if el.get("codBirouVamal") is not None and not op_is(allowed):
                kind = "import (40)" if allowed == "40" else "export (50)"
                out.add(rule_customs, el, f"Only an {kind} may {where} at a customs office (codBirouVamal).")


# --- pattern Codesmodel -----------------------------------------------------------------------------------
_CODE_RULES: tuple[tuple[str, str, frozenset[str], str], ...] = (
    ("BR-CL-001", "codTara", codes.COUNTRIES, "an ISO 3166-1 country code (Greece is EL)"),
    ("BR-CL-010", "codTaraOrgTransport", codes.COUNTRIES, "an ISO 3166-1 country code (Greece is EL)"),
    ("BR-CL-002", "codJudet", codes.COUNTIES, "an ANAF county code (1-40, 51, 52)"),
    ("BR-CL-003", "codUnitateMasura", codes.UNITS, "a UN/ECE Rec. 20/21 unit code"),
    ("BR-CL-004", "codTipOperatiune", codes.OPERATION_TYPES, "an operation type (10 … 70)"),
    ("BR-CL-005", "codScopOperatiune", codes.PURPOSES, "an operation purpose code"),
    ("BR-CL-006", "codPtf", codes.BORDER_POINTS, "a border crossing point code (1-38)"),
    ("BR-CL-007", "codBirouVamal", codes.CUSTOMS_OFFICES, "a customs office code"),
    ("BR-CL-008", "tipConfirmare", codes.CONFIRMATION_TYPES, "a confirmation type (10, 20, 30)"),
    ("BR-CL-009", "tipDocument", codes.DOCUMENT_TYPES, "a document type (10, 20, 30, 9999)"),
)


def _codesmodel(out: _Out) -> None:
    for rule, name, allowed, label in _CODE_RULES:
        for el, value in out.doc.attrs(name):
            v = _ns(value)
            if " " in v or v not in allowed:
                out.add(rule, el, f"{name} must be {label} (got {value!r}).", name)


# --- structure (what the XSD requires) --------------------------------------------------------------------
_REQUIRED: dict[str, tuple[str, ...]] = {
    "eTransport": ("codDeclarant",),
    "notificare": ("codTipOperatiune",),
    "corectie": ("uit",),
    "stergere": ("uit",),
    "confirmare": ("uit", "tipConfirmare"),
    "modifVehicul": ("uit", "nrVehicul", "dataModificare"),
    "bunuriTransportate": (
        "codScopOperatiune",
        "denumireMarfa",
        "cantitate",
        "codUnitateMasura",
        "greutateBruta",
    ),
    "notificareAnterioara": ("uit",),
    "partenerComercial": ("codTara", "denumire"),
    "dateTransport": ("nrVehicul", "codTaraOrgTransport", "denumireOrgTransport", "dataTransport"),
    "locatie": ("codJudet", "denumireLocalitate", "denumireStrada"),
    "documenteTransport": ("tipDocument", "dataDocument"),
}
_ONE_OR_MORE = ("bunuriTransportate", "documenteTransport")
_EXACTLY_ONE = ("partenerComercial", "dateTransport", "locStartTraseuRutier", "locFinalTraseuRutier")


def _structure(out: _Out) -> None:
    for el in out.doc.root.iter("*"):
        local = etree.QName(el).localname
        for attr in _REQUIRED.get(local, ()):
            if el.get(attr) is None:
                out.add("STRUCT", el, f"{local} requires the attribute {attr}.")
    for n in out.doc.elements("notificare"):
        for tag in _ONE_OR_MORE + _EXACTLY_ONE:
            count = len(n.findall(f"{{{NS}}}{tag}"))
            if count == 0 or (tag in _EXACTLY_ONE and count > 1):
                need = "at least one" if tag in _ONE_OR_MORE else "exactly one"
                out.add("STRUCT", n, f"notificare requires {need} {tag} element.")


# --- XSD (optional) ---------------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _schema(path: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(path, etree.XMLParser(no_network=True)))


def xsd_findings(root: etree._Element, xsd_path: Path | str) -> list[Finding]:
    try:
        schema = _schema(str(xsd_path))
    except (OSError, etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
        return [Finding("XSD", "warning", "/", f"the XSD {xsd_path} cannot be loaded: {exc}")]
    if schema.validate(etree.ElementTree(root)):
        return []
    out = []
    for error in schema.error_log:
        out.append(Finding("XSD", "fatal", error.path or "/", f"line {error.line}: {error.message}"))
    return out


# --- entry points -----------------------------------------------------------------------------------------
PATTERNS: tuple[Callable[[_Out], None], ...] = (_typemodel, _rulesmodel, _codesmodel)


def validate_element(root: etree._Element, xsd_path: Path | str | None = None) -> list[Finding]:
    if root.tag != f"{{{NS}}}eTransport":
        return [
            Finding(
                "XML",
                "fatal",
                "/" + etree.QName(root).localname,
                f"not an e-Transport v2 document: the root must be eTransport in {NS} "
                f"(found {etree.QName(root).text})",
            )
        ]
    out = _Out(Doc(root))
    if xsd_path is not None:
        out.findings.extend(xsd_findings(root, xsd_path))
    else:
        _structure(out)
    for pattern in PATTERNS:
        pattern(out)
    return out.findings


def validate(xml: bytes | str, xsd_path: Path | str | None = None) -> list[Finding]:
    """Every finding for a document (bytes or text); broken input gives an ``XML`` finding."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    if not data.strip():
        return [Finding("XML", "fatal", "/", "the file is empty")]
    try:
        root = etree.fromstring(data, _PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        return [Finding("XML", "fatal", "/", f"not well-formed XML: {exc}")]
    return validate_element(root, xsd_path)


def fatal(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "fatal"]
