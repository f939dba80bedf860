"""Sales tables (schema ``sales``, every one a tenant table under forced RLS; migration 0018)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CHAR,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from genius.core.db.base import Base, new_id, utcnow

SCHEMA = "sales"


class Product(Base):
    """A product or service of the catalogue."""

    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("tid", "code"), {"schema": SCHEMA})

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    unit_code: Mapped[str] = mapped_column(String(3))
    vat_category: Mapped[str] = mapped_column(String(2))
    rate_class: Mapped[str] = mapped_column(String(12))
    price: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    currency: Mapped[str] = mapped_column(String(3))
    # NC/CN tariff code (8 digits) and the mass of one unit: what an e-Transport notification needs (0037)
    cod_tarifar: Mapped[str | None] = mapped_column(String(8))
    unit_weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SeriesCounter(Base):
    """The last number issued in a series and year; its row lock serialises issuers (gapless)."""

    __tablename__ = "series_counters"
    __table_args__ = {"schema": SCHEMA}

    tid: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    series: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Document(Base):
    """An invoice or a credit note: a draft (no number) or issued (numbered, immutable)."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("tid", "series", "year", "seq"), {"schema": SCHEMA})

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    kind: Mapped[str] = mapped_column(String(12))  # invoice | credit_note
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft | issued
    series: Mapped[str] = mapped_column(String(20))
    year: Mapped[int | None] = mapped_column(Integer)
    seq: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[str | None] = mapped_column(String(40))
    issue_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    exchange_rate: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))  # a CRM account (read via its service)
    corrected_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sales.documents.id"))
    notes: Mapped[str | None] = mapped_column(Text)
    net_total: Mapped[Decimal] = mapped_column(Numeric(18, 2), default=Decimal(0))
    vat_total: Mapped[Decimal] = mapped_column(Numeric(18, 2), default=Decimal(0))
    gross_total: Mapped[Decimal] = mapped_column(Numeric(18, 2), default=Decimal(0))
    customer: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # snapshot taken at issue
    supplier: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # snapshot taken at issue
    ubl_xml: Mapped[str | None] = mapped_column(Text)
    efactura_submission_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sales.orders.id"))  # the order it bills
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    lines: Mapped[list[DocumentLine]] = relationship(
        order_by="DocumentLine.position", cascade="all, delete-orphan", lazy="selectin"
    )


class LineColumns:
    """The columns of a document line, shared by invoices, credit notes, quotes and orders."""

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sales.products.id"))
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[Decimal] = mapped_column(Numeric(15, 3))
    unit_code: Mapped[str] = mapped_column(String(3))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    discount: Mapped[Decimal] = mapped_column(Numeric(18, 2), default=Decimal(0))
    vat_category: Mapped[str] = mapped_column(String(2))
    rate_class: Mapped[str] = mapped_column(String(12))
    vat_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    net_amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))


class DocumentLine(LineColumns, Base):
    __tablename__ = "document_lines"
    __table_args__ = {"schema": SCHEMA}

    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sales.documents.id", ondelete="CASCADE"))


class EfacturaStatus(Base):
    """What SPV said about an issued document (kept beside it: an issued document never changes)."""

    __tablename__ = "efactura_status"
    __table_args__ = {"schema": SCHEMA}

    document_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("sales.documents.id", ondelete="CASCADE"), primary_key=True
    )
    tid: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    submission_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    state: Mapped[str] = mapped_column(String(12))  # queued | uploaded | accepted | rejected | failed
    index_incarcare: Mapped[str | None] = mapped_column(String(32))
    id_descarcare: Mapped[str | None] = mapped_column(String(32))
    messages: Mapped[list[str]] = mapped_column(JSONB, default=list)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    deadline_notified_on: Mapped[date | None] = mapped_column(Date)  # the deadline notice went out (0026)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Payment(Base):
    """A payment received (încasare); ``allocated`` is the part allocated to invoices."""

    __tablename__ = "payments"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    received_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str | None] = mapped_column(String(100))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    allocated: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    allocations: Mapped[list[PaymentAllocation]] = relationship(
        order_by="PaymentAllocation.created_at", cascade="all, delete-orphan", lazy="selectin"
    )


