"""A typed model of an EN 16931 invoice, as Romanian B2B/B2G e-Factura (CIUS-RO) uses it.

Every field names its EN 16931 business term (``BT-n`` / ``BG-n``) in its description. The model holds
what a document *says*: totals and the VAT breakdown read from a received invoice are kept as stated
(``totals``, ``vat_breakdown``, ``LineItem.net_amount``) so that a validator can compare them with the
computed ones. For invoices built in code leave them empty: :meth:`Invoice.compute_totals` and
:meth:`Invoice.compute_vat_breakdown` compute them with :class:`~decimal.Decimal` and half-up rounding to
two decimals, and :meth:`Invoice.with_computed` returns a copy with every missing value filled in (the
UBL generator calls it).

The model is deliberately tolerant (codes are plain strings where received invoices may carry anything);
the business rules (``BR-*``, ``BR-RO-*``) are checked by the validator, not here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import ConfigDict, Field

from genius.compliance.common.schema import DeclaredModel

CIUS_RO_CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:efactura.mfinante.ro:CIUS-RO:1.0.1"
UBL_VERSION_ID = "2.1"

#: UNTDID 1001 type codes used by CIUS-RO: invoice, corrected invoice, self-billed, credit note…
INVOICE_TYPE_CODES: dict[str, str] = {
    "380": "Factură",
    "384": "Factură corectată",
    "389": "Autofactură",
    "751": "Factură - informații în scopuri contabile",
    "381": "Notă de creditare",
}
#: Type codes that make the document a UBL ``CreditNote``.
CREDIT_NOTE_TYPE_CODES = frozenset({"381", "396", "81", "83", "261", "262", "296", "308", "532"})

#: ISO 3166-2:RO subdivision codes (BT-39/54/68/79 for Romanian addresses). ``RO-B`` is Bucharest.
RO_COUNTY_CODES: dict[str, str] = {
    "RO-AB": "Alba",
    "RO-AR": "Arad",
    "RO-AG": "Argeș",
    "RO-BC": "Bacău",
    "RO-BH": "Bihor",
    "RO-BN": "Bistrița-Năsăud",
    "RO-BT": "Botoșani",
    "RO-BV": "Brașov",
    "RO-BR": "Brăila",
    "RO-B": "București",
    "RO-BZ": "Buzău",
    "RO-CS": "Caraș-Severin",
    "RO-CL": "Călărași",
    "RO-CJ": "Cluj",
    "RO-CT": "Constanța",
    "RO-CV": "Covasna",
    "RO-DB": "Dâmbovița",
    "RO-DJ": "Dolj",
    "RO-GL": "Galați",
    "RO-GR": "Giurgiu",
    "RO-GJ": "Gorj",
    "RO-HR": "Harghita",
    "RO-HD": "Hunedoara",
    "RO-IL": "Ialomița",
    "RO-IS": "Iași",
    "RO-IF": "Ilfov",
    "RO-MM": "Maramureș",
    "RO-MH": "Mehedinți",
    "RO-MS": "Mureș",
    "RO-NT": "Neamț",
    "RO-OT": "Olt",
    "RO-PH": "Prahova",
    "RO-SM": "Satu Mare",
    "RO-SJ": "Sălaj",
    "RO-SB": "Sibiu",
    "RO-SV": "Suceava",
    "RO-TR": "Teleorman",
    "RO-TM": "Timiș",
    "RO-TL": "Tulcea",
    "RO-VS": "Vaslui",
    "RO-VL": "Vâlcea",
    "RO-VN": "Vrancea",
}
#: In Bucharest (``RO-B``) CIUS-RO wants the city name to be the sector: ``SECTOR1`` … ``SECTOR6``.
BUCHAREST_SECTORS = tuple(f"SECTOR{n}" for n in range(1, 7))

CENT = Decimal("0.01")


def round2(value: Decimal) -> Decimal:
    """Round an amount to two decimals, half away from zero (EN 16931 amounts)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, Decimal(0))


