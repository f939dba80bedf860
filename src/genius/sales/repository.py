"""Every SQL statement of the sales module (callers pass the tenant session: RLS applies)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from genius.core.kit.pagination import Page, cursor_after, decode_cursor, page_of
from genius.sales.models import (
    BnrRate,
    BnrRateDay,
    BuyerIdentity,
    Document,
    EfacturaStatus,
    Order,
    OrderTransport,
    Payment,
    PaymentAllocation,
    Product,
    SeriesCounter,
    SupplierInvoice,
)

ORDER = "created_at"


def add(
    session: Session,
    row: Product | Document | Payment | EfacturaStatus | Order | OrderTransport | BuyerIdentity,
) -> None:
    session.add(row)
    session.flush()


def product(session: Session, product_id: uuid.UUID, *, lock: bool = False) -> Product | None:
    query = select(Product).where(Product.id == product_id)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def products(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, Product]:
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(ids)))}


def product_code_taken(session: Session, code: str) -> bool:
    return session.scalar(select(Product.id).where(Product.code == code).limit(1)) is not None


def product_page(session: Session, *, cursor: str | None, limit: int) -> Page[Product]:
    query = select(Product)
    if cursor:
        when, pid = decode_cursor(cursor, "products", (datetime, uuid.UUID))
        query = query.where(cursor_after((Product.created_at, Product.id), (when, pid), desc=False))
    rows = session.scalars(query.order_by(Product.created_at, Product.id).limit(limit + 1)).all()
    return page_of(rows, limit, "products", key=lambda p: (p.created_at, p.id))


def document(session: Session, document_id: uuid.UUID, *, lock: bool = False) -> Document | None:
    query = select(Document).where(Document.id == document_id)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def document_page(session: Session, *, status: str | None, cursor: str | None, limit: int) -> Page[Document]:
    order = f"documents:{status or ''}"
    query = select(Document)
    if status:
        query = query.where(Document.status == status)
    if cursor:
        when, did = decode_cursor(cursor, order, (datetime, uuid.UUID))
        query = query.where(cursor_after((Document.created_at, Document.id), (when, did), desc=True))
    rows = session.scalars(
        query.order_by(Document.created_at.desc(), Document.id.desc()).limit(limit + 1)
    ).all()
    return page_of(rows, limit, order, key=lambda d: (d.created_at, d.id))


def next_number(session: Session, tid: uuid.UUID, series: str, year: int) -> int:
    """The series' next number, taken under the counter row's lock until the transaction ends: a
    concurrent issuer waits, and a rollback gives the number back (no hole)."""
    session.execute(
        pg_insert(SeriesCounter)
        .values(tid=tid, series=series, year=year, last_number=0)
        .on_conflict_do_nothing(index_elements=["tid", "series", "year"])
    )
    taken = session.execute(
        update(SeriesCounter)
        .where(SeriesCounter.tid == tid, SeriesCounter.series == series, SeriesCounter.year == year)
        .values(last_number=SeriesCounter.last_number + 1)
        .returning(SeriesCounter.last_number)
    ).scalar_one()
    return int(taken)


__all__ = ["add", "document", "document_page", "next_number", "product", "product_code_taken"]


def transaction_lock(session: Session, name: str) -> None:
    """An advisory lock on ``name`` until the transaction ends (a second caller waits here)."""
    session.execute(select(func.pg_advisory_xact_lock(func.hashtext(name))))


def any_product_created_by(session: Session, actor: str) -> bool:
    return session.scalar(select(Product.id).where(Product.created_by == actor).limit(1)) is not None


# --- SPV status ------------------------------------------------------------------------------------
def document_by_submission(session: Session, submission_id: uuid.UUID) -> Document | None:
    return session.scalars(
        select(Document).where(Document.efactura_submission_id == submission_id)
    ).one_or_none()


def efactura_status(session: Session, document_id: uuid.UUID, *, lock: bool = False) -> EfacturaStatus | None:
    query = select(EfacturaStatus).where(EfacturaStatus.document_id == document_id)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def efactura_statuses(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, EfacturaStatus]:
    if not ids:
        return {}
    rows = session.scalars(select(EfacturaStatus).where(EfacturaStatus.document_id.in_(ids)))
    return {r.document_id: r for r in rows}


def unaccepted_since(
    session: Session, since: date, *, ids: list[uuid.UUID] | None = None
) -> list[tuple[Document, EfacturaStatus | None]]:
    """Issued documents dated ``since`` or later that SPV has not accepted, with their status row (None:
    still queued), oldest first."""
    query = (
        select(Document, EfacturaStatus)
        .outerjoin(EfacturaStatus, EfacturaStatus.document_id == Document.id)
        .where(
            Document.status == "issued",
            Document.issue_date >= since,
            (EfacturaStatus.state.is_(None)) | (EfacturaStatus.state != "accepted"),
        )
        .order_by(Document.issue_date, Document.number)
    )
    if ids is not None:
        query = query.where(Document.id.in_(ids))
    return [(d, r) for d, r in session.execute(query).all()]


def efactura_outbox_page(
    session: Session, *, state: str | None, cursor: str | None, limit: int
) -> Page[tuple[Document, EfacturaStatus | None]]:
    """Issued documents with their SPV status, newest first; ``state`` filters (``queued``: no news yet)."""
    order = f"efactura:{state or ''}"
    query = (
        select(Document, EfacturaStatus)
        .outerjoin(EfacturaStatus, EfacturaStatus.document_id == Document.id)
        .where(Document.status == "issued")
    )
    if state == "queued":
        query = query.where((EfacturaStatus.state.is_(None)) | (EfacturaStatus.state == "queued"))
    elif state:
        query = query.where(EfacturaStatus.state == state)
    if cursor:
        when, did = decode_cursor(cursor, order, (datetime, uuid.UUID))
        query = query.where(cursor_after((Document.issued_at, Document.id), (when, did), desc=True))
    rows = session.execute(
        query.order_by(Document.issued_at.desc(), Document.id.desc()).limit(limit + 1)
    ).all()
    return page_of([(d, r) for d, r in rows], limit, order, key=lambda t: (t[0].issued_at, t[0].id))


# --- payments --------------------------------------------------------------------------------------
def documents_locked(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Document]:
    """The documents, their rows locked in id order (two payments for the same invoices never deadlock:
    the second waits for the first, then sees its allocations)."""
    if not ids:
        return {}
    rows = session.scalars(
        select(Document).where(Document.id.in_(ids)).order_by(Document.id).with_for_update()
    ).all()
    return {d.id: d for d in rows}


def paid_totals(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Decimal]:
    """The amount allocated so far to each document (0 when none)."""
    if not ids:
        return {}
    rows = session.execute(
        select(PaymentAllocation.document_id, func.sum(PaymentAllocation.amount))
        .where(PaymentAllocation.document_id.in_(ids))
        .group_by(PaymentAllocation.document_id)
    ).all()
    found = {doc: Decimal(total) for doc, total in rows}
    return {i: found.get(i, Decimal(0)) for i in ids}


def credited_totals(
    session: Session, ids: list[uuid.UUID], *, excluding: uuid.UUID | None = None
) -> dict[uuid.UUID, Decimal]:
    """The gross totals of the issued credit notes (storno) correcting each invoice (0 when none), but
    ``excluding`` (a credit note being corrected and resent)."""
    if not ids:
        return {}
    query = select(Document.corrected_id, func.sum(Document.gross_total)).where(
        Document.corrected_id.in_(ids), Document.kind == "credit_note", Document.status == "issued"
    )
    if excluding is not None:
        query = query.where(Document.id != excluding)
    rows = session.execute(query.group_by(Document.corrected_id)).all()
    found = {doc: Decimal(total) for doc, total in rows}
    return {i: found.get(i, Decimal(0)) for i in ids}


def allocations_of(session: Session, document_id: uuid.UUID) -> list[tuple[PaymentAllocation, Payment]]:
    rows = session.execute(
        select(PaymentAllocation, Payment)
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(PaymentAllocation.document_id == document_id)
        .order_by(Payment.received_on, Payment.created_at)
    ).all()
    return [(a, p) for a, p in rows]


def payment(session: Session, payment_id: uuid.UUID) -> Payment | None:
    return session.scalars(select(Payment).where(Payment.id == payment_id)).one_or_none()


def payment_page(session: Session, *, cursor: str | None, limit: int) -> Page[Payment]:
    query = select(Payment)
    if cursor:
        when, pid = decode_cursor(cursor, "payments", (datetime, uuid.UUID))
        query = query.where(cursor_after((Payment.created_at, Payment.id), (when, pid), desc=True))
    rows = session.scalars(
        query.order_by(Payment.created_at.desc(), Payment.id.desc()).limit(limit + 1)
    ).all()
    return page_of(rows, limit, "payments", key=lambda p: (p.created_at, p.id))


# --- quotes and orders -----------------------------------------------------------------------------
def order(session: Session, order_id: uuid.UUID, *, lock: bool = False) -> Order | None:
    """A quote or an order; ``lock`` holds its row (and so its lines' invoiced quantities) until the
    transaction ends."""
    query = select(Order).where(Order.id == order_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()


def order_page(
    session: Session,
    *,
    kind: str,
    status: str | None,
    customer_id: uuid.UUID | None,
    today: date,
    cursor: str | None,
    limit: int,
) -> Page[Order]:
    """Quotes or orders, newest first; a quote's ``expired`` is ``sent`` past its ``valid_until``."""
    order_key = f"{kind}s:{status or ''}:{customer_id or ''}"
    query = select(Order).where(Order.kind == kind)
    if status == "expired":
        query = query.where(Order.status == "sent", Order.valid_until < today)
    elif status == "sent" and kind == "quote":
        query = query.where(
            Order.status == "sent", or_(Order.valid_until.is_(None), Order.valid_until >= today)
        )
    elif status:
        query = query.where(Order.status == status)
    if customer_id:
        query = query.where(Order.customer_id == customer_id)
    if cursor:
        when, oid = decode_cursor(cursor, order_key, (datetime, uuid.UUID))
        query = query.where(cursor_after((Order.created_at, Order.id), (when, oid), desc=True))
    rows = session.scalars(query.order_by(Order.created_at.desc(), Order.id.desc()).limit(limit + 1)).all()
    return page_of(rows, limit, order_key, key=lambda o: (o.created_at, o.id))


def quote_of_opportunity(session: Session, opportunity_id: uuid.UUID) -> Order | None:
    return session.scalars(
        select(Order).where(Order.kind == "quote", Order.opportunity_id == opportunity_id)
    ).one_or_none()


def order_of_quote(session: Session, quote_id: uuid.UUID) -> Order | None:
    return session.scalars(select(Order).where(Order.quote_id == quote_id)).one_or_none()


def orders_of_quotes(session: Session, quote_ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    if not quote_ids:
        return {}
    rows = session.execute(select(Order.quote_id, Order.id).where(Order.quote_id.in_(quote_ids))).all()
    return {q: o for q, o in rows if q is not None}


def invoices_of_orders(session: Session, order_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Document]]:
    """The invoices made from each order, oldest first."""
    out: dict[uuid.UUID, list[Document]] = {i: [] for i in order_ids}
    if not order_ids:
        return out
    rows = session.scalars(
        select(Document).where(Document.order_id.in_(order_ids)).order_by(Document.created_at, Document.id)
    )
    for doc in rows:
        assert doc.order_id is not None
        out[doc.order_id].append(doc)
    return out


# --- e-Transport of orders ------------------------------------------------------------------------
def order_transport(session: Session, order_id: uuid.UUID, *, lock: bool = False) -> OrderTransport | None:
    query = select(OrderTransport).where(OrderTransport.order_id == order_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()


def order_transport_by_declaration(session: Session, declaration_id: uuid.UUID) -> OrderTransport | None:
    """The order's transport row of this e-Transport declaration, locked (an event updates it)."""
    return session.scalars(
        select(OrderTransport).where(OrderTransport.declaration_id == declaration_id).with_for_update()
    ).one_or_none()


def order_transport_by_amendment(session: Session, declaration_id: uuid.UUID) -> OrderTransport | None:
    """The order's transport row whose deletion or correction is this declaration, locked."""
    return session.scalars(
        select(OrderTransport).where(OrderTransport.amend_declaration_id == declaration_id).with_for_update()
    ).one_or_none()


def order_transports(session: Session, order_ids: list[uuid.UUID]) -> dict[uuid.UUID, OrderTransport]:
    if not order_ids:
        return {}
    rows = session.scalars(select(OrderTransport).where(OrderTransport.order_id.in_(order_ids)))
    return {row.order_id: row for row in rows}


def order_transport_page(
    session: Session, *, cursor: str | None, limit: int
) -> Page[tuple[OrderTransport, Order]]:
    """Orders' e-Transport declarations with their orders, the most recently started first."""
    order_key = "etransport:-created_at"
    query = select(OrderTransport, Order).join(Order, Order.id == OrderTransport.order_id)
    if cursor:
        when, oid = decode_cursor(cursor, order_key, (datetime, uuid.UUID))
        query = query.where(
            cursor_after((OrderTransport.created_at, OrderTransport.order_id), (when, oid), desc=True)
        )
    rows = session.execute(
        query.order_by(OrderTransport.created_at.desc(), OrderTransport.order_id.desc()).limit(limit + 1)
    ).all()
    return page_of(
        [(t, o) for t, o in rows], limit, order_key, key=lambda r: (r[0].created_at, r[0].order_id)
    )


# --- supplier invoices (the SPV inbox) -------------------------------------------------------------
def add_supplier_invoice(session: Session, values: dict[str, object]) -> uuid.UUID | None:
    """Insert one received invoice; ``None`` when the tenant already has that ANAF message."""
    stmt = (
        pg_insert(SupplierInvoice)
        .values(**values)
        .on_conflict_do_nothing(constraint="uq_supplier_invoices_message")
        .returning(SupplierInvoice.id)
    )
    return session.execute(stmt).scalar_one_or_none()


def supplier_invoice(session: Session, invoice_id: uuid.UUID) -> SupplierInvoice | None:
    return session.scalars(select(SupplierInvoice).where(SupplierInvoice.id == invoice_id)).one_or_none()


def supplier_invoice_page(session: Session, *, cursor: str | None, limit: int) -> Page[SupplierInvoice]:
    query = select(SupplierInvoice)
    if cursor:
        when, sid = decode_cursor(cursor, "supplier-invoices", (datetime, uuid.UUID))
        query = query.where(
            cursor_after((SupplierInvoice.received_at, SupplierInvoice.id), (when, sid), desc=True)
        )
    rows = session.scalars(
        query.order_by(SupplierInvoice.received_at.desc(), SupplierInvoice.id.desc()).limit(limit + 1)
    ).all()
    return page_of(rows, limit, "supplier-invoices", key=lambda r: (r.received_at, r.id))


# --- BNR reference rates (platform tables: no tenant filter, the same rows for every tenant) ---------
BNR_INSERT_CHUNK = (
    2000  # rows per INSERT: a year's rates (~9,000) stay far below PostgreSQL's parameter limit
)


def bnr_rate_on(session: Session, day: date, currency: str) -> tuple[date, BnrRate | None] | None:
    """The fixing that applies to ``day`` and its ``currency`` rate (``None`` when BNR published none for
    it that day); ``None`` when the cache does not know ``day`` yet."""
    rate_date = session.scalar(select(BnrRateDay.rate_date).where(BnrRateDay.day == day))
    if rate_date is None:
        return None
    row = session.scalars(
        select(BnrRate).where(BnrRate.rate_date == rate_date, BnrRate.currency == currency)
    ).one_or_none()
    return rate_date, row


def add_bnr_rates(session: Session, rows: list[dict[str, object]], days: dict[date, date]) -> None:
    """Cache fixings' rates and the days they answer; rows already cached are left as they are (a fixing
    never changes, and two requests may fetch the same day at once)."""
    for start in range(0, len(rows), BNR_INSERT_CHUNK):
        session.execute(
            pg_insert(BnrRate).values(rows[start : start + BNR_INSERT_CHUNK]).on_conflict_do_nothing()
        )
    items = [{"day": day, "rate_date": fixing} for day, fixing in sorted(days.items())]
    for start in range(0, len(items), BNR_INSERT_CHUNK):
        session.execute(
            pg_insert(BnrRateDay).values(items[start : start + BNR_INSERT_CHUNK]).on_conflict_do_nothing()
        )


def buyer_identity(session: Session, account_id: uuid.UUID) -> BuyerIdentity | None:
    return session.scalars(select(BuyerIdentity).where(BuyerIdentity.account_id == account_id)).one_or_none()


def delete_buyer_identity(session: Session, row: BuyerIdentity) -> None:
    session.delete(row)
    session.flush()
