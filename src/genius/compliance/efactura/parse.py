"""Read received invoices into the :mod:`.model`: UBL 2.1 ``Invoice``/``CreditNote`` and UN/CEFACT CII.

:func:`parse_invoice` takes bytes, text or a path and detects the syntax from the root element. Any
problem (not XML, not an invoice, a missing issue date, an amount that is not a number, an unknown VAT
category…) raises :class:`ParseError` with a message that says what and where (line number); it never
crashes with another exception. Totals and the VAT breakdown are read *as stated* in the document.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TypeAlias, TypeVar

from lxml import etree
from pydantic import ValidationError

from genius.compliance.efactura.invoice import (
    Address,
    AllowanceCharge,
    Attachment,
    CardAccount,
    Classification,
    Contact,
    Delivery,
    DirectDebit,
    DocumentReference,
    Identifier,
    Invoice,
    Item,
    ItemAttribute,
    LineAllowanceCharge,
    LineItem,
    Party,
    Payee,
    PayeeAccount,
    PaymentMeans,
    Period,
    Price,
    TaxRepresentative,
    Totals,
    VatBreakdown,
    VatCategory,
)

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_CII = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
UBL_NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
CII_NS = {
    "rsm": NS_CII,
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}

T = TypeVar("T")
_El: TypeAlias = etree._Element


class ParseError(ValueError):
    """The document cannot be read as an invoice; ``line`` is the 1-based line when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        no_network=True, resolve_entities=False, load_dtd=False, huge_tree=False, remove_blank_text=False
    )


def parse_xml(data: bytes | str | Path) -> _El:
    """The root element of an XML document (bytes, text or a file path); ParseError when not XML."""
    if isinstance(data, Path):
        path = data
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ParseError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data.strip():
        raise ParseError("the file is empty")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"not well-formed XML: {exc.msg}", exc.lineno) from exc
    if root is None:
        raise ParseError("no XML document element")
    return root


def parse_invoice(data: bytes | str | Path | _El) -> Invoice:
    """A UBL Invoice/CreditNote or a CII CrossIndustryInvoice → :class:`Invoice`."""
    root = data if isinstance(data, etree._Element) else parse_xml(data)
    qname = etree.QName(root)
    try:
        if qname.namespace in (NS_INVOICE, NS_CREDIT_NOTE) and qname.localname in ("Invoice", "CreditNote"):
            return _Ubl(root).invoice()
        if qname.namespace == NS_CII and qname.localname == "CrossIndustryInvoice":
            return _Cii(root).invoice()
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ParseError(f"invalid value for {where}: {err['msg']}") from exc
    raise ParseError(
        f"not an invoice: the root element is {{{qname.namespace or ''}}}{qname.localname}, expected a UBL "
        "Invoice/CreditNote or a CII CrossIndustryInvoice",
        root.sourceline,
    )


class _Reader:
    ns: dict[str, str]

    def all(self, el: _El | None, path: str) -> list[_El]:
        if el is None:
            return []
        return [e for e in el.xpath(path, namespaces=self.ns) if isinstance(e, etree._Element)]

    def one(self, el: _El | None, path: str) -> _El | None:
        if el is None:
            return None
        found = self.all(el, path)
        return found[0] if found else None

    def text(self, el: _El | None, path: str) -> str | None:
        node = self.one(el, path)
        if node is None or node.text is None:
            return None
        text = node.text.strip()
        return text or None

    def attr(self, el: _El | None, path: str, name: str) -> str | None:
        node = self.one(el, path)
        if node is None:
            return None
        value = node.get(name)
        return value.strip() if value and value.strip() else None

    def _convert(self, el: _El | None, path: str, what: str, conv: Callable[[str], T]) -> T | None:
        node = self.one(el, path)
        if node is None or node.text is None or not node.text.strip():
            return None
        try:
            return conv(node.text.strip())
        except (ValueError, InvalidOperation) as exc:
            raise ParseError(f"{what}: {node.text.strip()!r} is not valid", node.sourceline) from exc

    def dec(self, el: _El | None, path: str, what: str) -> Decimal | None:
        def conv(text: str) -> Decimal:
            value = Decimal(text)
            if not value.is_finite():
                raise ValueError(text)
            return value

        return self._convert(el, path, f"{what} must be a number", conv)

    def req_dec(self, el: _El, path: str, what: str) -> Decimal:
        value = self.dec(el, path, what)
        if value is None:
            raise ParseError(f"{what} is missing", el.sourceline)
        return value

    def category(self, el: _El | None, path: str, line: int | None) -> VatCategory:
        code = self.text(el, path)
        if code is None:
            return VatCategory.STANDARD
        try:
            return VatCategory(code)
        except ValueError:
            raise ParseError(f"unknown VAT category code {code!r}", line) from None


# --------------------------------------------------------------------------------------------------
# UBL 2.1
# --------------------------------------------------------------------------------------------------


