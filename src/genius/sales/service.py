"""Sales rules: the catalogue, drafts, gapless numbering, issuing (UBL CIUS-RO generated, validated and
queued for SPV through e-Factura's service), immutability of issued documents.

Every function takes the caller's tenant session and never commits (the API's ``TenantDB`` does):
the number, the document, its e-Factura submission with its upload task and the
``sales.invoice.issued`` event commit together or not at all. The customer is a CRM account read
through ``genius.vettify.service``; the supplier is the tenant's company profile
(``genius.core.tenancy.service``).
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.ro import cnp as ro_cnp

from genius.compliance.efactura import service as efactura
from genius.compliance.efactura.schemas import (
    Address,
    Delivery,
    DocumentReference,
    Finding,
    Identifier,
    Invoice,
    Item,
    LineAllowanceCharge,
    LineItem,
    Party,
    Price,
    Totals,
    VatBreakdown,
)
from genius.compliance.efactura.schemas import VatCategory as EfVatCategory
from genius.core.audit import service as audit
from genius.core.db.base import new_id, utcnow
from genius.core.directory import repository as directory
from genius.core.events.service import defer, publish
from genius.core.kit import etag as kit_etag
from genius.core.kit.errors import (
    Conflict,
    NotFound,
    PreconditionFailed,
    Problem,
    Unprocessable,
    field_error,
)
from genius.core.storage import TenantFiles, TenantStorage
from genius.core.tenancy import service as tenancy
from genius.sales import bnr, repository, vat
from genius.sales.events import InvoiceIssued
from genius.sales.models import BuyerIdentity, Document, DocumentLine, LineColumns, Order, Product
from genius.sales.schemas import (
    CreditNoteCreate,
    DocumentUpdate,
    InvoiceCreate,
    LineIn,
    ProductCreate,
    ProductUpdate,
)
from genius.sales.vat import RateClass, VatCategory
from genius.vettify import service as crm


@dataclass(frozen=True)
class Actor:
    tid: uuid.UUID
    name: str
    correlation_id: str | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return datetime.now(UTC).date()


# --- ETag / If-Match ---------------------------------------------------------------------------------
def etag(row: Product | Document | Order) -> str:
    return kit_etag.etag(row.version)


def check_if_match(row: Product | Document | Order, if_match: str | None, *, required: bool) -> None:
    """``If-Match`` against the row's version: 412 when stale; 428 when missing and required."""
    kit_etag.check_if_match(row.version, if_match, required=required)


def touch(row: Product | Document | Order) -> None:
    row.version += 1
    row.updated_at = _now()


# --- catalogue ---------------------------------------------------------------------------------------
def product_rate(row: Product, on: date | None = None) -> Decimal | None:
    return vat.rate_for(VatCategory(row.vat_category), RateClass(row.rate_class), on or today())


def create_product(session: Session, actor: Actor, body: ProductCreate) -> Product:
    if repository.product_code_taken(session, body.code):
        raise Conflict(f"A product with the code {body.code!r} exists.", field="code")
    now = _now()
    row = Product(
        id=new_id(),
        tid=actor.tid,
        code=body.code,
        name=body.name,
        unit_code=body.unit_code,
        vat_category=body.vat_category.value,
        rate_class=body.rate_class.value,
        price=body.price,
        currency=body.currency,
        cod_tarifar=body.cod_tarifar,
        unit_weight_kg=body.unit_weight_kg,
        version=1,
        created_by=actor.name,
        created_at=now,
        updated_at=now,
    )
    repository.add(session, row)
    return row


def get_product(session: Session, product_id: uuid.UUID, *, lock: bool = False) -> Product:
    row = repository.product(session, product_id, lock=lock)
    if row is None:
        raise NotFound(f"No product {product_id}.")
    return row


def update_product(
    session: Session, product_id: uuid.UUID, body: ProductUpdate, if_match: str | None
) -> Product:
    row = get_product(session, product_id, lock=True)
    check_if_match(row, if_match, required=True)
    changes = {k: getattr(v, "value", v) for k, v in body.changes().items()}
    if any(getattr(row, k) != v for k, v in changes.items()):
        for name, value in changes.items():
            setattr(row, name, value)
        touch(row)
    return row


def set_transport_data(
    session: Session,
    product_id: uuid.UUID,
    cod_tarifar: str | None,
    unit_weight_kg: Decimal | None,
    *,
    version: int,
) -> Product:
    """The product's e-Transport data from its page: the tariff code and the unit weight, either of them
    cleared when ``None`` (the API's ``PATCH`` cannot clear them). ``version`` is the one the form was
    read at: 412 when someone changed the product since."""
    row = get_product(session, product_id, lock=True)
    if row.version != version:
        raise PreconditionFailed("The product changed since the form was opened.")
    if (row.cod_tarifar, row.unit_weight_kg) != (cod_tarifar, unit_weight_kg):
        row.cod_tarifar, row.unit_weight_kg = cod_tarifar, unit_weight_kg
        touch(row)
    return row


