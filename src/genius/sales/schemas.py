"""Sales API shapes. Every rule the code checks on a single field is declared in the schema (the fuzz
test holds the API to it); cross-field rules are stated in the descriptions."""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)

from genius.compliance.efactura.schemas import UNIT_CODES
from genius.sales.vat import RateClass, VatCategory
from genius.vettify.schemas import Patch

# Text that goes into the e-Factura XML: no control characters (XML 1.0 cannot carry them), not blank.
_XML_CHAR = r"[^\x00-\x1f\x7f\ufffe\uffff]"
XML_TEXT = rf"^{_XML_CHAR}*[^\s\x00-\x1f\x7f\ufffe\uffff]{_XML_CHAR}*$"


Text100 = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=XML_TEXT)]
Text300 = Annotated[str, StringConstraints(min_length=1, max_length=300, pattern=XML_TEXT)]


def declared_decimal(*, integer_digits: int, decimals: int, positive: bool = False) -> WithJsonSchema:
    """A non-negative (or positive) decimal's schema: a JSON integer, or a plain decimal string
    (fractions go as strings: a binary float has more digits than it shows)."""
    fraction = rf"(\.[0-9]{{1,{decimals}}})?"
    if positive:
        pattern = rf"^([1-9][0-9]{{0,{integer_digits - 1}}}{fraction}|0\.[0-9]{{0,{decimals - 1}}}[1-9])$"
    else:
        pattern = rf"^[0-9]{{1,{integer_digits}}}{fraction}$"
    number = {"type": "integer", "minimum": 1 if positive else 0, "maximum": 10**integer_digits - 1}
    return WithJsonSchema({"anyOf": [number, {"type": "string", "pattern": pattern}]})


Price = Annotated[
    Decimal,
    Field(ge=0, max_digits=16, decimal_places=4, allow_inf_nan=False),
    declared_decimal(integer_digits=12, decimals=4),
]
Quantity = Annotated[
    Decimal,
    Field(gt=0, max_digits=12, decimal_places=3, allow_inf_nan=False),
    declared_decimal(integer_digits=9, decimals=3, positive=True),
]
Amount = Annotated[
    Decimal,
    Field(ge=0, max_digits=14, decimal_places=2, allow_inf_nan=False),
    declared_decimal(integer_digits=12, decimals=2),
]
Rate = Annotated[
    Decimal,
    Field(gt=0, max_digits=8, decimal_places=4, allow_inf_nan=False),
    declared_decimal(integer_digits=4, decimals=4, positive=True),
]
Currency = Literal["RON", "EUR"]


def _unit(code: str) -> str:
    if code not in UNIT_CODES:
        raise ValueError("must be a UN/ECE Recommendation 20/21 unit code (H87, C62, HUR, KGM…)")
    return code


UnitCode = Annotated[
    str,
    StringConstraints(min_length=1, max_length=3),
    AfterValidator(_unit),
    WithJsonSchema({"type": "string", "enum": sorted(UNIT_CODES)}),
    Field(description="UN/ECE Recommendation 20/21 unit (H87 piece, C62 one, HUR hour, KGM kilogram…)"),
]
ProductCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._/-]{1,40}$")]
Series = Annotated[str, StringConstraints(pattern=r"^[A-Z]{1,10}$")]


TariffCode = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{8}$"),
    Field(description="NC/CN tariff code (cod tarifar), 8 digits: e-Transport declares high-risk goods"),
]
UnitWeight = Annotated[
    Decimal,
    Field(gt=0, max_digits=12, decimal_places=3, allow_inf_nan=False),
    declared_decimal(integer_digits=9, decimals=3, positive=True),
    Field(description="Mass of one unit in kg (e-Transport weights); not needed for KGM/TNE units"),
]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- catalogue -------------------------------------------------------------------------------------
class ProductCreate(Input):
    code: ProductCode = Field(description="Your code for the product; unique in the tenant (409 otherwise)")
    name: Text100 = Field(description="Name printed on documents (BT-153, at most 100 characters)")
    unit_code: UnitCode = "H87"
    vat_category: VatCategory = Field(
        default=VatCategory.STANDARD,
        description="EN 16931 VAT category: S standard, Z zero, E exempt, AE reverse charge, K intra-EU, "
        "G export, O not subject",
    )
    rate_class: RateClass = Field(
        default=RateClass.STANDARD,
        description="For category S: which dated rate applies (standard 19→21 %, reduced 9→11 %, "
        "reduced_low 5→11 % from 2025-08-01)",
    )
    price: Price = Field(description="Net unit price (without VAT)")
    currency: Currency = "RON"
    cod_tarifar: TariffCode | None = None
    unit_weight_kg: UnitWeight | None = None


