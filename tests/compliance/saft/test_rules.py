"""Our D406 validator: the official sample passes; each rule fires on a targeted mutation."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from lxml import etree

from genius.compliance.saft.audit_file import NS_D406, NS_D406T
from genius.compliance.saft.build import from_ledger, from_xml, to_xml
from genius.compliance.saft.rules import validate
from tests.compliance.conftest import shared_data
from tests.compliance.saft import samples


def official() -> bytes:
    return shared_data("saft", "d406t-minimal.xml").read_bytes()


def test_official_sample_has_no_fatal_finding() -> None:
    findings = validate(official())
    assert [f for f in findings if f.severity == "fatal"] == []
    # ANAF's sample keeps the partners' accounts (4111, 401) outside its one-account chart: a warning only
    assert {(f.rule, f.location) for f in findings} == {
        ("SAFT-REF-ACCOUNT", "/AuditFile/MasterFiles/Customers/Customer"),
        ("SAFT-REF-ACCOUNT", "/AuditFile/MasterFiles/Suppliers/Supplier"),
    }


def test_official_sample_parses_and_round_trips_in_both_namespaces() -> None:
    audit = from_xml(official())
    assert audit.header.company.registration_number == "RO88888808"
    assert audit.header.header_comment == "L"
    (txn,) = audit.general_ledger_entries.journals[0].transactions  # type: ignore[union-attr]
    assert [line.record_id for line in txn.lines] == ["1", "2"]
    for namespace in (NS_D406T, NS_D406):
        again = to_xml(audit, namespace)
        assert from_xml(again) == audit
        assert not [f for f in validate(again) if f.severity == "fatal"]


def test_built_reports_have_no_finding() -> None:
    for ledger, kind in (
        (samples.month(), "L"),
        (samples.assets_year(), "A"),
        (samples.stock_request(), "C"),
    ):
        assert validate(to_xml(from_ledger(ledger, kind))) == []


def test_broken_input_gives_findings_not_exceptions() -> None:
    assert [f.rule for f in validate(b"")] == ["SAFT-XML"]
    assert [f.rule for f in validate(official()[:500])] == ["SAFT-XML"]
    assert [f.rule for f in validate(b"<AuditFile/>")] == ["SAFT-ROOT"]
    other = official().replace(b"d406t:declaratie", b"d394:declaratie")
    assert [f.rule for f in validate(other)] == ["SAFT-ROOT"]
    assert [f.rule for f in validate(b"<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>")] == ["SAFT-ROOT"]
    fragment = b'<Header xmlns="mfp:anaf:dgti:d406:declaratie:v1"><HeaderComment>L</HeaderComment></Header>'
    assert [f.rule for f in validate(fragment)] == ["SAFT-ROOT"]
    bare = b'<AuditFile xmlns="mfp:anaf:dgti:d406:declaratie:v1"/>'
    assert {f.rule for f in validate(bare)} == {"SAFT-STRUCT-001"}


Mutation = Callable[[etree._Element, Callable[[str], list[etree._Element]]], None]


def _set(xpath: str, value: str, nth: int = 0) -> Mutation:
    def apply(root: etree._Element, find: Callable[[str], list[etree._Element]]) -> None:
        find(xpath)[nth].text = value

    return apply


def _remove(xpath: str) -> Mutation:
    def apply(root: etree._Element, find: Callable[[str], list[etree._Element]]) -> None:
        el = find(xpath)[0]
        el.getparent().remove(el)

    return apply


def _copy_into(source: str, target: str) -> Mutation:
    """Append a copy of ``source`` (first match) into ``target``."""

    def apply(root: etree._Element, find: Callable[[str], list[etree._Element]]) -> None:
        from copy import deepcopy

        find(target)[0].append(deepcopy(find(source)[0]))

    return apply


def _append(target: str, snippet: str) -> Mutation:
    """Append ``snippet`` (written without a namespace) into ``target``, in the document's namespace."""

    def apply(root: etree._Element, find: Callable[[str], list[etree._Element]]) -> None:
        ns = etree.QName(root).namespace
        find(target)[0].append(etree.fromstring(snippet.replace(">", f' xmlns="{ns}">', 1)))

    return apply


