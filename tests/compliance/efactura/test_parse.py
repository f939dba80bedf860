"""Parsing received invoices: every official example (ANAF CIUS-RO and the 19 EN 16931 examples) parses,
re-generates XSD-valid UBL and keeps its values; CII; broken input gives a ParseError."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from genius.compliance.efactura.invoice import VatCategory
from genius.compliance.efactura.parse import ParseError, parse_invoice
from genius.compliance.efactura.ubl import to_ubl_xml
from genius.compliance.efactura.xsd import validate_xsd
from tests.compliance.conftest import SHARED_DATA, shared_data

EXAMPLE_DIRS = [("cius-ro", "examples-ubl"), ("en16931", "ubl", "examples")]
EXAMPLES = [
    "/".join((*parts, p.name))
    for parts in EXAMPLE_DIRS
    for p in sorted(SHARED_DATA.joinpath(*parts).glob("*"))
    if p.is_file() and p.suffix.lower() == ".xml"
] or ["/".join(parts) for parts in EXAMPLE_DIRS]  # absent: the tests skip via shared_data


def example(rel: str) -> Path:
    path = shared_data(*rel.split("/"))
    if path.is_dir():
        pytest.skip(f"no example invoices in {path}")
    return path


def test_all_official_examples_are_present() -> None:
    shared_data("en16931", "ubl", "examples")
    assert sum(rel.startswith("en16931/") for rel in EXAMPLES) == 19
    assert sum(rel.startswith("cius-ro/") for rel in EXAMPLES) >= 8


@pytest.mark.parametrize("rel", EXAMPLES)
def test_example_parses_regenerates_xsd_valid_and_round_trips(rel: str) -> None:
    path = example(rel)
    xsd_dir = shared_data("ubl21-xsd")
    src = etree.parse(str(path)).getroot()
    inv = parse_invoice(path)

    ns = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
    assert inv.number == src.findtext("cbc:ID", namespaces=ns).strip()
    assert inv.totals is not None and inv.vat_breakdown
    assert inv.is_credit_note == (etree.QName(src).localname == "CreditNote")
    line_tag = "CreditNoteLine" if inv.is_credit_note else "InvoiceLine"
    assert len(inv.lines) == len(src.findall(f"{{*}}{line_tag}"))

    xml = to_ubl_xml(inv)
    assert validate_xsd(xml, xsd_dir) == []
    back = parse_invoice(xml)
    # key values survive the round trip (in fact the whole model does)
    assert back.totals == inv.totals
    assert back.vat_breakdown == inv.vat_breakdown
    assert len(back.lines) == len(inv.lines)
    assert (back.seller.vat_id, back.seller.legal_id, back.buyer.vat_id, back.buyer.legal_id) == (
        inv.seller.vat_id,
        inv.seller.legal_id,
        inv.buyer.vat_id,
        inv.buyer.legal_id,
    )
    assert back == inv


def test_anaf_b2g_example_values() -> None:
    inv = parse_invoice(example("cius-ro/examples-ubl/ubl_b2g_example0.xml"))
    assert inv.number == "TOSL108" and inv.issue_date == date(2021, 11, 12)
    assert inv.seller.vat_id == "RO1111111111118"
    assert inv.buyer.address.city == "SECTOR1" and inv.buyer.address.county == "RO-B"
    assert inv.tax_representative is not None and inv.tax_representative.vat_id == "RO1111"
    assert inv.totals is not None
    assert (inv.totals.payable, inv.totals.prepaid, inv.totals.rounding) == (
        Decimal("659.89"),
        Decimal("1000"),
        Decimal("0.30"),
    )
    assert [b.category for b in inv.vat_breakdown or []] == [VatCategory.STANDARD] * 2 + [VatCategory.EXEMPT]
    assert inv.payment_means[0].card is not None and inv.payment_means[0].card.holder == "Peter Petersen"
    assert inv.lines[0].price.discount == Decimal("225") and inv.lines[0].price.gross_amount == Decimal(
        "1500"
    )


def test_credit_note_in_sek_with_ron_vat_total() -> None:
    inv = parse_invoice(example("cius-ro/examples-ubl/creditNote_ex.xml"))
    assert inv.is_credit_note and inv.type_code == "381"
    assert (inv.currency, inv.tax_currency, inv.vat_total_in_tax_currency) == ("SEK", "RON", Decimal("249"))
    assert inv.totals is not None and inv.totals.vat_total == Decimal("100")


CII = """<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
    xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
    xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
    xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter>
      <ram:ID>urn:cen.eu:en16931:2017#compliant#urn:efactura.mfinante.ro:CIUS-RO:1.0.1</ram:ID>
    </ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>CII-2025-9</ram:ID>
    <ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">20250310</udt:DateTimeString></ram:IssueDateTime>
    <ram:IncludedNote><ram:Content>Livrare conform comenzii</ram:Content></ram:IncludedNote>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument><ram:LineID>1</ram:LineID></ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct>
        <ram:SellerAssignedID>P-100</ram:SellerAssignedID>
        <ram:Name>Hârtie A4</ram:Name>
      </ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement>
        <ram:NetPriceProductTradePrice><ram:ChargeAmount>25.00</ram:ChargeAmount></ram:NetPriceProductTradePrice>
      </ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery>
        <ram:BilledQuantity unitCode="H87">4</ram:BilledQuantity>
      </ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement>
        <ram:ApplicableTradeTax>
          <ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode>
          <ram:RateApplicablePercent>21</ram:RateApplicablePercent>
        </ram:ApplicableTradeTax>
        <ram:SpecifiedTradeSettlementLineMonetarySummation>
          <ram:LineTotalAmount>100.00</ram:LineTotalAmount>
        </ram:SpecifiedTradeSettlementLineMonetarySummation>
      </ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>
    <ram:ApplicableHeaderTradeAgreement>
      <ram:BuyerReference>REF-1</ram:BuyerReference>
      <ram:SellerTradeParty>
        <ram:Name>Papetăria Nord SRL</ram:Name>
        <ram:SpecifiedLegalOrganization><ram:ID>J05/12/2015</ram:ID></ram:SpecifiedLegalOrganization>
        <ram:PostalTradeAddress>
          <ram:PostcodeCode>410001</ram:PostcodeCode><ram:LineOne>Str. Republicii 1</ram:LineOne>
          <ram:CityName>Oradea</ram:CityName><ram:CountryID>RO</ram:CountryID>
          <ram:CountrySubDivisionName>RO-BH</ram:CountrySubDivisionName>
        </ram:PostalTradeAddress>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">RO18547290</ram:ID></ram:SpecifiedTaxRegistration>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty>
        <ram:Name>Client Exemplu SA</ram:Name>
        <ram:PostalTradeAddress>
          <ram:LineOne>Bd. Unirii 10</ram:LineOne><ram:CityName>SECTOR3</ram:CityName>
          <ram:CountryID>RO</ram:CountryID><ram:CountrySubDivisionName>RO-B</ram:CountrySubDivisionName>
        </ram:PostalTradeAddress>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">RO14399840</ram:ID></ram:SpecifiedTaxRegistration>
      </ram:BuyerTradeParty>
      <ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>PO-9</ram:IssuerAssignedID></ram:BuyerOrderReferencedDocument>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:PaymentReference>CII-2025-9</ram:PaymentReference>
      <ram:InvoiceCurrencyCode>RON</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradeSettlementPaymentMeans>
        <ram:TypeCode>30</ram:TypeCode>
        <ram:PayeePartyCreditorFinancialAccount><ram:IBANID>RO49AAAA1B31007593840000</ram:IBANID></ram:PayeePartyCreditorFinancialAccount>
      </ram:SpecifiedTradeSettlementPaymentMeans>
      <ram:ApplicableTradeTax>
        <ram:CalculatedAmount>21.00</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode>
        <ram:BasisAmount>100.00</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode>
        <ram:RateApplicablePercent>21</ram:RateApplicablePercent>
      </ram:ApplicableTradeTax>
      <ram:SpecifiedTradePaymentTerms>
        <ram:DueDateDateTime>
          <udt:DateTimeString format="102">20250409</udt:DateTimeString>
        </ram:DueDateDateTime>
      </ram:SpecifiedTradePaymentTerms>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:LineTotalAmount>100.00</ram:LineTotalAmount>
        <ram:TaxBasisTotalAmount>100.00</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="RON">21.00</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>121.00</ram:GrandTotalAmount>
        <ram:DuePayableAmount>121.00</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