# --- documents ----------------------------------------------------------------------------------------
def get_document(session: Session, document_id: uuid.UUID, *, lock: bool = False) -> Document:
    row = repository.document(session, document_id, lock=lock)
    if row is None:
        raise NotFound(f"No invoice or credit note {document_id}.")
    return row


def customer_account(session: Session, account_id: uuid.UUID, field: str = "customer_id") -> Any:
    try:
        return crm.get_record(session, crm.ACCOUNTS, account_id)
    except NotFound:
        raise field_error(field, "no CRM account with this id") from None


L = TypeVar("L", bound=LineColumns)


def build_lines(session: Session, tid: uuid.UUID, given: list[LineIn], make: Callable[..., L]) -> list[L]:
    """The lines of a document (``make``: invoice or order lines), their missing fields taken from the
    catalogue; 422 naming the line when a field is missing or the discount is too large."""
    catalogue = repository.products(session, {g.product_id for g in given if g.product_id})
    out: list[L] = []
    for i, g in enumerate(given):
        product = catalogue.get(g.product_id) if g.product_id else None
        if g.product_id and product is None:
            raise field_error(f"lines.{i}.product_id", "no product with this id")
        description = g.description or (product.name if product else None)
        price = g.unit_price if g.unit_price is not None else (product.price if product else None)
        if description is None or price is None:
            raise field_error(f"lines.{i}", "description and unit_price are required without a product_id")
        if g.discount > g.quantity * price:
            raise field_error(f"lines.{i}.discount", "is more than quantity x unit_price")
        category = g.vat_category or (VatCategory(product.vat_category) if product else VatCategory.STANDARD)
        rate_class = g.rate_class or (RateClass(product.rate_class) if product else RateClass.STANDARD)
        out.append(
            make(
                id=new_id(),
                tid=tid,
                position=i + 1,
                product_id=g.product_id,
                description=description,
                quantity=g.quantity,
                unit_code=g.unit_code or (product.unit_code if product else "H87"),
                unit_price=price,
                discount=g.discount,
                vat_category=category.value,
                rate_class=rate_class.value,
                vat_rate=None,
                net_amount=Decimal(0),
            )
        )
    return out


class Priced(Protocol):
    """A document with lines and totals: an invoice, a credit note, a quote or an order."""

    net_total: Decimal
    vat_total: Decimal
    gross_total: Decimal

    @property
    def lines(self) -> Sequence[LineColumns]: ...


def document_totals(doc: Priced) -> vat.Totals:
    return vat.totals(
        vat.LineInput(
            line.quantity, line.unit_price, line.discount, VatCategory(line.vat_category), line.vat_rate
        )
        for line in doc.lines
    )


def compute(doc: Priced, on: date) -> vat.Totals:
    """Rates from the dated table for ``on``, line nets and totals rounded as BR-CO wants."""
    for line in doc.lines:
        rate = vat.rate_for(VatCategory(line.vat_category), RateClass(line.rate_class), on)
        line.vat_rate = None if rate is None else rate.quantize(Decimal("0.01"))  # as stored: numeric(5, 2)
    result = document_totals(doc)
    for line, net in zip(doc.lines, result.lines, strict=True):
        line.net_amount = net
    doc.net_total, doc.vat_total, doc.gross_total = result.net, result.vat, result.gross
    return result


def left_to_correct(session: Session, invoice: Document, *, excluding: uuid.UUID | None = None) -> Decimal:
    """What credit notes may still take off an invoice: its gross total less its issued credit notes
    (but ``excluding``: a rejected credit note being corrected counts only with its new total)."""
    credited = repository.credited_totals(session, [invoice.id], excluding=excluding)
    return invoice.gross_total - credited[invoice.id]


def _check_credit(session: Session, doc: Document, corrected: Document | None) -> None:
    """A credit note is in its invoice's currency and never takes off more than is left to correct
    (422 naming the field). At issue the caller holds the invoice's row lock, so two credit notes of one
    invoice (or a credit note and a payment) are checked one after the other."""
    if doc.kind != "credit_note" or corrected is None:
        return
    if doc.currency != corrected.currency:
        raise field_error("currency", f"the corrected invoice {corrected.number} is in {corrected.currency}")
    left = left_to_correct(session, corrected, excluding=doc.id)
    if doc.gross_total > left:
        raise field_error(
            "lines",
            f"the credit note's total {doc.gross_total} is more than what is left to correct on "
            f"{corrected.number} ({max(left, Decimal(0))} {corrected.currency})",
        )