class _Ubl(_Reader):
    ns = UBL_NS

    def __init__(self, root: _El) -> None:
        self.root = root
        self.cn = etree.QName(root).localname == "CreditNote"

    def date(self, el: _El | None, path: str, what: str) -> date | None:
        return self._convert(el, path, f"{what} must be a date YYYY-MM-DD", date.fromisoformat)

    def ident(self, el: _El | None, path: str) -> Identifier | None:
        node = self.one(el, path)
        if node is None or not (node.text or "").strip():
            return None
        return Identifier(value=(node.text or "").strip(), scheme=node.get("schemeID") or None)

    def address(self, el: _El | None) -> Address | None:
        if el is None:
            return None
        return Address(
            street=self.text(el, "cbc:StreetName"),
            additional_street=self.text(el, "cbc:AdditionalStreetName"),
            line3=self.text(el, "cac:AddressLine/cbc:Line"),
            city=self.text(el, "cbc:CityName"),
            postal_code=self.text(el, "cbc:PostalZone"),
            county=self.text(el, "cbc:CountrySubentity"),
            country=self.text(el, "cac:Country/cbc:IdentificationCode") or "",
        )

    def period(self, el: _El | None) -> Period | None:
        if el is None:
            return None
        return Period(
            start=self.date(el, "cbc:StartDate", "period start"),
            end=self.date(el, "cbc:EndDate", "period end"),
            description_code=self.text(el, "cbc:DescriptionCode"),
        )

    def party(self, el: _El | None) -> Party:
        if el is None:
            return Party(name="")
        vat_id = tax_id = None
        for pts in self.all(el, "cac:PartyTaxScheme"):
            company = self.text(pts, "cbc:CompanyID")
            scheme = self.text(pts, "cac:TaxScheme/cbc:ID")
            if scheme in (None, "VAT") and vat_id is None:
                vat_id = company
            elif tax_id is None:
                tax_id = company
        contact_el = self.one(el, "cac:Contact")
        contact = None
        if contact_el is not None:
            contact = Contact(
                name=self.text(contact_el, "cbc:Name"),
                phone=self.text(contact_el, "cbc:Telephone"),
                email=self.text(contact_el, "cbc:ElectronicMail"),
            )
        trading = self.text(el, "cac:PartyName/cbc:Name")
        return Party(
            name=self.text(el, "cac:PartyLegalEntity/cbc:RegistrationName") or trading or "",
            trading_name=trading,
            identifiers=[
                ident
                for node in self.all(el, "cac:PartyIdentification")
                if (ident := self.ident(node, "cbc:ID")) is not None
            ],
            vat_id=vat_id,
            tax_registration_id=tax_id,
            legal_id=self.ident(el, "cac:PartyLegalEntity/cbc:CompanyID"),
            legal_form=self.text(el, "cac:PartyLegalEntity/cbc:CompanyLegalForm"),
            electronic_address=self.ident(el, "cbc:EndpointID"),
            address=self.address(self.one(el, "cac:PostalAddress")) or Address(country=""),
            contact=contact,
        )

    def allowance_charge(self, el: _El) -> AllowanceCharge:
        return AllowanceCharge(
            is_charge=self.text(el, "cbc:ChargeIndicator") == "true",
            amount=self.req_dec(el, "cbc:Amount", "allowance/charge amount (BT-92/BT-99)"),
            base_amount=self.dec(el, "cbc:BaseAmount", "allowance/charge base amount"),
            percent=self.dec(el, "cbc:MultiplierFactorNumeric", "allowance/charge percentage"),
            vat_category=self.category(el, "cac:TaxCategory/cbc:ID", el.sourceline),
            vat_rate=self.dec(el, "cac:TaxCategory/cbc:Percent", "allowance/charge VAT rate"),
            reason=self.text(el, "cbc:AllowanceChargeReason"),
            reason_code=self.text(el, "cbc:AllowanceChargeReasonCode"),
        )

    def payment_means(self, el: _El) -> PaymentMeans:
        accounts = [
            PayeeAccount(
                iban=self.text(fa, "cbc:ID") or "",
                name=self.text(fa, "cbc:Name"),
                bic=self.text(fa, "cac:FinancialInstitutionBranch/cbc:ID"),
            )
            for fa in self.all(el, "cac:PayeeFinancialAccount")
        ]
        card_el = self.one(el, "cac:CardAccount")
        card = None
        if card_el is not None:
            card = CardAccount(
                pan=self.text(card_el, "cbc:PrimaryAccountNumberID") or "",
                network=self.text(card_el, "cbc:NetworkID") or "NA",
                holder=self.text(card_el, "cbc:HolderName"),
            )
        mandate = self.one(el, "cac:PaymentMandate")
        debit = None
        if mandate is not None:
            debit = DirectDebit(
                mandate_id=self.text(mandate, "cbc:ID"),
                debited_account=self.text(mandate, "cac:PayerFinancialAccount/cbc:ID"),
            )
        return PaymentMeans(
            code=self.text(el, "cbc:PaymentMeansCode") or "",
            code_name=self.attr(el, "cbc:PaymentMeansCode", "name"),
            instruction_note=self.text(el, "cbc:InstructionNote"),
            remittance=self.text(el, "cbc:PaymentID"),
            accounts=accounts,
            card=card,
            direct_debit=debit,
        )

    def line(self, el: _El) -> LineItem:
        qty_path = "cbc:CreditedQuantity" if self.cn else "cbc:InvoicedQuantity"
        if self.one(el, qty_path) is None:  # tolerate the other document's element name
            qty_path = "cbc:InvoicedQuantity" if self.cn else "cbc:CreditedQuantity"
        line_id = self.text(el, "cbc:ID") or ""
        where = f"line {line_id!r}"
        item_el = self.one(el, "cac:Item")
        price_el = self.one(el, "cac:Price")
        obj = self.one(el, "cac:DocumentReference[cbc:DocumentTypeCode='130' or not(cbc:DocumentTypeCode)]")
        item = Item(
            name=self.text(item_el, "cbc:Name") or "",
            description=self.text(item_el, "cbc:Description"),
            seller_id=self.text(item_el, "cac:SellersItemIdentification/cbc:ID"),
            buyer_id=self.text(item_el, "cac:BuyersItemIdentification/cbc:ID"),
            standard_id=self.ident(item_el, "cac:StandardItemIdentification/cbc:ID"),
            classifications=[
                Classification(
                    code=(c.text or "").strip(),
                    list_id=c.get("listID") or None,
                    list_version=c.get("listVersionID") or None,
                )
                for c in (
                    self.all(item_el, "cac:CommodityClassification/cbc:ItemClassificationCode")
                    if item_el is not None
                    else []
                )
            ],
            origin_country=self.text(item_el, "cac:OriginCountry/cbc:IdentificationCode"),
            attributes=[
                ItemAttribute(name=self.text(p, "cbc:Name") or "", value=self.text(p, "cbc:Value") or "")
                for p in (self.all(item_el, "cac:AdditionalItemProperty") if item_el is not None else [])
            ],
            vat_category=self.category(item_el, "cac:ClassifiedTaxCategory/cbc:ID", el.sourceline),
            vat_rate=self.dec(item_el, "cac:ClassifiedTaxCategory/cbc:Percent", f"{where}: VAT rate"),
        )
        if price_el is None:
            raise ParseError(f"{where}: the price (cac:Price, BG-29) is missing", el.sourceline)
        price = Price(
            amount=self.req_dec(price_el, "cbc:PriceAmount", f"{where}: item net price (BT-146)"),
            base_quantity=self.dec(price_el, "cbc:BaseQuantity", f"{where}: base quantity"),
            base_quantity_unit=self.attr(price_el, "cbc:BaseQuantity", "unitCode"),
            discount=self.dec(price_el, "cac:AllowanceCharge/cbc:Amount", f"{where}: price discount"),
            gross_amount=self.dec(price_el, "cac:AllowanceCharge/cbc:BaseAmount", f"{where}: gross price"),
        )
        return LineItem(
            id=line_id,
            note=self.text(el, "cbc:Note"),
            object_id=self.ident(obj, "cbc:ID"),
            quantity=self.req_dec(el, qty_path, f"{where}: invoiced quantity (BT-129)"),
            unit_code=self.attr(el, qty_path, "unitCode") or "",
            net_amount=self.dec(el, "cbc:LineExtensionAmount", f"{where}: line net amount (BT-131)"),
            order_line_ref=self.text(el, "cac:OrderLineReference/cbc:LineID"),
            accounting_cost=self.text(el, "cbc:AccountingCost"),
            period=self.period(self.one(el, "cac:InvoicePeriod")),
            allowances_charges=[
                LineAllowanceCharge(
                    is_charge=self.text(ac, "cbc:ChargeIndicator") == "true",
                    amount=self.req_dec(ac, "cbc:Amount", f"{where}: allowance/charge amount"),
                    base_amount=self.dec(ac, "cbc:BaseAmount", f"{where}: allowance/charge base"),
                    percent=self.dec(ac, "cbc:MultiplierFactorNumeric", f"{where}: percentage"),
                    reason=self.text(ac, "cbc:AllowanceChargeReason"),
                    reason_code=self.text(ac, "cbc:AllowanceChargeReasonCode"),
                )
                for ac in self.all(el, "cac:AllowanceCharge")
            ],
            price=price,
            item=item,
        )

    def invoice(self) -> Invoice:
        r = self.root
        issue_date = self.date(r, "cbc:IssueDate", "issue date (BT-2)")
        if issue_date is None:
            raise ParseError("the issue date (cbc:IssueDate, BT-2) is missing", r.sourceline)
        currency = self.text(r, "cbc:DocumentCurrencyCode") or ""
        tax_currency = self.text(r, "cbc:TaxCurrencyCode")
        type_code = self.text(r, "cbc:CreditNoteTypeCode" if self.cn else "cbc:InvoiceTypeCode") or (
            "381" if self.cn else "380"
        )
        # the VAT total in the invoice currency is the TaxTotal with subtotals (or the first in that
        # currency); BT-111 is the TaxAmount in the tax currency.
        tax_totals = self.all(r, "cac:TaxTotal")
        main_tax = next((t for t in tax_totals if self.one(t, "cac:TaxSubtotal") is not None), None)
        if main_tax is None:
            main_tax = next(
                (t for t in tax_totals if self.attr(t, "cbc:TaxAmount", "currencyID") == currency), None
            )
        vat_in_tax_currency = None
        if tax_currency:
            for t in tax_totals:
                if self.attr(t, "cbc:TaxAmount", "currencyID") == tax_currency and (
                    t is not main_tax or tax_currency == currency
                ):
                    vat_in_tax_currency = self.dec(t, "cbc:TaxAmount", "VAT total in accounting currency")
                    break
        breakdown = None
        if main_tax is not None and self.one(main_tax, "cac:TaxSubtotal") is not None:
            breakdown = [
                VatBreakdown(
                    category=self.category(sub, "cac:TaxCategory/cbc:ID", sub.sourceline),
                    rate=self.dec(sub, "cac:TaxCategory/cbc:Percent", "VAT category rate (BT-119)"),
                    taxable_amount=self.dec(sub, "cbc:TaxableAmount", "VAT taxable amount (BT-116)")
                    or Decimal(0),
                    tax_amount=self.req_dec(sub, "cbc:TaxAmount", "VAT category tax amount (BT-117)"),
                    exemption_reason=self.text(sub, "cac:TaxCategory/cbc:TaxExemptionReason"),
                    exemption_reason_code=self.text(sub, "cac:TaxCategory/cbc:TaxExemptionReasonCode"),
                )
                for sub in self.all(main_tax, "cac:TaxSubtotal")
            ]
        lmt = self.one(r, "cac:LegalMonetaryTotal")
        totals = None
        if lmt is not None:
            totals = Totals(
                line_total=self.dec(lmt, "cbc:LineExtensionAmount", "sum of line net amounts (BT-106)")
                or Decimal(0),
                allowance_total=self.dec(lmt, "cbc:AllowanceTotalAmount", "allowances total (BT-107)"),
                charge_total=self.dec(lmt, "cbc:ChargeTotalAmount", "charges total (BT-108)"),
                tax_exclusive=self.dec(lmt, "cbc:TaxExclusiveAmount", "total without VAT (BT-109)")
                or Decimal(0),
                vat_total=self.dec(main_tax, "cbc:TaxAmount", "total VAT (BT-110)"),
                tax_inclusive=self.dec(lmt, "cbc:TaxInclusiveAmount", "total with VAT (BT-112)")
                or Decimal(0),
                prepaid=self.dec(lmt, "cbc:PrepaidAmount", "paid amount (BT-113)"),
                rounding=self.dec(lmt, "cbc:PayableRoundingAmount", "rounding amount (BT-114)"),
                payable=self.dec(lmt, "cbc:PayableAmount", "amount due (BT-115)") or Decimal(0),
            )
        due_date = self.date(r, "cbc:DueDate", "due date (BT-9)")
        if due_date is None:
            due_date = self.date(r, "cac:PaymentMeans/cbc:PaymentDueDate", "due date (BT-9)") or self.date(
                r, "cac:PaymentTerms/cbc:PaymentDueDate", "due date (BT-9)"
            )
        project = self.text(r, "cac:ProjectReference/cbc:ID")
        attachments: list[Attachment] = []
        for adr in self.all(r, "cac:AdditionalDocumentReference"):
            type_code_ref = self.text(adr, "cbc:DocumentTypeCode")
            if self.cn and type_code_ref == "50" and project is None:
                project = self.text(adr, "cbc:ID")
                continue
            blob = self.one(adr, "cac:Attachment/cbc:EmbeddedDocumentBinaryObject")
            attachments.append(
                Attachment(
                    id=self.text(adr, "cbc:ID") or "",
                    type_code=type_code_ref,
                    description=self.text(adr, "cbc:DocumentDescription"),
                    uri=self.text(adr, "cac:Attachment/cac:ExternalReference/cbc:URI"),
                    content_base64="".join((blob.text or "").split()) if blob is not None else None,
                    mime_code=blob.get("mimeCode") if blob is not None else None,
                    filename=blob.get("filename") if blob is not None else None,
                )
            )
        payee_el = self.one(r, "cac:PayeeParty")
        payee = None
        if payee_el is not None:
            payee = Payee(
                name=self.text(payee_el, "cac:PartyName/cbc:Name") or "",
                identifier=self.ident(payee_el, "cac:PartyIdentification/cbc:ID"),
                legal_id=self.ident(payee_el, "cac:PartyLegalEntity/cbc:CompanyID"),
            )
        rep_el = self.one(r, "cac:TaxRepresentativeParty")
        rep = None
        if rep_el is not None:
            rep = TaxRepresentative(
                name=self.text(rep_el, "cac:PartyName/cbc:Name") or "",
                vat_id=self.text(rep_el, "cac:PartyTaxScheme/cbc:CompanyID") or "",
                address=self.address(self.one(rep_el, "cac:PostalAddress")) or Address(country=""),
            )
        dl_el = self.one(r, "cac:Delivery")
        delivery = None
        if dl_el is not None:
            delivery = Delivery(
                party_name=self.text(dl_el, "cac:DeliveryParty/cac:PartyName/cbc:Name"),
                location_id=self.ident(dl_el, "cac:DeliveryLocation/cbc:ID"),
                actual_date=self.date(dl_el, "cbc:ActualDeliveryDate", "delivery date (BT-72)"),
                address=self.address(self.one(dl_el, "cac:DeliveryLocation/cac:Address")),
            )
        line_path = "cac:CreditNoteLine" if self.cn else "cac:InvoiceLine"
        return Invoice(
            customization_id=self.text(r, "cbc:CustomizationID") or "",
            profile_id=self.text(r, "cbc:ProfileID"),
            kind="credit_note" if self.cn else "invoice",
            number=self.text(r, "cbc:ID") or "",
            issue_date=issue_date,
            type_code=type_code,
            due_date=due_date,
            tax_point_date=self.date(r, "cbc:TaxPointDate", "VAT point date (BT-7)"),
            currency=currency,
            tax_currency=tax_currency,
            vat_total_in_tax_currency=vat_in_tax_currency,
            notes=[(n.text or "").strip() for n in self.all(r, "cbc:Note") if (n.text or "").strip()],
            buyer_reference=self.text(r, "cbc:BuyerReference"),
            accounting_cost=self.text(r, "cbc:AccountingCost"),
            period=self.period(self.one(r, "cac:InvoicePeriod")),
            order_reference=self.text(r, "cac:OrderReference/cbc:ID"),
            sales_order_reference=self.text(r, "cac:OrderReference/cbc:SalesOrderID"),
            preceding_invoices=[
                DocumentReference(
                    id=self.text(ref, "cbc:ID") or "",
                    issue_date=self.date(ref, "cbc:IssueDate", "preceding invoice date (BT-26)"),
                )
                for ref in self.all(r, "cac:BillingReference/cac:InvoiceDocumentReference")
            ],
            despatch_reference=self.text(r, "cac:DespatchDocumentReference/cbc:ID"),
            receiving_reference=self.text(r, "cac:ReceiptDocumentReference/cbc:ID"),
            tender_reference=self.text(r, "cac:OriginatorDocumentReference/cbc:ID"),
            contract_reference=self.text(r, "cac:ContractDocumentReference/cbc:ID"),
            project_reference=project,
            attachments=attachments,
            seller=self.party(self.one(r, "cac:AccountingSupplierParty/cac:Party")),
            buyer=self.party(self.one(r, "cac:AccountingCustomerParty/cac:Party")),
            payee=payee,
            tax_representative=rep,
            delivery=delivery,
            payment_means=[self.payment_means(pm) for pm in self.all(r, "cac:PaymentMeans")],
            payment_terms=self.text(r, "cac:PaymentTerms/cbc:Note"),
            allowances_charges=[self.allowance_charge(ac) for ac in self.all(r, "cac:AllowanceCharge")],
            prepaid_amount=totals.prepaid if totals else None,
            rounding_amount=totals.rounding if totals else None,
            lines=[self.line(line) for line in self.all(r, line_path)],
            vat_breakdown=breakdown,
            totals=totals,
        )


