"""CIUS-RO 1.0.9 national rules (``BR-RO-*`` and ``BR-DEC-RO-*``), as ANAF's validator runs them.

These are the rules of ``RO16931-rules.sch`` (the ``ROmodel`` pattern of the official CIUS-RO 1.0.9
bundle): maximum lengths and occurrences, the YYYY-MM-DD dates, the Romanian county (ISO 3166-2:RO)
and Bucharest sector codes, the specification identifier, the seller's and buyer's identifiers, the
document type codes and the two-decimal amounts. Every rule keeps the official id, flag (all fatal)
and context, and follows the official test *including its quirks*, so that our findings match SPV's:

* In a schematron pattern every node is checked by the first rule whose context matches it only, and
  the prefix ``ubl`` is the Invoice namespace: the rules written for ``/ubl:CreditNote/…`` (tax
  representative and delivery addresses, document level allowances and charges) never apply to a
  credit note, and a rule whose context an earlier rule already takes never runs (see below).
* ``normalize-space`` collapses only the XML blanks (space, tab, CR, LF), never a no-break space;
  ``string-length`` counts characters. Where the official test applies ``normalize-space`` to several
  elements at once (XSD-invalid documents, e.g. two ``cac:AddressLine``) Saxon stops with an error;
  our length rules then check each element, the value rules the first one.
* BR-RO-L1017 / BR-RO-L1018 measure the allowance/charge *reason code* (BT-98/BT-105), although their
  messages name the reason text; the line rules BR-RO-L1022 / L1023 measure the reason text.
* BR-RO-065 / BR-RO-120 only ask for an identifier when a document level allowance/charge or an
  *Invoice* line (never a credit note line) uses one of the categories S, Z, E, AE, K, G, L, M.

Rules of the file that are not implemented, because the official test can never fail (see
:data:`NOT_IMPLEMENTED`; the test suite checks that the official XSLT indeed never reports them):
BR-RO-A051 and BR-RO-A052 (``count(.) <= 50`` on the element itself is always 1), BR-RO-L1019 (its
context is taken by the earlier ``cac:TaxTotal/cac:TaxSubtotal`` rule, and it measures a
``cbc:TaxExemptionReason`` child that a subtotal never has), BR-DEC-RO-23 (its context is taken by
the earlier line rule; EN 16931's BR-DEC-23 checks the same decimals) and BR-DEC-RO-13 / 15 (their
context ``/ubl:Invoice | cac:CreditNote`` is taken by the root rule or names no UBL element, and
their test compares ``@currencyID`` with a child of ``cbc:TaxAmount`` that cannot exist).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from genius.compliance.efactura.rules.engine import Doc, Hit, rule

GROUP = "cius-ro"

#: BT-24 as CIUS-RO 1.0.1 wants it (``$RO-CIUS-ID``).
RO_CIUS_ID = "urn:cen.eu:en16931:2017#compliant#urn:efactura.mfinante.ro:CIUS-RO:1.0.1"

#: ISO 3166-2:RO (``$ISO-3166-RO-CODES``): the 41 counties and Bucharest.
ISO_3166_RO_CODES = frozenset(
    "RO-AB RO-AG RO-AR RO-B RO-BC RO-BH RO-BN RO-BR RO-BT RO-BV RO-BZ RO-CJ RO-CL RO-CS RO-CT RO-CV "
    "RO-DB RO-DJ RO-GJ RO-GL RO-GR RO-HD RO-HR RO-IF RO-IL RO-IS RO-MH RO-MM RO-MS RO-NT RO-OT RO-PH "
    "RO-SB RO-SJ RO-SM RO-SV RO-TL RO-TM RO-TR RO-VL RO-VN RO-VS".split()
)
#: Bucharest's sectors (``$SECTOR-RO-CODES``), the city of an address in RO-B.
SECTOR_RO_CODES = frozenset(f"SECTOR{n}" for n in range(1, 7))

#: VAT categories for which BR-RO-065 / BR-RO-120 want the parties' identifiers.
_IDENTIFIED_CATEGORIES = frozenset(("S", "Z", "E", "AE", "K", "G", "L", "M"))

_ONE_OF = (
    "must be one of the following codes in the UNTDID 1001 code list: 380 (Invoice), 389 (Self-invoice), "
    "384 (Corrected invoice), 381 (Credit note), 751 (Invoice - information for accounting purposes)."
)
_SECTORS = "SECTOR-RO (SECTOR1, SECTOR2, SECTOR3, SECTOR4, SECTOR5, SECTOR6)"
_COUNTIES = 'the ISO 3166-2:RO code list (e.g. "RO-B" for Bucharest, "RO-AB" for Alba County...)'


def _chars(term: str, maximum: int) -> str:
    return f"The allowed maximum number of characters for the {term} is {maximum}."


def _decimals(term: str) -> str:
    return f"The allowed maximum number of decimals for the {term} is 2."


# --------------------------------------------------------------------------------------------------
# XPath-like helpers (the XPath 2.0 semantics the official tests rely on)
# --------------------------------------------------------------------------------------------------

_XML_BLANKS = re.compile(r"[ \t\r\n]+")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def sv(node: Any) -> str:
    """The XPath string value of an element, attribute or text result ('' for none)."""
    if node is None:
        return ""
    if isinstance(node, str):
        return str(node)
    return "".join(node.itertext())


def xns(text: str) -> str:
    """XPath ``normalize-space``: only space, tab, CR and LF are blanks."""
    return _XML_BLANKS.sub(" ", text).strip(" \t\r\n")


def value(doc: Doc, expr: str, node: Any = None) -> str:
    """``normalize-space(expr)`` of the first match ('' when nothing matches)."""
    found = doc.xpath(expr, node)
    return xns(sv(found[0])) if found else ""


def longest(doc: Doc, expr: str, node: Any = None) -> int:
    """``string-length(normalize-space(expr))``, the longest match when there are several."""
    return max((len(xns(sv(n))) for n in doc.xpath(expr, node)), default=0)


def decimals(doc: Doc, expr: str, node: Any = None) -> int:
    """``string-length(substring-after(expr, '.'))`` of the first match."""
    found = doc.xpath(expr, node)
    text = sv(found[0]) if found else ""
    return len(text.split(".", 1)[1]) if "." in text else 0


def nonblank(doc: Doc, expr: str, node: Any = None) -> bool:
    """``expr[boolean(normalize-space(.))]`` selects something."""
    return any(xns(sv(n)) for n in doc.xpath(expr, node))


def charge_indicator(doc: Doc, ac: Any) -> bool | None:
    """``cbc:ChargeIndicator`` cast to xs:boolean (None when absent or not a boolean)."""
    found = doc.xpath("cbc:ChargeIndicator", ac)
    if not found:
        return None
    return {"true": True, "1": True, "false": False, "0": False}.get(xns(sv(found[0])))


def is_date(node: Any) -> bool:
    """``string-length(text()) = 10 and (string(.) castable as xs:date)``."""
    own_text = "".join(t for t in node.xpath("text()"))
    if len(own_text) != 10:
        return False
    match = _DATE.match(xns(sv(node)))
    if match is None:
        return False
    year, month, day = (int(part) for part in match.groups())
    # XSD 1.1 (Saxon) has a year 0000, a leap year; Python's calendar starts at year 1.
    try:
        date(year or 2000, month, day)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------------------------------
# Contexts
# --------------------------------------------------------------------------------------------------

Context = Callable[[Doc], list[Any]]
Test = Callable[[Doc, Any], bool]


def anywhere(name: str) -> Context:
    """Every element ``name`` of the document (a pattern like ``cbc:Note``)."""
    return lambda doc: doc.xpath(f"//{name}")


def root(doc: Doc) -> list[Any]:
    return [doc.root]


def invoice_only(path: str) -> Context:
    """``/ubl:Invoice/path | /ubl:CreditNote/path``: ``ubl`` is the Invoice namespace, so a credit note
    never matches."""
    return lambda doc: doc.xpath(path) if doc.kind == "Invoice" else []


def lines(doc: Doc) -> list[Any]:
    return doc.xpath("//cac:InvoiceLine|//cac:CreditNoteLine")


def allowances(context: Context, is_charge: bool) -> Context:
    return lambda doc: [ac for ac in context(doc) if charge_indicator(doc, ac) is is_charge]


def assert_(rule_id: str, message: str, context: Context, test: Test) -> None:
    """Register ``rule_id``: every node of ``context`` must pass ``test`` (a schematron assert)."""

    def check(doc: Doc) -> Iterator[Hit]:
        for node in context(doc):
            if not test(doc, node):
                yield node, ""

    check.__name__ = f"check_{rule_id.replace('-', '_').lower()}"
    rule(rule_id, message, "fatal", GROUP)(check)


def report(rule_id: str, message: str, context: Context, test: Test) -> None:
    """Register ``rule_id``: a node of ``context`` that passes ``test`` is a finding (a schematron report)."""
    assert_(rule_id, message, context, lambda doc, node: not test(doc, node))


def max_length(rule_id: str, message: str, context: Context, expr: str, maximum: int) -> None:
    assert_(rule_id, message, context, lambda doc, node: longest(doc, expr, node) <= maximum)


def max_decimals(rule_id: str, message: str, context: Context, expr: str) -> None:
    assert_(rule_id, message, context, lambda doc, node: decimals(doc, expr, node) <= 2)


# --------------------------------------------------------------------------------------------------
# Dates, type codes, the specification identifier
# --------------------------------------------------------------------------------------------------

for _id, _tag, _dated in (
    ("BR-RO-DT001", "cbc:IssueDate", "BT-2, BT-27"),
    ("BR-RO-DT002", "cbc:TaxPointDate", "BT-7"),
    ("BR-RO-DT003", "cbc:DueDate", "BT-9"),
    ("BR-RO-DT003_CN", "cbc:PaymentDueDate", "BT-9"),
    ("BR-RO-DT004", "cbc:ActualDeliveryDate", "BT-72"),
    ("BR-RO-DT005", "cbc:StartDate", "BT-73, BT-134"),
    ("BR-RO-DT006", "cbc:EndDate", "BT-74, BT-135"),
):
    assert_(_id, f"A date ({_dated}) MUST be formatted YYYY-MM-DD.", anywhere(_tag), lambda d, n: is_date(n))

assert_(
    "BR-RO-020_1",
    f"The invoice type code (BT-3) {_ONE_OF}",
    anywhere("cbc:InvoiceTypeCode"),
    lambda d, n: xns(sv(n)) in ("380", "384", "389", "751"),
)
assert_(
    "BR-RO-020_2",
    f"The credit note type code (BT-3) {_ONE_OF}",
    anywhere("cbc:CreditNoteTypeCode"),
    lambda d, n: xns(sv(n)) == "381",
)
assert_(
    "BR-RO-001",
    "The specification identifier (BT-24) must syntactically correspond to the value specified in the "
    "Technical and Usage Specifications of the basic elements of the electronic invoice - RO_CIUS - and "
    f"the specific operational rules applicable at national level ({RO_CIUS_ID}).",
    root,
    lambda d, n: any(sv(c) == RO_CIUS_ID for c in d.xpath("cbc:CustomizationID")),
)
assert_(
    "BR-RO-A020",
    "The allowed maximum number of occurrences of Invoice note (BG-1) is 20.",
    root,
    lambda d, n: len(d.xpath("cbc:Note")) <= 20,
)

# --------------------------------------------------------------------------------------------------
# Document level lengths (context: the Invoice / CreditNote root)
# --------------------------------------------------------------------------------------------------

_SELLER = "cac:AccountingSupplierParty/cac:Party"
_BUYER = "cac:AccountingCustomerParty/cac:Party"
_REP = "cac:TaxRepresentativeParty"
_DELIVERY = "cac:Delivery/cac:DeliveryLocation/cac:Address"

ROOT_LENGTHS: tuple[tuple[str, str, str, int], ...] = (
    ("BR-RO-L0201", f"{_SELLER}/cac:PostalAddress/cbc:PostalZone", "Seller post code (BT-38)", 20),
    ("BR-RO-L0202", f"{_BUYER}/cac:PostalAddress/cbc:PostalZone", "Buyer post code (BT-53)", 20),
    ("BR-RO-L0203", f"{_REP}/cac:PostalAddress/cbc:PostalZone", "Tax representative post code (BT-67)", 20),
    ("BR-RO-L0204", f"{_DELIVERY}/cbc:PostalZone", "Deliver to post code (BT-78)", 20),
    ("BR-RO-L155", "cbc:ID", "Invoice number (BT-1)", 200),
    ("BR-RO-L0302", "cac:ContractDocumentReference/cbc:ID", "Contract reference (BT-12)", 200),
    ("BR-RO-L0303", "cac:OrderReference/cbc:ID", "Purchase order reference (BT-13)", 200),
    ("BR-RO-L0304", "cac:OrderReference/cbc:SalesOrderID", "Sales order reference (BT-14)", 200),
    ("BR-RO-L0305", "cac:ReceiptDocumentReference/cbc:ID", "Receiving advice reference (BT-15)", 200),
    ("BR-RO-L0306", "cac:DespatchDocumentReference/cbc:ID", "Despatch advice reference (BT-16)", 200),
    ("BR-RO-L0307", "cac:OriginatorDocumentReference/cbc:ID", "Tender or lot reference (BT-17)", 200),
    ("BR-RO-L0501", f"{_SELLER}/cac:PostalAddress/cbc:CityName", "Seller city (BT-37)", 50),
    ("BR-RO-L0502", f"{_BUYER}/cac:PostalAddress/cbc:CityName", "Buyer city (BT-52)", 50),
    ("BR-RO-L0503", f"{_REP}/cac:PostalAddress/cbc:CityName", "Tax representative city (BT-66)", 50),
    ("BR-RO-L0504", f"{_DELIVERY}/cbc:CityName", "Deliver to city (BT-77)", 50),
    ("BR-RO-L1001", "cbc:AccountingCost", "Buyer accounting reference (BT-19)", 100),
    (
        "BR-RO-L1002",
        f"{_SELLER}/cac:PostalAddress/cbc:AdditionalStreetName",
        "Seller address line 2 (BT-36)",
        100,
    ),
    (
        "BR-RO-L1003",
        f"{_SELLER}/cac:PostalAddress/cac:AddressLine/cbc:Line",
        "Seller address line 3 (BT-162)",
        100,
    ),
    ("BR-RO-L1004", f"{_SELLER}/cac:Contact/cbc:Name", "Seller contact point (BT-41)", 100),
    ("BR-RO-L1005", f"{_SELLER}/cac:Contact/cbc:Telephone", "Seller contact telephone number (BT-42)", 100),
    ("BR-RO-L1006", f"{_SELLER}/cac:Contact/cbc:ElectronicMail", "Seller contact email address (BT-43)", 100),
    (
        "BR-RO-L1007",
        f"{_BUYER}/cac:PostalAddress/cbc:AdditionalStreetName",
        "Buyer address line 2 (BT-51)",
        100,
    ),
    (
        "BR-RO-L1008",
        f"{_BUYER}/cac:PostalAddress/cac:AddressLine/cbc:Line",
        "Buyer address line 3 (BT-163)",
        100,
    ),
    ("BR-RO-L1009", f"{_BUYER}/cac:Contact/cbc:Name", "Buyer contact point (BT-56)", 100),
    ("BR-RO-L1010", f"{_BUYER}/cac:Contact/cbc:Telephone", "Buyer contact telephone number (BT-57)", 100),
    ("BR-RO-L1011", f"{_BUYER}/cac:Contact/cbc:ElectronicMail", "Buyer contact email address (BT-58)", 100),
    (
        "BR-RO-L1012",
        f"{_REP}/cac:PostalAddress/cbc:AdditionalStreetName",
        "Tax representative address line 2 (BT-65)",
        100,
    ),
    (
        "BR-RO-L1013",
        f"{_REP}/cac:PostalAddress/cac:AddressLine/cbc:Line",
        "Tax representative address line 3 (BT-164)",
        100,
    ),
    ("BR-RO-L1014", f"{_DELIVERY}/cbc:AdditionalStreetName", "Deliver to address line 2 (BT-76)", 100),
    ("BR-RO-L1015", f"{_DELIVERY}/cac:AddressLine/cbc:Line", "Deliver to address line 3 (BT-165)", 100),
    ("BR-RO-L151", f"{_SELLER}/cac:PostalAddress/cbc:StreetName", "Seller address line 1 (BT-35)", 150),
    ("BR-RO-L152", f"{_BUYER}/cac:PostalAddress/cbc:StreetName", "Buyer address line 1 (BT-50)", 150),
    (
        "BR-RO-L153",
        f"{_REP}/cac:PostalAddress/cbc:StreetName",
        "Tax representative address line 1 (BT-64)",
        150,
    ),
    ("BR-RO-L154", f"{_DELIVERY}/cbc:StreetName", "Deliver to address line 1 (BT-75)", 150),
    ("BR-RO-L201", f"{_SELLER}/cac:PartyLegalEntity/cbc:RegistrationName", "Seller name (BT-27)", 200),
    ("BR-RO-L202", f"{_SELLER}/cac:PartyName/cbc:Name", "Seller trading name (BT-28)", 200),
    ("BR-RO-L203", f"{_BUYER}/cac:PartyLegalEntity/cbc:RegistrationName", "Buyer name (BT-44)", 200),
    ("BR-RO-L204", f"{_BUYER}/cac:PartyName/cbc:Name", "Buyer trading name (BT-45)", 200),
    ("BR-RO-L205", "cac:PayeeParty/cac:PartyName/cbc:Name", "Payee name (BT-59)", 200),
    ("BR-RO-L206", f"{_REP}/cac:PartyName/cbc:Name", "Seller tax representative name (BT-62)", 200),
    (
        "BR-RO-L207",
        "cac:Delivery/cac:DeliveryParty/cac:PartyName/cbc:Name",
        "Deliver to party name (BT-70)",
        200,
    ),
    ("BR-RO-L301", "cac:PaymentTerms/cbc:Note", "Payment terms (BT-20)", 300),
    (
        "BR-RO-L1000",
        f"{_SELLER}/cac:PartyLegalEntity/cbc:CompanyLegalForm",
        "Seller additional legal information (BT-33)",
        1000,
    ),
)
for _id, _expr, _term, _max in ROOT_LENGTHS:
    max_length(_id, _chars(_term, _max), root, _expr, _max)

# --------------------------------------------------------------------------------------------------
# Document level business rules
# --------------------------------------------------------------------------------------------------

assert_(
    "BR-RO-010",
    "Invoice number (BT-1) must include at least one numeric character (0-9).",
    root,
    lambda d, n: re.search("[0-9]", value(d, "cbc:ID")) is not None,
)
assert_(
    "BR-RO-030",
    "If the Invoice currency code (BT-5) is other than RON, then the VAT accounting currency code "
    "(BT-6) must be RON.",
    root,
    lambda d, n: "RON" in (value(d, "cbc:TaxCurrencyCode"), value(d, "cbc:DocumentCurrencyCode")),
)


def identified_categories_used(doc: Doc) -> bool:
    """A document level allowance (of the VAT scheme) or charge, or an *Invoice* line, in one of the
    categories S, Z, E, AE, K, G, L, M (the first half of BR-RO-065 / BR-RO-120)."""
    for ac in doc.xpath("cac:AllowanceCharge"):
        # ``ChargeIndicator = 'false'`` compares strings: "0" or " false " is neither
        indicators = {sv(i) for i in doc.xpath("cbc:ChargeIndicator", ac)}
        for category in doc.xpath("cac:TaxCategory/cbc:ID", ac):
            if sv(category) not in _IDENTIFIED_CATEGORIES:
                continue
            if "true" in indicators:
                return True
            schemes = doc.xpath("following-sibling::cac:TaxScheme/cbc:ID", category)
            if "false" in indicators and any(sv(s) == "VAT" for s in schemes):
                return True
    return any(
        sv(c) in _IDENTIFIED_CATEGORIES
        for c in doc.xpath("cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory/cbc:ID")
    )


assert_(
    "BR-RO-065",
    "The Seller tax registration identifier (BT-32) and/or the Seller VAT identifier (BT-31) and/or the "
    "Seller tax representative VAT identifier (BT-63) shall be present.",
    root,
    lambda d, n: (
        not identified_categories_used(d)
        or bool(d.xpath(f"{_REP}/cac:PartyTaxScheme/cbc:CompanyID"))
        or nonblank(d, f"{_SELLER}/cac:PartyTaxScheme/cbc:CompanyID")
    ),
)
assert_(
    "BR-RO-120",
    "The Buyer legal registration identifier (BT-47) and/or the Buyer VAT identifier (BT-48) shall be "
    "present.",
    root,
    lambda d, n: (
        not identified_categories_used(d)
        or bool(d.xpath(f"{_BUYER}/cac:PartyLegalEntity/cbc:CompanyID"))
        or nonblank(d, f"{_BUYER}/cac:PartyTaxScheme/cbc:CompanyID")
    ),
)


def present(expr: str) -> Test:
    """``expr[boolean(normalize-space(.))]`` (relative to the root)."""
    return lambda d, n: nonblank(d, expr)


for _id, _expr, _what in (
    ("BR-RO-081", f"{_SELLER}/cac:PostalAddress/cbc:StreetName", "Seller address line 1 (BT-35)"),
    ("BR-RO-082", f"{_BUYER}/cac:PostalAddress/cbc:StreetName", "Buyer address line 1 (BT-50)"),
    ("BR-RO-091", f"{_SELLER}/cac:PostalAddress/cbc:CityName", "Seller city (BT-37)"),
    ("BR-RO-092", f"{_BUYER}/cac:PostalAddress/cbc:CityName", "Buyer city (BT-52)"),
):
    assert_(_id, f"{_what} must be provided.", root, present(_expr))


def in_bucharest_without_sector(address: str) -> Test:
    """Country RO, subdivision RO-B and a city that is not SECTOR1…6 (``address`` relative to the
    context node; "." for the address itself)."""
    return lambda d, n: (
        value(d, f"{address}/cac:Country/cbc:IdentificationCode", n) == "RO"
        and value(d, f"{address}/cbc:CountrySubentity", n) == "RO-B"
        and value(d, f"{address}/cbc:CityName", n) not in SECTOR_RO_CODES
    )


def in_romania_without_county(address: str) -> Test:
    """Country RO and a subdivision that is not an ISO 3166-2:RO code."""
    return lambda d, n: (
        value(d, f"{address}/cac:Country/cbc:IdentificationCode", n) == "RO"
        and value(d, f"{address}/cbc:CountrySubentity", n) not in ISO_3166_RO_CODES
    )


for _id, _county_id, _party, _who, _terms in (
    ("BR-RO-100", "BR-RO-110", _SELLER, "Seller", ("BT-40", "BT-39", "BT-37")),
    ("BR-RO-101", "BR-RO-111", _BUYER, "Buyer", ("BT-55", "BT-54", "BT-52")),
):
    report(
        _id,
        f"If the {_who}'s country code ({_terms[0]}) is RO and the {_who}'s country subdivision "
        f"({_terms[1]}) is RO-B (corresponding to Bucharest Municipality), then the {_who} city "
        f"({_terms[2]}) must be coded using the code list {_SECTORS}.",
        root,
        in_bucharest_without_sector(f"{_party}/cac:PostalAddress"),
    )
    report(
        _county_id,
        f"If the {_who}'s country code ({_terms[0]}) is RO, then the {_who}'s country subdivision "
        f"({_terms[1]}) must be coded using {_COUNTIES}.",
        root,
        in_romania_without_county(f"{_party}/cac:PostalAddress"),
    )

# --------------------------------------------------------------------------------------------------
# Tax representative and delivery addresses (Invoice only: see the module docstring)
# --------------------------------------------------------------------------------------------------

_rep_address = invoice_only(f"{_REP}/cac:PostalAddress")
assert_(
    "BR-RO-140",
    "Tax representative address line 1 (BT-64) must be provided, if the Seller (BG-4) has a Seller tax "
    "representative party (BG-11).",
    _rep_address,
    lambda d, n: nonblank(d, "cbc:StreetName", n),
)
assert_(
    "BR-RO-150",
    "Tax representative city (BT-66) must be provided, if the Seller (BG-4) has a Seller tax "
    "representative party (BG-11).",
    _rep_address,
    lambda d, n: nonblank(d, "cbc:CityName", n),
)
report(
    "BR-RO-160",
    "If the Tax representative country code (BT-69) is RO and the Tax representative country subdivision "
    "(BT-68) is RO-B (corresponding to Bucharest Municipality), then the Tax representative city (BT-66) "
    f"must be coded using the code list {_SECTORS}.",
    _rep_address,
    in_bucharest_without_sector("."),
)
report(
    "BR-RO-170",
    "If the Seller's tax representative country code (BT-69) is RO, then the Seller's tax representative "
    f"country subdivision (BT-68) must be coded using {_COUNTIES}.",
    _rep_address,
    in_romania_without_county("."),
)

_delivery_address = invoice_only(_DELIVERY)
assert_(
    "BR-RO-180",
    "If the Deliver to address (BG-15) exists, the Deliver to address line 1 (BT-75) must be provided.",
    _delivery_address,
    lambda d, n: nonblank(d, "cbc:StreetName", n),
)
assert_(
    "BR-RO-201",
    "If the Deliver to address (BG-15) exists, the Deliver to city (BT-77) must be provided.",
    _delivery_address,
    lambda d, n: nonblank(d, "cbc:CityName", n),
)
report(
    "BR-RO-202",
    "If the Deliver to country code (BT-80) is RO and the Deliver to country subdivision (BT-79) is RO-B "
    "(corresponding to Bucharest Municipality), then the Deliver to city (BT-77) must be coded using the "
    f"code list {_SECTORS}.",
    _delivery_address,
    in_bucharest_without_sector("."),
)
assert_(
    "BR-RO-211",
    "If the Deliver to address (BG-15) exists, the Deliver to country subdivision (BT-79) must be provided.",
    _delivery_address,
    lambda d, n: nonblank(d, "cbc:CountrySubentity", n),
)
report(
    "BR-RO-212",
    f"If the Deliver to country code (BT-80) is RO, then the Deliver to country subdivision (BT-79) must "
    f"be coded using {_COUNTIES}.",
    _delivery_address,
    in_romania_without_county("."),
)

# --------------------------------------------------------------------------------------------------
# Payment means, tax point date code, lines, item attributes
# --------------------------------------------------------------------------------------------------

_means = anywhere("cac:PaymentMeans")
max_length(
    "BR-RO-L208",
    _chars("Payment account name (BT-85)", 200),
    _means,
    "cac:PayeeFinancialAccount/cbc:Name",
    200,
)
max_length(
    "BR-RO-L209",
    _chars("Payment card holder name (BT-88)", 200),
    _means,
    "cac:CardAccount/cbc:HolderName",
    200,
)
max_length(
    "BR-RO-L1016", _chars("Payment means text (BT-82)", 100), _means, "cbc:PaymentMeansCode/@name", 100
)
max_length("BR-RO-L140", _chars("Remittance information (BT-83)", 140), _means, "cbc:PaymentID", 140)

assert_(
    "BR-RO-040",
    "Value added tax point date code (BT-8) MUST be coded using a restriction of UNTDID 2005 (only 3, "
    "35 and 432).",
    anywhere("cac:InvoicePeriod/cbc:DescriptionCode"),
    lambda d, n: xns(sv(n)) in ("3", "35", "432"),
)

max_length("BR-RO-L1024", _chars("Item name (BT-153)", 100), lines, "cac:Item/cbc:Name", 100)
max_length(
    "BR-RO-L1021",
    _chars("Invoice line Buyer accounting reference (BT-133)", 100),
    lines,
    "cbc:AccountingCost",
    100,
)
max_length("BR-RO-L212", _chars("Item description (BT-154)", 200), lines, "cac:Item/cbc:Description", 200)
max_length("BR-RO-L303", _chars("Invoice line note (BT-127)", 300), lines, "cbc:Note", 300)

_item_property = anywhere("cac:Item/cac:AdditionalItemProperty")
max_length("BR-RO-L0505", _chars("Item attribute name (BT-160)", 50), _item_property, "cbc:Name", 50)
max_length("BR-RO-L1025", _chars("Item attribute value (BT-161)", 100), _item_property, "cbc:Value", 100)

# --------------------------------------------------------------------------------------------------
# Allowances and charges, totals: two decimals at most
# --------------------------------------------------------------------------------------------------

_doc_allowances = allowances(invoice_only("cac:AllowanceCharge"), is_charge=False)
_doc_charges = allowances(invoice_only("cac:AllowanceCharge"), is_charge=True)
max_decimals(
    "BR-DEC-RO-01", _decimals("Document level allowance amount (BT-92)"), _doc_allowances, "cbc:Amount"
)
max_decimals(
    "BR-DEC-RO-02",
    _decimals("Document level allowance base amount (BT-93)"),
    _doc_allowances,
    "cbc:BaseAmount",
)
max_length(
    "BR-RO-L1017",
    _chars("Document level allowance reason (BT-97)", 100),
    _doc_allowances,
    "cbc:AllowanceChargeReasonCode",
    100,
)
max_decimals("BR-DEC-RO-05", _decimals("Document level charge amount (BT-99)"), _doc_charges, "cbc:Amount")
max_decimals(
    "BR-DEC-RO-06", _decimals("Document level charge base amount (BT-100)"), _doc_charges, "cbc:BaseAmount"
)
max_length(
    "BR-RO-L1018",
    _chars("Document level charge reason (BT-104)", 100),
    _doc_charges,
    "cbc:AllowanceChargeReasonCode",
    100,
)

_totals = anywhere("cac:LegalMonetaryTotal")
for _id, _child, _term in (
    ("BR-DEC-RO-09", "cbc:LineExtensionAmount", "Sum of Invoice line net amount (BT-106)"),
    ("BR-DEC-RO-10", "cbc:AllowanceTotalAmount", "Sum of allowances on document level (BT-107)"),
    ("BR-DEC-RO-11", "cbc:ChargeTotalAmount", "Sum of charges on document level (BT-108)"),
    ("BR-DEC-RO-12", "cbc:TaxExclusiveAmount", "Invoice total amount without VAT (BT-109)"),
    ("BR-DEC-RO-14", "cbc:TaxInclusiveAmount", "Invoice total amount with VAT (BT-112)"),
    ("BR-DEC-RO-16", "cbc:PrepaidAmount", "Paid amount (BT-113)"),
    ("BR-DEC-RO-17", "cbc:PayableRoundingAmount", "Rounding amount (BT-114)"),
    ("BR-DEC-RO-18", "cbc:PayableAmount", "Amount due for payment (BT-115)"),
):
    max_decimals(_id, _decimals(_term), _totals, _child)

_subtotals = anywhere("cac:TaxTotal/cac:TaxSubtotal")
max_decimals(
    "BR-DEC-RO-1009", _decimals("VAT category taxable amount (BT-116)"), _subtotals, "cbc:TaxableAmount"
)
max_decimals("BR-DEC-RO-1010", _decimals("VAT category tax amount (BT-117)"), _subtotals, "cbc:TaxAmount")

_line_acs = anywhere("cac:InvoiceLine/cac:AllowanceCharge|//cac:CreditNoteLine/cac:AllowanceCharge")
_line_allowances = allowances(_line_acs, is_charge=False)
_line_charges = allowances(_line_acs, is_charge=True)
max_decimals(
    "BR-DEC-RO-24", _decimals("Invoice line allowance amount (BT-136)"), _line_allowances, "cbc:Amount"
)
max_decimals(
    "BR-DEC-RO-25",
    _decimals("Invoice line allowance base amount (BT-137)"),
    _line_allowances,
    "cbc:BaseAmount",
)
max_length(
    "BR-RO-L1022",
    _chars("Invoice line allowance reason (BT-139)", 100),
    _line_allowances,
    "cbc:AllowanceChargeReason",
    100,
)
max_decimals("BR-DEC-RO-27", _decimals("Invoice line charge amount (BT-141)"), _line_charges, "cbc:Amount")
max_decimals(
    "BR-DEC-RO-28", _decimals("Invoice line charge base amount (BT-142)"), _line_charges, "cbc:BaseAmount"
)
max_length(
    "BR-RO-L1023",
    _chars("Invoice line charge reason (BT-144)", 100),
    _line_charges,
    "cbc:AllowanceChargeReason",
    100,
)

# --------------------------------------------------------------------------------------------------
# Notes, supporting documents, preceding invoices
# --------------------------------------------------------------------------------------------------

max_length("BR-RO-L302", _chars("Invoice note (BT-22)", 300), anywhere("cbc:Note"), ".", 300)

_supporting = anywhere("cac:AdditionalDocumentReference")
max_length(
    "BR-RO-L0308",
    _chars("Invoiced object identifier (BT-18) and the Supporting document reference (BT-122)", 200),
    _supporting,
    "cbc:ID",
    200,
)
max_length(
    "BR-RO-L1020",
    _chars("Supporting document description (BT-123)", 100),
    _supporting,
    "cbc:DocumentDescription",
    100,
)
max_length(
    "BR-RO-L210",
    _chars("External document location (BT-124)", 200),
    _supporting,
    "cac:Attachment/cac:ExternalReference/cbc:URI",
    200,
)
max_length(
    "BR-RO-L211",
    _chars("Attached document filename (BT-125)", 200),
    _supporting,
    "cac:Attachment/cbc:EmbeddedDocumentBinaryObject/@filename",
    200,
)

_billing = anywhere("cac:BillingReference")
assert_(
    "BR-RO-A500",
    "The allowed maximum number of occurrences of Preceding invoice reference (BG-3) is 500.",
    _billing,
    lambda d, n: len(d.xpath("cac:InvoiceDocumentReference", n)) <= 500,
)
max_length(
    "BR-RO-L156",
    _chars("Preceding Invoice number (BT-25)", 200),
    _billing,
    "cac:InvoiceDocumentReference/cbc:ID",
    200,
)

#: Rules of RO16931-rules.sch (CIUS-RO 1.0.9) that this module does not register: the official test
#: can never fail (see the module docstring).
NOT_IMPLEMENTED: dict[str, str] = {
    "BR-RO-A051": "count(.) <= 50 on each cac:AdditionalDocumentReference is always true",
    "BR-RO-A052": "count(.) <= 50 on each cac:AdditionalItemProperty is always true",
    "BR-RO-L1019": "its context is taken by the cac:TaxTotal/cac:TaxSubtotal rule (BR-DEC-RO-1009/1010)",
    "BR-DEC-RO-13": "its context matches no element the root rule has not taken; its test cannot fail",
    "BR-DEC-RO-15": "its context matches no element the root rule has not taken; its test cannot fail",
    "BR-DEC-RO-23": "its context is taken by the line rule (BR-RO-L1024…); BR-DEC-23 checks the same",
}