def create_document(session: Session, actor: Actor, body: InvoiceCreate | CreditNoteCreate) -> Document:
    customer_account(session, body.customer_id)
    corrected_id, corrected = None, None
    if isinstance(body, CreditNoteCreate):
        corrected = repository.document(session, body.corrects_id)
        if corrected is None or corrected.status != "issued" or corrected.kind != "invoice":
            raise field_error("corrects_id", "no issued invoice with this id")
        corrected_id = corrected.id
    now = _now()
    doc = Document(
        id=new_id(),
        tid=actor.tid,
        kind=body.type,
        status="draft",
        series=body.series,
        issue_date=body.issue_date,
        due_date=body.due_date,
        currency=body.currency,
        exchange_rate=body.exchange_rate,
        customer_id=body.customer_id,
        corrected_id=corrected_id,
        notes=body.notes,
        version=1,
        created_by=actor.name,
        created_at=now,
        updated_at=now,
    )
    doc.lines = build_lines(session, actor.tid, body.lines, DocumentLine)
    compute(doc, body.issue_date or today())
    _check_credit(session, doc, corrected)
    repository.add(session, doc)
    return doc


# SPV states in which an issued document was never legally received: corrected, it is resent under the
# same number (sales' own view, and compliance's submission states that agree).
CORRECTABLE = frozenset({"rejected", "failed"})
RESENDABLE_SUBMISSIONS = frozenset({"nok", "xml_errors", "failed"})


def correctable(session: Session, doc: Document) -> bool:
    """An issued document whose e-Factura was rejected (or whose upload failed) may be corrected."""
    if doc.status != "issued":
        return False
    row = repository.efactura_status(session, doc.id)
    return row is not None and row.state in CORRECTABLE


def _editable(session: Session, document_id: uuid.UUID, if_match: str | None, *, required: bool) -> Document:
    doc = get_document(session, document_id, lock=True)
    if doc.status == "issued" and not correctable(session, doc):
        raise Conflict(
            f"{doc.number} is issued and cannot change: correct it with a credit note.", code="issued"
        )
    check_if_match(doc, if_match, required=required)
    return doc


def update_document(
    session: Session, actor: Actor, document_id: uuid.UUID, body: DocumentUpdate, if_match: str | None
) -> Document:
    doc = _editable(session, document_id, if_match, required=True)
    changes = body.changes()
    if doc.status == "issued" and "issue_date" in changes and changes["issue_date"] != doc.issue_date:
        raise field_error("issue_date", "a rejected document is resent with its number and issue date")
    if "customer_id" in changes:
        customer_account(session, body.customer_id)  # type: ignore[arg-type]
    if body.lines is not None:
        doc.lines = build_lines(session, actor.tid, body.lines, DocumentLine)
    for name in ("customer_id", "issue_date", "due_date", "currency", "exchange_rate", "notes"):
        if name in changes:
            setattr(doc, name, changes[name])
    compute(doc, doc.issue_date or today())
    if doc.corrected_id is not None:
        _check_credit(session, doc, repository.document(session, doc.corrected_id))
    touch(doc)
    return doc


def take_number(session: Session, tid: uuid.UUID, series: str, on: date) -> tuple[int, str]:
    """The series' next number for ``on``'s year (gapless: under the counter's lock until the
    transaction ends) and its printed form, e.g. ``GEN-2026-000123``."""
    seq = repository.next_number(session, tid, series, on.year)
    return seq, f"{series}-{on.year}-{seq:06d}"


# --- issuing -----------------------------------------------------------------------------------------
def bnr_rate(session: Session, rates: bnr.RateSource | None, currency: str, on: date) -> bnr.ExchangeRate:
    """BNR's rate of ``currency`` for documents dated ``on`` (cached; ``bnr.RateUnavailable`` if none)."""
    return bnr.exchange_rate(session, rates, currency, on)


def settle_exchange_rate(session: Session, doc: Document, on: date, rates: bnr.RateSource | None) -> None:
    """A foreign-currency document states its RON equivalent (BT-6, BR-RO: the VAT in lei): the rate given
    by the user; else, for a credit note, the rate of the invoice it corrects (the storno takes back the
    VAT in lei that invoice charged); else BNR's for the issue date (Codul fiscal art. 290 (2); see
    ``bnr``). 422 on ``exchange_rate`` when BNR has none and cannot be reached."""
    if doc.currency == "RON" or doc.exchange_rate is not None:
        return
    corrected = repository.document(session, doc.corrected_id) if doc.corrected_id else None
    if corrected is not None and corrected.exchange_rate is not None:
        doc.exchange_rate = corrected.exchange_rate
        return
    try:
        doc.exchange_rate = bnr_rate(session, rates, doc.currency, on).document_rate
    except bnr.RateUnavailable as exc:
        raise exc.problem(
            "exchange_rate", hint=f": enter the exchange rate (RON per {doc.currency})"
        ) from None