class ProductUpdate(Patch):
    """Only the fields sent change; none can be cleared."""

    NOT_NULL: ClassVar[frozenset[str]] = frozenset(
        {"name", "unit_code", "vat_category", "rate_class", "price", "currency"}
    )

    name: Text100 | None = None
    unit_code: UnitCode | None = None
    vat_category: VatCategory | None = None
    rate_class: RateClass | None = None
    price: Price | None = None
    currency: Currency | None = None
    cod_tarifar: TariffCode | None = None
    unit_weight_kg: UnitWeight | None = None


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    unit_code: str
    vat_category: VatCategory
    rate_class: RateClass
    vat_rate: Decimal | None = Field(description="The rate of this product today (percent)")
    price: Decimal
    currency: str
    cod_tarifar: str | None = None
    unit_weight_kg: Decimal | None = None
    version: int
    created_at: datetime
    updated_at: datetime


# --- documents ---------------------------------------------------------------------------------------
class LineIn(Input):
    product_id: uuid.UUID | None = Field(
        default=None,
        description="A catalogue product: the fields not sent are taken from it. Without a product, "
        "description and unit_price are required (422 otherwise)",
    )
    description: Text100 | None = None
    quantity: Quantity
    unit_code: UnitCode | None = None
    unit_price: Price | None = None
    discount: Amount = Field(
        default=Decimal(0), description="Line allowance; at most quantity x unit_price (422 otherwise)"
    )
    vat_category: VatCategory | None = None
    rate_class: RateClass | None = None


class DocumentFields(Input):
    customer_id: uuid.UUID = Field(description="The customer: a CRM account of the tenant")
    issue_date: date | None = Field(default=None, description="Issue date (default: the day it is issued)")
    due_date: date | None = None
    currency: Currency = "RON"
    exchange_rate: Rate | None = Field(
        default=None,
        description="RON per EUR for EUR documents; left empty, BNR's rate for the issue date is taken "
        "at issue",
    )
    notes: Text300 | None = None
    lines: list[LineIn] = Field(default_factory=list, max_length=200)


class InvoiceCreate(DocumentFields):
    type: Literal["invoice"]
    series: Series = "GEN"


class CreditNoteCreate(DocumentFields):
    type: Literal["credit_note"]
    series: Series = "GEN"
    corrects_id: uuid.UUID = Field(
        description="The issued invoice this credit note corrects: the credit note is in its currency and "
        "its total is at most what is left to correct (the invoice less its issued credit notes; "
        "422 otherwise)"
    )


DocumentCreate = Annotated[InvoiceCreate | CreditNoteCreate, Field(discriminator="type")]


class DocumentUpdate(Patch):
    """A draft's fields; an issued document cannot change (409) unless SPV rejected it (or its upload
    failed): then it is corrected, keeping its number and issue date (422 on another issue_date), and
    resent with ``POST …/resend``."""

    NOT_NULL: ClassVar[frozenset[str]] = frozenset({"customer_id", "currency", "lines"})

    customer_id: uuid.UUID | None = None
    issue_date: date | None = None
    due_date: date | None = None
    currency: Currency | None = None
    exchange_rate: Rate | None = None
    notes: Text300 | None = None
    lines: list[LineIn] | None = Field(default=None, max_length=200)


class LineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    position: int
    product_id: uuid.UUID | None
    description: str
    quantity: Decimal
    unit_code: str
    unit_price: Decimal
    discount: Decimal
    vat_category: VatCategory
    rate_class: RateClass
    vat_rate: Decimal | None
    net_amount: Decimal


class VatLineOut(BaseModel):
    category: VatCategory
    rate: Decimal | None
    base: Decimal
    vat: Decimal
    exemption_reason: str | None = None


class DocumentOut(BaseModel):
    id: uuid.UUID
    type: Literal["invoice", "credit_note"]
    status: Literal["draft", "issued"]
    series: str
    number: str | None
    issue_date: date | None
    due_date: date | None
    currency: str
    exchange_rate: Decimal | None
    customer_id: uuid.UUID
    corrects_id: uuid.UUID | None
    notes: str | None
    lines: list[LineOut]
    vat_breakdown: list[VatLineOut]
    net_total: Decimal
    vat_total: Decimal
    gross_total: Decimal
    efactura_submission_id: uuid.UUID | None
    order_id: uuid.UUID | None = Field(default=None, description="The sales order this invoice bills")
    version: int
    created_at: datetime
    updated_at: datetime
    issued_at: datetime | None
    efactura: EfacturaOut | None = Field(
        default=None, description="SPV status of an issued document (null for a draft)"
    )
    efactura_deadline: date | None = Field(
        default=None,
        description="The last day to upload an issued document to SPV: 5 working days from the issue date "
        "(Romanian public holidays excluded) for documents issued from 2026-01-01 (OUG 89/2025), 5 calendar "
        "days before; null for a draft",
    )
    paid_total: Decimal = Field(default=Decimal(0), description="Payments allocated to it so far")
    credited_total: Decimal = Field(
        default=Decimal(0), description="An invoice's issued credit notes (storno) correcting it"
    )
    balance: Decimal = Field(
        default=Decimal(0), description="Open balance: gross_total - credited_total - paid_total"
    )
    payment_status: Literal["unpaid", "partially_paid", "paid"] | None = Field(
        default=None, description="For an issued invoice (null for drafts and credit notes)"
    )


class FieldErrorOut(BaseModel):
    field: str
    message: str


class EfacturaOut(BaseModel):
    state: Literal["queued", "uploaded", "accepted", "rejected", "failed"] = Field(
        description="queued (upload pending) → uploaded (ANAF's index) → accepted | rejected; failed: the "
        "upload was given up before ANAF received it (its reason in messages). A rejected or failed "
        "document is corrected and resent under the same number"
    )
    submission_id: uuid.UUID | None = None
    index_incarcare: str | None = None
    id_descarcare: str | None = Field(default=None, description="Download id of ANAF's signed ZIP")
    messages: list[str] = []
    errors: list[FieldErrorOut] = Field(default=[], description="ANAF's messages mapped to document fields")
    updated_at: datetime | None = None


# --- payments (încasări) -------------------------------------------------------------------------------
PositiveAmount = Annotated[
    Decimal,
    Field(gt=0, max_digits=14, decimal_places=2, allow_inf_nan=False),
    declared_decimal(integer_digits=12, decimals=2, positive=True),
]
PaymentMethod = Literal["bank_transfer", "cash", "card", "other"]


class AllocationIn(Input):
    invoice_id: uuid.UUID = Field(description="An issued invoice in the payment's currency")
    amount: PositiveAmount = Field(description="At most the invoice's open balance (422 otherwise)")


class PaymentCreate(Input):
    received_on: date = Field(description="The day the money was received")
    amount: PositiveAmount = Field(description="The amount received; at least the sum of the allocations")
    currency: Currency = "RON"
    method: PaymentMethod = "bank_transfer"
    reference: Text100 | None = Field(default=None, description="Bank reference, receipt number…")
    allocations: list[AllocationIn] = Field(
        min_length=1,
        max_length=100,
        description="Invoices this payment settles, each at most once, partially or fully (422 otherwise)",
    )


class AllocationOut(BaseModel):
    invoice_id: uuid.UUID
    amount: Decimal