class VatCategory(StrEnum):
    """UNTDID 5305 VAT category codes allowed by EN 16931 (BT-95, BT-102, BT-118, BT-151).

    ``B`` (split payment) is Italian; it appears in received invoices and in ANAF's own examples.
    """

    STANDARD = "S"
    ZERO = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"
    INTRA_COMMUNITY = "K"
    EXPORT = "G"
    NOT_SUBJECT = "O"
    CANARY_ISLANDS = "L"
    CEUTA_MELILLA = "M"
    SPLIT_PAYMENT = "B"


class _Base(DeclaredModel):
    # Declared, not refused here: a PDF can show control characters; the XML writer refuses them (422).
    refuse_control_characters: ClassVar[bool] = False
    model_config = ConfigDict(extra="forbid", validate_assignment=False, str_strip_whitespace=True)


class Identifier(_Base):
    """An identifier with an optional scheme (``schemeID``)."""

    value: str
    scheme: str | None = None


class Address(_Base):
    """A postal address (BG-5, BG-8, BG-12, BG-15)."""

    street: str | None = Field(default=None, description="BT-35 address line 1")
    additional_street: str | None = Field(default=None, description="BT-36 address line 2")
    line3: str | None = Field(default=None, description="BT-162 address line 3")
    city: str | None = Field(default=None, description="BT-37 city; SECTORn in Bucharest")
    postal_code: str | None = Field(default=None, description="BT-38 post code")
    county: str | None = Field(default=None, description="BT-39 country subdivision (RO-CJ, RO-B…)")
    country: str = Field(default="RO", description="BT-40 ISO 3166-1 alpha-2 country code")

    @classmethod
    def romanian(
        cls,
        street: str,
        city: str,
        county: str,
        postal_code: str | None = None,
        additional_street: str | None = None,
    ) -> Address:
        """A Romanian address with the county normalised to its ISO 3166-2:RO code.

        ``county`` may be a code (``"CJ"``, ``"RO-CJ"``) or a name (``"Cluj"``, ``"București"``). In
        Bucharest the city must be a sector: ``"Sector 1"``/``"sector1"`` become ``SECTOR1``.
        """
        code = ro_county_code(county)
        if code is None:
            raise ValueError(f"unknown Romanian county: {county!r}")
        if code == "RO-B":
            sector = bucharest_sector(city)
            if sector is None:
                raise ValueError(f"in Bucharest the city must be a sector SECTOR1…SECTOR6, not {city!r}")
            city = sector
        return cls(
            street=street,
            additional_street=additional_street,
            city=city,
            postal_code=postal_code,
            county=code,
            country="RO",
        )


def _fold(text: str) -> str:
    table = str.maketrans("ăâîșşțţĂÂÎȘŞȚŢ", "aaissttAAISSTT")
    return re.sub(r"[\s\-]+", "", text.translate(table)).upper()


def ro_county_code(county: str | None) -> str | None:
    """``"Cluj"``/``"CJ"``/``"RO-CJ"`` → ``"RO-CJ"``; ``None`` when it is not a Romanian county."""
    if not county:
        return None
    key = _fold(county)
    if key.startswith("RO") and f"RO-{key[2:]}" in RO_COUNTY_CODES:
        return f"RO-{key[2:]}"
    if f"RO-{key}" in RO_COUNTY_CODES:
        return f"RO-{key}"
    for code, name in RO_COUNTY_CODES.items():
        if _fold(name) == key:
            return code
    if key in {"BUCURESTI", "BUCHAREST", "MUNICIPIULBUCURESTI"}:
        return "RO-B"
    return None


def bucharest_sector(city: str | None) -> str | None:
    """``"Sector 3"``/``"sector3"``/``"SECTOR3"`` → ``"SECTOR3"``; ``None`` otherwise."""
    if not city:
        return None
    match = re.fullmatch(r"SECTOR([1-6])", _fold(city))
    return f"SECTOR{match.group(1)}" if match else None


class Contact(_Base):
    """BG-6 / BG-9 contact."""

    name: str | None = Field(default=None, description="BT-41 / BT-56")
    phone: str | None = Field(default=None, description="BT-42 / BT-57")
    email: str | None = Field(default=None, description="BT-43 / BT-58")