# --------------------------------------------------------------------------------------------------
# UN/CEFACT Cross Industry Invoice (D16B, EN 16931 CII syntax)
# --------------------------------------------------------------------------------------------------


class _Cii(_Reader):
    ns = CII_NS

    def __init__(self, root: _El) -> None:
        self.root = root

    def date(self, el: _El | None, path: str, what: str) -> date | None:
        node = self.one(el, path)
        if node is None or not (node.text or "").strip():
            return None
        text = (node.text or "").strip()
        try:
            if node.get("format", "102") == "102" and len(text) == 8:
                return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
            return date.fromisoformat(text[:10])
        except ValueError as exc:
            raise ParseError(
                f"{what}: {text!r} is not a date (format 102, YYYYMMDD)", node.sourceline
            ) from exc

    def ident(self, el: _El | None, path: str) -> Identifier | None:
        node = self.one(el, path)
        if node is None or not (node.text or "").strip():
            return None
        return Identifier(value=(node.text or "").strip(), scheme=node.get("schemeID") or None)

    def address(self, el: _El | None) -> Address | None:
        if el is None:
            return None
        return Address(
            street=self.text(el, "ram:LineOne"),
            additional_street=self.text(el, "ram:LineTwo"),
            line3=self.text(el, "ram:LineThree"),
            city=self.text(el, "ram:CityName"),
            postal_code=self.text(el, "ram:PostcodeCode"),
            county=self.text(el, "ram:CountrySubDivisionName"),
            country=self.text(el, "ram:CountryID") or "",
        )

    def party(self, el: _El | None) -> Party:
        if el is None:
            return Party(name="")
        contact_el = self.one(el, "ram:DefinedTradeContact")
        contact = None
        if contact_el is not None:
            contact = Contact(
                name=self.text(contact_el, "ram:PersonName"),
                phone=self.text(contact_el, "ram:TelephoneUniversalCommunication/ram:CompleteNumber"),
                email=self.text(contact_el, "ram:EmailURIUniversalCommunication/ram:URIID"),
            )
        identifiers = [
            Identifier(value=(n.text or "").strip(), scheme=n.get("schemeID") or None)
            for n in self.all(el, "ram:ID | ram:GlobalID")
            if (n.text or "").strip()
        ]
        return Party(
            name=self.text(el, "ram:Name") or "",
            trading_name=self.text(el, "ram:SpecifiedLegalOrganization/ram:TradingBusinessName"),
            identifiers=identifiers,
            vat_id=self.text(el, "ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']"),
            tax_registration_id=self.text(el, "ram:SpecifiedTaxRegistration/ram:ID[@schemeID='FC']"),
            legal_id=self.ident(el, "ram:SpecifiedLegalOrganization/ram:ID"),
            legal_form=self.text(el, "ram:Description"),
            electronic_address=self.ident(el, "ram:URIUniversalCommunication/ram:URIID"),
            address=self.address(self.one(el, "ram:PostalTradeAddress")) or Address(country=""),
            contact=contact,
        )

    def allowance_charge(self, el: _El) -> AllowanceCharge:
        return AllowanceCharge(
            is_charge=self.text(el, "ram:ChargeIndicator/udt:Indicator") == "true",
            amount=self.req_dec(el, "ram:ActualAmount", "allowance/charge amount"),
            base_amount=self.dec(el, "ram:BasisAmount", "allowance/charge base amount"),
            percent=self.dec(el, "ram:CalculationPercent", "allowance/charge percentage"),
            vat_category=self.category(el, "ram:CategoryTradeTax/ram:CategoryCode", el.sourceline),
            vat_rate=self.dec(el, "ram:CategoryTradeTax/ram:RateApplicablePercent", "VAT rate"),
            reason=self.text(el, "ram:Reason"),
            reason_code=self.text(el, "ram:ReasonCode"),
        )

    def period(self, el: _El | None) -> Period | None:
        if el is None:
            return None
        return Period(
            start=self.date(el, "ram:StartDateTime/udt:DateTimeString", "period start"),
            end=self.date(el, "ram:EndDateTime/udt:DateTimeString", "period end"),
        )

    def line(self, el: _El) -> LineItem:
        line_id = self.text(el, "ram:AssociatedDocumentLineDocument/ram:LineID") or ""
        where = f"line {line_id!r}"
        product = self.one(el, "ram:SpecifiedTradeProduct")
        agreement = self.one(el, "ram:SpecifiedLineTradeAgreement")
        settlement = self.one(el, "ram:SpecifiedLineTradeSettlement")
        qty_el = self.one(el, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity")
        net_price = self.one(agreement, "ram:NetPriceProductTradePrice")
        if net_price is None:
            raise ParseError(
                f"{where}: the net price (ram:NetPriceProductTradePrice) is missing", el.sourceline
            )
        gross = self.one(agreement, "ram:GrossPriceProductTradePrice")
        item = Item(
            name=self.text(product, "ram:Name") or "",
            description=self.text(product, "ram:Description"),
            seller_id=self.text(product, "ram:SellerAssignedID"),
            buyer_id=self.text(product, "ram:BuyerAssignedID"),
            standard_id=self.ident(product, "ram:GlobalID"),
            classifications=[
                Classification(
                    code=(c.text or "").strip(),
                    list_id=c.get("listID") or None,
                    list_version=c.get("listVersionID") or None,
                )
                for c in (
                    self.all(product, "ram:DesignatedProductClassification/ram:ClassCode")
                    if product is not None
                    else []
                )
            ],
            origin_country=self.text(product, "ram:OriginTradeCountry/ram:ID"),
            attributes=[
                ItemAttribute(
                    name=self.text(p, "ram:Description") or "", value=self.text(p, "ram:Value") or ""
                )
                for p in (
                    self.all(product, "ram:ApplicableProductCharacteristic") if product is not None else []
                )
            ],
            vat_category=self.category(settlement, "ram:ApplicableTradeTax/ram:CategoryCode", el.sourceline),
            vat_rate=self.dec(
                settlement, "ram:ApplicableTradeTax/ram:RateApplicablePercent", f"{where}: VAT rate"
            ),
        )
        if qty_el is None:
            raise ParseError(f"{where}: the billed quantity (ram:BilledQuantity) is missing", el.sourceline)
        return LineItem(
            id=line_id,
            note=self.text(el, "ram:AssociatedDocumentLineDocument/ram:IncludedNote/ram:Content"),
            object_id=self.ident(
                settlement, "ram:AdditionalReferencedDocument[ram:TypeCode='130']/ram:IssuerAssignedID"
            ),
            quantity=self.req_dec(
                el, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity", f"{where}: quantity"
            ),
            unit_code=qty_el.get("unitCode") or "",
            net_amount=self.dec(
                settlement,
                "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
                f"{where}: line net amount (BT-131)",
            ),
            order_line_ref=self.text(agreement, "ram:BuyerOrderReferencedDocument/ram:LineID"),
            accounting_cost=self.text(settlement, "ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID"),
            period=self.period(self.one(settlement, "ram:BillingSpecifiedPeriod")),
            allowances_charges=[
                LineAllowanceCharge(
                    is_charge=self.text(ac, "ram:ChargeIndicator/udt:Indicator") == "true",
                    amount=self.req_dec(ac, "ram:ActualAmount", f"{where}: allowance/charge amount"),
                    base_amount=self.dec(ac, "ram:BasisAmount", f"{where}: allowance/charge base"),
                    percent=self.dec(ac, "ram:CalculationPercent", f"{where}: percentage"),
                    reason=self.text(ac, "ram:Reason"),
                    reason_code=self.text(ac, "ram:ReasonCode"),
                )
                for ac in (
                    self.all(settlement, "ram:SpecifiedTradeAllowanceCharge")
                    if settlement is not None
                    else []
                )
            ],
            price=Price(
                amount=self.req_dec(net_price, "ram:ChargeAmount", f"{where}: item net price (BT-146)"),
                base_quantity=self.dec(net_price, "ram:BasisQuantity", f"{where}: base quantity"),
                base_quantity_unit=self.attr(net_price, "ram:BasisQuantity", "unitCode"),
                discount=self.dec(
                    gross, "ram:AppliedTradeAllowanceCharge/ram:ActualAmount", f"{where}: discount"
                ),
                gross_amount=self.dec(gross, "ram:ChargeAmount", f"{where}: gross price"),
            ),
            item=item,
        )

    def invoice(self) -> Invoice:
        r = self.root
        doc = self.one(r, "rsm:ExchangedDocument")
        tx = self.one(r, "rsm:SupplyChainTradeTransaction")
        if doc is None or tx is None:
            raise ParseError(
                "CII invoice without rsm:ExchangedDocument or rsm:SupplyChainTradeTransaction", r.sourceline
            )
        agreement = self.one(tx, "ram:ApplicableHeaderTradeAgreement")
        delivery_el = self.one(tx, "ram:ApplicableHeaderTradeDelivery")
        settlement = self.one(tx, "ram:ApplicableHeaderTradeSettlement")
        issue_date = self.date(doc, "ram:IssueDateTime/udt:DateTimeString", "issue date (BT-2)")
        if issue_date is None:
            raise ParseError("the issue date (ram:IssueDateTime, BT-2) is missing", doc.sourceline)
        currency = self.text(settlement, "ram:InvoiceCurrencyCode") or ""
        tax_currency = self.text(settlement, "ram:TaxCurrencyCode")
        summation = self.one(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
        totals = None
        vat_total = vat_tax_currency = None
        if summation is not None:
            for node in self.all(summation, "ram:TaxTotalAmount"):
                cur = node.get("currencyID") or currency
                value = self.dec(node, ".", "total VAT (BT-110/BT-111)")
                if cur == currency and vat_total is None:
                    vat_total = value
                if tax_currency and cur == tax_currency:
                    vat_tax_currency = value
            totals = Totals(
                line_total=self.dec(summation, "ram:LineTotalAmount", "sum of line net amounts (BT-106)")
                or Decimal(0),
                allowance_total=self.dec(summation, "ram:AllowanceTotalAmount", "allowances total (BT-107)"),
                charge_total=self.dec(summation, "ram:ChargeTotalAmount", "charges total (BT-108)"),
                tax_exclusive=self.dec(summation, "ram:TaxBasisTotalAmount", "total without VAT (BT-109)")
                or Decimal(0),
                vat_total=vat_total,
                tax_inclusive=self.dec(summation, "ram:GrandTotalAmount", "total with VAT (BT-112)")
                or Decimal(0),
                prepaid=self.dec(summation, "ram:TotalPrepaidAmount", "paid amount (BT-113)"),
                rounding=self.dec(summation, "ram:RoundingAmount", "rounding amount (BT-114)"),
                payable=self.dec(summation, "ram:DuePayableAmount", "amount due (BT-115)") or Decimal(0),
            )
        taxes = self.all(settlement, "ram:ApplicableTradeTax") if settlement is not None else []
        breakdown = [
            VatBreakdown(
                category=self.category(t, "ram:CategoryCode", t.sourceline),
                rate=self.dec(t, "ram:RateApplicablePercent", "VAT category rate (BT-119)"),
                taxable_amount=self.dec(t, "ram:BasisAmount", "VAT taxable amount (BT-116)") or Decimal(0),
                tax_amount=self.dec(t, "ram:CalculatedAmount", "VAT category tax amount (BT-117)")
                or Decimal(0),
                exemption_reason=self.text(t, "ram:ExemptionReason"),
                exemption_reason_code=self.text(t, "ram:ExemptionReasonCode"),
            )
            for t in taxes
        ]
        payment_means = []
        for pm in (
            self.all(settlement, "ram:SpecifiedTradeSettlementPaymentMeans") if settlement is not None else []
        ):
            accounts = [
                PayeeAccount(
                    iban=self.text(fa, "ram:IBANID") or self.text(fa, "ram:ProprietaryID") or "",
                    name=self.text(fa, "ram:AccountName"),
                    bic=self.text(pm, "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID"),
                )
                for fa in self.all(pm, "ram:PayeePartyCreditorFinancialAccount")
            ]
            card_el = self.one(pm, "ram:ApplicableTradeSettlementFinancialCard")
            payment_means.append(
                PaymentMeans(
                    code=self.text(pm, "ram:TypeCode") or "",
                    code_name=self.text(pm, "ram:Information"),
                    remittance=self.text(settlement, "ram:PaymentReference"),
                    accounts=accounts,
                    card=CardAccount(
                        pan=self.text(card_el, "ram:ID") or "",
                        holder=self.text(card_el, "ram:CardholderName"),
                    )
                    if card_el is not None
                    else None,
                    direct_debit=DirectDebit(
                        mandate_id=self.text(
                            settlement, "ram:SpecifiedTradePaymentTerms/ram:DirectDebitMandateID"
                        ),
                        debited_account=self.text(pm, "ram:PayerPartyDebtorFinancialAccount/ram:IBANID"),
                    )
                    if self.one(pm, "ram:PayerPartyDebtorFinancialAccount") is not None
                    else None,
                )
            )
        payee_el = self.one(settlement, "ram:PayeeTradeParty")
        payee = None
        if payee_el is not None:
            payee = Payee(
                name=self.text(payee_el, "ram:Name") or "",
                identifier=self.ident(payee_el, "ram:ID") or self.ident(payee_el, "ram:GlobalID"),
                legal_id=self.ident(payee_el, "ram:SpecifiedLegalOrganization/ram:ID"),
            )
        rep_el = self.one(agreement, "ram:SellerTaxRepresentativeTradeParty")
        rep = None
        if rep_el is not None:
            rep = TaxRepresentative(
                name=self.text(rep_el, "ram:Name") or "",
                vat_id=self.text(rep_el, "ram:SpecifiedTaxRegistration/ram:ID") or "",
                address=self.address(self.one(rep_el, "ram:PostalTradeAddress")) or Address(country=""),
            )
        ship_to = self.one(delivery_el, "ram:ShipToTradeParty")
        delivery_date = self.date(
            delivery_el,
            "ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/udt:DateTimeString",
            "delivery date",
        )
        delivery = None
        if ship_to is not None or delivery_date is not None:
            delivery = Delivery(
                party_name=self.text(ship_to, "ram:Name"),
                location_id=self.ident(ship_to, "ram:ID") or self.ident(ship_to, "ram:GlobalID"),
                actual_date=delivery_date,
                address=self.address(self.one(ship_to, "ram:PostalTradeAddress")),
            )
        attachments = [
            Attachment(
                id=self.text(ref, "ram:IssuerAssignedID") or "",
                type_code=self.text(ref, "ram:TypeCode"),
                description=self.text(ref, "ram:Name"),
                uri=self.text(ref, "ram:URIID"),
                content_base64=self.text(ref, "ram:AttachmentBinaryObject"),
                mime_code=self.attr(ref, "ram:AttachmentBinaryObject", "mimeCode"),
                filename=self.attr(ref, "ram:AttachmentBinaryObject", "filename"),
            )
            for ref in (
                self.all(agreement, "ram:AdditionalReferencedDocument") if agreement is not None else []
            )
        ]
        return Invoice(
            customization_id=self.text(
                r, "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"
            )
            or "",
            profile_id=self.text(
                r, "rsm:ExchangedDocumentContext/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"
            ),
            number=self.text(doc, "ram:ID") or "",
            issue_date=issue_date,
            type_code=self.text(doc, "ram:TypeCode") or "380",
            due_date=self.date(
                settlement,
                "ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString",
                "due date (BT-9)",
            ),
            tax_point_date=self.date(
                settlement, "ram:ApplicableTradeTax/ram:TaxPointDate/udt:DateString", "VAT point date"
            ),
            currency=currency,
            tax_currency=tax_currency,
            vat_total_in_tax_currency=vat_tax_currency,
            notes=[
                (n.text or "").strip()
                for n in self.all(doc, "ram:IncludedNote/ram:Content")
                if (n.text or "").strip()
            ],
            buyer_reference=self.text(agreement, "ram:BuyerReference"),
            accounting_cost=self.text(settlement, "ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID"),
            period=self.period(self.one(settlement, "ram:BillingSpecifiedPeriod")),
            order_reference=self.text(agreement, "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"),
            sales_order_reference=self.text(
                agreement, "ram:SellerOrderReferencedDocument/ram:IssuerAssignedID"
            ),
            preceding_invoices=[
                DocumentReference(
                    id=self.text(ref, "ram:IssuerAssignedID") or "",
                    issue_date=self.date(
                        ref, "ram:FormattedIssueDateTime/qdt:DateTimeString", "preceding invoice date"
                    ),
                )
                for ref in (
                    self.all(settlement, "ram:InvoiceReferencedDocument") if settlement is not None else []
                )
            ],
            despatch_reference=self.text(
                delivery_el, "ram:DespatchAdviceReferencedDocument/ram:IssuerAssignedID"
            ),
            receiving_reference=self.text(
                delivery_el, "ram:ReceivingAdviceReferencedDocument/ram:IssuerAssignedID"
            ),
            contract_reference=self.text(agreement, "ram:ContractReferencedDocument/ram:IssuerAssignedID"),
            project_reference=self.text(agreement, "ram:SpecifiedProcuringProject/ram:ID"),
            attachments=attachments,
            seller=self.party(self.one(agreement, "ram:SellerTradeParty")),
            buyer=self.party(self.one(agreement, "ram:BuyerTradeParty")),
            payee=payee,
            tax_representative=rep,
            delivery=delivery,
            payment_means=payment_means,
            payment_terms=self.text(settlement, "ram:SpecifiedTradePaymentTerms/ram:Description"),
            allowances_charges=[
                self.allowance_charge(ac)
                for ac in (
                    self.all(settlement, "ram:SpecifiedTradeAllowanceCharge")
                    if settlement is not None
                    else []
                )
            ],
            prepaid_amount=totals.prepaid if totals else None,
            rounding_amount=totals.rounding if totals else None,
            lines=[self.line(line) for line in self.all(tx, "ram:IncludedSupplyChainTradeLineItem")],
            vat_breakdown=breakdown or None,
            totals=totals,
        )


__all__ = ["ParseError", "parse_invoice", "parse_xml"]