class PaymentOut(BaseModel):
    id: uuid.UUID
    received_on: date
    amount: Decimal
    currency: str
    method: PaymentMethod
    reference: str | None
    customer_id: uuid.UUID | None
    allocated: Decimal
    unallocated: Decimal
    allocations: list[AllocationOut]
    created_by: str
    created_at: datetime


# --- quotes (oferte) and orders (comenzi) -----------------------------------------------------------
class SalesDocFields(Input):
    customer_id: uuid.UUID = Field(description="The customer: a CRM account of the tenant")
    issue_date: date | None = Field(default=None, description="Date (default: the day it is sent/confirmed)")
    currency: Currency = "RON"
    notes: Text300 | None = None
    lines: list[LineIn] = Field(default_factory=list, max_length=200)


class QuoteCreate(SalesDocFields):
    series: Series = "OF"
    valid_until: date | None = Field(
        default=None, description="Last day the customer can accept it (past it a sent quote is expired)"
    )
    opportunity_id: uuid.UUID | None = Field(
        default=None, description="The CRM opportunity this quote answers (at most one quote each: 409)"
    )


class OrderCreate(SalesDocFields):
    series: Series = "CMD"


class SalesDocUpdate(Patch):
    """A draft quote's or order's fields; once sent or confirmed it cannot change (409)."""

    NOT_NULL: ClassVar[frozenset[str]] = frozenset({"customer_id", "currency", "lines"})

    customer_id: uuid.UUID | None = None
    issue_date: date | None = None
    valid_until: date | None = Field(default=None, description="Quotes only (ignored on an order)")
    currency: Currency | None = None
    notes: Text300 | None = None
    lines: list[LineIn] | None = Field(default=None, max_length=200)


class OrderLineOut(LineOut):
    invoiced: Decimal = Field(description="Quantity on this order's invoices so far")


class InvoiceRef(BaseModel):
    id: uuid.UUID
    number: str | None
    status: str
    gross_total: Decimal
    currency: str


QuoteStatus = Literal["draft", "sent", "accepted", "declined", "expired"]
OrderStatus = Literal["draft", "confirmed", "partially_invoiced", "invoiced", "cancelled"]


class SalesDocOut(BaseModel):
    id: uuid.UUID
    series: str
    number: str | None
    issue_date: date | None
    currency: str
    customer_id: uuid.UUID
    notes: str | None
    lines: list[OrderLineOut]
    vat_breakdown: list[VatLineOut]
    net_total: Decimal
    vat_total: Decimal
    gross_total: Decimal
    version: int
    created_by: str
    created_at: datetime
    updated_at: datetime


class QuoteOut(SalesDocOut):
    status: QuoteStatus = Field(description="draft → sent (numbered) → accepted | declined | expired")
    valid_until: date | None
    opportunity_id: uuid.UUID | None
    order_id: uuid.UUID | None = Field(default=None, description="The order made when it was accepted")


class OrderOut(SalesDocOut):
    status: OrderStatus = Field(
        description="draft → confirmed (numbered) → partially_invoiced → invoiced; or cancelled"
    )
    opportunity_id: uuid.UUID | None
    quote_id: uuid.UUID | None = Field(description="The accepted quote it came from")
    invoices: list[InvoiceRef] = Field(default=[], description="The invoices made from this order")
    etransport: OrderTransportOut | None = Field(
        default=None, description="The e-Transport notification of this order's goods, once started"
    )


class InvoiceLineIn(Input):
    position: int = Field(ge=1, le=200, description="The order line (its position); each at most once")
    quantity: Quantity = Field(description="At most what is left to invoice on that line (422 otherwise)")


class OrderInvoiceCreate(Input):
    series: Series = "GEN"
    issue_date: date | None = None
    due_date: date | None = None
    exchange_rate: Rate | None = Field(
        default=None,
        description="RON per EUR for the invoice of a EUR order; left empty, BNR's rate for its issue date "
        "is taken at issue",
    )
    lines: list[InvoiceLineIn] | None = Field(
        default=None,
        max_length=200,
        description="The lines and quantities to bill (a partial invoice); omitted: all that is left",
    )