class Party(_Base):
    """The seller (BG-4) or the buyer (BG-7)."""

    name: str = Field(description="BT-27 / BT-44 legal registration name")
    trading_name: str | None = Field(default=None, description="BT-28 / BT-45 trading name")
    identifiers: list[Identifier] = Field(default_factory=list, description="BT-29 / BT-46")
    vat_id: str | None = Field(default=None, description="BT-31 / BT-48 VAT id, with the RO prefix")
    tax_registration_id: str | None = Field(
        default=None, description="BT-32 seller tax registration id (CUI of a non-VAT payer)"
    )
    legal_id: Identifier | None = Field(
        default=None, description="BT-30 / BT-47 legal registration (e.g. J12/1234/2020 or the CUI)"
    )
    legal_form: str | None = Field(default=None, description="BT-33 additional legal information")
    electronic_address: Identifier | None = Field(default=None, description="BT-34 / BT-49 endpoint")
    address: Address = Field(default_factory=Address, description="BG-5 / BG-8")
    contact: Contact | None = None

    @property
    def cui(self) -> str | None:
        """The Romanian fiscal code without the ``RO`` prefix (from the VAT id or the tax/legal id)."""
        for raw in (self.vat_id, self.tax_registration_id, self.legal_id.value if self.legal_id else None):
            if raw:
                digits = raw.strip().upper().removeprefix("RO").strip()
                if digits.isdigit():
                    return digits
        return None


class Payee(_Base):
    """BG-10 payee, when it is not the seller."""

    name: str = Field(description="BT-59")
    identifier: Identifier | None = Field(default=None, description="BT-60")
    legal_id: Identifier | None = Field(default=None, description="BT-61")


class TaxRepresentative(_Base):
    """BG-11 seller tax representative."""

    name: str = Field(description="BT-62")
    vat_id: str = Field(description="BT-63")
    address: Address = Field(default_factory=Address, description="BG-12")


class Delivery(_Base):
    """BG-13 delivery information."""

    party_name: str | None = Field(default=None, description="BT-70 deliver to party name")
    location_id: Identifier | None = Field(default=None, description="BT-71 deliver to location id")
    actual_date: date | None = Field(default=None, description="BT-72 actual delivery date")
    address: Address | None = Field(default=None, description="BG-15 deliver to address")


class Period(_Base):
    """BG-14 / BG-26 invoicing period."""

    start: date | None = Field(default=None, description="BT-73 / BT-134")
    end: date | None = Field(default=None, description="BT-74 / BT-135")
    description_code: str | None = Field(default=None, description="BT-8 value added tax point date code")


class PayeeAccount(_Base):
    """BG-17 credit transfer account."""

    iban: str = Field(description="BT-84 payment account identifier (IBAN)")
    name: str | None = Field(default=None, description="BT-85 account name")
    bic: str | None = Field(default=None, description="BT-86 payment service provider (BIC)")


class CardAccount(_Base):
    """BG-18 payment card."""

    pan: str = Field(description="BT-87 last digits of the card number")
    network: str = Field(default="NA", description="card network (UBL NetworkID)")
    holder: str | None = Field(default=None, description="BT-88 card holder name")


class DirectDebit(_Base):
    """BG-19 direct debit (BT-90, the creditor id, is a seller identifier with scheme ``SEPA``)."""

    mandate_id: str | None = Field(default=None, description="BT-89 mandate reference")
    debited_account: str | None = Field(default=None, description="BT-91 debited account")


class PaymentMeans(_Base):
    """BG-16 payment instructions."""

    code: str = Field(default="30", description="BT-81 UNTDID 4461 code (30 credit transfer, 42, 48…)")
    code_name: str | None = Field(default=None, description="BT-82 payment means text (UBL @name)")
    instruction_note: str | None = Field(default=None, description="payment instruction note")
    remittance: str | None = Field(default=None, description="BT-83 remittance information")
    accounts: list[PayeeAccount] = Field(default_factory=list, description="BG-17")
    card: CardAccount | None = Field(default=None, description="BG-18")
    direct_debit: DirectDebit | None = Field(default=None, description="BG-19")


