"""Romanian VAT as dated data, the EN 16931 VAT categories, and document totals rounded as ``BR-CO`` wants.

**Rates by date.** A product carries a *rate class* (``standard``, ``reduced``, ``reduced_low``), not a
number; the number comes from :data:`RATE_PERIODS` for the document's issue date, so a document dated
before a change keeps the old rates:

* until 2025-07-31: 19 % / 9 % / 5 % (Codul fiscal, art. 291);
* from 2025-08-01: 21 % / 11 % / 11 % (Law 141/2025: the standard rate rises to 21 %, the 9 % and 5 %
  reduced rates merge into 11 %).

**Categories** (UNTDID 5305 as EN 16931 uses them): ``S`` takes the dated rate of its class; ``Z``,
``E``, ``AE``, ``K`` and ``G`` are 0 %; ``O`` has no rate. Every category but ``S`` and ``Z`` states an
exemption reason (BT-120) and its VATEX code (BT-121).

**Totals** (:func:`totals`): line net = quantity x price - discount, rounded to 2 decimals (BR-CO-10's
terms); the VAT of a category is its rate applied to the category's base (the sum of its line nets),
rounded to 2 (BR-CO-17), never the sum of rounded line VATs; BT-109 = BT-106 (no document-level
allowances in this slice); BT-112 = BT-109 + BT-110 (BR-CO-15).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

CENT = Decimal("0.01")


def round2(value: Decimal) -> Decimal:
    """Half away from zero to two decimals (EN 16931 amounts)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class VatCategory(StrEnum):
    """EN 16931 VAT category codes (BT-151) used for Romanian sales."""

    STANDARD = "S"
    ZERO = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"
    INTRA_COMMUNITY = "K"
    EXPORT = "G"
    NOT_SUBJECT = "O"


class RateClass(StrEnum):
    """Which of the dated rates a standard-rated (``S``) product takes."""

    STANDARD = "standard"
    REDUCED = "reduced"
    REDUCED_LOW = "reduced_low"


@dataclass(frozen=True)
class RatePeriod:
    start: date  # first day the rates apply
    rates: dict[RateClass, Decimal]
    source: str


RATE_PERIODS: tuple[RatePeriod, ...] = (
    RatePeriod(
        date(2017, 1, 1),
        {RateClass.STANDARD: Decimal(19), RateClass.REDUCED: Decimal(9), RateClass.REDUCED_LOW: Decimal(5)},
        "Legea 227/2015 (Codul fiscal), art. 291",
    ),
    RatePeriod(
        date(2025, 8, 1),
        {RateClass.STANDARD: Decimal(21), RateClass.REDUCED: Decimal(11), RateClass.REDUCED_LOW: Decimal(11)},
        "Legea 141/2025",
    ),
)


@dataclass(frozen=True)
class Exemption:
    reason: str  # BT-120
    code: str | None  # BT-121 (VATEX)


EXEMPTIONS: dict[VatCategory, Exemption] = {
    VatCategory.EXEMPT: Exemption("Operațiune scutită de TVA (art. 292 Cod fiscal)", None),
    VatCategory.REVERSE_CHARGE: Exemption("Taxare inversă (art. 331 Cod fiscal)", "VATEX-EU-AE"),
    VatCategory.INTRA_COMMUNITY: Exemption(
        "Livrare intracomunitară scutită (art. 294 alin. (2) Cod fiscal)", "VATEX-EU-IC"
    ),
    VatCategory.EXPORT: Exemption("Export scutit de TVA (art. 294 alin. (1) Cod fiscal)", "VATEX-EU-G"),
    VatCategory.NOT_SUBJECT: Exemption("Operațiune în afara sferei de aplicare a TVA", "VATEX-EU-O"),
}


def period_for(on: date) -> RatePeriod:
    found = [p for p in RATE_PERIODS if p.start <= on]
    if not found:
        raise ValueError(f"no Romanian VAT rates are recorded for {on.isoformat()}")
    return max(found, key=lambda p: p.start)


def rate_for(category: VatCategory, rate_class: RateClass, on: date) -> Decimal | None:
    """The VAT rate (percent) of a line of ``category``/``rate_class`` on the date ``on``."""
    if category == VatCategory.NOT_SUBJECT:
        return None
    if category != VatCategory.STANDARD:
        return Decimal(0)
    return period_for(on).rates[rate_class]


def exemption(category: VatCategory) -> Exemption | None:
    return EXEMPTIONS.get(category)


# --- totals ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LineInput:
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    category: VatCategory
    rate: Decimal | None


@dataclass(frozen=True)
class CategoryTotal:
    category: VatCategory
    rate: Decimal | None
    base: Decimal  # BT-116
    vat: Decimal  # BT-117


@dataclass(frozen=True)
class Totals:
    lines: tuple[Decimal, ...]  # BT-131 per line
    breakdown: tuple[CategoryTotal, ...]  # BG-23
    net: Decimal  # BT-106 = BT-109
    vat: Decimal  # BT-110
    gross: Decimal  # BT-112 = BT-115


def line_net(quantity: Decimal, unit_price: Decimal, discount: Decimal = Decimal(0)) -> Decimal:
    """BT-131: quantity x net price - line allowance, rounded to 2 decimals."""
    return round2(quantity * unit_price - discount)


def totals(lines: Iterable[LineInput]) -> Totals:
    nets: list[Decimal] = []
    bases: dict[tuple[VatCategory, Decimal | None], Decimal] = {}
    for line in lines:
        net = line_net(line.quantity, line.unit_price, line.discount)
        nets.append(net)
        key = (line.category, None if line.rate is None else line.rate.normalize())
        bases[key] = bases.get(key, Decimal(0)) + net
    breakdown = tuple(
        CategoryTotal(category, rate, round2(base), round2(base * rate / 100) if rate else Decimal("0.00"))
        for (category, rate), base in bases.items()
    )
    net_total = round2(sum(nets, Decimal(0)))
    vat_total = round2(sum((b.vat for b in breakdown), Decimal(0)))
    return Totals(tuple(nets), breakdown, net_total, vat_total, net_total + vat_total)