# --- e-Transport from an order ----------------------------------------------------------------------
def _plate(value: object) -> object:
    """Registration numbers as ANAF wants them: capitals and digits only ("B-123-ABC" → "B123ABC")."""
    return "".join(c for c in value.upper() if c not in " -.") if isinstance(value, str) else value


PLATE_TYPED = r"^[ .-]{0,10}([0-9A-Za-z][ .-]{0,3}){2,20}$"  # what normalises to 2-20 of A-Z, 0-9
Plate = Annotated[
    str,
    BeforeValidator(_plate),
    StringConstraints(pattern=r"^[0-9A-Z]{2,20}$"),
    WithJsonSchema({"type": "string", "pattern": PLATE_TYPED, "maxLength": 100}),
    Field(description="Registration number, A-Z and 0-9 (spaces, dots and dashes are dropped)"),
]
PlaceText = Annotated[str, StringConstraints(min_length=2, max_length=100, pattern=XML_TEXT)]
Weight = Annotated[
    Decimal,
    Field(gt=0, max_digits=14, decimal_places=2, allow_inf_nan=False),
    declared_decimal(integer_digits=12, decimals=2, positive=True),
]
TransportOperation = Literal["30", "20", "50"]


class TransportPlaceIn(Input):
    """Where the road route starts or ends: an address in Romania, or (intra-EU delivery 20, export 50)
    a border crossing point; an export may end at a customs office."""

    county: str | None = Field(
        default=None, max_length=40, description="County name or abbreviation (Cluj, CJ, București)"
    )
    locality: PlaceText | None = None
    street: PlaceText | None = Field(default=None, description="Street and number")
    postal_code: str | None = Field(default=None, max_length=20, pattern=r"^[0-9A-Za-z -]{1,20}$")
    other_info: str | None = Field(default=None, max_length=200, pattern=XML_TEXT)
    border_point: int | None = Field(default=None, ge=1, le=38, description="ANAF border crossing point code")
    customs_office: int | None = Field(default=None, ge=10000, le=999999, description="ANAF customs office")


class TransportLineIn(Input):
    position: int = Field(ge=1, le=200, description="The order line (its position)")
    gross_weight_kg: Weight | None = Field(default=None, description="The line's gross weight (kg)")
    net_weight_kg: Weight | None = Field(default=None, description="The line's net weight (kg), ≤ gross")


class OrderTransportIn(Input):
    """The transport data an e-Transport notification needs that the order lacks."""

    vehicle: Plate
    trailer1: Plate | None = None
    trailer2: Plate | None = None
    carrier_name: Text100 | None = Field(
        default=None, description="The carrier (organizator transport); omitted: the company itself"
    )
    carrier_code: str | None = Field(
        default=None,
        pattern=r"^(RO)?[0-9]{2,13}$|^PF$",
        description="The carrier's CUI (or PF for a person); omitted with carrier_name: the company's",
    )
    carrier_country: str = Field(default="RO", pattern=r"^[A-Z]{2}$")
    transport_date: date | None = Field(default=None, description="Default: today")
    operation_type: TransportOperation = Field(
        default="30",
        description="30 TTN national transport (default), 20 LIC intra-EU delivery, 50 EXP export",
    )
    start: TransportPlaceIn | None = Field(default=None, description="Default: the company's address")
    end: TransportPlaceIn | None = Field(default=None, description="Default: the customer's address")
    lines: list[TransportLineIn] = Field(
        default=[],
        max_length=200,
        description="Weights per line; else quantity x the product's unit weight (KGM/TNE: the quantity)",
    )
    exchange_rate: Rate | None = Field(
        default=None, description="RON per EUR (BNR) for a EUR order: the notification's values are in RON"
    )


class TransportGoodsOut(BaseModel):
    position: int
    description: str
    cod_tarifar: str
    quantity: Decimal
    unit_code: str
    net_weight_kg: Decimal
    gross_weight_kg: Decimal
    value_ron: Decimal