class AllowanceCharge(_Base):
    """Document level allowance (BG-20) or charge (BG-21)."""

    is_charge: bool = False
    amount: Decimal = Field(description="BT-92 / BT-99")
    base_amount: Decimal | None = Field(default=None, description="BT-93 / BT-100")
    percent: Decimal | None = Field(default=None, description="BT-94 / BT-101")
    vat_category: VatCategory = Field(default=VatCategory.STANDARD, description="BT-95 / BT-102")
    vat_rate: Decimal | None = Field(default=None, description="BT-96 / BT-103")
    reason: str | None = Field(default=None, description="BT-97 / BT-104")
    reason_code: str | None = Field(default=None, description="BT-98 / BT-105")


class LineAllowanceCharge(_Base):
    """Invoice line allowance (BG-27) or charge (BG-28)."""

    is_charge: bool = False
    amount: Decimal = Field(description="BT-136 / BT-141")
    base_amount: Decimal | None = Field(default=None, description="BT-137 / BT-142")
    percent: Decimal | None = Field(default=None, description="BT-138 / BT-143")
    reason: str | None = Field(default=None, description="BT-139 / BT-144")
    reason_code: str | None = Field(default=None, description="BT-140 / BT-145")


class Classification(_Base):
    """BT-158 item classification (listID, e.g. ``STI``, ``CV`` for CPV, ``TSP`` for the NC code)."""

    code: str
    list_id: str | None = None
    list_version: str | None = None


class ItemAttribute(_Base):
    """BG-32 item attribute."""

    name: str = Field(description="BT-160")
    value: str = Field(description="BT-161")


class Item(_Base):
    """BG-31 item information plus its VAT (BG-30)."""

    name: str = Field(description="BT-153 item name")
    description: str | None = Field(default=None, description="BT-154 item description")
    seller_id: str | None = Field(default=None, description="BT-155 seller's item id")
    buyer_id: str | None = Field(default=None, description="BT-156 buyer's item id")
    standard_id: Identifier | None = Field(default=None, description="BT-157 standard id (GTIN…)")
    classifications: list[Classification] = Field(default_factory=list, description="BT-158")
    origin_country: str | None = Field(default=None, description="BT-159 country of origin")
    attributes: list[ItemAttribute] = Field(default_factory=list, description="BG-32")
    vat_category: VatCategory = Field(default=VatCategory.STANDARD, description="BT-151")
    vat_rate: Decimal | None = Field(default=None, description="BT-152 (absent for category O)")


class Price(_Base):
    """BG-29 price details."""

    amount: Decimal = Field(description="BT-146 item net price")
    base_quantity: Decimal | None = Field(default=None, description="BT-149 item price base quantity")
    base_quantity_unit: str | None = Field(default=None, description="BT-150 unit of the base quantity")
    discount: Decimal | None = Field(default=None, description="BT-147 item price discount")
    gross_amount: Decimal | None = Field(default=None, description="BT-148 item gross price")


class LineItem(_Base):
    """BG-25 invoice line."""

    id: str = Field(description="BT-126 line identifier")
    note: str | None = Field(default=None, description="BT-127 line note")
    object_id: Identifier | None = Field(default=None, description="BT-128 invoiced object id")
    quantity: Decimal = Field(description="BT-129 invoiced quantity")
    unit_code: str = Field(default="H87", description="BT-130 UN/ECE Rec 20/21 unit (H87 piece, C62…)")
    net_amount: Decimal | None = Field(
        default=None, description="BT-131 line net amount as stated (computed when empty)"
    )
    order_line_ref: str | None = Field(default=None, description="BT-132 referenced purchase order line")
    accounting_cost: str | None = Field(default=None, description="BT-133 buyer accounting reference")
    period: Period | None = Field(default=None, description="BG-26 line period")
    allowances_charges: list[LineAllowanceCharge] = Field(default_factory=list, description="BG-27/28")
    price: Price
    item: Item

    def compute_net_amount(self) -> Decimal:
        """BT-131 = quantity * net price / base quantity - allowances + charges, rounded to 2 decimals."""
        base = self.price.base_quantity or Decimal(1)
        gross = self.quantity * self.price.amount / base
        adjust = _sum(ac.amount if ac.is_charge else -ac.amount for ac in self.allowances_charges)
        return round2(gross + adjust)

    def effective_net_amount(self) -> Decimal:
        """The stated BT-131 when present, otherwise the computed one."""
        return self.net_amount if self.net_amount is not None else self.compute_net_amount()