class IssueRefused(Unprocessable):
    code, title = "efactura-findings", "The invoice would be refused by e-Factura"


def _supplier(session: Session, tid: uuid.UUID) -> Party:
    profile = tenancy.company_profile(session, tid)
    cui = (profile.cui or "").upper().removeprefix("RO").strip()
    if not cui.isdigit():
        raise field_error("supplier.cui", "set the company's CUI in the tenant settings to issue invoices")
    parts = [p.strip() for p in profile.address.split(",") if p.strip()]
    if len(parts) < 3:
        raise field_error(
            "supplier.address",
            "set the company's address in the tenant settings as 'street and number, city, county'",
        )
    try:
        address = Address.romanian(", ".join(parts[:-2]), parts[-2], parts[-1])
    except ValueError as exc:
        raise field_error(
            "supplier.address", f"the company's address in the tenant settings: {exc}"
        ) from None
    return Party(
        name=profile.company_name or profile.anaf_name or "",
        vat_id=f"RO{cui}",
        legal_id=Identifier(value=profile.registration_number) if profile.registration_number else None,
        address=address,
    )


ANONYMOUS_CNP = "0000000000000"


@dataclass(frozen=True)
class BuyerCnp:
    """What a page or the API may show of an individual customer's CNP: never the whole number."""

    account_id: uuid.UUID
    individual: bool  # a CRM account without a CUI: a person, identified by a CNP
    masked: str | None  # "1••••••••1144", None when no CNP is kept (ANAF's 13 zeros go on the invoice)
    updated_at: datetime | None


def _masked(cnp: str) -> str:
    return cnp[0] + "•" * 8 + cnp[-4:]


def buyer_cnp(session: Session, account_id: uuid.UUID) -> BuyerCnp:
    account = customer_account(session, account_id, "account_id")
    row = repository.buyer_identity(session, account_id)
    return BuyerCnp(
        account_id=account_id,
        individual=not account.cui,
        masked=_masked(row.cnp) if row else None,
        updated_at=row.updated_at if row else None,
    )


def set_buyer_cnp(session: Session, actor: Actor, account_id: uuid.UUID, cnp: str | None) -> BuyerCnp:
    """Keep (or, with ``None``/blank, forget) the CNP of a customer who is a person: their next invoices
    carry it (BR-RO-120) instead of ANAF's thirteen zeros. A company is identified by its CUI: 422.
    Audited without the number."""
    account = customer_account(session, account_id, "account_id")
    if account.cui:
        raise field_error("cnp", "this customer is a company, identified by its CUI; a CNP is for a person")
    row = repository.buyer_identity(session, account_id)
    given = "".join((cnp or "").split())
    if not given:
        if row is not None:
            repository.delete_buyer_identity(session, row)
            audit.record(
                session,
                actor.tid,
                "sales.customer.cnp_removed",
                actor=actor.name,
                target=f"crm.account:{account_id}",
                request_id=actor.correlation_id or "",
            )
        return buyer_cnp(session, account_id)
    try:
        valid = ro_cnp.validate(given)
    except StdnumError as exc:
        raise field_error("cnp", f"not a valid CNP: {exc}") from None
    if row is None:
        row = BuyerIdentity(tid=actor.tid, account_id=account_id, cnp=valid)
        repository.add(session, row)
    row.cnp, row.updated_by, row.updated_at = valid, actor.name, utcnow()
    session.flush()
    audit.record(
        session,
        actor.tid,
        "sales.customer.cnp_saved",
        actor=actor.name,
        target=f"crm.account:{account_id}",
        data={"cnp": _masked(valid)},
        request_id=actor.correlation_id or "",
    )
    return buyer_cnp(session, account_id)


def _customer(session: Session, account_id: uuid.UUID) -> Party:
    account = customer_account(session, account_id)
    country = (account.country or "RO").strip().upper()
    if country == "RO":
        try:
            address = Address.romanian(account.address or "", account.city or "", account.county or "")
        except ValueError as exc:
            raise field_error("customer.address", f"the CRM account's address: {exc}") from None
    else:
        address = Address(street=account.address, city=account.city, county=account.county, country=country)
    cui = (account.cui or "").upper().removeprefix("RO")
    vat_registered = (account.official or {}).get("vat_registered", True) is not False
    person = repository.buyer_identity(session, account_id) if not cui and country == "RO" else None
    # A company elsewhere in the EU: the VAT id the CRM keeps for it (checked there, its country the
    # account's), e.g. the buyer of an intra-community supply (BR-IC-02).
    foreign_vat_id = account.vat_id if not cui and country != "RO" else None
    return Party(
        name=account.name,
        vat_id=f"RO{cui}" if cui and vat_registered else foreign_vat_id,
        # BR-RO-120: a buyer without a CUI (an individual) carries the CNP, or ANAF's 13 zeros without one
        legal_id=Identifier(value=cui)
        if cui and not vat_registered
        else Identifier(value=person.cnp if person else ANONYMOUS_CNP)
        if not cui and country == "RO"
        # A private person outside Romania has neither CNP nor VAT id: BR-RO-120 still wants BT-47 or
        # BT-48, and ANAF's code for a buyer without a personal code is the thirteen zeros.
        else Identifier(value=ANONYMOUS_CNP)
        if not cui and not foreign_vat_id
        else None,
        address=address,
    )


