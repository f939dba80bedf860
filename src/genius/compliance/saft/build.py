"""D406 XML from the typed model and back, the model from a ledger, and segmentation.

* ``to_xml(audit, namespace)`` writes the ``AuditFile`` (fields in model order = schema order; amounts
  with two decimals; dates ``YYYY-MM-DD``); ``from_xml`` reads one back (d406 or d406t namespace,
  unknown elements ignored; ``ValueError`` when it is not an AuditFile or does not fit the model).
* ``from_ledger(ledger, kind)`` builds the report type's sections (see ``model``) and derives closing
  balances and every control total.
* ``segment(audit, max_bytes)`` splits a report larger than ``max_bytes`` into numbered AuditFiles
  (``SegmentIndex`` / ``TotalSegmentsInsequence``): MasterFiles in the first, then transactions and
  source documents in order; each segment carries its own control totals, so each is a valid file.
"""

from __future__ import annotations

import types
import typing
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar, Union

from lxml import etree
from pydantic import BaseModel, ValidationError

from genius.compliance.saft import audit_file as m
from genius.compliance.saft.ledger import InvoiceIn, Ledger, PartnerIn

ANAF_MAX_BYTES = 500 * 1024 * 1024  # ANAF's limit per D406 file
CENT = Decimal("0.01")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=True)
M = TypeVar("M", bound=BaseModel)