class VatBreakdown(_Base):
    """BG-23 VAT breakdown for one category and rate."""

    category: VatCategory = Field(description="BT-118")
    rate: Decimal | None = Field(default=None, description="BT-119")
    taxable_amount: Decimal = Field(description="BT-116")
    tax_amount: Decimal = Field(description="BT-117")
    exemption_reason: str | None = Field(default=None, description="BT-120")
    exemption_reason_code: str | None = Field(default=None, description="BT-121 (VATEX-EU-…)")


class VatExemption(_Base):
    """Exemption reason to print in the breakdown of a category (BT-120/BT-121)."""

    category: VatCategory
    reason: str | None = None
    reason_code: str | None = None


class Totals(_Base):
    """BG-22 document totals."""

    line_total: Decimal = Field(description="BT-106 sum of line net amounts")
    allowance_total: Decimal | None = Field(default=None, description="BT-107")
    charge_total: Decimal | None = Field(default=None, description="BT-108")
    tax_exclusive: Decimal = Field(description="BT-109 total without VAT")
    vat_total: Decimal | None = Field(default=None, description="BT-110 total VAT")
    tax_inclusive: Decimal = Field(description="BT-112 total with VAT")
    prepaid: Decimal | None = Field(default=None, description="BT-113 paid amount")
    rounding: Decimal | None = Field(default=None, description="BT-114 rounding amount")
    payable: Decimal = Field(description="BT-115 amount due for payment")


class DocumentReference(_Base):
    """BG-3 preceding invoice reference."""

    id: str = Field(description="BT-25")
    issue_date: date | None = Field(default=None, description="BT-26")


class Attachment(_Base):
    """BG-24 additional supporting document."""

    id: str = Field(description="BT-122")
    type_code: str | None = Field(default=None, description="130 = invoiced object (BT-18)")
    description: str | None = Field(default=None, description="BT-123")
    uri: str | None = Field(default=None, description="BT-124 external document location")
    content_base64: str | None = Field(default=None, description="BT-125 attached document (base64)")
    mime_code: str | None = Field(default=None, description="BT-125-1")
    filename: str | None = Field(default=None, description="BT-125-2")