OrderTransportState = Literal[
    "queued", "pending", "uploading", "unknown", "uploaded", "valid", "nok", "xml_errors", "uit_invalid",
    "deleted", "failed", "rejected",
]  # fmt: skip


class OrderTransportAmendmentOut(BaseModel):
    """The UIT's last cancellation (``stergere``) or correction (``corectie``) and how it went."""

    kind: Literal["stergere", "corectie"] = Field(
        description="stergere: the UIT is cancelled at ANAF; corectie: the same UIT, corrected data"
    )
    state: Literal["queued", "valid", "rejected"] = Field(
        description="queued until ANAF answers; valid once it took effect; rejected with ANAF's messages"
    )
    messages: list[str] = Field(default=[], description="ANAF's messages when it refused the amendment")


class OrderTransportOut(BaseModel):
    declaration_id: uuid.UUID
    attempt: int = Field(description="1, then one more each time a rejected declaration is made again")
    state: OrderTransportState = Field(
        description="The declaration's state at compliance (pending → uploaded → valid | nok | …)"
    )
    uit: str | None = Field(description="The UIT (cod UIT) ANAF issued")
    valid_from: date | None
    valid_until: date | None = Field(description="The UIT is valid through the end of this day")
    operation_type: str
    transport_date: date
    vehicle: str
    carrier_name: str
    start: str
    end: str
    goods: list[TransportGoodsOut]
    messages: list[str] = Field(default=[], description="ANAF's messages when it was rejected")
    required: bool | None = Field(
        default=None,
        description="Whether the law requires it (value over 10,000 RON or weight over 2,500 kg)",
    )
    reasons: list[str] = []
    queued: bool | None = Field(default=None, description="True when this request queued the upload")
    amendment: OrderTransportAmendmentOut | None = Field(
        default=None, description="The UIT's last cancellation or correction, if any"
    )
    created_at: datetime
    updated_at: datetime


OrderOut.model_rebuild()
DocumentOut.model_rebuild()


class SupplierInvoiceOut(BaseModel):
    """A supplier invoice received in the tenant's SPV inbox (ANAF's message ``id_descarcare``)."""

    id: uuid.UUID
    type: Literal["invoice", "credit_note"]
    id_descarcare: str
    id_solicitare: str | None
    supplier_id: uuid.UUID | None = Field(
        description="The supplier's CRM account (matched or created by CUI)"
    )
    supplier_cui: str
    supplier_name: str
    number: str
    issue_date: date
    due_date: date | None
    currency: str
    net_total: Decimal
    vat_total: Decimal
    gross_total: Decimal
    payable: Decimal
    signature_ok: bool = Field(
        description="ANAF's signature in the ZIP verified; false = flagged, not trusted"
    )
    signature_problems: list[str]
    received_at: datetime


class ExchangeRateOut(BaseModel):
    """BNR's rate for documents dated ``date``: the fixing of ``rate_date`` (the last one before it)."""

    currency: str
    date: dt.date
    rate_date: dt.date = Field(description="The banking day BNR fixed this rate (the last one before `date`)")
    rate: Decimal = Field(description="RON per one unit (value / multiplier)")
    value: Decimal = Field(description="As BNR publishes it: RON per `multiplier` units")
    multiplier: int
    source: Literal["BNR"] = "BNR"


class BuyerCnpIn(BaseModel):
    """The CNP of a customer who is a person; ``null`` or blank forgets it (ANAF's 13 zeros then)."""

    model_config = ConfigDict(extra="forbid")
    cnp: Annotated[
        str | None,
        Field(
            max_length=20,
            pattern=r"^[0-9 ]*$",
            description="13 digits (spaces are dropped); checked for its date, county code and check digit",
            examples=["1800101221144"],
        ),
    ] = None


class BuyerCnpOut(BaseModel):
    account_id: uuid.UUID
    individual: bool = Field(description="The CRM account has no CUI: a person, identified by a CNP")
    cnp_masked: str | None = Field(description="First and last four digits; null when none is kept")
    updated_at: datetime | None