# Reverse charge (AE) and an intra-community supply (K) are made to a VAT-registered buyer only.
NEEDS_BUYER_VAT_ID = frozenset({"AE", "K"})


def _buyer(session: Session, doc: Document) -> Party:
    """The document's buyer. ANAF's thirteen zeros name a private person abroad, but BR-AE-02 and
    BR-IC-02 accept BT-47 in place of the VAT id: on an AE or K document they are left out, so our
    validator refuses the issue naming the customer instead of reverse-charging a person."""
    customer = _customer(session, doc.customer_id)
    anonymous = customer.legal_id is not None and customer.legal_id.value == ANONYMOUS_CNP
    if foreign_buyer(customer) and customer.vat_id is None and anonymous:
        if any(line.vat_category in NEEDS_BUYER_VAT_ID for line in doc.lines):
            return customer.model_copy(update={"legal_id": None})
    return customer


def foreign_buyer(customer: Party) -> bool:
    """The buyer is not in Romania: ANAF's upload (and ``uploadb2c``) takes ``extern=DA`` for it ("Folosit
    doar daca cumparatorul nu este din ROMANIA", the upload swagger)."""
    return customer.address is not None and (customer.address.country or "RO").upper() != "RO"


def individual_buyer(customer: Party) -> bool:
    """B2C: the buyer is a person, identified on the invoice by a CNP or ANAF's thirteen zeros (BR-RO-120)
    and by no VAT id. Such an invoice goes to ANAF's ``uploadb2c`` (a CUI never has 13 digits)."""
    legal = customer.legal_id.value if customer.legal_id else ""
    return customer.vat_id is None and len(legal) == 13 and legal.isdigit()


def _ef_category(category: str) -> EfVatCategory:
    return EfVatCategory(category)


def build_invoice(
    doc: Document, number: str, on: date, supplier: Party, customer: Party, corrected: Document | None
) -> Invoice:
    """The EN 16931 model of a document with our totals stated (the validator checks them)."""
    result = document_totals(doc)
    lines = [
        LineItem(
            id=str(line.position),
            quantity=line.quantity,
            unit_code=line.unit_code,
            net_amount=net,
            allowances_charges=[
                LineAllowanceCharge(amount=line.discount, reason="Discount", reason_code="95")
            ]
            if line.discount
            else [],
            price=Price(amount=line.unit_price),
            item=Item(
                name=line.description, vat_category=_ef_category(line.vat_category), vat_rate=line.vat_rate
            ),
        )
        for line, net in zip(doc.lines, result.lines, strict=True)
    ]
    breakdown = []
    for part in result.breakdown:
        reason = vat.exemption(part.category)
        breakdown.append(
            VatBreakdown(
                category=_ef_category(part.category),
                rate=part.rate,
                taxable_amount=part.base,
                tax_amount=part.vat,
                exemption_reason=reason.reason if reason else None,
                exemption_reason_code=reason.code if reason else None,
            )
        )
    totals = Totals(
        line_total=result.net,
        tax_exclusive=result.net,
        vat_total=result.vat,
        tax_inclusive=result.gross,
        payable=result.gross,
    )
    eur = doc.currency != "RON"
    # An intra-community supply names when and to which country the goods went (BR-IC-11, BR-IC-12): the
    # issue date (the document carries no separate supply date) and the buyer's address. CIUS-RO asks every
    # delivery address for its line, city and subdivision (BR-RO-180/201/211): a foreign account without
    # a region (its CRM "county") gives its city there.
    intra_community = any(part.category == VatCategory.INTRA_COMMUNITY for part in result.breakdown)
    buyer_address = customer.address
    delivery = (
        Delivery(
            actual_date=on,
            address=Address(
                street=buyer_address.street,
                city=buyer_address.city,
                county=buyer_address.county or buyer_address.city,
                postal_code=buyer_address.postal_code,
                country=buyer_address.country,
            ),
        )
        if intra_community
        else None
    )
    return Invoice(
        number=number,
        issue_date=on,
        type_code="381" if doc.kind == "credit_note" else "380",
        due_date=doc.due_date,
        # BR-CO-25: an amount due needs a due date or payment terms
        payment_terms=None if doc.due_date else "Plata la primirea facturii",
        currency=doc.currency,
        tax_currency="RON" if eur else None,
        tax_currency_rate=doc.exchange_rate if eur else None,
        notes=[doc.notes] if doc.notes else [],
        preceding_invoices=[DocumentReference(id=corrected.number or "", issue_date=corrected.issue_date)]
        if corrected is not None
        else [],
        seller=supplier,
        buyer=customer,
        delivery=delivery,
        lines=lines,
        vat_breakdown=breakdown,
        totals=totals,
    )