class Invoice(_Base):
    """An EN 16931 invoice or credit note (CIUS-RO)."""

    customization_id: str = Field(default=CIUS_RO_CUSTOMIZATION_ID, description="BT-24")
    profile_id: str | None = Field(default=None, description="BT-23 business process")
    kind: Literal["invoice", "credit_note"] | None = Field(
        default=None, description="UBL document (Invoice/CreditNote); by default from the type code"
    )
    number: str = Field(description="BT-1 invoice number")
    issue_date: date = Field(description="BT-2 issue date")
    type_code: str = Field(default="380", description="BT-3 UNTDID 1001 (380, 381, 384, 389, 751)")
    due_date: date | None = Field(default=None, description="BT-9 payment due date")
    tax_point_date: date | None = Field(default=None, description="BT-7 VAT point date")
    currency: str = Field(default="RON", description="BT-5 invoice currency")
    tax_currency: str | None = Field(default=None, description="BT-6 VAT accounting currency (RON)")
    tax_currency_rate: Decimal | None = Field(
        default=None, description="not in EN 16931: RON per unit of BT-5, used to compute BT-111"
    )
    vat_total_in_tax_currency: Decimal | None = Field(
        default=None, description="BT-111 total VAT in the accounting currency (RON)"
    )
    notes: list[str] = Field(default_factory=list, description="BG-1 / BT-22 invoice notes")
    buyer_reference: str | None = Field(default=None, description="BT-10")
    accounting_cost: str | None = Field(default=None, description="BT-19 buyer accounting reference")
    period: Period | None = Field(default=None, description="BG-14 invoicing period")
    order_reference: str | None = Field(default=None, description="BT-13 purchase order")
    sales_order_reference: str | None = Field(default=None, description="BT-14 sales order")
    preceding_invoices: list[DocumentReference] = Field(default_factory=list, description="BG-3")
    despatch_reference: str | None = Field(default=None, description="BT-16 despatch advice")
    receiving_reference: str | None = Field(default=None, description="BT-15 receiving advice")
    tender_reference: str | None = Field(default=None, description="BT-17 tender or lot")
    contract_reference: str | None = Field(default=None, description="BT-12 contract")
    project_reference: str | None = Field(default=None, description="BT-11 project")
    attachments: list[Attachment] = Field(default_factory=list, description="BG-24")
    seller: Party = Field(description="BG-4")
    buyer: Party = Field(description="BG-7")
    payee: Payee | None = Field(default=None, description="BG-10")
    tax_representative: TaxRepresentative | None = Field(default=None, description="BG-11")
    delivery: Delivery | None = Field(default=None, description="BG-13")
    payment_means: list[PaymentMeans] = Field(default_factory=list, description="BG-16")
    payment_terms: str | None = Field(default=None, description="BT-20 payment terms")
    allowances_charges: list[AllowanceCharge] = Field(default_factory=list, description="BG-20/21")
    vat_exemptions: list[VatExemption] = Field(
        default_factory=list, description="exemption reasons used when the breakdown is computed"
    )
    prepaid_amount: Decimal | None = Field(default=None, description="BT-113 paid amount")
    rounding_amount: Decimal | None = Field(default=None, description="BT-114 rounding amount")
    lines: list[LineItem] = Field(default_factory=list, description="BG-25")
    vat_breakdown: list[VatBreakdown] | None = Field(
        default=None, description="BG-23 as stated (computed when empty)"
    )
    totals: Totals | None = Field(default=None, description="BG-22 as stated (computed when empty)")

    # -- derived -------------------------------------------------------------------------------------

    @property
    def is_credit_note(self) -> bool:
        if self.kind is not None:
            return self.kind == "credit_note"
        return self.type_code in CREDIT_NOTE_TYPE_CODES

    def compute_vat_breakdown(self) -> list[VatBreakdown]:
        """BG-23 per (category, rate): lines + charges - allowances; VAT = taxable * rate / 100 (2 dp)."""
        taxable: dict[tuple[VatCategory, Decimal | None], Decimal] = {}

        def add(category: VatCategory, rate: Decimal | None, amount: Decimal) -> None:
            key = (category, _norm_rate(category, rate))
            taxable[key] = taxable.get(key, Decimal(0)) + amount

        for line in self.lines:
            add(line.item.vat_category, line.item.vat_rate, line.effective_net_amount())
        for ac in self.allowances_charges:
            add(ac.vat_category, ac.vat_rate, ac.amount if ac.is_charge else -ac.amount)
        exemptions = {e.category: e for e in self.vat_exemptions}
        out: list[VatBreakdown] = []
        for (category, rate), base in taxable.items():
            base = round2(base)
            tax = round2(base * rate / 100) if rate else Decimal("0.00")
            exemption = exemptions.get(category)
            out.append(
                VatBreakdown(
                    category=category,
                    rate=rate,
                    taxable_amount=base,
                    tax_amount=tax,
                    exemption_reason=exemption.reason if exemption else None,
                    exemption_reason_code=exemption.reason_code if exemption else None,
                )
            )
        return out

    def compute_totals(self, breakdown: list[VatBreakdown] | None = None) -> Totals:
        """BG-22 computed from the lines, document allowances/charges and the VAT breakdown."""
        if breakdown is None:
            breakdown = self.vat_breakdown if self.vat_breakdown is not None else self.compute_vat_breakdown()
        line_total = round2(_sum(line.effective_net_amount() for line in self.lines))
        allowances = [ac.amount for ac in self.allowances_charges if not ac.is_charge]
        charges = [ac.amount for ac in self.allowances_charges if ac.is_charge]
        allowance_total = round2(_sum(allowances)) if allowances else None
        charge_total = round2(_sum(charges)) if charges else None
        tax_exclusive = line_total - (allowance_total or 0) + (charge_total or 0)
        vat_total = round2(_sum(b.tax_amount for b in breakdown))
        tax_inclusive = tax_exclusive + vat_total
        payable = tax_inclusive - (self.prepaid_amount or 0) + (self.rounding_amount or 0)
        return Totals(
            line_total=line_total,
            allowance_total=allowance_total,
            charge_total=charge_total,
            tax_exclusive=round2(tax_exclusive),
            vat_total=vat_total,
            tax_inclusive=round2(tax_inclusive),
            prepaid=self.prepaid_amount,
            rounding=self.rounding_amount,
            payable=round2(payable),
        )

    def compute_vat_total_in_tax_currency(self) -> Decimal | None:
        """BT-111 from ``tax_currency_rate`` (RON per unit of BT-5), or None when there is no rate."""
        if self.tax_currency_rate is None:
            return None
        breakdown = self.vat_breakdown if self.vat_breakdown is not None else self.compute_vat_breakdown()
        return round2(_sum(b.tax_amount for b in breakdown) * self.tax_currency_rate)

    def with_computed(self, *, overwrite: bool = False) -> Invoice:
        """A copy with line net amounts, the VAT breakdown, the totals and BT-111 filled in.

        Values already present are kept unless ``overwrite`` is true.
        """
        lines = [
            line
            if line.net_amount is not None and not overwrite
            else line.model_copy(update={"net_amount": line.compute_net_amount()})
            for line in self.lines
        ]
        draft = self.model_copy(update={"lines": lines})
        breakdown = (
            self.vat_breakdown
            if self.vat_breakdown is not None and not overwrite
            else draft.compute_vat_breakdown()
        )
        draft = draft.model_copy(update={"vat_breakdown": breakdown})
        totals = self.totals if self.totals is not None and not overwrite else draft.compute_totals()
        update: dict[str, object] = {"totals": totals}
        if self.vat_total_in_tax_currency is None or overwrite:
            computed = draft.compute_vat_total_in_tax_currency()
            if computed is not None:
                update["vat_total_in_tax_currency"] = computed
            elif self.tax_currency and self.tax_currency == self.currency:
                update["vat_total_in_tax_currency"] = totals.vat_total
        return draft.model_copy(update=update)


def _norm_rate(category: VatCategory, rate: Decimal | None) -> Decimal | None:
    if category == VatCategory.NOT_SUBJECT:
        return None
    if rate is None:
        return Decimal(0)
    return rate.quantize(Decimal(1)) if rate == rate.to_integral_value() else rate.normalize()


__all__ = [
    "BUCHAREST_SECTORS",
    "CIUS_RO_CUSTOMIZATION_ID",
    "CREDIT_NOTE_TYPE_CODES",
    "INVOICE_TYPE_CODES",
    "RO_COUNTY_CODES",
    "Address",
    "AllowanceCharge",
    "Attachment",
    "CardAccount",
    "Classification",
    "Contact",
    "Delivery",
    "DirectDebit",
    "DocumentReference",
    "Identifier",
    "Invoice",
    "Item",
    "ItemAttribute",
    "LineAllowanceCharge",
    "LineItem",
    "Party",
    "Payee",
    "PayeeAccount",
    "PaymentMeans",
    "Period",
    "Price",
    "TaxRepresentative",
    "Totals",
    "VatBreakdown",
    "VatCategory",
    "VatExemption",
    "bucharest_sector",
    "ro_county_code",
    "round2",
]
