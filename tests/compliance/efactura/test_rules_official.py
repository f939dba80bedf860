"""Our EN 16931 rules against the official CIUS-RO 1.0.9 schematron (compiled XSLT run with saxonche).

For every ANAF and CEN example, and for mutated copies of some of them, the rule ids our ``en16931``
and ``cius-ro`` rules fire must be exactly the ids the official validator fires (the UBL-CR-* "element
not used" warnings, which we do not implement, are left out). The CIUS-RO rules have their own
mutations in ``test_ciusro_rules.py``. No database is needed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from genius.compliance.efactura.official import convert_location, find_official_xslt, parse_svrl, run_official
from genius.compliance.efactura.rules.engine import NS, Doc, all_rules, run_rules
from tests.compliance.conftest import SHARED_DATA, shared_data

OFFICIAL_ONLY_PREFIXES = ("UBL-CR-",)
CIUS_RO_EXAMPLES = "cius-ro/examples-ubl"
EN_EXAMPLES = "en16931/ubl/examples"


def _examples(folder: str) -> list[str]:
    path = SHARED_DATA / folder
    if not path.is_dir():
        return ["(absent)"]
    return sorted(p.name for p in path.iterdir() if p.suffix.lower() == ".xml")


@pytest.fixture(scope="module")
def xslt() -> Path:
    folder = shared_data("cius-ro", "xslt-1.0.9")
    found = find_official_xslt(folder)
    assert found is not None and found.name == "EN16931-CIUS_RO-UBL-validation.xslt"
    return found


@pytest.fixture(scope="module")
def en_ids() -> set[str]:
    """Our EN 16931 and CIUS-RO rules (the whole bundle the official XSLT runs)."""
    return {rule_id for rule_id, r in all_rules().items() if r.group in ("en16931", "cius-ro")}


def _official(data: bytes, xslt: Path) -> set[str]:
    return {f.rule for f in run_official(data, xslt) if not f.rule.startswith(OFFICIAL_ONLY_PREFIXES)}


def _ours(data: bytes, en_ids: set[str]) -> set[str]:
    findings = list(run_rules(Doc(etree.fromstring(data)), only=en_ids))
    broken = [f for f in findings if f.message.startswith("rule could not be evaluated")]
    assert not broken, broken
    return {f.rule for f in findings}


@pytest.mark.parametrize("name", _examples(CIUS_RO_EXAMPLES))
def test_anaf_examples_match_official(name: str, xslt: Path, en_ids: set[str]) -> None:
    data = shared_data(CIUS_RO_EXAMPLES, name).read_bytes()
    assert _ours(data, en_ids) == _official(data, xslt)


@pytest.mark.parametrize("name", _examples(EN_EXAMPLES))
def test_en16931_examples_match_official(name: str, xslt: Path, en_ids: set[str]) -> None:
    data = shared_data(EN_EXAMPLES, name).read_bytes()
    assert _ours(data, en_ids) == _official(data, xslt)


# --------------------------------------------------------------------------------------------------
# Mutations
# --------------------------------------------------------------------------------------------------

Mutation = Callable[[etree._Element], None]


def _all(root: etree._Element, expr: str) -> list[etree._Element]:
    found = root.xpath(expr, namespaces=NS)
    assert isinstance(found, list) and found, f"{expr} matches nothing"
    return [e for e in found if isinstance(e, etree._Element)]


def _one(root: etree._Element, expr: str) -> etree._Element:
    return _all(root, expr)[0]


def remove(expr: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        for el in _all(root, expr):
            parent = el.getparent()
            assert parent is not None
            parent.remove(el)

    return mutate


def set_text(expr: str, value: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        _one(root, expr).text = value

    return mutate


def add(expr: str, value: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        el = _one(root, expr)
        el.text = str(Decimal((el.text or "0").strip()) + Decimal(value))

    return mutate


def set_attr(expr: str, name: str, value: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        _one(root, expr).set(name, value)

    return mutate


def insert_after(expr: str, xml: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        anchor = _one(root, expr)
        wrapper = etree.fromstring(
            f'<w xmlns:cbc="{NS["cbc"]}" xmlns:cac="{NS["cac"]}">{xml}</w>',
        )
        for child in reversed(list(wrapper)):
            anchor.addnext(child)

    return mutate


def chain(*mutations: Mutation) -> Mutation:
    def mutate(root: etree._Element) -> None:
        for m in mutations:
            m(root)

    return mutate


EX1 = "ubl_b2g_example1.xml"  # two standard rates, no allowances
EX0 = "ubl_b2g_example0.xml"  # exempt + standard, document allowances/charges
CN = "creditNote_ex.xml"
LMT = "cac:LegalMonetaryTotal"
SUB1 = "cac:TaxTotal/cac:TaxSubtotal[1]"
LINE1 = "cac:InvoiceLine[1]"
EXEMPT_SUB = "cac:TaxTotal/cac:TaxSubtotal[cac:TaxCategory/cbc:ID='E']"

MUTATIONS: dict[str, tuple[str, Mutation, set[str]]] = {
    # name: (base example, mutation, rule ids we expect at least)
    "no-customization-id": (EX1, remove("cbc:CustomizationID"), {"BR-01"}),
    "no-issue-date": (EX1, remove("cbc:IssueDate"), {"BR-03"}),
    "no-seller-name": (
        EX1,
        remove("cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"),
        {"BR-06"},
    ),
    "no-buyer-address": (EX1, remove("cac:AccountingCustomerParty/cac:Party/cac:PostalAddress"), {"BR-10"}),
    "no-buyer-country": (
        EX1,
        remove("cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cac:Country"),
        {"BR-11"},
    ),
    "line-total-off": (EX1, add(f"{LMT}/cbc:LineExtensionAmount", "1"), {"BR-CO-10", "BR-CO-13"}),
    "tax-exclusive-off": (EX1, add(f"{LMT}/cbc:TaxExclusiveAmount", "0.01"), {"BR-CO-13", "BR-CO-15"}),
    "tax-inclusive-off": (EX1, add(f"{LMT}/cbc:TaxInclusiveAmount", "-2"), {"BR-CO-15", "BR-CO-16"}),
    "payable-off": (EX1, add(f"{LMT}/cbc:PayableAmount", "10"), {"BR-CO-16"}),
    "vat-total-off": (EX1, add("cac:TaxTotal/cbc:TaxAmount", "0.05"), {"BR-CO-14", "BR-CO-15"}),
    "vat-category-amount-off": (EX1, add(f"{SUB1}/cbc:TaxAmount", "5"), {"BR-CO-17", "BR-S-09", "BR-CO-14"}),
    "vat-category-amount-within-tolerance": (EX1, add(f"{SUB1}/cbc:TaxAmount", "0.5"), {"BR-CO-14"}),
    "taxable-amount-off": (EX1, add(f"{SUB1}/cbc:TaxableAmount", "10"), {"BR-S-08"}),
    "taxable-amount-within-tolerance": (EX1, add(f"{SUB1}/cbc:TaxableAmount", "0.6"), set()),
    "line-rate-without-breakdown": (
        EX1,
        set_text(f"{LINE1}/cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", "19"),
        {"BR-S-08"},
    ),
    "line-zero-rated": (
        EX1,
        chain(
            set_text(f"{LINE1}/cac:Item/cac:ClassifiedTaxCategory/cbc:ID", "Z"),
            set_text(f"{LINE1}/cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", "0"),
        ),
        {"BR-Z-01", "BR-S-08"},
    ),
    "standard-rate-zero-percent": (
        EX1,
        set_text(f"{LINE1}/cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", "0"),
        {"BR-S-05"},
    ),
    "bad-document-currency": (EX1, set_text("cbc:DocumentCurrencyCode", "XXY"), {"BR-CL-04"}),
    "bad-currency-attribute": (EX1, set_attr(f"{LMT}/cbc:PayableAmount", "currencyID", "ABC"), {"BR-CL-03"}),
    "bad-unit-code": (EX1, set_attr(f"{LINE1}/cbc:InvoicedQuantity", "unitCode", "QQQ"), {"BR-CL-23"}),
    "bad-country": (
        EX1,
        set_text(
            "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode", "XX"
        ),
        {"BR-CL-14"},
    ),
    "bad-type-code": (EX1, set_text("cbc:InvoiceTypeCode", "999"), {"BR-CL-01"}),
    "bad-vat-category": (EX1, set_text(f"{SUB1}/cac:TaxCategory/cbc:ID", "Q"), {"BR-CL-17"}),
    "three-decimals": (
        EX1,
        set_text(f"{LINE1}/cbc:LineExtensionAmount", "19.901"),
        {"BR-DEC-23", "UBL-DT-01"},
    ),
    "period-end-before-start": (
        EX1,
        insert_after(
            "cbc:DocumentCurrencyCode",
            "<cac:InvoicePeriod><cbc:StartDate>2015-02-01</cbc:StartDate>"
            "<cbc:EndDate>2015-01-01</cbc:EndDate></cac:InvoicePeriod>",
        ),
        {"BR-29"},
    ),
    "no-due-date": (EX1, remove("cbc:DueDate"), {"BR-CO-25"}),
    "no-item-name": (EX1, remove(f"{LINE1}/cac:Item/cbc:Name"), {"BR-25"}),
    "no-price": (EX1, remove(f"{LINE1}/cac:Price"), {"BR-26"}),
    "negative-price": (EX1, set_text(f"{LINE1}/cac:Price/cbc:PriceAmount", "-1"), {"BR-27"}),
    "credit-transfer-without-account": (
        EX1,
        remove("cac:PaymentMeans[1]/cac:PayeeFinancialAccount/cbc:ID"),
        {"BR-61", "BR-50"},
    ),
    "standard-rate-with-exemption": (
        EX1,
        insert_after(
            f"{SUB1}/cac:TaxCategory/cbc:Percent", "<cbc:TaxExemptionReason>why</cbc:TaxExemptionReason>"
        ),
        {"BR-S-10"},
    ),
    "no-vat-breakdown": (EX1, remove("cac:TaxTotal/cac:TaxSubtotal"), {"BR-CO-18", "BR-S-01"}),
    "charge-total-without-charges": (
        EX1,
        insert_after(
            f"{LMT}/cbc:TaxExclusiveAmount",
            '<cbc:ChargeTotalAmount currencyID="RON">5</cbc:ChargeTotalAmount>',
        ),
        {"BR-CO-12"},
    ),
    "note-subject-code": (EX1, set_text("cbc:Note", "#ZZQ#hello"), {"BR-CL-08"}),
    "scheme-name-attribute": (
        EX1,
        set_attr("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID", "schemeName", "x"),
        {"UBL-DT-08"},
    ),
    "no-lines": (EX1, remove("cac:InvoiceLine"), {"BR-16"}),
    "exempt-without-reason": (
        EX0,
        remove(
            f"{EXEMPT_SUB}/cac:TaxCategory/cbc:TaxExemptionReason|{EXEMPT_SUB}/cac:TaxCategory/cbc:TaxExemptionReasonCode"
        ),
        {"BR-E-10"},
    ),
    "exempt-taxable-off": (EX0, add(f"{EXEMPT_SUB}/cbc:TaxableAmount", "0.01"), {"BR-E-08"}),
    "exempt-tax-not-zero": (EX0, add(f"{EXEMPT_SUB}/cbc:TaxAmount", "1"), {"BR-E-09"}),
    "allowance-amount-off": (
        EX0,
        add("cac:AllowanceCharge[cbc:ChargeIndicator='false'][1]/cbc:Amount", "1"),
        {"BR-CO-11"},
    ),
    "allowance-without-reason": (
        EX0,
        remove(
            "cac:AllowanceCharge[cbc:ChargeIndicator='false'][1]/cbc:AllowanceChargeReason"
            "|cac:AllowanceCharge[cbc:ChargeIndicator='false'][1]/cbc:AllowanceChargeReasonCode"
        ),
        {"BR-33", "BR-CO-21"},
    ),
    "credit-note-line-total-off": (CN, add(f"{LMT}/cbc:LineExtensionAmount", "3"), {"BR-CO-10"}),
    "credit-note-taxable-off": (CN, add(f"{SUB1}/cbc:TaxableAmount", "7"), {"BR-S-08"}),
    "credit-note-bad-type": (CN, set_text("cbc:CreditNoteTypeCode", "380"), {"BR-CL-01"}),
    "no-seller-vat-id": (
        EX1,
        remove("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme"),
        {"BR-S-02"},
    ),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_mutations_match_official(name: str, xslt: Path, en_ids: set[str]) -> None:
    base, mutate, expected = MUTATIONS[name]
    root = etree.parse(str(shared_data(CIUS_RO_EXAMPLES, base))).getroot()
    mutated = copy.deepcopy(root)
    mutate(mutated)
    data = etree.tostring(mutated, xml_declaration=True, encoding="UTF-8")
    official = _official(data, xslt)
    ours = _ours(data, en_ids)
    assert expected <= official, f"the mutation does not trigger {expected - official} officially"
    assert ours == official
    # same XPath locations too (the official XSLT locates attribute findings by the attribute's value)
    official_at = {
        (f.rule, f.location)
        for f in run_official(data, xslt)
        if f.rule in en_ids and f.location.startswith("/")
    }
    ours_at = {
        (f.rule, f.location)
        for f in run_rules(Doc(etree.fromstring(data)), only=en_ids)
        if "/@" not in f.location
    }
    assert ours_at == official_at


def test_mutations_are_many() -> None:
    assert len(MUTATIONS) >= 15


# --------------------------------------------------------------------------------------------------
# SVRL parsing and locations (no data needed)
# --------------------------------------------------------------------------------------------------

SVRL = """<svrl:schematron-output xmlns:svrl="http://purl.oclc.org/dsdl/svrl">
  <svrl:fired-rule context="/"/>
  <svrl:failed-assert test="x" id="BR-CO-10" flag="fatal"
      location="/*:Invoice[namespace-uri()='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'][1]/*:LegalMonetaryTotal[namespace-uri()='urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2'][1]">
    <svrl:text>[BR-CO-10]-Sum of Invoice line net amount (BT-106) = sum of lines (BT-131).</svrl:text>
  </svrl:failed-assert>
  <svrl:successful-report test="y" id="UBL-CR-001" flag="warning" location="/">
    <svrl:text>[UBL-CR-001]-A UBL invoice should not include extensions</svrl:text>
  </svrl:successful-report>
