"""UBL 2.1 generation from invoices built in code, checked against the official UBL 2.1 XSD."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from genius.compliance.efactura.invoice import CIUS_RO_CUSTOMIZATION_ID, Invoice
from genius.compliance.efactura.parse import parse_invoice
from genius.compliance.efactura.ubl import to_ubl_xml
from genius.compliance.efactura.xsd import XsdUnavailable, find_schema_files, validate_xsd
from tests.compliance.conftest import shared_data
from tests.compliance.efactura.test_model import credit_note, eur_invoice, ro_b2b_invoice

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


@pytest.fixture(scope="module")
def xsd_dir() -> Path:
    return shared_data("ubl21-xsd")


def generate(inv: Invoice, xsd_dir: Path) -> etree._Element:
    xml = to_ubl_xml(inv)
    assert validate_xsd(xml, xsd_dir) == []
    return etree.fromstring(xml)


def text(root: etree._Element, path: str) -> str:
    values = root.xpath(path, namespaces=NS)
    assert values, path
    return str(values[0])


def test_ro_b2b_invoice_is_xsd_valid_with_computed_totals(xsd_dir: Path) -> None:
    root = generate(ro_b2b_invoice(), xsd_dir)
    assert etree.QName(root).localname == "Invoice"
    assert text(root, "cbc:CustomizationID/text()") == CIUS_RO_CUSTOMIZATION_ID
    assert text(root, "cbc:InvoiceTypeCode/text()") == "380"
    assert text(root, "cac:AccountingCustomerParty//cbc:CityName/text()") == "SECTOR3"
    assert text(root, "cac:AccountingCustomerParty//cbc:CountrySubentity/text()") == "RO-B"
    assert text(root, "cac:AccountingSupplierParty//cbc:CountrySubentity/text()") == "RO-CJ"
    assert text(root, "cac:AccountingSupplierParty//cac:PartyTaxScheme/cbc:CompanyID/text()") == "RO18547290"
    assert text(root, "cac:TaxTotal/cbc:TaxAmount/text()") == "308.39"
    assert len(root.xpath("cac:TaxTotal/cac:TaxSubtotal", namespaces=NS)) == 2
    assert text(root, "cac:LegalMonetaryTotal/cbc:AllowanceTotalAmount/text()") == "100.00"
    assert text(root, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount/text()") == "1530.85"
    assert text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount/text()") == "1839.24"
    assert text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount/@currencyID") == "RON"
    assert [str(x) for x in root.xpath("cac:InvoiceLine/cbc:LineExtensionAmount/text()", namespaces=NS)] == [
        "1500.00",
        "99.99",
        "30.86",
    ]
    assert (
        text(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID/text()") == "RO49AAAA1B31007593840000"
    )


def test_eur_invoice_states_the_vat_total_in_ron(xsd_dir: Path) -> None:
    root = generate(eur_invoice(), xsd_dir)
    assert text(root, "cbc:DocumentCurrencyCode/text()") == "EUR"
    assert text(root, "cbc:TaxCurrencyCode/text()") == "RON"
    assert text(root, "cac:TaxTotal/cbc:TaxAmount[@currencyID='EUR']/text()") == "210.00"
    assert text(root, "cac:TaxTotal/cbc:TaxAmount[@currencyID='RON']/text()") == "1044.75"
    assert (
        len(root.xpath("cac:TaxTotal[cbc:TaxAmount/@currencyID='RON']/cac:TaxSubtotal", namespaces=NS)) == 0
    )
    back = parse_invoice(etree.tostring(root))
    assert back.vat_total_in_tax_currency == Decimal("1044.75")
    assert back.totals is not None and back.totals.vat_total == Decimal("210.00")


def test_credit_note_is_a_ubl_credit_note(xsd_dir: Path) -> None:
    root = generate(credit_note(), xsd_dir)
    assert etree.QName(root).localname == "CreditNote"
    assert text(root, "cbc:CreditNoteTypeCode/text()") == "381"
    assert text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID/text()") == "GEN-2025-0042"
    assert text(root, "cac:CreditNoteLine/cbc:CreditedQuantity/text()") == "2"
    assert text(root, "cac:PaymentMeans/cbc:PaymentDueDate/text()") == "2025-10-30"
    assert text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount/text()") == "363.00"
    back = parse_invoice(etree.tostring(root))
    assert back.is_credit_note and back.due_date == credit_note().due_date
    assert back.preceding_invoices == credit_note().preceding_invoices


def test_code_built_invoices_round_trip_through_the_parser(xsd_dir: Path) -> None:
    for inv in (ro_b2b_invoice(), eur_invoice(), credit_note()):
        computed = inv.with_computed()
        back = parse_invoice(to_ubl_xml(inv))
        assert back.totals == computed.totals
        assert back.vat_breakdown == computed.vat_breakdown
        assert back.seller == computed.seller and back.buyer == computed.buyer
        assert back.lines == computed.lines


@pytest.mark.parametrize("build", [ro_b2b_invoice, eur_invoice, credit_note], ids=["b2b", "eur", "credit"])
def test_code_built_invoices_pass_the_official_cius_ro_rules(build: Callable[[], Invoice]) -> None:
    """The generated XML passes ANAF's compiled schematron (EN 16931 + CIUS-RO 1.0.9), run with saxonche."""
    saxonche = pytest.importorskip("saxonche")
    xslt = shared_data("cius-ro", "xslt-1.0.9", "EN16931-CIUS_RO-UBL-validation.xslt")
    with saxonche.PySaxonProcessor(license=False) as proc:
        stylesheet = proc.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(xslt))
        doc = proc.parse_xml(xml_text=to_ubl_xml(build()).decode())
        report = etree.fromstring(stylesheet.transform_to_string(xdm_node=doc).encode())
    failed = [
        (f.get("id"), " ".join("".join(f.itertext()).split()))
        for f in report.iter("{http://purl.oclc.org/dsdl/svrl}failed-assert")
    ]
    assert failed == []


