"""The typed D406 (SAF-T RO) ``AuditFile``: one Pydantic model per XML element, fields in schema order.

Every field's alias is its XML element name (``account_id`` → ``AccountID``); a list field is a
repeated element; a nested model is a child element. ``build.to_xml`` / ``build.from_xml`` walk these
models generically, so the model is the single description of the XML shape.

Choices the schema makes (``OpeningDebitBalance`` *or* ``OpeningCreditBalance``, ``DebitAmount`` *or*
``CreditAmount``) are two optional fields; the builder fills one and the validator checks the choice.
Sections are optional because the report types carry different ones (``HeaderComment``):

* ``L`` (monthly) / ``T`` (quarterly): MasterFiles without PhysicalStock and Assets details,
  GeneralLedgerEntries, SourceDocuments SalesInvoices / PurchaseInvoices / Payments;
* ``A`` (annual, assets): MasterFiles Assets and SourceDocuments AssetTransactions;
* ``C`` (on request, stock): MasterFiles UOMTable / Products / PhysicalStock and SourceDocuments
  MovementOfGoods.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

NS_D406 = "mfp:anaf:dgti:d406:declaratie:v1"
NS_D406T = "mfp:anaf:dgti:d406t:declaratie:v1"  # the test variant ANAF's DUKIntegrator also checks
NAMESPACES = (NS_D406, NS_D406T)

ReportKind = Literal["L", "T", "A", "C"]
REPORT_KINDS: tuple[str, ...] = ("L", "T", "A", "C")

_UPPER = {"id": "ID", "uom": "UOM", "iban": "IBAN", "gl": "GL", "bic": "BIC"}


def xml_name(field_name: str) -> str:
    """``gl_posting_date`` → ``GLPostingDate``: the D406 spelling of a field name."""
    return "".join(_UPPER.get(part, part.capitalize()) for part in field_name.split("_"))


class D406Model(BaseModel):
    model_config = ConfigDict(alias_generator=xml_name, populate_by_name=True, extra="forbid")


# --- header --------------------------------------------------------------------------------------------
class Address(D406Model):
    street_name: str | None = None
    number: str | None = None
    additional_address_detail: str | None = None
    building: str | None = None
    city: str
    postal_code: str | None = None
    region: str | None = None
    country: str = "RO"
    address_type: str | None = None


class ContactPerson(D406Model):
    first_name: str
    last_name: str


class Contact(D406Model):
    contact_person: ContactPerson
    telephone: str
    email: str | None = None


class BankAccount(D406Model):
    iban_number: str


class Company(D406Model):
    registration_number: str
    name: str
    addresses: list[Address] = Field(default_factory=list, alias="Address")
    contact: Contact | None = None
    bank_accounts: list[BankAccount] = Field(default_factory=list, alias="BankAccount")


class SelectionCriteria(D406Model):
    selection_start_date: date | None = None
    selection_end_date: date | None = None
    period_start: int | None = None
    period_start_year: int | None = None
    period_end: int | None = None
    period_end_year: int | None = None


class Header(D406Model):
    audit_file_version: str = "2.0"
    audit_file_country: str = "RO"
    audit_file_date_created: date
    software_company_name: str
    software_id: str
    software_version: str
    company: Company
    default_currency_code: str = "RON"
    selection_criteria: SelectionCriteria
    header_comment: str
    segment_index: int = 1
    total_segments_insequence: int = 1
    tax_accounting_basis: str = "A"


# --- master files --------------------------------------------------------------------------------------
class Account(D406Model):
    account_id: str
    account_description: str
    standard_account_id: str
    account_type: str
    opening_debit_balance: Decimal | None = None
    opening_credit_balance: Decimal | None = None
    closing_debit_balance: Decimal | None = None
    closing_credit_balance: Decimal | None = None


class GeneralLedgerAccounts(D406Model):
    accounts: list[Account] = Field(default_factory=list, alias="Account")


class CompanyStructure(D406Model):
    registration_number: str
    name: str
    addresses: list[Address] = Field(default_factory=list, alias="Address")


class Customer(D406Model):
    company_structure: CompanyStructure
    customer_id: str
    account_id: str
    opening_debit_balance: Decimal | None = None
    opening_credit_balance: Decimal | None = None
    closing_debit_balance: Decimal | None = None
    closing_credit_balance: Decimal | None = None


class Supplier(D406Model):
    company_structure: CompanyStructure
    supplier_id: str
    account_id: str
    opening_debit_balance: Decimal | None = None
    opening_credit_balance: Decimal | None = None
    closing_debit_balance: Decimal | None = None
    closing_credit_balance: Decimal | None = None


class Customers(D406Model):
    customers: list[Customer] = Field(default_factory=list, alias="Customer")


class Suppliers(D406Model):
    suppliers: list[Supplier] = Field(default_factory=list, alias="Supplier")


class TaxCodeDetails(D406Model):
    tax_code: str
    description: str
    tax_percentage: Decimal | None = None
    base_rate: Decimal | None = None
    country: str = "RO"


class TaxTableEntry(D406Model):
    tax_type: str
    description: str
    tax_code_details: list[TaxCodeDetails] = Field(default_factory=list, alias="TaxCodeDetails")


class TaxTable(D406Model):
    entries: list[TaxTableEntry] = Field(default_factory=list, alias="TaxTableEntry")


class UOMTableEntry(D406Model):
    unit_of_measure: str
    description: str


class UOMTable(D406Model):
    entries: list[UOMTableEntry] = Field(default_factory=list, alias="UOMTableEntry")


class Product(D406Model):
    product_code: str
    goods_services_id: str
    product_group: str | None = None
    description: str
    product_commodity_code: str
    valuation_method: str | None = None
    uom_base: str
    uom_standard: str
    uom_to_uom_base_conversion_factor: Decimal = Decimal(1)


class Products(D406Model):
    products: list[Product] = Field(default_factory=list, alias="Product")


class PhysicalStockEntry(D406Model):
    warehouse_id: str
    product_code: str
    stock_account_no: str
    product_type: str
    uom_physical_stock: str
    uom_to_uom_base_conversion_factor: Decimal = Decimal(1)
    unit_price: Decimal
    opening_stock_quantity: Decimal
    opening_stock_value: Decimal
    closing_stock_quantity: Decimal
    closing_stock_value: Decimal


class PhysicalStock(D406Model):
    entries: list[PhysicalStockEntry] = Field(default_factory=list, alias="PhysicalStockEntry")


class Valuation(D406Model):
    asset_valuation_type: str
    valuation_class: str | None = None
    acquisition_and_production_costs_begin: Decimal
    acquisition_and_production_costs_end: Decimal
    asset_life_year: Decimal | None = None
    asset_addition: Decimal = Decimal(0)
    transfers: Decimal = Decimal(0)
    asset_disposal: Decimal = Decimal(0)
    book_value_begin: Decimal
    depreciation_method: str | None = None
    depreciation_percentage: Decimal | None = None
    depreciation_for_period: Decimal = Decimal(0)
    appreciation_for_period: Decimal = Decimal(0)
    accumulated_depreciation: Decimal = Decimal(0)
    book_value_end: Decimal


class Valuations(D406Model):
    valuations: list[Valuation] = Field(default_factory=list, alias="Valuation")


class Asset(D406Model):
    asset_id: str
    account_id: str
    description: str
    date_of_acquisition: date
    start_up_date: date | None = None
    valuations: Valuations


class Assets(D406Model):
    assets: list[Asset] = Field(default_factory=list, alias="Asset")


class MasterFiles(D406Model):
    general_ledger_accounts: GeneralLedgerAccounts | None = None
    customers: Customers | None = None
    suppliers: Suppliers | None = None
    tax_table: TaxTable | None = None
    uom_table: UOMTable | None = Field(None, alias="UOMTable")
    products: Products | None = None
    physical_stock: PhysicalStock | None = None
    assets: Assets | None = None


# --- general ledger entries ----------------------------------------------------------------------------
class Amount(D406Model):
    amount: Decimal
    currency_code: str | None = None
    currency_amount: Decimal | None = None
    exchange_rate: Decimal | None = None


class TaxInformation(D406Model):
    tax_type: str
    tax_code: str
    tax_percentage: Decimal | None = None
    tax_base: Decimal | None = None
    tax_amount: Amount


class TransactionLine(D406Model):
    record_id: str
    account_id: str
    source_document_id: str | None = None
    customer_id: str | None = None
    supplier_id: str | None = None
    description: str
    debit_amount: Amount | None = None
    credit_amount: Amount | None = None
    tax_information: list[TaxInformation] = Field(default_factory=list, alias="TaxInformation")


class Transaction(D406Model):
    transaction_id: str
    period: int
    period_year: int
    transaction_date: date
    source_id: str
    transaction_type: str = "normal"
    description: str
    system_entry_date: date
    gl_posting_date: date
    customer_id: str | None = None
    supplier_id: str | None = None
    lines: list[TransactionLine] = Field(default_factory=list, alias="TransactionLine")


class Journal(D406Model):
    journal_id: str
    description: str
    type: str
    transactions: list[Transaction] = Field(default_factory=list, alias="Transaction")


class GeneralLedgerEntries(D406Model):
    number_of_entries: int
    total_debit: Decimal
    total_credit: Decimal
    journals: list[Journal] = Field(default_factory=list, alias="Journal")


# --- source documents ----------------------------------------------------------------------------------
class PartyInfo(D406Model):
    customer_id: str | None = None
    supplier_id: str | None = None
    billing_address: Address | None = None


class InvoiceLine(D406Model):
    line_number: str
    account_id: str
    product_code: str | None = None
    quantity: Decimal | None = None
    invoice_uom: str | None = Field(None, alias="InvoiceUOM")
    unit_price: Decimal | None = None
    tax_point_date: date | None = None
    description: str
    invoice_line_amount: Amount
    debit_credit_indicator: Literal["D", "C"]
    tax_information: list[TaxInformation] = Field(default_factory=list, alias="TaxInformation")


class DocumentTotals(D406Model):
    net_total: Decimal
    gross_total: Decimal


class Invoice(D406Model):
    invoice_no: str
    customer_info: PartyInfo | None = None
    supplier_info: PartyInfo | None = None
    account_id: str | None = None
    period: int
    period_year: int
    invoice_date: date
    invoice_type: str = "380"
    self_billing_indicator: str | None = None
    source_id: str | None = None
    gl_posting_date: date
    transaction_id: str | None = None
    lines: list[InvoiceLine] = Field(default_factory=list, alias="Line")
    document_totals: DocumentTotals


class SalesInvoices(D406Model):
    number_of_entries: int
    total_debit: Decimal
    total_credit: Decimal
    invoices: list[Invoice] = Field(default_factory=list, alias="Invoice")


class PurchaseInvoices(D406Model):
    number_of_entries: int
    total_debit: Decimal
    total_credit: Decimal
    invoices: list[Invoice] = Field(default_factory=list, alias="Invoice")


class PaymentLine(D406Model):
    line_number: str
    source_document_id: str | None = None
    account_id: str
    customer_id: str | None = None
    supplier_id: str | None = None
    description: str
    debit_credit_indicator: Literal["D", "C"]
    payment_line_amount: Amount
    tax_information: list[TaxInformation] = Field(default_factory=list, alias="TaxInformation")


class Payment(D406Model):
    payment_ref_no: str
    period: int
    period_year: int
    transaction_id: str | None = None
    transaction_date: date
    payment_method: str
    description: str
    source_id: str | None = None
    lines: list[PaymentLine] = Field(default_factory=list, alias="PaymentLine")
    document_totals: DocumentTotals


class Payments(D406Model):
    number_of_entries: int
    total_debit: Decimal
    total_credit: Decimal
    payments: list[Payment] = Field(default_factory=list, alias="Payment")


class StockMovementLine(D406Model):
    line_number: str
    account_id: str
    product_code: str
    quantity: Decimal
    unit_of_measure: str
    uom_to_uom_base_conversion_factor: Decimal = Decimal(1)
    book_value: Decimal
    movement_sub_type: str | None = None
    description: str | None = None


class StockMovement(D406Model):
    movement_reference: str
    movement_date: date
    movement_posting_date: date | None = None
    movement_type: str
    document_reference: str | None = None
    lines: list[StockMovementLine] = Field(default_factory=list, alias="Line")


class MovementOfGoods(D406Model):
    number_of_movement_lines: int | None = None
    total_quantity_received: Decimal | None = None
    total_quantity_issued: Decimal | None = None
    movements: list[StockMovement] = Field(default_factory=list, alias="StockMovement")


class AssetTransactionValuation(D406Model):
    asset_valuation_type: str
    acquisition_and_production_costs_on_transaction: Decimal
    book_value_on_transaction: Decimal
    asset_transaction_amount: Decimal


class AssetTransactionValuations(D406Model):
    valuations: list[AssetTransactionValuation] = Field(
        default_factory=list, alias="AssetTransactionValuation"
    )


class AssetTransaction(D406Model):
    asset_transaction_id: str
    asset_id: str
    asset_transaction_type: str
    description: str | None = None
    asset_transaction_date: date
    transaction_id: str | None = None
    asset_transaction_valuations: AssetTransactionValuations


class AssetTransactions(D406Model):
    number_of_asset_transactions: int
    transactions: list[AssetTransaction] = Field(default_factory=list, alias="AssetTransaction")


class SourceDocuments(D406Model):
    sales_invoices: SalesInvoices | None = None
    purchase_invoices: PurchaseInvoices | None = None
    payments: Payments | None = None
    movement_of_goods: MovementOfGoods | None = None
    asset_transactions: AssetTransactions | None = None


class AuditFile(D406Model):
    header: Header
    master_files: MasterFiles | None = None
    general_ledger_entries: GeneralLedgerEntries | None = None
    source_documents: SourceDocuments | None = None