class PaymentAllocation(Base):
    __tablename__ = "payment_allocations"
    __table_args__ = (UniqueConstraint("payment_id", "document_id"), {"schema": SCHEMA})

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sales.payments.id", ondelete="CASCADE"))
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sales.documents.id"))
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Order(Base):
    """A quote (oferta) or an order (comanda): a draft (no number), then numbered when sent (a quote) or
    confirmed (an order) in the series' gapless sequence, as invoices are at issue."""

    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("tid", "series", "year", "seq"), {"schema": SCHEMA})

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    kind: Mapped[str] = mapped_column(String(8))  # quote | order
    # quote: draft | sent | accepted | declined (expired: sent past valid_until)
    # order: draft | confirmed | partially_invoiced | invoiced | cancelled
    status: Mapped[str] = mapped_column(String(20), default="draft")
    series: Mapped[str] = mapped_column(String(20))
    year: Mapped[int | None] = mapped_column(Integer)
    seq: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[str | None] = mapped_column(String(40))
    issue_date: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))  # a CRM account
    opportunity_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))  # a CRM opportunity
    quote_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sales.orders.id"))
    notes: Mapped[str | None] = mapped_column(Text)
    net_total: Mapped[Decimal] = mapped_column(Numeric(18, 2), default=Decimal(0))
    vat_total: Mapped[Decimal] = mapped_column(Numeric(18, 2), default=Decimal(0))
    gross_total: Mapped[Decimal] = mapped_column(Numeric(18, 2), default=Decimal(0))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    lines: Mapped[list[OrderLine]] = relationship(
        order_by="OrderLine.position", cascade="all, delete-orphan", lazy="selectin"
    )


class OrderLine(LineColumns, Base):
    __tablename__ = "order_lines"
    __table_args__ = {"schema": SCHEMA}

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sales.orders.id", ondelete="CASCADE"))
    invoiced: Mapped[Decimal] = mapped_column(Numeric(15, 3), default=Decimal(0))  # on the order's invoices


class OrderTransport(Base):
    """The e-Transport declaration an order made (migration 0037): compliance's declaration id (read
    through its service), the transport data it was built from, and what sales knows of the outcome
    from compliance's events: ``queued`` → ``valid`` (the UIT and its validity window) | ``rejected``
    (ANAF's messages) | ``deleted`` (the order cancelled its UIT, 0042). A rejected or deleted
    declaration is made again as the next ``attempt``."""

    __tablename__ = "order_transport"
    __table_args__ = {"schema": SCHEMA}

    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("sales.orders.id", ondelete="CASCADE"), primary_key=True
    )
    tid: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    declaration_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(12), default="queued")  # queued|valid|rejected|deleted
    operation_type: Mapped[str] = mapped_column(String(2))
    transport_date: Mapped[date] = mapped_column(Date)
    uit: Mapped[str | None] = mapped_column(String(32))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    transport: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    messages: Mapped[list[str]] = mapped_column(JSONB, default=list)
    # the last amendment of the declaration (migration 0042): a deletion of the UIT (stergere) or a
    # correction (corectie), its declaration at compliance, its outcome from compliance's events
    # (queued | valid | rejected) and ANAF's messages; a correction's transport data until ANAF takes it
    amend_kind: Mapped[str | None] = mapped_column(String(10))
    amend_declaration_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    amend_state: Mapped[str | None] = mapped_column(String(12))
    amend_messages: Mapped[list[str]] = mapped_column(JSONB, default=list)
    amend_transport: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    amend_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SupplierInvoice(Base):
    """A supplier invoice received in the tenant's SPV (from ``anaf.efactura.received``; migration 0031).

    One row per ANAF message (unique per tenant and download id): a redelivered event adds nothing. The
    supplier is a CRM account, matched by CUI or created. The documents stay in compliance's archive."""

    __tablename__ = "supplier_invoices"
    __table_args__ = (
        UniqueConstraint("tid", "id_descarcare", name="uq_supplier_invoices_message"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    id_descarcare: Mapped[str] = mapped_column(String(32))
    id_solicitare: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(12))  # invoice | credit_note
    supplier_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))  # CRM account
    supplier_cui: Mapped[str] = mapped_column(String(20))
    supplier_name: Mapped[str] = mapped_column(String(300))
    number: Mapped[str] = mapped_column(String(200))
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    net_total: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    vat_total: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    gross_total: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    payable: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    signature_ok: Mapped[bool] = mapped_column()
    signature_problems: Mapped[list[str]] = mapped_column(JSONB, default=list)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BnrRate(Base):
    """One rate of one BNR fixing, as published: RON per ``multiplier`` units (migration 0036).

    A platform table (no ``tid``): BNR's rates are public and the same for every tenant."""

    __tablename__ = "bnr_rates"
    __table_args__ = {"schema": SCHEMA}

    rate_date: Mapped[date] = mapped_column(Date, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    value: Mapped[Decimal] = mapped_column(Numeric(16, 6))
    multiplier: Mapped[int] = mapped_column(Integer, default=1)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BnrRateDay(Base):
    """For a document date, the fixing whose rates apply (the last one BNR published before that day);
    written once the answer can no longer change, so a day is fetched at most once."""

    __tablename__ = "bnr_rate_days"
    __table_args__ = {"schema": SCHEMA}

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    rate_date: Mapped[date] = mapped_column(Date)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BuyerIdentity(Base):
    """The CNP of a customer who is a person (a CRM account without a CUI), written on their invoices
    instead of ANAF's thirteen zeros (migration 0045). Kept by sales, never by the CRM."""

    __tablename__ = "buyer_identities"
    __table_args__ = {"schema": SCHEMA}

    tid: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    cnp: Mapped[str] = mapped_column(CHAR(13))
    updated_by: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