def test_xsd_errors_carry_the_line_and_the_path(xsd_dir: Path) -> None:
    xml = to_ubl_xml(ro_b2b_invoice()).replace(b"<cbc:IssueDate>", b"<cbc:Foo>x</cbc:Foo><cbc:IssueDate>")
    errors = validate_xsd(xml, xsd_dir)
    assert errors
    assert "Foo" in errors[0].message
    assert errors[0].line > 1
    assert errors[0].path.startswith("/")
    # order matters: a swapped pair of elements is an XSD error
    swapped = to_ubl_xml(ro_b2b_invoice()).replace(b"<cbc:DueDate>2025-10-15</cbc:DueDate>\n", b"")
    swapped = swapped.replace(
        b"<cbc:DocumentCurrencyCode>", b"<cbc:DueDate>2025-10-15</cbc:DueDate><cbc:DocumentCurrencyCode>"
    )
    assert validate_xsd(swapped, xsd_dir)


def test_broken_and_foreign_documents_give_one_error(xsd_dir: Path) -> None:
    [err] = validate_xsd(b"<Invoice><unclosed></Invoice>", xsd_dir)
    assert "well-formed" in err.message and err.line == 1
    [err] = validate_xsd(b"<Order xmlns='urn:x'/>", xsd_dir)
    assert "not a UBL 2.1 Invoice or CreditNote" in err.message


def test_missing_schemas_are_reported_not_crashed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(XsdUnavailable, match=r"no UBL 2\.1 XSD"):
        validate_xsd(to_ubl_xml(ro_b2b_invoice()), tmp_path)
    monkeypatch.delenv("GENIUS_EFACTURA_XSD_DIR", raising=False)
    monkeypatch.setattr("genius.compliance.efactura.xsd.default_xsd_dir", lambda: None)
    with pytest.raises(XsdUnavailable, match="GENIUS_EFACTURA_XSD_DIR"):
        validate_xsd(to_ubl_xml(ro_b2b_invoice()))


def test_schema_folder_is_found_below_a_parent(xsd_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert set(find_schema_files(xsd_dir.parent)) == {"Invoice", "CreditNote"}
    monkeypatch.setenv("GENIUS_EFACTURA_XSD_DIR", str(xsd_dir))
    assert validate_xsd(to_ubl_xml(credit_note())) == []