# Where a finding points, for the user: the document's fields (by the XML location, else by the first
# EN 16931 business term its message names). The first span holding a term wins: the address terms
# (BT-35…40, BT-50…55 and the third lines BT-162/163) come before their parties'.
_TERM_FIELDS: tuple[tuple[range, str], ...] = (
    (range(1, 2), "number"),
    (range(2, 3), "issue_date"),
    (range(5, 7), "currency"),
    (range(9, 10), "due_date"),
    (range(22, 23), "notes"),
    (range(25, 27), "corrects_id"),
    (range(35, 41), "supplier.address"),
    (range(50, 56), "customer.address"),
    (range(162, 163), "supplier.address"),
    (range(163, 164), "customer.address"),
    (range(27, 44), "supplier"),
    (range(44, 59), "customer"),
    (range(106, 116), "totals"),
    (range(116, 122), "vat_breakdown"),
    (range(126, 162), "lines"),
)
_GROUP_FIELDS = {3: "corrects_id", 4: "supplier", 5: "supplier.address", 7: "customer", 8: "customer.address"}


def _term_field(kind: str, n: int) -> str | None:
    if kind == "BG":
        return _GROUP_FIELDS.get(n)
    return next((name for span, name in _TERM_FIELDS if n in span), None)


def fields_of(finding: Finding) -> list[str]:
    """The document fields a finding is about: its XML location when that names a line or a party,
    else the business terms its rule requires (those after "shall", else all its message names), else
    the whole document."""
    where = re.search(r"(?:Invoice|CreditNote)Line\[(\d+)\]", finding.location)
    if where:
        return [f"lines.{int(where.group(1)) - 1}"]
    for party, name in (("AccountingSupplierParty", "supplier"), ("AccountingCustomerParty", "customer")):
        if party in finding.location:
            return [f"{name}.address" if "PostalAddress" in finding.location else name]
    message = finding.message
    required = message.split(" shall ", 1)[1] if " shall " in message else message
    # "The Seller VAT identifier (BT-31) … shall be present" (BR-RO-065): the terms precede "shall"
    for text in (required, message):
        found: list[str] = []
        for kind, n in re.findall(r"\b(BT|BG)-(\d+)\b", text):
            field = _term_field(kind, int(n))
            if field is not None and field not in found:
                found.append(field)
        if found:
            return found
    return ["document"]


def _checked_xml(invoice: Invoice, artefacts_dir: Path | None) -> bytes:
    """The UBL of ``invoice``, refused (422 with the fields to correct) on a fatal validator finding."""
    try:
        xml = efactura.document_xml(invoice)
    except (ValueError, ArithmeticError) as exc:
        raise IssueRefused(f"The document cannot be written as e-Factura XML: {exc}") from None
    fatal = [f for f in efactura.check_document(xml, artefacts_dir=artefacts_dir) if f.severity == "fatal"]
    if fatal:
        raise IssueRefused(
            "e-Factura would refuse this document; correct the fields named below.",
            errors=[
                {"field": name, "in": "document", "message": f.message, "rule": f.rule, "type": "efactura"}
                for f in fatal
                for name in fields_of(f)
            ],
        )
    return xml


def _sent(doc: Document, xml: bytes, supplier: Party, customer: Party, submission_id: uuid.UUID) -> None:
    doc.ubl_xml = xml.decode()
    doc.supplier = supplier.model_dump(mode="json", exclude_none=True)
    doc.customer = customer.model_dump(mode="json", exclude_none=True)
    doc.efactura_submission_id = submission_id
    touch(doc)


class ResendRefused(Problem):
    def __init__(self, detail: str, code: str) -> None:
        super().__init__(detail, status=409, code=code, title="Conflict")