# --- model ⇄ XML ---------------------------------------------------------------------------------------
def _text(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _append(parent: etree._Element, ns: str, obj: BaseModel) -> None:
    for name, info in type(obj).model_fields.items():
        value = getattr(obj, name)
        tag = f"{{{ns}}}{info.alias or name}"
        items = value if isinstance(value, list) else [value]
        for item in items:
            if item is None:
                continue
            child = etree.SubElement(parent, tag)
            if isinstance(item, BaseModel):
                _append(child, ns, item)
            else:
                child.text = _text(item)


def element(obj: BaseModel, tag: str, namespace: str = m.NS_D406) -> etree._Element:
    el = etree.Element(f"{{{namespace}}}{tag}", nsmap={None: namespace})
    _append(el, namespace, obj)
    return el


def to_xml(audit: m.AuditFile, namespace: str = m.NS_D406) -> bytes:
    return bytes(
        etree.tostring(element(audit, "AuditFile", namespace), xml_declaration=True, encoding="UTF-8")
    )


def _shape(annotation: Any) -> tuple[bool, Any]:
    """(is a list, the item type) of a field annotation, without ``None``."""
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _shape(args[0])
    if origin is list:
        return True, typing.get_args(annotation)[0]
    return False, annotation


def _read(cls: type[M], el: etree._Element) -> dict[str, Any]:
    ns = etree.QName(el).namespace
    data: dict[str, Any] = {}
    for name, info in cls.model_fields.items():
        tag = f"{{{ns}}}{info.alias or name}" if ns else (info.alias or name)
        is_list, item_type = _shape(info.annotation)
        found = el.findall(tag)
        if not found:
            continue
        nested = isinstance(item_type, type) and issubclass(item_type, BaseModel)
        values = [_read(item_type, x) if nested else (x.text or "").strip() for x in found]
        data[name] = values if is_list else values[0]
    return data


def from_element(root: etree._Element) -> m.AuditFile:
    qname = etree.QName(root)
    if qname.localname != "AuditFile" or qname.namespace not in m.NAMESPACES:
        raise ValueError(f"not a D406 AuditFile: root element {root.tag!r}")
    try:
        return m.AuditFile.model_validate(_read(m.AuditFile, root))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "/".join(str(x) for x in first["loc"])
        raise ValueError(f"the file does not fit the D406 model at {where}: {first['msg']}") from None


def from_xml(xml: bytes) -> m.AuditFile:
    try:
        root = etree.fromstring(xml, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"not well-formed XML: {exc}") from None
    return from_element(root)


def namespace_of(xml: bytes) -> str | None:
    try:
        return etree.QName(etree.fromstring(xml, _PARSER)).namespace
    except (etree.XMLSyntaxError, ValueError):
        return None


# --- ledger → model ------------------------------------------------------------------------------------
def money(value: Decimal) -> Decimal:
    return value.quantize(CENT)


def _balance(value: Decimal) -> tuple[Decimal | None, Decimal | None]:
    """A signed balance as (debit, credit); zero is a zero debit balance."""
    value = money(value)
    return (value, None) if value >= 0 else (None, -value)


def _amount(value: Decimal, currency: str | None = None, currency_amount: Decimal | None = None) -> m.Amount:
    return m.Amount(
        amount=money(value),
        currency_code=currency,
        currency_amount=money(currency_amount) if currency_amount is not None else None,
    )


def _months(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def check_period(ledger: Ledger, kind: str) -> None:
    """L is one month, T one quarter, A one (calendar or fiscal) year; C any range."""
    months = _months(ledger.period_start, ledger.period_end)
    if kind == "L" and months != 1:
        raise ValueError("a monthly (L) report covers exactly one month")
    if kind == "T" and (months != 3 or (ledger.period_start.month - 1) % 3):
        raise ValueError("a quarterly (T) report covers one calendar quarter")
    if kind == "A" and months != 12:
        raise ValueError("an annual (A) report covers twelve months")


def _address(street: str | None, city: str, postal_code: str | None, country: str) -> m.Address:
    return m.Address(
        street_name=street, city=city, postal_code=postal_code, country=country, address_type="StreetAddress"
    )


def _header(ledger: Ledger, kind: str, created: date) -> m.Header:
    c = ledger.company
    company = m.Company(
        registration_number=c.cui,
        name=c.name,
        addresses=[
            m.Address(
                street_name=c.street,
                city=c.city,
                postal_code=c.postal_code,
                region=c.region,
                country=c.country,
                address_type="StreetAddress",
            )
        ],
        contact=m.Contact(
            contact_person=m.ContactPerson(first_name=c.contact_first_name, last_name=c.contact_last_name),
            telephone=c.telephone,
            email=c.email,
        ),
        bank_accounts=[m.BankAccount(iban_number=c.iban)] if c.iban else [],
    )
    on_request = kind == "C"
    criteria = m.SelectionCriteria(
        selection_start_date=ledger.period_start if on_request else None,
        selection_end_date=ledger.period_end if on_request else None,
        period_start=None if on_request else ledger.period_start.month,
        period_start_year=None if on_request else ledger.period_start.year,
        period_end=None if on_request else ledger.period_end.month,
        period_end_year=None if on_request else ledger.period_end.year,
    )
    return m.Header(
        audit_file_date_created=created,
        software_company_name=ledger.software.company,
        software_id=ledger.software.id,
        software_version=ledger.software.version,
        company=company,
        default_currency_code=ledger.currency,
        selection_criteria=criteria,
        header_comment=kind,
        tax_accounting_basis=ledger.tax_accounting_basis,
    )


def _partner_balances(ledger: Ledger, field: str) -> dict[str, Decimal]:
    moved: dict[str, Decimal] = defaultdict(Decimal)
    for entry in ledger.entries:
        for line in entry.lines:
            partner = getattr(line, field) or getattr(entry, field)
            if partner:
                moved[partner] += line.debit - line.credit
    return moved


def _customer(p: PartnerIn, moved: Decimal) -> m.Customer:
    od, oc = _balance(p.opening_balance)
    cd, cc = _balance(p.opening_balance + moved)
    return m.Customer(
        company_structure=m.CompanyStructure(
            registration_number=p.registration_number,
            name=p.name,
            addresses=[_address(p.street, p.city, p.postal_code, p.country)],
        ),
        customer_id=p.id,
        account_id=p.account,
        opening_debit_balance=od,
        opening_credit_balance=oc,
        closing_debit_balance=cd,
        closing_credit_balance=cc,
    )


def _supplier(p: PartnerIn, moved: Decimal) -> m.Supplier:
    c = _customer(p, moved)
    return m.Supplier(
        company_structure=c.company_structure,
        supplier_id=p.id,
        account_id=p.account,
        opening_debit_balance=c.opening_debit_balance,
        opening_credit_balance=c.opening_credit_balance,
        closing_debit_balance=c.closing_debit_balance,
        closing_credit_balance=c.closing_credit_balance,
    )


def _gl_accounts(ledger: Ledger) -> m.GeneralLedgerAccounts:
    moved: dict[str, Decimal] = defaultdict(Decimal)
    for entry in ledger.entries:
        for line in entry.lines:
            moved[line.account] += line.debit - line.credit
    accounts = []
    for a in ledger.accounts:
        od, oc = _balance(a.opening_balance)
        cd, cc = _balance(a.opening_balance + moved[a.id])
        accounts.append(
            m.Account(
                account_id=a.id,
                account_description=a.description,
                standard_account_id=a.standard_id or a.id,
                account_type=a.type,
                opening_debit_balance=od,
                opening_credit_balance=oc,
                closing_debit_balance=cd,
                closing_credit_balance=cc,
            )
        )
    return m.GeneralLedgerAccounts(accounts=accounts)


def _tax_table(ledger: Ledger) -> m.TaxTable:
    by_type: dict[str, m.TaxTableEntry] = {}
    for t in ledger.tax_codes:
        entry = by_type.setdefault(t.type, m.TaxTableEntry(tax_type=t.type, description=t.type_description))
        entry.tax_code_details.append(
            m.TaxCodeDetails(
                tax_code=t.code,
                description=t.description,
                tax_percentage=t.percentage,
                base_rate=t.base_rate,
                country=t.country,
            )
        )
    return m.TaxTable(entries=list(by_type.values()))


def _products(ledger: Ledger) -> m.Products:
    return m.Products(
        products=[
            m.Product(
                product_code=p.code,
                goods_services_id=p.goods_services_id,
                product_group=p.group,
                description=p.description,
                product_commodity_code=p.commodity_code,
                valuation_method=p.valuation_method,
                uom_base=p.unit,
                uom_standard=p.unit,
            )
            for p in ledger.products
        ]
    )


def gl_entries(journals: list[m.Journal]) -> m.GeneralLedgerEntries:
    """The section with its control totals computed from its lines."""
    count, debit, credit = 0, Decimal(0), Decimal(0)
    for journal in journals:
        for txn in journal.transactions:
            count += 1
            for line in txn.lines:
                debit += line.debit_amount.amount if line.debit_amount else 0
                credit += line.credit_amount.amount if line.credit_amount else 0
    return m.GeneralLedgerEntries(
        number_of_entries=count, total_debit=money(debit), total_credit=money(credit), journals=journals
    )


def _journals(ledger: Ledger) -> list[m.Journal]:
    journals = {
        j.id: m.Journal(journal_id=j.id, description=j.description, type=j.type) for j in ledger.journals
    }
    for entry in ledger.entries:
        lines = []
        for number, line in enumerate(entry.lines, start=1):
            side = _amount(line.debit or line.credit, line.currency, line.currency_amount)
            tax = []
            if line.tax_code:
                tax = [
                    m.TaxInformation(
                        tax_type=line.tax_type or "300",
                        tax_code=line.tax_code,
                        tax_amount=_amount(line.tax_amount or Decimal(0)),
                    )
                ]
            lines.append(
                m.TransactionLine(
                    record_id=str(number),
                    account_id=line.account,
                    source_document_id=line.source_document_id,
                    customer_id=line.customer_id,
                    supplier_id=line.supplier_id,
                    description=line.description or entry.description,
                    debit_amount=side if line.debit else None,
                    credit_amount=side if not line.debit else None,
                    tax_information=tax,
                )
            )
        posting = entry.posting_date or entry.date
        journals[entry.journal].transactions.append(
            m.Transaction(
                transaction_id=entry.id,
                period=posting.month,
                period_year=posting.year,
                transaction_date=entry.date,
                source_id=entry.source_id,
                transaction_type=entry.type,
                description=entry.description,
                system_entry_date=entry.entry_date or entry.date,
                gl_posting_date=posting,
                customer_id=entry.customer_id,
                supplier_id=entry.supplier_id,
                lines=lines,
            )
        )
    return list(journals.values())


def invoice_totals(lines: Iterable[m.InvoiceLine], normal_side: str) -> m.DocumentTotals:
    """Net = lines on the invoice's side minus reversing lines; gross = net + their tax."""
    net, tax = Decimal(0), Decimal(0)
    for line in lines:
        sign = 1 if line.debit_credit_indicator == normal_side else -1
        net += sign * line.invoice_line_amount.amount
        tax += sign * sum((t.tax_amount.amount for t in line.tax_information), Decimal(0))
    return m.DocumentTotals(net_total=money(net), gross_total=money(net + tax))


def _invoice(inv: InvoiceIn, sales: bool) -> m.Invoice:
    normal = "C" if sales else "D"
    other = "D" if sales else "C"
    lines = [
        m.InvoiceLine(
            line_number=str(n),
            account_id=line.account,
            product_code=line.product_code,
            quantity=line.quantity,
            invoice_uom=line.unit,
            unit_price=line.unit_price,
            tax_point_date=inv.date,
            description=line.description,
            invoice_line_amount=_amount(line.amount),
            debit_credit_indicator=other if line.credit_note else normal,
            tax_information=[
                m.TaxInformation(
                    tax_type=line.tax_type,
                    tax_code=line.tax_code,
                    tax_percentage=line.tax_percentage,
                    tax_base=money(line.amount),
                    tax_amount=_amount(line.tax_amount),
                )
            ]
            if line.tax_code
            else [],
        )
        for n, line in enumerate(inv.lines, start=1)
    ]
    posting = inv.posting_date or inv.date
    party = m.PartyInfo(customer_id=inv.partner_id) if sales else m.PartyInfo(supplier_id=inv.partner_id)
    return m.Invoice(
        invoice_no=inv.number,
        customer_info=party if sales else None,
        supplier_info=None if sales else party,
        account_id=inv.account,
        period=posting.month,
        period_year=posting.year,
        invoice_date=inv.date,
        invoice_type=inv.type,
        self_billing_indicator="1" if inv.self_billing else None,
        gl_posting_date=posting,
        transaction_id=inv.transaction_id,
        lines=lines,
        document_totals=invoice_totals(lines, normal),
    )


def invoice_section_totals(invoices: list[m.Invoice]) -> tuple[Decimal, Decimal]:
    debit, credit = Decimal(0), Decimal(0)
    for inv in invoices:
        for line in inv.lines:
            if line.debit_credit_indicator == "D":
                debit += line.invoice_line_amount.amount
            else:
                credit += line.invoice_line_amount.amount
    return money(debit), money(credit)


def sales_section(invoices: list[m.Invoice]) -> m.SalesInvoices:
    debit, credit = invoice_section_totals(invoices)
    return m.SalesInvoices(
        number_of_entries=len(invoices), total_debit=debit, total_credit=credit, invoices=invoices
    )


def purchase_section(invoices: list[m.Invoice]) -> m.PurchaseInvoices:
    debit, credit = invoice_section_totals(invoices)
    return m.PurchaseInvoices(
        number_of_entries=len(invoices), total_debit=debit, total_credit=credit, invoices=invoices
    )


def payment_totals(lines: Iterable[m.PaymentLine]) -> m.DocumentTotals:
    """Net = the lines' amounts; gross = net + their tax."""
    net, tax = Decimal(0), Decimal(0)
    for line in lines:
        net += line.payment_line_amount.amount
        tax += sum((t.tax_amount.amount for t in line.tax_information), Decimal(0))
    return m.DocumentTotals(net_total=money(net), gross_total=money(net + tax))


def payments_section(payments: list[m.Payment]) -> m.Payments:
    debit, credit = Decimal(0), Decimal(0)
    for p in payments:
        for line in p.lines:
            if line.debit_credit_indicator == "D":
                debit += line.payment_line_amount.amount
            else:
                credit += line.payment_line_amount.amount
    return m.Payments(
        number_of_entries=len(payments),
        total_debit=money(debit),
        total_credit=money(credit),
        payments=payments,
    )


def _payments(ledger: Ledger) -> list[m.Payment]:
    out = []
    for p in ledger.payments:
        lines = [
            m.PaymentLine(
                line_number=str(n),
                source_document_id=line.source_document_id,
                account_id=line.account,
                customer_id=line.customer_id,
                supplier_id=line.supplier_id,
                description=line.description,
                debit_credit_indicator=line.side,
                payment_line_amount=_amount(line.amount),
                tax_information=[
                    m.TaxInformation(tax_type="300", tax_code="000000", tax_amount=_amount(line.tax_amount))
                ]
                if line.tax_amount
                else [],
            )
            for n, line in enumerate(p.lines, start=1)
        ]
        out.append(
            m.Payment(
                payment_ref_no=p.reference,
                period=p.date.month,
                period_year=p.date.year,
                transaction_id=p.transaction_id,
                transaction_date=p.date,
                payment_method=p.method,
                description=p.description,
                lines=lines,
                document_totals=payment_totals(lines),
            )
        )
    return out


def movement_section(movements: list[m.StockMovement]) -> m.MovementOfGoods:
    received, issued, count = Decimal(0), Decimal(0), 0
    for mv in movements:
        for line in mv.lines:
            count += 1
            if line.quantity >= 0:
                received += line.quantity
            else:
                issued -= line.quantity
    return m.MovementOfGoods(
        number_of_movement_lines=count,
        total_quantity_received=received,
        total_quantity_issued=issued,
        movements=movements,
    )


def asset_section(transactions: list[m.AssetTransaction]) -> m.AssetTransactions:
    return m.AssetTransactions(number_of_asset_transactions=len(transactions), transactions=transactions)


def _assets(ledger: Ledger) -> m.Assets:
    assets = []
    for a in ledger.assets:
        cost_end = a.cost_begin + a.additions + a.transfers - a.disposals
        book_end = (
            a.book_value_begin + a.additions + a.transfers - a.disposals - a.depreciation + a.appreciation
        )
        assets.append(
            m.Asset(
                asset_id=a.id,
                account_id=a.account,
                description=a.description,
                date_of_acquisition=a.acquired,
                start_up_date=a.started_up,
                valuations=m.Valuations(
                    valuations=[
                        m.Valuation(
                            asset_valuation_type=a.valuation_type,
                            acquisition_and_production_costs_begin=money(a.cost_begin),
                            acquisition_and_production_costs_end=money(cost_end),
                            asset_life_year=a.life_years,
                            asset_addition=money(a.additions),
                            transfers=money(a.transfers),
                            asset_disposal=money(a.disposals),
                            book_value_begin=money(a.book_value_begin),
                            depreciation_method=a.depreciation_method,
                            depreciation_percentage=a.depreciation_percentage,
                            depreciation_for_period=money(a.depreciation),
                            appreciation_for_period=money(a.appreciation),
                            accumulated_depreciation=money(a.accumulated_depreciation),
                            book_value_end=money(book_end),
                        )
                    ]
                ),
            )
        )
    return m.Assets(assets=assets)


def from_ledger(ledger: Ledger, kind: str = "L", created: date | None = None) -> m.AuditFile:
    """The D406 model of the ledger for one report type (``ValueError`` on a wrong period)."""
    if kind not in m.REPORT_KINDS:
        raise ValueError(f"unknown report type {kind!r} (L, T, A or C)")
    check_period(ledger, kind)
    header = _header(ledger, kind, created or date.today())
    if kind in ("L", "T"):
        customers_moved = _partner_balances(ledger, "customer_id")
        suppliers_moved = _partner_balances(ledger, "supplier_id")
        return m.AuditFile(
            header=header,
            master_files=m.MasterFiles(
                general_ledger_accounts=_gl_accounts(ledger),
                customers=m.Customers(
                    customers=[_customer(p, customers_moved[p.id]) for p in ledger.customers]
                ),
                suppliers=m.Suppliers(
                    suppliers=[_supplier(p, suppliers_moved[p.id]) for p in ledger.suppliers]
                ),
                tax_table=_tax_table(ledger),
                uom_table=m.UOMTable(
                    entries=[
                        m.UOMTableEntry(unit_of_measure=u.code, description=u.description)
                        for u in ledger.units
                    ]
                ),
                products=_products(ledger),
            ),
            general_ledger_entries=gl_entries(_journals(ledger)),
            source_documents=m.SourceDocuments(
                sales_invoices=sales_section([_invoice(i, True) for i in ledger.sales_invoices]),
                purchase_invoices=purchase_section([_invoice(i, False) for i in ledger.purchase_invoices]),
                payments=payments_section(_payments(ledger)),
            ),
        )
    if kind == "A":
        transactions = [
            m.AssetTransaction(
                asset_transaction_id=t.id,
                asset_id=t.asset_id,
                asset_transaction_type=t.type,
                description=t.description,
                asset_transaction_date=t.date,
                transaction_id=t.transaction_id,
                asset_transaction_valuations=m.AssetTransactionValuations(
                    valuations=[
                        m.AssetTransactionValuation(
                            asset_valuation_type=t.valuation_type,
                            acquisition_and_production_costs_on_transaction=money(t.cost),
                            book_value_on_transaction=money(t.book_value),
                            asset_transaction_amount=money(t.amount),
                        )
                    ]
                ),
            )
            for t in ledger.asset_transactions
        ]
        return m.AuditFile(
            header=header,
            master_files=m.MasterFiles(general_ledger_accounts=_gl_accounts(ledger), assets=_assets(ledger)),
            source_documents=m.SourceDocuments(asset_transactions=asset_section(transactions)),
        )
    movements = [
        m.StockMovement(
            movement_reference=mv.reference,
            movement_date=mv.date,
            movement_posting_date=mv.date,
            movement_type=mv.type,
            document_reference=mv.document_reference,
            lines=[
                m.StockMovementLine(
                    line_number=str(n),
                    account_id=line.account,
                    product_code=line.product_code,
                    quantity=line.quantity,
                    unit_of_measure=line.unit,
                    book_value=money(line.book_value),
                    movement_sub_type=line.sub_type,
                    description=line.description,
                )
                for n, line in enumerate(mv.lines, start=1)
            ],
        )
        for mv in ledger.stock_movements
    ]
    return m.AuditFile(
        header=header,
        master_files=m.MasterFiles(
            general_ledger_accounts=_gl_accounts(ledger),
            uom_table=m.UOMTable(
                entries=[
                    m.UOMTableEntry(unit_of_measure=u.code, description=u.description) for u in ledger.units
                ]
            ),
            products=_products(ledger),
            physical_stock=m.PhysicalStock(
                entries=[
                    m.PhysicalStockEntry(
                        warehouse_id=s.warehouse,
                        product_code=s.product_code,
                        stock_account_no=s.account,
                        product_type=s.product_type,
                        uom_physical_stock=s.unit,
                        unit_price=s.unit_price,
                        opening_stock_quantity=s.opening_quantity,
                        opening_stock_value=money(s.opening_value),
                        closing_stock_quantity=s.closing_quantity,
                        closing_stock_value=money(s.closing_value),
                    )
                    for s in ledger.stock
                ]
            ),
        ),
        source_documents=m.SourceDocuments(movement_of_goods=movement_section(movements)),
    )


# --- segmentation --------------------------------------------------------------------------------------
def _units(audit: m.AuditFile) -> Iterator[tuple[str, Any, Any]]:
    """The pieces a report is split into, in file order: (section, group, item)."""
    if audit.general_ledger_entries:
        for journal in audit.general_ledger_entries.journals:
            for txn in journal.transactions:
                yield "gl", journal, txn
    docs = audit.source_documents
    if docs:
        for section, items in (
            ("sales", docs.sales_invoices.invoices if docs.sales_invoices else []),
            ("purchases", docs.purchase_invoices.invoices if docs.purchase_invoices else []),
            ("payments", docs.payments.payments if docs.payments else []),
            ("movements", docs.movement_of_goods.movements if docs.movement_of_goods else []),
            ("assets", docs.asset_transactions.transactions if docs.asset_transactions else []),
        ):
            for item in items:
                yield section, None, item


def _segment_file(
    audit: m.AuditFile, index: int, total: int, units: list[tuple[str, Any, Any]]
) -> m.AuditFile:
    header = audit.header.model_copy(update={"segment_index": index, "total_segments_insequence": total})
    journals: dict[str, m.Journal] = {}
    by_section: dict[str, list[Any]] = defaultdict(list)
    for section, group, item in units:
        if section == "gl":
            journal = journals.setdefault(
                group.journal_id, group.model_copy(update={"transactions": []}, deep=False)
            )
            journal.transactions.append(item)
        else:
            by_section[section].append(item)
    gl = gl_entries(list(journals.values())) if audit.general_ledger_entries and journals else None
    docs = audit.source_documents
    source = None
    if docs and any(by_section.values()):
        source = m.SourceDocuments(
            sales_invoices=sales_section(by_section["sales"]) if by_section["sales"] else None,
            purchase_invoices=purchase_section(by_section["purchases"]) if by_section["purchases"] else None,
            payments=payments_section(by_section["payments"]) if by_section["payments"] else None,
            movement_of_goods=movement_section(by_section["movements"]) if by_section["movements"] else None,
            asset_transactions=asset_section(by_section["assets"]) if by_section["assets"] else None,
        )
    return m.AuditFile(
        header=header,
        master_files=audit.master_files if index == 1 else None,
        general_ledger_entries=gl,
        source_documents=source,
    )


def _size(obj: BaseModel, tag: str, namespace: str) -> int:
    return len(etree.tostring(element(obj, tag, namespace)))


def segment(audit: m.AuditFile, max_bytes: int = ANAF_MAX_BYTES, namespace: str = m.NS_D406) -> list[bytes]:
    """The report as one file, or as numbered segments of at most ``max_bytes`` each."""
    whole = to_xml(audit.model_copy(update={"header": _one_of_one(audit.header)}), namespace)
    if len(whole) <= max_bytes:
        return [whole]
    units = list(_units(audit))
    shell = len(to_xml(m.AuditFile(header=audit.header), namespace)) + 1024  # section wrappers and totals
    first_extra = _size(audit.master_files, "MasterFiles", namespace) if audit.master_files else 0
    sizes = [_size(item, "X", namespace) for _, _, item in units]
    budget = max_bytes
    while True:
        groups: list[list[int]] = [[]]
        used = shell + first_extra
        for i, size in enumerate(sizes):
            if groups[-1] and used + size > budget:
                groups.append([])
                used = shell
            groups[-1].append(i)
            used += size
        files = [
            to_xml(_segment_file(audit, n, len(groups), [units[i] for i in group]), namespace)
            for n, group in enumerate(groups, start=1)
        ]
        too_big = [f for f in files if len(f) > max_bytes]
        if not too_big:
            return files
        if all(len(g) <= 1 for g, f in zip(groups, files, strict=True) if len(f) > max_bytes):
            raise ValueError(f"a single record does not fit in a segment of {max_bytes} bytes")
        budget = int(budget * 0.9)


def _one_of_one(header: m.Header) -> m.Header:
    return header.model_copy(update={"segment_index": 1, "total_segments_insequence": 1})