""".encode()


def test_cii_invoice_parses_into_the_model() -> None:
    inv = parse_invoice(CII)
    assert (inv.number, inv.type_code, inv.issue_date, inv.due_date) == (
        "CII-2025-9",
        "380",
        date(2025, 3, 10),
        date(2025, 4, 9),
    )
    assert inv.seller.name == "Papetăria Nord SRL" and inv.seller.vat_id == "RO18547290"
    assert inv.seller.legal_id is not None and inv.seller.legal_id.value == "J05/12/2015"
    assert inv.seller.address.county == "RO-BH"
    assert inv.buyer.address.city == "SECTOR3"
    assert inv.order_reference == "PO-9" and inv.buyer_reference == "REF-1"
    assert inv.notes == ["Livrare conform comenzii"]
    [ln] = inv.lines
    assert (ln.quantity, ln.unit_code, ln.price.amount, ln.net_amount) == (
        Decimal("4"),
        "H87",
        Decimal("25.00"),
        Decimal("100.00"),
    )
    assert (ln.item.name, ln.item.seller_id, ln.item.vat_rate) == ("Hârtie A4", "P-100", Decimal("21"))
    assert (
        inv.totals is not None
        and inv.totals.payable == Decimal("121.00")
        and inv.totals.vat_total == Decimal("21.00")
    )
    assert inv.payment_means[0].accounts[0].iban == "RO49AAAA1B31007593840000"
    assert inv.compute_totals() == inv.totals


def test_cii_converts_to_xsd_valid_ubl() -> None:
    xml = to_ubl_xml(parse_invoice(CII))
    assert validate_xsd(xml, shared_data("ubl21-xsd")) == []
    assert parse_invoice(xml).totals == parse_invoice(CII).totals


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"not xml at all", "not well-formed XML"),
        (b"<Invoice><cbc:ID>1</Invoice>", "not well-formed XML"),
        (b"<Order xmlns='urn:oasis:names:specification:ubl:schema:xsd:Order-2'/>", "not an invoice"),
        (b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'/>", "issue date"),
        (
            b"<rsm:CrossIndustryInvoice"
            b" xmlns:rsm='urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100'/>",
            "rsm:ExchangedDocument",
        ),
        (b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', "not an invoice"),
    ],
)
def test_broken_input_raises_parse_error(data: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_invoice(data)


def test_bad_values_name_the_field_and_line() -> None:
    path = example("cius-ro/examples-ubl/ubl_b2g_example0.xml")
    xml = path.read_bytes()
    with pytest.raises(ParseError, match=r"line \d+: issue date \(BT-2\) must be a date"):
        parse_invoice(
            xml.replace(
                b"<cbc:IssueDate>2021-11-12</cbc:IssueDate>", b"<cbc:IssueDate>12.11.2021</cbc:IssueDate>"
            )
        )
    with pytest.raises(ParseError, match=r"amount due \(BT-115\) must be a number"):
        parse_invoice(xml.replace(b">659.89<", b">659,89<"))
    with pytest.raises(ParseError, match="unknown VAT category code 'XX'"):
        parse_invoice(xml.replace(b"<cbc:ID>E</cbc:ID>", b"<cbc:ID>XX</cbc:ID>"))
    with pytest.raises(ParseError, match="cannot read"):
        parse_invoice(path.with_name("does-not-exist.xml"))