def resend(
    session: Session,
    actor: Actor,
    document_id: uuid.UUID,
    if_match: str | None,
    *,
    artefacts_dir: Path | None = None,
    rates: bnr.RateSource | None = None,
) -> Document:
    """Correct and resend: a document SPV rejected (or whose upload failed) was never legally received,
    so its corrected UBL goes out again under the same number and issue date, as a new submission.

    Before anything is sent the earlier upload's status is checked twice, under the document's row lock
    (a double click or a second tab waits here): sales' SPV status must be rejected or failed, and so
    must compliance's submission itself (an upload still waiting for ANAF's slow reply, or accepted
    meanwhile, is a 409, never a second upload). The idempotency key carries the document's version,
    which the resend bumps: the same resend asked twice queues one upload."""
    doc = get_document(session, document_id, lock=True)
    if doc.status != "issued" or doc.issue_date is None or doc.number is None:
        raise ResendRefused("A draft is issued, not resent.", "draft")
    check_if_match(doc, if_match, required=False)
    row = repository.efactura_status(session, doc.id, lock=True)
    if row is None or row.state not in CORRECTABLE:
        state = row.state if row is not None else "queued"
        raise ResendRefused(
            f"{doc.number} is {state} at SPV: only a rejected document (or a failed upload) is resent.",
            "efactura-not-rejected",
        )
    earlier = efactura.get_submission(session, actor.tid, row.submission_id)
    if earlier.state not in RESENDABLE_SUBMISSIONS:
        raise ResendRefused(
            f"The earlier upload of {doc.number} is {earlier.state} at ANAF: wait for its outcome.",
            "efactura-in-progress",
        )
    settle_exchange_rate(session, doc, doc.issue_date, rates)
    compute(doc, doc.issue_date)
    supplier, customer = _supplier(session, actor.tid), _buyer(session, doc)
    corrected = None
    if doc.corrected_id:
        corrected = repository.documents_locked(session, [doc.corrected_id]).get(doc.corrected_id)
        _check_credit(session, doc, corrected)
    invoice = build_invoice(doc, doc.number, doc.issue_date, supplier, customer, corrected)
    xml = _checked_xml(invoice, artefacts_dir)
    submission, _ = efactura.submit_and_queue(
        session,
        actor.tid,
        xml,
        supplier.cui or "",
        extern=foreign_buyer(customer),
        b2c=individual_buyer(customer),
        idempotency_key=f"sales-document:{doc.id}:v{doc.version}",
        correlation_id=actor.correlation_id,
    )
    _sent(doc, xml, supplier, customer, submission.id)  # allowed by the trigger while rejected/failed
    session.flush()
    row.submission_id, row.state, row.index_incarcare, row.id_descarcare = submission.id, "queued", None, None
    row.messages, row.errors, row.updated_at = [], [], _now()
    session.flush()
    queue_pdf(session, doc)
    return doc


def issue(
    session: Session,
    actor: Actor,
    document_id: uuid.UUID,
    if_match: str | None,
    *,
    artefacts_dir: Path | None = None,
    rates: bnr.RateSource | None = None,
) -> Document:
    """Number the draft, generate and validate its UBL, queue its SPV upload, publish
    ``sales.invoice.issued``. An issued document is returned as it is (a double issue numbers and
    uploads nothing again). A EUR document without an exchange rate takes BNR's for its issue date
    (``rates``: the feed, read when the cache does not know that date)."""
    doc = get_document(session, document_id, lock=True)
    if doc.status == "issued":
        return doc
    check_if_match(doc, if_match, required=False)
    if not doc.lines:
        raise field_error("lines", "an invoice needs at least one line to be issued")
    on = doc.issue_date or today()
    settle_exchange_rate(session, doc, on, rates)
    compute(doc, on)
    supplier, customer = _supplier(session, actor.tid), _buyer(session, doc)
    # A credit note locks the invoice it corrects before reading what is left to correct.
    corrected = (
        repository.documents_locked(session, [doc.corrected_id]).get(doc.corrected_id)
        if doc.corrected_id
        else None
    )
    _check_credit(session, doc, corrected)
    seq, number = take_number(session, actor.tid, doc.series, on)
    xml = _checked_xml(build_invoice(doc, number, on, supplier, customer, corrected), artefacts_dir)
    submission, _ = efactura.submit_and_queue(
        session,
        actor.tid,
        xml,
        supplier.cui or "",
        extern=foreign_buyer(customer),
        b2c=individual_buyer(customer),
        idempotency_key=f"sales-document:{doc.id}",
        correlation_id=actor.correlation_id,
    )
    now = _now()
    # One UPDATE: an issued row is refused any later change by the database itself.
    doc.status, doc.year, doc.seq, doc.number, doc.issue_date = "issued", on.year, seq, number, on
    _sent(doc, xml, supplier, customer, submission.id)
    doc.issued_at = now
    session.flush()
    queue_pdf(session, doc)
    publish(
        session,
        "sales.invoice.issued",
        InvoiceIssued(
            invoice_id=doc.id,
            type=doc.kind,
            number=number,
            series=doc.series,
            issue_date=on,
            due_date=doc.due_date,
            customer_id=doc.customer_id,
            customer_cui=customer.cui,
            corrects_id=doc.corrected_id,
            currency=doc.currency,
            net_total=doc.net_total,
            vat_total=doc.vat_total,
            gross_total=doc.gross_total,
            efactura_submission_id=submission.id,
            issued_by=actor.name,
            issued_at=now,
        ),
        tid=actor.tid,
        aggregate_id=doc.id,
        correlation_id=actor.correlation_id,
    )
    return doc