</svrl:schematron-output>"""


def test_parse_svrl() -> None:
    findings = parse_svrl(SVRL)
    assert [(f.rule, f.severity) for f in findings] == [("BR-CO-10", "fatal"), ("UBL-CR-001", "warning")]
    assert findings[0].location == "/Invoice/cac:LegalMonetaryTotal[1]"
    assert findings[0].message.startswith("Sum of Invoice line net amount (BT-106)")


def test_convert_location_keeps_other_forms() -> None:
    assert convert_location("/") == "/"
    assert convert_location("") == ""
    cbc = NS["cbc"]
    assert (
        convert_location(
            f"/*:CreditNote[namespace-uri()='{NS['cn']}'][1]/*:Note[namespace-uri()='{cbc}'][2]/@x"
        )
        == "/CreditNote/cbc:Note[2]/@x"
    )


def test_find_official_xslt(tmp_path: Path) -> None:
    assert find_official_xslt(None) is None
    assert find_official_xslt(tmp_path / "missing") is None
    assert find_official_xslt(tmp_path) is None
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    (nested / "ROeFactura-UBL-validation-Invoice_v1.0.9.xslt").write_text("<x/>")
    assert find_official_xslt(tmp_path) == nested / "ROeFactura-UBL-validation-Invoice_v1.0.9.xslt"
    (tmp_path / "EN16931-CIUS_RO-UBL-validation.xslt").write_text("<x/>")
    assert find_official_xslt(tmp_path) == tmp_path / "EN16931-CIUS_RO-UBL-validation.xslt"


def test_official_locations_match_ours(xslt: Path, en_ids: set[str]) -> None:
    """Same rule, same XPath: validate() can de-duplicate the official findings against ours."""
    root = etree.parse(str(shared_data(CIUS_RO_EXAMPLES, EX1))).getroot()
    add(f"{LMT}/cbc:LineExtensionAmount", "1")(root)
    add(f"{SUB1}/cbc:TaxAmount", "5")(root)
    data = etree.tostring(root)
    official = {(f.rule, f.location) for f in run_official(data, xslt) if f.rule in en_ids}
    ours = {(f.rule, f.location) for f in run_rules(Doc(etree.fromstring(data)), only=en_ids)}
    assert official == ours
    assert ("BR-CO-10", "/Invoice/cac:LegalMonetaryTotal[1]") in ours


def test_ids_and_severities_are_the_official_ones(xslt: Path, en_ids: set[str]) -> None:
    """Every rule of ours exists in the official bundle with the same flag (fatal / warning)."""
    xsl, svrl = "http://www.w3.org/1999/XSL/Transform", "http://purl.oclc.org/dsdl/svrl"
    official: dict[str, str] = {}
    for node in etree.parse(str(xslt)).iter(f"{{{svrl}}}failed-assert", f"{{{svrl}}}successful-report"):
        attributes = {a.get("name"): (a.text or "").strip() for a in node.iter(f"{{{xsl}}}attribute")}
        official[attributes["id"]] = attributes["flag"]
    rules = all_rules()
    assert not en_ids - set(official), "ids that the official bundle does not have"
    assert {i: rules[i].severity for i in en_ids} == {i: official[i] for i in en_ids}


def test_run_official_from_threads(xslt: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    data = shared_data(CIUS_RO_EXAMPLES, EX0).read_bytes()

    def rules(_: int) -> list[str]:
        return sorted(f.rule for f in run_official(data, xslt))

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(rules, range(8)))
    assert all(r == results[0] for r in results)
