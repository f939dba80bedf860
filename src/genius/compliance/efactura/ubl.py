"""Generate UBL 2.1 ``Invoice`` / ``CreditNote`` XML (CIUS-RO) from the :mod:`.model`.

Elements are written in the order the UBL 2.1 XSD sequences require (the order differs between
``Invoice`` and ``CreditNote``). Missing line amounts, the VAT breakdown and the totals are computed
(:meth:`~genius.compliance.efactura.invoice.Invoice.with_computed`); values already in the model are
written as they are.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from genius.compliance.efactura.invoice import (
    Address,
    AllowanceCharge,
    Identifier,
    Invoice,
    LineItem,
    Party,
    PayeeAccount,
    PaymentMeans,
    Period,
    VatCategory,
)

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

_Value = str | Decimal | date | bool | None


def _fmt(value: _Value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        text = format(value, "f")
        return "0" if text in {"-0", "-0.00"} and value == 0 else text
    if isinstance(value, date):
        return value.isoformat()
    return value


def _cbc(parent: etree._Element, tag: str, value: _Value, /, **attrs: str | None) -> etree._Element | None:
    text = _fmt(value)
    if text is None or text == "":
        return None
    el = etree.SubElement(parent, f"{{{NS_CBC}}}{tag}")
    el.text = text
    for key, val in attrs.items():
        if val is not None and val != "":
            el.set(key, val)
    return el


def _cac(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{NS_CAC}}}{name}")


class _Writer:
    def __init__(self, invoice: Invoice) -> None:
        self.inv = invoice
        self.cn = invoice.is_credit_note
        self.cur = invoice.currency

    def amount(self, parent: etree._Element, name: str, value: Decimal | None) -> None:
        _cbc(parent, name, value, currencyID=self.cur)

    # -- building blocks -------------------------------------------------------------------------

    def address(self, parent: etree._Element, name: str, addr: Address) -> None:
        el = _cac(parent, name)
        _cbc(el, "StreetName", addr.street)
        _cbc(el, "AdditionalStreetName", addr.additional_street)
        _cbc(el, "CityName", addr.city)
        _cbc(el, "PostalZone", addr.postal_code)
        _cbc(el, "CountrySubentity", addr.county)
        if addr.line3:
            _cbc(_cac(el, "AddressLine"), "Line", addr.line3)
        _cbc(_cac(el, "Country"), "IdentificationCode", addr.country)

    def tax_scheme(self, parent: etree._Element, scheme: str = "VAT") -> None:
        _cbc(_cac(parent, "TaxScheme"), "ID", scheme)

    def tax_category(
        self,
        parent: etree._Element,
        name: str,
        category: VatCategory,
        rate: Decimal | None,
        exemption_code: str | None = None,
        exemption_reason: str | None = None,
    ) -> None:
        el = _cac(parent, name)
        _cbc(el, "ID", category.value)
        if category != VatCategory.NOT_SUBJECT or rate is not None:
            _cbc(el, "Percent", rate)
        _cbc(el, "TaxExemptionReasonCode", exemption_code)
        _cbc(el, "TaxExemptionReason", exemption_reason)
        self.tax_scheme(el)

    def identifier(self, parent: etree._Element, name: str, ident: Identifier | None) -> None:
        if ident is not None:
            _cbc(parent, name, ident.value, schemeID=ident.scheme)

    def party(self, parent: etree._Element, name: str, party: Party) -> None:
        el = _cac(_cac(parent, name), "Party")
        self.identifier(el, "EndpointID", party.electronic_address)
        for ident in party.identifiers:
            self.identifier(_cac(el, "PartyIdentification"), "ID", ident)
        if party.trading_name:
            _cbc(_cac(el, "PartyName"), "Name", party.trading_name)
        self.address(el, "PostalAddress", party.address)
        if party.vat_id:
            pts = _cac(el, "PartyTaxScheme")
            _cbc(pts, "CompanyID", party.vat_id)
            self.tax_scheme(pts, "VAT")
        if party.tax_registration_id:
            pts = _cac(el, "PartyTaxScheme")
            _cbc(pts, "CompanyID", party.tax_registration_id)
            self.tax_scheme(pts, "FC")
        ple = _cac(el, "PartyLegalEntity")
        _cbc(ple, "RegistrationName", party.name)
        self.identifier(ple, "CompanyID", party.legal_id)
        _cbc(ple, "CompanyLegalForm", party.legal_form)
        if party.contact and (party.contact.name or party.contact.phone or party.contact.email):
            contact = _cac(el, "Contact")
            _cbc(contact, "Name", party.contact.name)
            _cbc(contact, "Telephone", party.contact.phone)
            _cbc(contact, "ElectronicMail", party.contact.email)

    def period(self, parent: etree._Element, period: Period | None) -> None:
        if period is None or not (period.start or period.end or period.description_code):
            return
        el = _cac(parent, "InvoicePeriod")
        _cbc(el, "StartDate", period.start)
        _cbc(el, "EndDate", period.end)
        _cbc(el, "DescriptionCode", period.description_code)

    def doc_ref(self, parent: etree._Element, name: str, ref: str | None) -> None:
        if ref:
            _cbc(_cac(parent, name), "ID", ref)

    def allowance_charge(self, parent: etree._Element, ac: AllowanceCharge) -> None:
        el = _cac(parent, "AllowanceCharge")
        _cbc(el, "ChargeIndicator", ac.is_charge)
        _cbc(el, "AllowanceChargeReasonCode", ac.reason_code)
        _cbc(el, "AllowanceChargeReason", ac.reason)
        _cbc(el, "MultiplierFactorNumeric", ac.percent)
        self.amount(el, "Amount", ac.amount)
        self.amount(el, "BaseAmount", ac.base_amount)
        self.tax_category(el, "TaxCategory", ac.vat_category, ac.vat_rate)

    def payment_means(self, parent: etree._Element, pm: PaymentMeans) -> None:
        accounts: list[PayeeAccount | None] = [*pm.accounts] or [None]
        for account in accounts:
            el = _cac(parent, "PaymentMeans")
            _cbc(el, "PaymentMeansCode", pm.code, name=pm.code_name)
            if self.cn:
                _cbc(el, "PaymentDueDate", self.inv.due_date)
            _cbc(el, "InstructionNote", pm.instruction_note)
            _cbc(el, "PaymentID", pm.remittance)
            if pm.card:
                card = _cac(el, "CardAccount")
                _cbc(card, "PrimaryAccountNumberID", pm.card.pan)
                _cbc(card, "NetworkID", pm.card.network)
                _cbc(card, "HolderName", pm.card.holder)
            if account is not None:
                fa = _cac(el, "PayeeFinancialAccount")
                _cbc(fa, "ID", account.iban)
                _cbc(fa, "Name", account.name)
                if account.bic:
                    _cbc(_cac(fa, "FinancialInstitutionBranch"), "ID", account.bic)
            if pm.direct_debit and (pm.direct_debit.mandate_id or pm.direct_debit.debited_account):
                mandate = _cac(el, "PaymentMandate")
                _cbc(mandate, "ID", pm.direct_debit.mandate_id)
                if pm.direct_debit.debited_account:
                    _cbc(_cac(mandate, "PayerFinancialAccount"), "ID", pm.direct_debit.debited_account)

    def line(self, parent: etree._Element, line: LineItem) -> None:
        el = _cac(parent, "CreditNoteLine" if self.cn else "InvoiceLine")
        _cbc(el, "ID", line.id)
        _cbc(el, "Note", line.note)
        _cbc(
            el, "CreditedQuantity" if self.cn else "InvoicedQuantity", line.quantity, unitCode=line.unit_code
        )
        self.amount(el, "LineExtensionAmount", line.effective_net_amount())
        _cbc(el, "AccountingCost", line.accounting_cost)
        self.period(el, line.period)
        if line.order_line_ref:
            _cbc(_cac(el, "OrderLineReference"), "LineID", line.order_line_ref)
        if line.object_id:
            ref = _cac(el, "DocumentReference")
            self.identifier(ref, "ID", line.object_id)
            _cbc(ref, "DocumentTypeCode", "130")
        for ac in line.allowances_charges:
            ace = _cac(el, "AllowanceCharge")
            _cbc(ace, "ChargeIndicator", ac.is_charge)
            _cbc(ace, "AllowanceChargeReasonCode", ac.reason_code)
            _cbc(ace, "AllowanceChargeReason", ac.reason)
            _cbc(ace, "MultiplierFactorNumeric", ac.percent)
            self.amount(ace, "Amount", ac.amount)
            self.amount(ace, "BaseAmount", ac.base_amount)
        item = _cac(el, "Item")
        _cbc(item, "Description", line.item.description)
        _cbc(item, "Name", line.item.name)
        if line.item.buyer_id:
            _cbc(_cac(item, "BuyersItemIdentification"), "ID", line.item.buyer_id)
        if line.item.seller_id:
            _cbc(_cac(item, "SellersItemIdentification"), "ID", line.item.seller_id)
        if line.item.standard_id:
            self.identifier(_cac(item, "StandardItemIdentification"), "ID", line.item.standard_id)
        if line.item.origin_country:
            _cbc(_cac(item, "OriginCountry"), "IdentificationCode", line.item.origin_country)
        for cls in line.item.classifications:
            _cbc(
                _cac(item, "CommodityClassification"),
                "ItemClassificationCode",
                cls.code,
                listID=cls.list_id,
                listVersionID=cls.list_version,
            )
        self.tax_category(item, "ClassifiedTaxCategory", line.item.vat_category, line.item.vat_rate)
        for attr in line.item.attributes:
            prop = _cac(item, "AdditionalItemProperty")
            _cbc(prop, "Name", attr.name)
            _cbc(prop, "Value", attr.value)
        price = _cac(el, "Price")
        self.amount(price, "PriceAmount", line.price.amount)
        _cbc(
            price,
            "BaseQuantity",
            line.price.base_quantity,
            unitCode=line.price.base_quantity_unit if line.price.base_quantity is not None else None,
        )
        if line.price.discount is not None or line.price.gross_amount is not None:
            ace = _cac(price, "AllowanceCharge")
            _cbc(ace, "ChargeIndicator", False)
            self.amount(ace, "Amount", line.price.discount if line.price.discount is not None else Decimal(0))
            self.amount(ace, "BaseAmount", line.price.gross_amount)

    # -- document ----------------------------------------------------------------------------------

    def document(self) -> etree._Element:
        inv, cn = self.inv, self.cn
        ns = NS_CREDIT_NOTE if cn else NS_INVOICE
        root = etree.Element(
            f"{{{ns}}}{'CreditNote' if cn else 'Invoice'}",
            nsmap={None: ns, "cac": NS_CAC, "cbc": NS_CBC},
        )
        _cbc(root, "CustomizationID", inv.customization_id)
        _cbc(root, "ProfileID", inv.profile_id)
        _cbc(root, "ID", inv.number)
        _cbc(root, "IssueDate", inv.issue_date)
        if cn:
            _cbc(root, "TaxPointDate", inv.tax_point_date)
            _cbc(root, "CreditNoteTypeCode", inv.type_code)
        else:
            _cbc(root, "DueDate", inv.due_date)
            _cbc(root, "InvoiceTypeCode", inv.type_code)
        for note in inv.notes:
            _cbc(root, "Note", note)
        if not cn:
            _cbc(root, "TaxPointDate", inv.tax_point_date)
        _cbc(root, "DocumentCurrencyCode", inv.currency)
        _cbc(root, "TaxCurrencyCode", inv.tax_currency)
        _cbc(root, "AccountingCost", inv.accounting_cost)
        _cbc(root, "BuyerReference", inv.buyer_reference)
        self.period(root, inv.period)
        if inv.order_reference or inv.sales_order_reference:
            order = _cac(root, "OrderReference")
            _cbc(order, "ID", inv.order_reference or "NA")
            _cbc(order, "SalesOrderID", inv.sales_order_reference)
        for ref in inv.preceding_invoices:
            idr = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
            _cbc(idr, "ID", ref.id)
            _cbc(idr, "IssueDate", ref.issue_date)
        self.doc_ref(root, "DespatchDocumentReference", inv.despatch_reference)
        self.doc_ref(root, "ReceiptDocumentReference", inv.receiving_reference)
        if not cn:
            self.doc_ref(root, "OriginatorDocumentReference", inv.tender_reference)
        self.doc_ref(root, "ContractDocumentReference", inv.contract_reference)
        for att in inv.attachments:
            adr = _cac(root, "AdditionalDocumentReference")
            _cbc(adr, "ID", att.id)
            _cbc(adr, "DocumentTypeCode", att.type_code)
            _cbc(adr, "DocumentDescription", att.description)
            if att.content_base64 is not None or att.uri:
                attachment = _cac(adr, "Attachment")
                _cbc(
                    attachment,
                    "EmbeddedDocumentBinaryObject",
                    att.content_base64,
                    mimeCode=att.mime_code,
                    filename=att.filename,
                )
                if att.uri:
                    _cbc(_cac(attachment, "ExternalReference"), "URI", att.uri)
        if cn:
            if inv.project_reference:
                adr = _cac(root, "AdditionalDocumentReference")
                _cbc(adr, "ID", inv.project_reference)
                _cbc(adr, "DocumentTypeCode", "50")
            self.doc_ref(root, "OriginatorDocumentReference", inv.tender_reference)
        else:
            self.doc_ref(root, "ProjectReference", inv.project_reference)
        self.party(root, "AccountingSupplierParty", inv.seller)
        self.party(root, "AccountingCustomerParty", inv.buyer)
        if inv.payee:
            payee = _cac(root, "PayeeParty")
            if inv.payee.identifier:
                self.identifier(_cac(payee, "PartyIdentification"), "ID", inv.payee.identifier)
            _cbc(_cac(payee, "PartyName"), "Name", inv.payee.name)
            if inv.payee.legal_id:
                self.identifier(_cac(payee, "PartyLegalEntity"), "CompanyID", inv.payee.legal_id)
        if inv.tax_representative:
            rep = _cac(root, "TaxRepresentativeParty")
            _cbc(_cac(rep, "PartyName"), "Name", inv.tax_representative.name)
            self.address(rep, "PostalAddress", inv.tax_representative.address)
            pts = _cac(rep, "PartyTaxScheme")
            _cbc(pts, "CompanyID", inv.tax_representative.vat_id)
            self.tax_scheme(pts)
        if inv.delivery:
            dl = _cac(root, "Delivery")
            _cbc(dl, "ActualDeliveryDate", inv.delivery.actual_date)
            if inv.delivery.location_id or inv.delivery.address:
                loc = _cac(dl, "DeliveryLocation")
                self.identifier(loc, "ID", inv.delivery.location_id)
                if inv.delivery.address:
                    self.address(loc, "Address", inv.delivery.address)
            if inv.delivery.party_name:
                _cbc(_cac(_cac(dl, "DeliveryParty"), "PartyName"), "Name", inv.delivery.party_name)
        for pm in inv.payment_means:
            self.payment_means(root, pm)
        if inv.payment_terms:
            _cbc(_cac(root, "PaymentTerms"), "Note", inv.payment_terms)
        for ac in inv.allowances_charges:
            self.allowance_charge(root, ac)
        breakdown = inv.vat_breakdown or []
        totals = inv.totals
        assert totals is not None  # with_computed() filled it in
        tax_total = _cac(root, "TaxTotal")
        vat_total = totals.vat_total
        if vat_total is None:
            vat_total = sum((b.tax_amount for b in breakdown), Decimal("0.00"))
        self.amount(tax_total, "TaxAmount", vat_total)
        for b in breakdown:
            sub = _cac(tax_total, "TaxSubtotal")
            self.amount(sub, "TaxableAmount", b.taxable_amount)
            self.amount(sub, "TaxAmount", b.tax_amount)
            self.tax_category(
                sub, "TaxCategory", b.category, b.rate, b.exemption_reason_code, b.exemption_reason
            )
        if (
            inv.tax_currency
            and inv.tax_currency != inv.currency
            and inv.vat_total_in_tax_currency is not None
        ):
            _cbc(
                _cac(root, "TaxTotal"),
                "TaxAmount",
                inv.vat_total_in_tax_currency,
                currencyID=inv.tax_currency,
            )
        lmt = _cac(root, "LegalMonetaryTotal")
        self.amount(lmt, "LineExtensionAmount", totals.line_total)
        self.amount(lmt, "TaxExclusiveAmount", totals.tax_exclusive)
        self.amount(lmt, "TaxInclusiveAmount", totals.tax_inclusive)
        self.amount(lmt, "AllowanceTotalAmount", totals.allowance_total)
        self.amount(lmt, "ChargeTotalAmount", totals.charge_total)
        self.amount(lmt, "PrepaidAmount", totals.prepaid)
        self.amount(lmt, "PayableRoundingAmount", totals.rounding)
        self.amount(lmt, "PayableAmount", totals.payable)
        for line in inv.lines:
            self.line(root, line)
        return root


def to_ubl(invoice: Invoice) -> etree._Element:
    """The UBL ``Invoice`` (or ``CreditNote`` for type code 381 …) element of ``invoice``."""
    return _Writer(invoice.with_computed()).document()


def to_ubl_xml(invoice: Invoice, *, pretty: bool = True) -> bytes:
    """The UBL XML document (UTF-8, with the XML declaration) of ``invoice``."""
    return etree.tostring(to_ubl(invoice), xml_declaration=True, encoding="UTF-8", pretty_print=pretty)


__all__ = ["NS_CAC", "NS_CBC", "NS_CREDIT_NOTE", "NS_INVOICE", "to_ubl", "to_ubl_xml"]
