"""Our own checks of a D406 ``AuditFile``: structure, formats, references and arithmetic.

``validate(xml)`` returns every finding (rule id, ``fatal|warning``, XPath-like location, message) for a
document, a fragment or a broken file — never an exception. It works on the XML (not on the typed
model) so that a broken file still gets every finding it deserves. Rule ids:

* ``SAFT-XML`` not well-formed; ``SAFT-ROOT`` not an ``AuditFile`` in the d406/d406t namespace;
* ``SAFT-STRUCT-001`` a required element is missing; ``SAFT-STRUCT-002`` a section the report type
  needs is missing; ``SAFT-STRUCT-003`` a schema choice is broken (debit *and* credit, or neither);
* ``SAFT-KIND-001`` ``HeaderComment`` is not L/T/A/C; ``SAFT-KIND-002`` a section the report type
  must not carry has content (L/T: no PhysicalStock, Assets, MovementOfGoods, AssetTransactions);
* ``SAFT-FMT-DATE`` / ``SAFT-FMT-AMOUNT`` / ``SAFT-FMT-INT`` malformed values; ``SAFT-CUI`` the
  company's CUI fails its check digit (python-stdnum); ``SAFT-CUI-PARTNER`` (warning) the same for a
  Romanian partner's; ``SAFT-CUR`` not an ISO 4217 currency; ``SAFT-COUNTRY`` not an ISO 3166 country;
* ``SAFT-PERIOD-001`` impossible selection period; ``SAFT-PERIOD-002`` (warning) the period does not
  fit the report type; ``SAFT-PERIOD-003`` (warning) a transaction outside the period;
  ``SAFT-SEG`` SegmentIndex/TotalSegmentsInsequence inconsistent;
* ``SAFT-REF-ACCOUNT`` a transaction line's account is not in GeneralLedgerAccounts (a warning for
  partners', invoices' and payments' accounts, which ANAF's own sample does not keep in the chart);
  ``SAFT-REF-PARTY`` an unknown CustomerID/SupplierID; ``SAFT-REF-TAX`` / ``SAFT-REF-PRODUCT``
  (warnings) an unknown tax code / product;
* ``SAFT-ARI-001`` a transaction does not balance; ``-002`` / ``-003`` / ``-004`` GeneralLedgerEntries
  NumberOfEntries / TotalDebit / TotalCredit differ from the lines; ``-005`` an account's opening
  balance + the period's movements differ from its closing balance (unsegmented files with entries);
  ``-006`` (warning) CurrencyAmount differs from Amount in the default currency; ``-010`` / ``-011``
  a source-document section's NumberOfEntries / TotalDebit|TotalCredit; ``-012`` / ``-013`` an
  invoice's NetTotal / GrossTotal; ``-014`` a payment's NetTotal / GrossTotal; ``-020`` MovementOfGoods
  NumberOfMovementLines; ``-021`` (warning) its quantity totals; ``-022`` NumberOfAssetTransactions;
  ``-030`` (warning) an asset valuation's end values.

Where the segment lacks MasterFiles (segments after the first) the reference checks are skipped: the
chart is in the first segment.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree
from stdnum.ro import cui as ro_cui

from genius.compliance.common.codes import ISO_3166, ISO_4217
from genius.compliance.common.findings import Finding, Severity, Templates, pydantic_templates
from genius.compliance.saft.audit_file import NAMESPACES, REPORT_KINDS
from genius.core.kit.manifest import N_

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
_DECIMAL_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_INT_RE = re.compile(r"^[+-]?\d+$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CENT = Decimal("0.01")
ZERO = Decimal(0)

DATE_ELEMENTS = frozenset(
    "AuditFileDateCreated SelectionStartDate SelectionEndDate TransactionDate SystemEntryDate GLPostingDate "
    "InvoiceDate TaxPointDate MovementDate MovementPostingDate DateOfAcquisition StartUpDate "
    "AssetTransactionDate ValueDate".split()
)
AMOUNT_ELEMENTS = frozenset(
    "Amount CurrencyAmount ExchangeRate TotalDebit TotalCredit NetTotal GrossTotal TaxBase TaxPercentage "
    "OpeningDebitBalance OpeningCreditBalance ClosingDebitBalance ClosingCreditBalance Quantity UnitPrice "
    "BookValue TotalQuantityReceived TotalQuantityIssued OpeningStockQuantity OpeningStockValue "
    "ClosingStockQuantity ClosingStockValue AcquisitionAndProductionCostsBegin "
    "AcquisitionAndProductionCostsEnd AssetAddition Transfers AssetDisposal BookValueBegin "
    "DepreciationForPeriod AppreciationForPeriod AccumulatedDepreciation BookValueEnd BaseRate "
    "AcquisitionAndProductionCostsOnTransaction BookValueOnTransaction AssetTransactionAmount".split()
)
INT_ELEMENTS = frozenset(
    "NumberOfEntries Period PeriodYear PeriodStart PeriodStartYear PeriodEnd PeriodEndYear SegmentIndex "
    "TotalSegmentsInsequence NumberOfMovementLines NumberOfAssetTransactions".split()
)
# The findings' English templates by code (``%(name)s`` params): a page translates them by the code.
TEMPLATES = Templates(
    {
        "saft.xml.empty": N_("the file is empty"),
        "saft.xml.broken": N_("not well-formed XML: %(error)s"),
        "saft.xml.deep": N_("the document is nested too deeply"),
        "saft.root": N_("not a D406 AuditFile (root %(root)s; expected AuditFile in %(expected)s)"),
        "saft.struct.no-header": N_("the AuditFile has no Header"),
        "saft.struct.missing": N_("%(parent)s lacks the required element %(child)s"),
        "saft.struct.no-asset-count": N_("AssetTransactions lacks NumberOfAssetTransactions"),
        "saft.struct.line-side": N_("a transaction line has exactly one of DebitAmount and CreditAmount"),
        "saft.struct.both-balances": N_(
            "%(tag)s has both %(moment)sDebitBalance and %(moment)sCreditBalance"
        ),
        "saft.struct.section": N_("a report of type %(kind)s needs the %(section)s section"),
        "saft.kind.unknown": N_("HeaderComment %(kind)s is not L, T, A or C"),
        "saft.kind.section": N_("a report of type %(kind)s does not carry %(parent)s (%(child)s)"),
        "saft.fmt.date": N_("%(name)s %(value)s is not a date (YYYY-MM-DD)"),
        "saft.fmt.amount": N_("%(name)s %(value)s is not a decimal number"),
        "saft.fmt.int": N_("%(name)s %(value)s is not an integer"),
        "saft.fmt.currency": N_("%(name)s %(value)s is not an ISO 4217 currency code"),
        "saft.fmt.country": N_("%(name)s %(value)s is not an ISO 3166 country code"),
        "saft.cui.company": N_("the company's CUI %(value)s is not valid (check digit)"),
        "saft.cui.partner": N_("the partner's CUI %(value)s is not valid (check digit)"),
        "saft.seg.impossible": N_("segment %(index)s of %(total)s is impossible"),
        "saft.period.impossible": N_(
            "the period %(start)s/%(start_year)s-%(end)s/%(end_year)s is impossible"
        ),
        "saft.period.kind": N_("a report of type %(kind)s does not cover %(months)s month(s)"),
        "saft.period.outside": N_("transaction period %(period)s/%(year)s is outside the report's period"),
        "saft.ref.account": N_("account %(account)s is not in GeneralLedgerAccounts"),
        "saft.ref.party": N_("%(key)s %(value)s is not in the MasterFiles"),
        "saft.ref.tax": N_("tax type/code %(tax_type)s/%(tax_code)s is not in the TaxTable"),
        "saft.ref.product": N_("product %(product)s is not in Products"),
        "saft.ari.currency-amount": N_(
            "CurrencyAmount %(amount)s differs from Amount in the default currency"
        ),
        "saft.ari.unbalanced": N_(
            "transaction %(transaction)s does not balance: debit %(debit)s ≠ credit %(credit)s"
        ),
        "saft.ari.entries": N_("NumberOfEntries %(declared)s ≠ %(count)s transactions"),
        "saft.ari.total-debit": N_("TotalDebit %(declared)s ≠ sum of debit lines %(total)s"),
        "saft.ari.total-credit": N_("TotalCredit %(declared)s ≠ sum of credit lines %(total)s"),
        "saft.ari.closing": N_(
            "account %(account)s: opening %(opening)s + movements %(movements)s = %(expected)s "
            "≠ closing %(closing)s"
        ),
        "saft.ari.documents": N_("%(section)s NumberOfEntries %(declared)s ≠ %(count)s documents"),
        "saft.ari.net-total": N_("%(item)s %(document)s: NetTotal %(declared)s ≠ sum of lines %(total)s"),
        "saft.ari.gross-total": N_("%(item)s %(document)s: GrossTotal %(declared)s ≠ net + tax %(total)s"),
        "saft.ari.section-total": N_("%(section)s %(name)s %(declared)s ≠ sum of lines %(total)s"),
        "saft.ari.movement-lines": N_("NumberOfMovementLines %(declared)s ≠ %(count)s lines"),
        "saft.ari.quantity": N_("%(name)s %(declared)s ≠ %(total)s from the lines"),
        "saft.ari.asset-transactions": N_("NumberOfAssetTransactions %(declared)s ≠ %(count)s"),
        "saft.ari.cost-end": N_(
            "AcquisitionAndProductionCostsEnd ≠ begin + additions + transfers - disposals (%(total)s)"
        ),
        "saft.ari.book-end": N_("BookValueEnd ≠ begin + changes - depreciation + appreciation (%(total)s)"),
        # the ledger JSON's refusals (``service.parse_ledger``), by pydantic's error type
        **pydantic_templates("saft.ledger."),
    }
)

REQUIRED: dict[str, tuple[str, ...]] = {
    "Header": (
        "AuditFileVersion", "AuditFileCountry", "AuditFileDateCreated", "SoftwareCompanyName", "SoftwareID",
        "SoftwareVersion", "Company", "DefaultCurrencyCode", "SelectionCriteria", "HeaderComment",
        "SegmentIndex", "TotalSegmentsInsequence", "TaxAccountingBasis",
    ),
    "Company": ("RegistrationNumber", "Name"),
    "Account": ("AccountID", "AccountDescription", "StandardAccountID", "AccountType"),
    "Customer": ("CompanyStructure", "CustomerID", "AccountID"),
    "Supplier": ("CompanyStructure", "SupplierID", "AccountID"),
    "CompanyStructure": ("RegistrationNumber", "Name"),
    "TaxTableEntry": ("TaxType", "Description"),
    "TaxCodeDetails": ("TaxCode", "Description"),
    "GeneralLedgerEntries": ("NumberOfEntries", "TotalDebit", "TotalCredit"),
    "Journal": ("JournalID", "Description", "Type"),
    "Transaction": (
        "TransactionID", "Period", "PeriodYear", "TransactionDate", "Description", "SystemEntryDate",
        "GLPostingDate", "TransactionLine",
    ),
    "TransactionLine": ("RecordID", "AccountID"),
    "SalesInvoices": ("NumberOfEntries", "TotalDebit", "TotalCredit"),
    "PurchaseInvoices": ("NumberOfEntries", "TotalDebit", "TotalCredit"),
    "Payments": ("NumberOfEntries", "TotalDebit", "TotalCredit"),
    "Invoice": ("InvoiceNo", "InvoiceDate", "Line", "DocumentTotals"),
    "Payment": ("PaymentRefNo", "TransactionDate", "PaymentMethod", "PaymentLine", "DocumentTotals"),
    "PaymentLine": ("AccountID", "DebitCreditIndicator", "PaymentLineAmount"),
    "DocumentTotals": ("NetTotal", "GrossTotal"),
    "Asset": ("AssetID", "AccountID", "Description", "DateOfAcquisition"),
    "AssetTransaction": ("AssetTransactionID", "AssetID", "AssetTransactionType", "AssetTransactionDate"),
    "StockMovement": ("MovementReference", "MovementDate", "MovementType", "Line"),
    "PhysicalStockEntry": ("WarehouseID", "ProductCode", "ClosingStockQuantity", "ClosingStockValue"),
    "Product": ("ProductCode", "Description"),
}  # fmt: skip
# sections that must be present in a complete (unsegmented) file of each report type
NEEDED = {
    "L": ("MasterFiles", "GeneralLedgerEntries"),
    "T": ("MasterFiles", "GeneralLedgerEntries"),
    "A": ("MasterFiles",),
    "C": ("MasterFiles",),
}
# (parent, child holding content): sections a report type must not carry with content
FORBIDDEN = {
    "L": (("PhysicalStock", "PhysicalStockEntry"), ("Assets", "Asset"), ("MovementOfGoods", "StockMovement"),
          ("AssetTransactions", "AssetTransaction")),
    "T": (("PhysicalStock", "PhysicalStockEntry"), ("Assets", "Asset"), ("MovementOfGoods", "StockMovement"),
          ("AssetTransactions", "AssetTransaction")),
    "A": (("GeneralLedgerEntries", "Journal"), ("PhysicalStock", "PhysicalStockEntry"),
          ("MovementOfGoods", "StockMovement")),
    "C": (("GeneralLedgerEntries", "Journal"), ("Assets", "Asset"),
          ("AssetTransactions", "AssetTransaction")),
}  # fmt: skip


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def location(el: etree._Element) -> str:
    """``/AuditFile/GeneralLedgerEntries/Journal/Transaction[2]/TransactionLine[1]``: an index where an
    element has same-named siblings."""
    parts = []
    node: etree._Element | None = el
    while node is not None and isinstance(node.tag, str):
        name = _local(node)
        parent = node.getparent()
        if parent is not None:
            same = [x for x in parent if x.tag == node.tag]
            if len(same) > 1:
                name += f"[{same.index(node) + 1}]"
        parts.append(name)
        node = parent
    return "/" + "/".join(reversed(parts))


class Doc:
    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.ns = etree.QName(root).namespace or ""
        self.findings: list[Finding] = []

    def q(self, name: str) -> str:
        return f"{{{self.ns}}}{name}" if self.ns else name

    def kids(self, el: etree._Element | None, name: str) -> list[etree._Element]:
        return [] if el is None else el.findall(self.q(name))

    def kid(self, el: etree._Element | None, *names: str) -> etree._Element | None:
        for name in names:
            if el is None:
                return None
            el = el.find(self.q(name))
        return el

    def text(self, el: etree._Element | None, *names: str) -> str | None:
        found = self.kid(el, *names) if names else el
        if found is None:
            return None
        return (found.text or "").strip()

    def all(self, name: str) -> Iterator[etree._Element]:
        return self.root.iter(self.q(name))

    def dec(self, el: etree._Element | None, *names: str) -> Decimal | None:
        value = self.text(el, *names)
        if value is None or not _DECIMAL_RE.match(value):
            return None
        try:
            return Decimal(value)
        except InvalidOperation:
            return None

    def add(
        self, rule: str, severity: Severity, el: etree._Element | None, code: str, **params: object
    ) -> None:
        where = location(el if el is not None else self.root)
        self.findings.append(TEMPLATES.finding(rule, severity, where, code, **params))


def _differs(a: Decimal | None, b: Decimal) -> bool:
    return a is not None and abs(a - b) >= CENT


def _int(value: str | None) -> int | None:
    return int(value) if value and _INT_RE.match(value) else None


# --- checks --------------------------------------------------------------------------------------------
def _structure(doc: Doc, kind: str | None, segmented: bool) -> None:
    if doc.kid(doc.root, "Header") is None:
        doc.add("SAFT-STRUCT-001", "fatal", doc.root, "saft.struct.no-header")
    for parent, children in REQUIRED.items():
        for el in doc.all(parent):
            for child in children:
                if doc.kid(el, child) is None:
                    doc.add("SAFT-STRUCT-001", "fatal", el, "saft.struct.missing", parent=parent, child=child)
    for section in ("MovementOfGoods",):
        for el in doc.all(section):
            if doc.kids(el, "StockMovement"):
                for child in ("NumberOfMovementLines", "TotalQuantityReceived", "TotalQuantityIssued"):
                    if doc.kid(el, child) is None:
                        doc.add(
                            "SAFT-STRUCT-001", "fatal", el, "saft.struct.missing", parent=section, child=child
                        )
    for el in doc.all("AssetTransactions"):
        if doc.kids(el, "AssetTransaction") and doc.kid(el, "NumberOfAssetTransactions") is None:
            doc.add("SAFT-STRUCT-001", "fatal", el, "saft.struct.no-asset-count")
    for el in doc.all("TransactionLine"):
        debit, credit = doc.kid(el, "DebitAmount"), doc.kid(el, "CreditAmount")
        if (debit is None) == (credit is None):
            doc.add("SAFT-STRUCT-003", "fatal", el, "saft.struct.line-side")
    for tag in ("Account", "Customer", "Supplier"):
        for el in doc.all(tag):
            for moment in ("Opening", "Closing"):
                if (
                    doc.kid(el, f"{moment}DebitBalance") is not None
                    and doc.kid(el, f"{moment}CreditBalance") is not None
                ):
                    doc.add(
                        "SAFT-STRUCT-003", "fatal", el, "saft.struct.both-balances", tag=tag, moment=moment
                    )
    if kind in NEEDED and not segmented:
        for section in NEEDED[kind]:
            if doc.kid(doc.root, section) is None:
                doc.add(
                    "SAFT-STRUCT-002", "fatal", doc.root, "saft.struct.section", kind=kind, section=section
                )
    if kind in FORBIDDEN:
        for parent, child in FORBIDDEN[kind]:
            for el in doc.all(parent):
                if doc.kids(el, child):
                    severity: Severity = "fatal" if kind in ("L", "T") else "warning"
                    doc.add(
                        "SAFT-KIND-002",
                        severity,
                        el,
                        "saft.kind.section",
                        kind=kind,
                        parent=parent,
                        child=child,
                    )


def _formats(doc: Doc) -> None:
    for el in doc.root.iter():
        if not isinstance(el.tag, str) or len(el):
            continue
        name = _local(el)
        value = (el.text or "").strip()
        if name in DATE_ELEMENTS:
            try:
                ok = bool(_DATE_RE.match(value)) and date.fromisoformat(value) is not None
            except ValueError:
                ok = False
            if not ok:
                doc.add("SAFT-FMT-DATE", "fatal", el, "saft.fmt.date", name=name, value=repr(value))
        elif name in AMOUNT_ELEMENTS and not _DECIMAL_RE.match(value):
            doc.add("SAFT-FMT-AMOUNT", "fatal", el, "saft.fmt.amount", name=name, value=repr(value))
        elif name in INT_ELEMENTS and not _INT_RE.match(value):
            doc.add("SAFT-FMT-INT", "fatal", el, "saft.fmt.int", name=name, value=repr(value))
        elif name in ("CurrencyCode", "DefaultCurrencyCode") and value not in ISO_4217:
            doc.add("SAFT-CUR", "fatal", el, "saft.fmt.currency", name=name, value=repr(value))
        elif name in ("Country", "AuditFileCountry") and value not in ISO_3166:
            doc.add("SAFT-COUNTRY", "fatal", el, "saft.fmt.country", name=name, value=repr(value))


def _digits_of_cui(value: str) -> str:
    value = value.strip().upper()
    return value[2:] if value.startswith("RO") else value


def _cui(doc: Doc) -> None:
    company = doc.kid(doc.root, "Header", "Company", "RegistrationNumber")
    if company is not None:
        value = (company.text or "").strip()
        if not ro_cui.is_valid(_digits_of_cui(value)):
            doc.add("SAFT-CUI", "fatal", company, "saft.cui.company", value=repr(value))
    for structure in doc.all("CompanyStructure"):
        number = doc.kid(structure, "RegistrationNumber")
        country = doc.text(structure, "Address", "Country") or "RO"
        value = doc.text(number) or ""
        digits = _digits_of_cui(value)
        # ANAF's own codes for partners without a CUI start with 0; only a CUI-looking number is checked
        if (
            country == "RO"
            and digits.isdigit()
            and not digits.startswith("0")
            and not ro_cui.is_valid(digits)
        ):
            doc.add("SAFT-CUI-PARTNER", "warning", number, "saft.cui.partner", value=repr(value))


def _header(doc: Doc) -> tuple[str | None, bool]:
    header = doc.kid(doc.root, "Header")
    kind = doc.text(header, "HeaderComment")
    if header is not None and kind is not None and kind not in REPORT_KINDS:
        doc.add(
            "SAFT-KIND-001", "fatal", doc.kid(header, "HeaderComment"), "saft.kind.unknown", kind=repr(kind)
        )
        kind = None
    index, total = _int(doc.text(header, "SegmentIndex")), _int(doc.text(header, "TotalSegmentsInsequence"))
    if index is not None and total is not None and not (1 <= index <= total):
        doc.add(
            "SAFT-SEG",
            "fatal",
            doc.kid(header, "SegmentIndex"),
            "saft.seg.impossible",
            index=index,
            total=total,
        )
    criteria = doc.kid(header, "SelectionCriteria")
    start, end = _int(doc.text(criteria, "PeriodStart")), _int(doc.text(criteria, "PeriodEnd"))
    start_year, end_year = (
        _int(doc.text(criteria, "PeriodStartYear")),
        _int(doc.text(criteria, "PeriodEndYear")),
    )
    if criteria is not None and None not in (start, end, start_year, end_year):
        assert start is not None and end is not None and start_year is not None and end_year is not None
        months = (end_year - start_year) * 12 + end - start + 1
        if not (1 <= start <= 12 and 1 <= end <= 12) or months < 1:
            doc.add(
                "SAFT-PERIOD-001",
                "fatal",
                criteria,
                "saft.period.impossible",
                start=start,
                start_year=start_year,
                end=end,
                end_year=end_year,
            )
        elif (kind == "L" and months != 1) or (kind == "T" and months != 3) or (kind == "A" and months != 12):
            doc.add("SAFT-PERIOD-002", "warning", criteria, "saft.period.kind", kind=kind, months=months)
        else:
            for txn in doc.all("Transaction"):
                period, year = _int(doc.text(txn, "Period")), _int(doc.text(txn, "PeriodYear"))
                if period is not None and year is not None:
                    ordinal = year * 12 + period
                    if not (start_year * 12 + start <= ordinal <= end_year * 12 + end):
                        doc.add(
                            "SAFT-PERIOD-003", "warning", txn, "saft.period.outside", period=period, year=year
                        )
    return kind, (total or 1) > 1


def _ids(doc: Doc, section: str, item: str, key: str) -> set[str] | None:
    holder = doc.kid(doc.root, "MasterFiles", section)
    if holder is None:
        return None
    return {doc.text(x, key) or "" for x in doc.kids(holder, item)}


def _references(doc: Doc) -> None:
    if doc.kid(doc.root, "MasterFiles") is None:
        return
    chart = _ids(doc, "GeneralLedgerAccounts", "Account", "AccountID")
    customers = _ids(doc, "Customers", "Customer", "CustomerID")
    suppliers = _ids(doc, "Suppliers", "Supplier", "SupplierID")
    if chart is not None:
        for line in doc.all("TransactionLine"):
            account = doc.text(line, "AccountID")
            if account is not None and account not in chart:
                doc.add("SAFT-REF-ACCOUNT", "fatal", line, "saft.ref.account", account=repr(account))
        for tag in ("Customer", "Supplier", "Invoice", "PaymentLine", "Asset"):
            for el in doc.all(tag):
                account = doc.text(el, "AccountID")
                if account and account not in chart:
                    doc.add("SAFT-REF-ACCOUNT", "warning", el, "saft.ref.account", account=repr(account))
    for tag in ("Transaction", "TransactionLine", "PaymentLine", "CustomerInfo", "SupplierInfo"):
        for el in doc.all(tag):
            for key, known in (("CustomerID", customers), ("SupplierID", suppliers)):
                value = doc.text(el, key)
                if value and known is not None and value not in known:
                    doc.add("SAFT-REF-PARTY", "fatal", el, "saft.ref.party", key=key, value=repr(value))
    taxes: set[tuple[str, str]] = set()
    for entry in doc.all("TaxTableEntry"):
        for detail in doc.kids(entry, "TaxCodeDetails"):
            taxes.add((doc.text(entry, "TaxType") or "", doc.text(detail, "TaxCode") or ""))
    if taxes:
        for info in doc.all("TaxInformation"):
            pair = (doc.text(info, "TaxType") or "", doc.text(info, "TaxCode") or "")
            if pair not in taxes:
                doc.add("SAFT-REF-TAX", "warning", info, "saft.ref.tax", tax_type=pair[0], tax_code=pair[1])
    products = _ids(doc, "Products", "Product", "ProductCode")
    if products:
        for tag in ("Line", "PhysicalStockEntry"):
            for el in doc.all(tag):
                code = doc.text(el, "ProductCode")
                if code and code not in products:
                    doc.add("SAFT-REF-PRODUCT", "warning", el, "saft.ref.product", product=repr(code))


def _amount(doc: Doc, el: etree._Element | None, name: str) -> Decimal:
    return doc.dec(el, name, "Amount") or ZERO


def _ledger(doc: Doc, segmented: bool) -> None:
    gl = doc.kid(doc.root, "GeneralLedgerEntries")
    if gl is None:
        return
    default_currency = doc.text(doc.root, "Header", "DefaultCurrencyCode")
    count, total_debit, total_credit = 0, ZERO, ZERO
    moved: dict[str, Decimal] = defaultdict(Decimal)
    for journal in doc.kids(gl, "Journal"):
        for txn in doc.kids(journal, "Transaction"):
            count += 1
            debit, credit = ZERO, ZERO
            for line in doc.kids(txn, "TransactionLine"):
                d, c = _amount(doc, line, "DebitAmount"), _amount(doc, line, "CreditAmount")
                debit, credit = debit + d, credit + c
                moved[doc.text(line, "AccountID") or ""] += d - c
                for side in ("DebitAmount", "CreditAmount"):
                    amount = doc.kid(line, side)
                    if amount is not None and doc.text(amount, "CurrencyCode") == default_currency:
                        other = doc.dec(amount, "CurrencyAmount")
                        if _differs(other, doc.dec(amount, "Amount") or ZERO):
                            doc.add(
                                "SAFT-ARI-006", "warning", amount, "saft.ari.currency-amount", amount=other
                            )
            total_debit, total_credit = total_debit + debit, total_credit + credit
            if _differs(debit, credit):
                doc.add(
                    "SAFT-ARI-001",
                    "fatal",
                    txn,
                    "saft.ari.unbalanced",
                    transaction=repr(doc.text(txn, "TransactionID")),
                    debit=debit,
                    credit=credit,
                )
    declared = _int(doc.text(gl, "NumberOfEntries"))
    if declared is not None and declared != count:
        doc.add(
            "SAFT-ARI-002",
            "fatal",
            doc.kid(gl, "NumberOfEntries"),
            "saft.ari.entries",
            declared=declared,
            count=count,
        )
    if _differs(doc.dec(gl, "TotalDebit"), total_debit):
        doc.add(
            "SAFT-ARI-003",
            "fatal",
            doc.kid(gl, "TotalDebit"),
            "saft.ari.total-debit",
            declared=doc.text(gl, "TotalDebit"),
            total=total_debit,
        )
    if _differs(doc.dec(gl, "TotalCredit"), total_credit):
        doc.add(
            "SAFT-ARI-004",
            "fatal",
            doc.kid(gl, "TotalCredit"),
            "saft.ari.total-credit",
            declared=doc.text(gl, "TotalCredit"),
            total=total_credit,
        )
    if segmented:
        return  # the movements are spread over the segments
    for account in doc.all("Account"):
        opening = _signed(doc, account, "Opening")
        closing = _signed(doc, account, "Closing")
        if opening is None or closing is None:
            continue
        account_id = doc.text(account, "AccountID") or ""
        expected = opening + moved.get(account_id, ZERO)
        if _differs(closing, expected):
            doc.add(
                "SAFT-ARI-005",
                "fatal",
                account,
                "saft.ari.closing",
                account=repr(account_id),
                opening=opening,
                movements=moved.get(account_id, ZERO),
                expected=expected,
                closing=closing,
            )


def _signed(doc: Doc, el: etree._Element, moment: str) -> Decimal | None:
    debit, credit = doc.dec(el, f"{moment}DebitBalance"), doc.dec(el, f"{moment}CreditBalance")
    if debit is None and credit is None:
        return None
    return (debit or ZERO) - (credit or ZERO)


def _tax(doc: Doc, line: etree._Element) -> Decimal:
    return sum((doc.dec(t, "TaxAmount", "Amount") or ZERO for t in doc.kids(line, "TaxInformation")), ZERO)


def _documents(doc: Doc) -> None:
    sections: Iterable[tuple[str, str, str, str, str | None]] = (
        ("SalesInvoices", "Invoice", "Line", "InvoiceLineAmount", "C"),
        ("PurchaseInvoices", "Invoice", "Line", "InvoiceLineAmount", "D"),
        ("Payments", "Payment", "PaymentLine", "PaymentLineAmount", None),
    )
    for section_name, item, line_tag, amount_tag, normal in sections:
        for section in doc.all(section_name):
            items = doc.kids(section, item)
            declared = _int(doc.text(section, "NumberOfEntries"))
            if declared is not None and declared != len(items):
                doc.add(
                    "SAFT-ARI-010",
                    "fatal",
                    doc.kid(section, "NumberOfEntries"),
                    "saft.ari.documents",
                    section=section_name,
                    declared=declared,
                    count=len(items),
                )
            sums = {"D": ZERO, "C": ZERO}
            for document in items:
                net, tax = ZERO, ZERO
                for line in doc.kids(document, line_tag):
                    side = doc.text(line, "DebitCreditIndicator") or ""
                    amount = _amount(doc, line, amount_tag)
                    if side in sums:
                        sums[side] += amount
                    sign = 1 if normal is None or side == normal else -1
                    net += sign * amount
                    tax += sign * _tax(doc, line)
                totals = doc.kid(document, "DocumentTotals")
                rule = "SAFT-ARI-014" if normal is None else "SAFT-ARI-012"
                gross_rule = "SAFT-ARI-014" if normal is None else "SAFT-ARI-013"
                what = doc.text(document, "InvoiceNo" if item == "Invoice" else "PaymentRefNo")
                if _differs(doc.dec(totals, "NetTotal"), net):
                    doc.add(
                        rule,
                        "fatal",
                        doc.kid(totals, "NetTotal"),
                        "saft.ari.net-total",
                        item=item,
                        document=repr(what),
                        declared=doc.text(totals, "NetTotal"),
                        total=net,
                    )
                if _differs(doc.dec(totals, "GrossTotal"), net + tax):
                    doc.add(
                        gross_rule,
                        "fatal",
                        doc.kid(totals, "GrossTotal"),
                        "saft.ari.gross-total",
                        item=item,
                        document=repr(what),
                        declared=doc.text(totals, "GrossTotal"),
                        total=net + tax,
                    )
            for side, name in (("D", "TotalDebit"), ("C", "TotalCredit")):
                if _differs(doc.dec(section, name), sums[side]):
                    doc.add(
                        "SAFT-ARI-011",
                        "fatal",
                        doc.kid(section, name),
                        "saft.ari.section-total",
                        section=section_name,
                        name=name,
                        declared=doc.text(section, name),
                        total=sums[side],
                    )
    for section in doc.all("MovementOfGoods"):
        lines = [line for mv in doc.kids(section, "StockMovement") for line in doc.kids(mv, "Line")]
        declared = _int(doc.text(section, "NumberOfMovementLines"))
        if declared is not None and declared != len(lines):
            doc.add(
                "SAFT-ARI-020",
                "fatal",
                doc.kid(section, "NumberOfMovementLines"),
                "saft.ari.movement-lines",
                declared=declared,
                count=len(lines),
            )
        quantities = [doc.dec(line, "Quantity") or ZERO for line in lines]
        received = sum((q for q in quantities if q >= 0), ZERO)
        issued = -sum((q for q in quantities if q < 0), ZERO)
        for name, value in (("TotalQuantityReceived", received), ("TotalQuantityIssued", issued)):
            if lines and _differs(doc.dec(section, name), value):
                doc.add(
                    "SAFT-ARI-021",
                    "warning",
                    doc.kid(section, name),
                    "saft.ari.quantity",
                    name=name,
                    declared=doc.text(section, name),
                    total=value,
                )
    for section in doc.all("AssetTransactions"):
        count = len(doc.kids(section, "AssetTransaction"))
        declared = _int(doc.text(section, "NumberOfAssetTransactions"))
        if declared is not None and declared != count:
            doc.add(
                "SAFT-ARI-022",
                "fatal",
                doc.kid(section, "NumberOfAssetTransactions"),
                "saft.ari.asset-transactions",
                declared=declared,
                count=count,
            )
    for valuation in doc.all("Valuation"):
        v = {name: doc.dec(valuation, name) or ZERO for name in AMOUNT_ELEMENTS}
        change = v["AssetAddition"] + v["Transfers"] - v["AssetDisposal"]
        cost_end = v["AcquisitionAndProductionCostsBegin"] + change
        book_end = v["BookValueBegin"] + change - v["DepreciationForPeriod"] + v["AppreciationForPeriod"]
        if _differs(doc.dec(valuation, "AcquisitionAndProductionCostsEnd"), cost_end):
            doc.add("SAFT-ARI-030", "warning", valuation, "saft.ari.cost-end", total=cost_end)
        if _differs(doc.dec(valuation, "BookValueEnd"), book_end):
            doc.add("SAFT-ARI-030", "warning", valuation, "saft.ari.book-end", total=book_end)


def validate_tree(root: etree._Element) -> list[Finding]:
    qname = etree.QName(root)
    if qname.localname != "AuditFile" or qname.namespace not in NAMESPACES:
        return [
            TEMPLATES.finding(
                "SAFT-ROOT",
                "fatal",
                "/" + qname.localname,
                "saft.root",
                root=f"{{{qname.namespace}}}{qname.localname}",
                expected=" or ".join(NAMESPACES),
            )
        ]
    doc = Doc(root)
    kind, segmented = _header(doc)
    _structure(doc, kind, segmented)
    _formats(doc)
    _cui(doc)
    _references(doc)
    _ledger(doc, segmented)
    _documents(doc)
    return doc.findings


def validate(xml: bytes) -> list[Finding]:
    """Every finding for a D406 file (never raises)."""
    if not xml.strip():
        return [TEMPLATES.finding("SAFT-XML", "fatal", "/", "saft.xml.empty")]
    try:
        root = etree.fromstring(xml, _PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        return [TEMPLATES.finding("SAFT-XML", "fatal", "/", "saft.xml.broken", error=exc)]
    try:
        return validate_tree(root)
    except RecursionError:
        return [TEMPLATES.finding("SAFT-XML", "fatal", "/", "saft.xml.deep")]