def _mutate(xml: bytes, mutation: Mutation) -> bytes:
    root = etree.fromstring(xml)
    ns = etree.QName(root).namespace

    def find(xpath: str) -> list[etree._Element]:
        found = root.xpath(xpath, namespaces={"s": ns})
        assert found, xpath
        return list(found)

    mutation(root, find)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def month_xml() -> bytes:
    return to_xml(from_ledger(samples.month(), "L"))


def assets_xml() -> bytes:
    return to_xml(from_ledger(samples.assets_year(), "A"))


def stock_xml() -> bytes:
    return to_xml(from_ledger(samples.stock_request(), "C"))


F1_DEBIT = "//s:Transaction[s:TransactionID='F1']/s:TransactionLine[1]/s:DebitAmount/s:Amount"
CASES: list[tuple[str, str, Callable[[], bytes], Mutation]] = [
    ("SAFT-ARI-001", "fatal", month_xml, _set(F1_DEBIT, "1191.00")),
    ("SAFT-ARI-002", "fatal", month_xml, _set("/s:AuditFile/s:GeneralLedgerEntries/s:NumberOfEntries", "4")),
    ("SAFT-ARI-003", "fatal", month_xml, _set("/s:AuditFile/s:GeneralLedgerEntries/s:TotalDebit", "1.00")),
    ("SAFT-ARI-004", "fatal", month_xml, _set("/s:AuditFile/s:GeneralLedgerEntries/s:TotalCredit", "1.00")),
    (
        "SAFT-ARI-005",
        "fatal",
        month_xml,
        _set("//s:Account[s:AccountID='5311']/s:ClosingDebitBalance", "9.00"),
    ),
    ("SAFT-ARI-006", "warning", official, _set("//s:DebitAmount/s:CurrencyAmount", "5.00")),
    ("SAFT-ARI-010", "fatal", month_xml, _set("//s:SalesInvoices/s:NumberOfEntries", "2")),
    ("SAFT-ARI-011", "fatal", month_xml, _set("//s:PurchaseInvoices/s:TotalDebit", "5.00")),
    ("SAFT-ARI-012", "fatal", month_xml, _set("//s:SalesInvoices//s:NetTotal", "999.00")),
    ("SAFT-ARI-013", "fatal", month_xml, _set("//s:PurchaseInvoices//s:GrossTotal", "100.00")),
    ("SAFT-ARI-014", "fatal", month_xml, _set("//s:Payment/s:DocumentTotals/s:NetTotal", "1.00")),
    ("SAFT-ARI-020", "fatal", stock_xml, _set("//s:NumberOfMovementLines", "3")),
    ("SAFT-ARI-021", "warning", stock_xml, _set("//s:TotalQuantityIssued", "49")),
    ("SAFT-ARI-022", "fatal", assets_xml, _set("//s:NumberOfAssetTransactions", "0")),
    ("SAFT-ARI-030", "warning", assets_xml, _set("//s:Valuation/s:BookValueEnd", "1.00")),
    ("SAFT-STRUCT-001", "fatal", month_xml, _remove("/s:AuditFile/s:Header/s:SoftwareID")),
    ("SAFT-STRUCT-001", "fatal", month_xml, _remove("//s:Transaction[1]/s:GLPostingDate")),
    ("SAFT-STRUCT-002", "fatal", official, _remove("/s:AuditFile/s:GeneralLedgerEntries")),
    (
        "SAFT-STRUCT-003",
        "fatal",
        official,
        _copy_into("//s:TransactionLine[2]/s:CreditAmount", "//s:TransactionLine[1]"),
    ),
    ("SAFT-STRUCT-003", "fatal", official, _remove("//s:TransactionLine[2]/s:CreditAmount")),
    ("SAFT-KIND-001", "fatal", official, _set("//s:HeaderComment", "X")),
    (
        "SAFT-KIND-002",
        "fatal",
        official,
        _append("/s:AuditFile/s:MasterFiles/s:Assets", "<Asset><AssetID>1</AssetID></Asset>"),
    ),
    ("SAFT-KIND-002", "fatal", official, _append("//s:MovementOfGoods", "<StockMovement></StockMovement>")),
    ("SAFT-FMT-DATE", "fatal", month_xml, _set("//s:TransactionDate", "2026-02-30")),
    ("SAFT-FMT-DATE", "fatal", official, _set("//s:AuditFileDateCreated", "17.07.2026")),
    ("SAFT-FMT-AMOUNT", "fatal", official, _set("//s:TotalDebit", "0,00")),
    ("SAFT-FMT-INT", "fatal", official, _set("//s:NumberOfEntries", "one")),
    (
        "SAFT-CUI",
        "fatal",
        official,
        _set("/s:AuditFile/s:Header/s:Company/s:RegistrationNumber", "RO88888809"),
    ),
    (
        "SAFT-CUI-PARTNER",
        "warning",
        month_xml,
        _set("//s:Customer/s:CompanyStructure/s:RegistrationNumber", "14399841"),
    ),
    ("SAFT-CUR", "fatal", official, _set("//s:DefaultCurrencyCode", "LEI")),
    ("SAFT-CUR", "fatal", official, _set("//s:CurrencyCode", "ROL")),
    ("SAFT-COUNTRY", "fatal", official, _set("//s:Country", "ZZ")),
    ("SAFT-PERIOD-001", "fatal", official, _set("//s:PeriodStart", "13")),
    ("SAFT-PERIOD-002", "warning", official, _set("//s:PeriodEnd", "8")),
    ("SAFT-PERIOD-003", "warning", official, _set("//s:Transaction/s:Period", "7")),
    ("SAFT-SEG", "fatal", official, _set("//s:SegmentIndex", "2")),
    ("SAFT-REF-ACCOUNT", "fatal", official, _set("//s:TransactionLine[1]/s:AccountID", "9999")),
    ("SAFT-REF-PARTY", "fatal", official, _set("//s:Transaction/s:CustomerID", "0011111111")),
    ("SAFT-REF-PARTY", "fatal", month_xml, _set("//s:Invoice/s:SupplierInfo/s:SupplierID", "S9")),
    ("SAFT-REF-TAX", "warning", official, _set("//s:TransactionLine[1]//s:TaxCode", "999999")),
    ("SAFT-REF-PRODUCT", "warning", month_xml, _set("//s:Invoice/s:Line/s:ProductCode", "NOPE")),
]


