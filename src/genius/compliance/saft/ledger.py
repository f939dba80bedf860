"""The ledger input format: what the accounting module hands the SAF-T worker (one JSON document).

It carries the books as they are kept, not the D406 shape: balances are signed numbers (debit
positive, credit negative), journal entries are lines with ``debit``/``credit``, invoices are lines
with amounts. The builder (``build.from_ledger``) derives everything D406 states twice: closing
balances (opening + the period's movements), control totals (``NumberOfEntries``, ``TotalDebit``,
``TotalCredit``), invoice and payment totals, asset book values at the end of the period.

Minimal example (docs/compliance.md has a complete one)::

    {
      "company": {"cui": "RO88888808", "name": "TEST SRL", "city": "Bucuresti"},
      "period_start": "2026-06-01", "period_end": "2026-06-30",
      "accounts": [{"id": "5311", "description": "Casa in lei", "type": "Activ", "opening_balance": "100.00"},
                   {"id": "1012", "description": "Capital subscris varsat", "type": "Pasiv",
                    "opening_balance": "-100.00"}],
      "journals": [{"id": "GJ", "description": "Jurnal general"}],
      "entries": [{"id": "1", "journal": "GJ", "date": "2026-06-30", "description": "Aport",
                   "lines": [{"account": "5311", "debit": "50"}, {"account": "1012", "credit": "50"}]}]
    }
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, model_validator

from genius.compliance.common.schema import DeclaredModel

# Amounts and quantities: finite, at most 22 digits with 6 decimals (no NaN, no 1e999999)
Money = Annotated[Decimal, Field(max_digits=22, decimal_places=6, allow_inf_nan=False)]


class LedgerModel(DeclaredModel):
    """Text ends up in XML (and PostgreSQL): ``DeclaredModel`` refuses control characters field by field
    and declares it, with the decimal forms, in the schema."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CompanyIn(LedgerModel):
    cui: str = Field(max_length=20, description="the company's CUI/CIF, with or without the RO prefix")
    name: str = Field(min_length=1, max_length=200)
    street: str | None = Field(None, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    postal_code: str | None = Field(None, max_length=20)
    region: str | None = Field(None, max_length=50, description="county code, e.g. RO-B")
    country: str = Field("RO", min_length=2, max_length=2)
    contact_first_name: str = Field("-", max_length=100)
    contact_last_name: str = Field("-", max_length=100)
    telephone: str = Field("-", max_length=30)
    email: str | None = Field(None, max_length=200)
    iban: str | None = Field(None, max_length=34)


class AccountIn(LedgerModel):
    id: str = Field(min_length=1, max_length=70)
    description: str = Field(min_length=1, max_length=200)
    standard_id: str | None = Field(
        None, max_length=70, description="the chart's synthetic account; default id"
    )
    type: Literal["Activ", "Pasiv", "Bifunctional"] = "Bifunctional"
    opening_balance: Money = Field(Decimal(0), description="at the period start: debit > 0, credit < 0")


class PartnerIn(LedgerModel):
    id: str = Field(min_length=1, max_length=35)
    registration_number: str = Field(
        min_length=1, max_length=35, description="CUI for Romanian companies; ANAF's codes otherwise"
    )
    name: str = Field(min_length=1, max_length=200)
    street: str | None = Field(None, max_length=200)
    city: str = Field("-", max_length=100)
    postal_code: str | None = Field(None, max_length=20)
    country: str = Field("RO", min_length=2, max_length=2)
    account: str = Field(min_length=1, max_length=70, description="the partner's ledger account (4111, 401…)")
    opening_balance: Money = Decimal(0)


class TaxCodeIn(LedgerModel):
    type: str = Field("300", max_length=9, description="D406 tax type (300 = VAT)")
    type_description: str = "TVA"
    code: str = Field(min_length=1, max_length=9)
    description: str = Field(min_length=1, max_length=200)
    percentage: Money | None = None
    base_rate: Money | None = Decimal(1)
    country: str = "RO"


class UnitIn(LedgerModel):
    code: str = Field(min_length=1, max_length=9)
    description: str = Field(min_length=1, max_length=100)


class ProductIn(LedgerModel):
    code: str = Field(min_length=1, max_length=70)
    description: str = Field(min_length=1, max_length=200)
    goods_services_id: str = Field("01", max_length=9, description="01 goods, 02 services")
    group: str | None = None
    commodity_code: str = Field("0", max_length=20, description="customs tariff (NC) code, 0 when none")
    valuation_method: str | None = None
    unit: str = Field("H87", max_length=9)


class LineIn(LedgerModel):
    account: str = Field(min_length=1, max_length=70)
    debit: Money = Field(Decimal(0), ge=0)
    credit: Money = Field(Decimal(0), ge=0)
    description: str | None = Field(None, max_length=200)
    customer_id: str | None = None
    supplier_id: str | None = None
    source_document_id: str | None = None
    currency: str | None = Field(None, min_length=3, max_length=3)
    currency_amount: Money | None = None
    exchange_rate: Money | None = None
    tax_type: str | None = None
    tax_code: str | None = None
    tax_amount: Money | None = None

    @model_validator(mode="after")
    def one_side(self) -> LineIn:
        if self.debit and self.credit:
            raise ValueError("a line is either debit or credit, not both")
        return self


class JournalIn(LedgerModel):
    id: str = Field(min_length=1, max_length=18)
    description: str = Field(min_length=1, max_length=200)
    type: str = Field("GL", max_length=9)


class EntryIn(LedgerModel):
    id: str = Field(min_length=1, max_length=70)
    journal: str
    date: dt.date
    posting_date: dt.date | None = None
    entry_date: dt.date | None = Field(None, description="when it was keyed in; default the date")
    description: str = Field(min_length=1, max_length=200)
    source_id: str = Field("system", max_length=35, description="who keyed it in")
    type: str = Field("normal", max_length=30)
    customer_id: str | None = None
    supplier_id: str | None = None
    lines: list[LineIn] = Field(min_length=1, max_length=100_000)


class InvoiceLineIn(LedgerModel):
    account: str
    description: str = Field(min_length=1, max_length=200)
    product_code: str | None = None
    quantity: Money | None = None
    unit: str | None = None
    unit_price: Money | None = None
    amount: Money = Field(description="net amount of the line")
    credit_note: bool = Field(False, description="a line reversing (credit note) the invoice's side")
    tax_type: str = "300"
    tax_code: str | None = None
    tax_percentage: Money | None = None
    tax_amount: Money = Decimal(0)


class InvoiceIn(LedgerModel):
    number: str = Field(min_length=1, max_length=70)
    partner_id: str
    date: dt.date
    posting_date: dt.date | None = None
    type: str = Field("380", max_length=9)
    account: str | None = None
    transaction_id: str | None = None
    self_billing: bool = False
    lines: list[InvoiceLineIn] = Field(min_length=1, max_length=100_000)


class PaymentLineIn(LedgerModel):
    account: str
    customer_id: str | None = None
    supplier_id: str | None = None
    source_document_id: str | None = None
    description: str = Field(min_length=1, max_length=200)
    side: Literal["D", "C"]
    amount: Money = Field(ge=0)
    tax_amount: Money = Decimal(0)


class PaymentIn(LedgerModel):
    reference: str = Field(min_length=1, max_length=70)
    date: dt.date
    method: str = Field("01", max_length=9, description="01 cash, 03 bank transfer, …")
    description: str = Field(min_length=1, max_length=200)
    transaction_id: str | None = None
    lines: list[PaymentLineIn] = Field(min_length=1, max_length=100_000)


class AssetIn(LedgerModel):
    id: str = Field(min_length=1, max_length=35)
    account: str
    description: str = Field(min_length=1, max_length=200)
    acquired: dt.date
    started_up: dt.date | None = None
    valuation_type: str = Field("contabila", max_length=30)
    cost_begin: Money
    additions: Money = Decimal(0)
    transfers: Money = Decimal(0)
    disposals: Money = Decimal(0)
    book_value_begin: Money
    depreciation: Money = Decimal(0)
    appreciation: Money = Decimal(0)
    accumulated_depreciation: Money = Decimal(0)
    life_years: Money | None = None
    depreciation_method: str | None = Field(None, max_length=30)
    depreciation_percentage: Money | None = None


class AssetTransactionIn(LedgerModel):
    id: str = Field(min_length=1, max_length=70)
    asset_id: str
    type: str = Field(max_length=9, description="ANAF's asset transaction type code")
    date: dt.date
    description: str | None = None
    transaction_id: str | None = None
    valuation_type: str = "contabila"
    cost: Money = Decimal(0)
    book_value: Money = Decimal(0)
    amount: Money = Decimal(0)


class StockIn(LedgerModel):
    warehouse: str = Field(min_length=1, max_length=35)
    product_code: str
    product_type: str = Field("01", max_length=9)
    account: str
    unit: str = "H87"
    unit_price: Money
    opening_quantity: Money
    opening_value: Money
    closing_quantity: Money
    closing_value: Money


class MovementLineIn(LedgerModel):
    account: str
    product_code: str
    quantity: Money = Field(description="positive received, negative issued")
    unit: str = "H87"
    book_value: Money
    sub_type: str | None = None
    description: str | None = None


class MovementIn(LedgerModel):
    reference: str = Field(min_length=1, max_length=70)
    date: dt.date
    type: str = Field(max_length=9)
    document_reference: str | None = None
    lines: list[MovementLineIn] = Field(min_length=1)


class SoftwareIn(LedgerModel):
    company: str = "GeniusERP"
    id: str = "genius"
    version: str = "1.0"


class Ledger(LedgerModel):
    """The books for one SAF-T period (``period_start``..``period_end`` inclusive)."""

    company: CompanyIn
    software: SoftwareIn = Field(default_factory=SoftwareIn)
    currency: str = Field("RON", min_length=3, max_length=3)
    tax_accounting_basis: str = Field("A", max_length=9, description="A accrual, BANK, INSURANCE…")
    period_start: dt.date
    period_end: dt.date
    accounts: list[AccountIn] = Field(default_factory=list, max_length=1_000_000)
    customers: list[PartnerIn] = Field(default_factory=list)
    suppliers: list[PartnerIn] = Field(default_factory=list)
    tax_codes: list[TaxCodeIn] = Field(default_factory=list)
    units: list[UnitIn] = Field(default_factory=list)
    products: list[ProductIn] = Field(default_factory=list)
    journals: list[JournalIn] = Field(default_factory=list)
    entries: list[EntryIn] = Field(default_factory=list)
    sales_invoices: list[InvoiceIn] = Field(default_factory=list)
    purchase_invoices: list[InvoiceIn] = Field(default_factory=list)
    payments: list[PaymentIn] = Field(default_factory=list)
    assets: list[AssetIn] = Field(default_factory=list)
    asset_transactions: list[AssetTransactionIn] = Field(default_factory=list)
    stock: list[StockIn] = Field(default_factory=list)
    stock_movements: list[MovementIn] = Field(default_factory=list)

    @model_validator(mode="after")
    def consistent(self) -> Ledger:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        journals = {j.id for j in self.journals}
        for entry in self.entries:
            if entry.journal not in journals:
                raise ValueError(f"entry {entry.id}: journal {entry.journal!r} is not in journals")
        return self