# --- PDF ---------------------------------------------------------------------------------------------
# Issuing queues only the document's id and version: the HTML and the PDF are both made by this task, on
# the pdf.render worker's queue (its name routes there), off the issuing transaction.
PDF_TASK = "pdf.render.sales_document"


def pdf_key(doc: Document) -> str:
    """Where the issued document's PDF is stored (under the tenant's key), named by the XML it prints: a
    resend's corrected XML gets its own PDF, and a redelivered render task finds its PDF already there."""
    assert doc.ubl_xml is not None
    digest = hashlib.sha256(doc.ubl_xml.encode()).hexdigest()[:16]
    return f"pdf/{doc.tid}/sales-{doc.id}-{digest}.pdf"


def stored_pdf(store: TenantStorage, doc: Document) -> bytes | None:
    """The issued document's stored PDF (``store``: the tenant's files), or None while it is rendered. A
    PDF rendered before its key named the XML (``sales-<id>.pdf``) is still served when it is the only one."""
    if doc.ubl_xml is None:
        return None
    for key in (pdf_key(doc), f"pdf/{doc.tid}/sales-{doc.id}.pdf"):
        if store.exists(key):
            return store.get(key)
    return None


def queue_pdf(session: Session, doc: Document) -> None:
    """The issued document's PDF, as an outbox task of the issuing transaction carrying only the
    document's id and version (``pdf_source`` builds the HTML in the worker)."""
    defer(
        session,
        PDF_TASK,
        tid=doc.tid,
        kwargs={"document_id": str(doc.id), "version": doc.version, "tid": str(doc.tid)},
    )


@dataclass(frozen=True)
class PdfSource:
    key: str  # the object's key under the tenant's store (``pdf_key``)
    html: str  # the Romanian layout of the exact XML sent to SPV, with the tenant's logo


def logo_uri(session: Session, files: TenantFiles, tid: uuid.UUID) -> str | None:
    """The tenant's logo (tenant settings) as a ``data:`` URI, the only kind of image the PDF engine loads."""
    tenant = directory.get(session, tid)
    found = tenancy.logo(session, files, tenant) if tenant is not None else None
    if found is None:
        return None
    data, content_type = found
    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def pdf_source(session: Session, files: TenantFiles, tid: uuid.UUID, doc: Document) -> PdfSource:
    """What the render task prints: the issued (immutable) document's XML, as the Romanian layout with the
    tenant's logo. The document as it is now: a resend since the task was queued changed its XML and
    queued its own render, which writes the same key."""
    assert doc.ubl_xml is not None
    logo = logo_uri(session, files, tid)
    return PdfSource(key=pdf_key(doc), html=efactura.document_html(doc.ubl_xml.encode(), logo=logo))


def preview_html(session: Session, tid: uuid.UUID, document_id: uuid.UUID) -> str:
    """The document as it will print (the Romanian layout ``pdf.render`` renders): an issued one from the
    exact XML sent to SPV, a draft from the UBL it would be issued with (its number still to be taken).
    Reads only: the draft's stored totals and rates are used as they are. 422 naming the field when the
    supplier or the customer cannot be written yet."""
    doc = get_document(session, document_id)
    if doc.ubl_xml is not None:
        return efactura.document_html(doc.ubl_xml.encode())
    on = doc.issue_date or today()
    corrected = repository.document(session, doc.corrected_id) if doc.corrected_id else None
    invoice = build_invoice(
        doc,
        f"{doc.series}-{on.year}-??????",
        on,
        _supplier(session, tid),
        _buyer(session, doc),
        corrected,
    )
    try:
        xml = efactura.document_xml(invoice)
    except (ValueError, ArithmeticError) as exc:
        raise IssueRefused(f"The document cannot be written as e-Factura XML: {exc}") from None
    return efactura.document_html(xml)


def ubl(session: Session, document_id: uuid.UUID) -> str:
    doc = get_document(session, document_id)
    if doc.ubl_xml is None:
        raise Problem(
            "A draft has no e-Factura XML yet: issue it first.", status=409, code="draft", title="Conflict"
        )
    return doc.ubl_xml


def document_page(session: Session, *, status: str | None, cursor: str | None, limit: int) -> Any:
    return repository.document_page(session, status=status, cursor=cursor, limit=limit)


def product_page(session: Session, *, cursor: str | None, limit: int) -> Any:
    return repository.product_page(session, cursor=cursor, limit=limit)