@pytest.mark.parametrize(("rule", "severity", "source", "mutation"), CASES, ids=[c[0] for c in CASES])
def test_rule_fires_on_its_mutation(
    rule: str, severity: str, source: Callable[[], bytes], mutation: Mutation
) -> None:
    original = source()
    assert not [f for f in validate(original) if f.severity == "fatal"]
    mutated = _mutate(original, mutation)
    before = set(validate(original))
    found = [f for f in validate(mutated) if f.rule == rule and f not in before]
    assert found, [str(f) for f in validate(mutated)]
    assert {f.severity for f in found} == {severity}


def test_locations_and_messages_name_the_offender() -> None:
    mutated = _mutate(month_xml(), _set(F1_DEBIT, "1191.00"))
    (unbalanced,) = [f for f in validate(mutated) if f.rule == "SAFT-ARI-001"]
    assert unbalanced.location == "/AuditFile/GeneralLedgerEntries/Journal[1]/Transaction"
    assert "'F1'" in unbalanced.message and "1191.00" in unbalanced.message
    mutated = _mutate(
        month_xml(), _set("//s:Transaction[s:TransactionID='P1']/s:TransactionLine[2]/s:AccountID", "9")
    )
    (ref,) = [f for f in validate(mutated) if f.rule == "SAFT-REF-ACCOUNT" and f.severity == "fatal"]
    assert ref.location == "/AuditFile/GeneralLedgerEntries/Journal[3]/Transaction/TransactionLine[2]"
