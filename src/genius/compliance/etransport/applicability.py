"""When a shipment needs an e-Transport declaration (``requires_etransport``).

The rule implemented (OUG 41/2022 as amended; the seed — GeniusERP spec F1-03-035/041 — asks for
"transport cu valoare > 10000 RON"):

* **international road transport** (any operation other than ``30``: intra-EU acquisitions and
  deliveries, import, export, call-off stock, lohn …) — always declared, whatever the goods;
* **national transport** (``30``) — declared when it carries goods of high fiscal risk and, for those
  goods, the gross weight is over **2 500 kg** or the value without VAT is over **10 000 RON**.

Which goods are of high fiscal risk is ANAF's list (CN codes, by chapter/heading: live animals, meat,
fish, dairy, vegetables, fruit, cereals and flours, oils, sugar, drinks, clothing, footwear, building
materials …). ``HIGH_RISK_PREFIXES`` holds those CN prefixes; a line can also be flagged explicitly
(``high_risk``), which wins over the prefix list. The thresholds are parameters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from genius.compliance.etransport.declaration import Notification

VALUE_THRESHOLD_RON = Decimal("10000")
WEIGHT_THRESHOLD_KG = Decimal("2500")

HIGH_RISK_PREFIXES: tuple[str, ...] = (
    "01",  # live animals
    "02",  # meat
    "03",  # fish
    "04",  # dairy, eggs, honey
    "07",  # vegetables
    "08",  # fruit and nuts
    "10",  # cereals
    "11",  # milling products, flours
    "1507", "1508", "1509", "1510", "1511", "1512", "1513", "1514", "1515", "1516", "1517",  # oils
    "1701",  # sugar
    "2201", "2202", "2203", "2204", "2205", "2206", "2207", "2208",  # waters, drinks, alcohol
    "61", "62",  # clothing
    "64",  # footwear
    "2523", "6810", "6901", "6902", "6904", "6905", "6907", "7213", "7214", "7216",  # building materials
)  # fmt: skip


@dataclass(frozen=True)
class ShipmentLine:
    """One goods line of a shipment, as the logistics module knows it."""

    tariff_code: str | None = None
    value_ron: Decimal = Decimal(0)
    gross_weight_kg: Decimal = Decimal(0)
    high_risk: bool | None = None  # None: decided by the CN code


@dataclass(frozen=True)
class Applicability:
    required: bool
    reasons: list[str] = field(default_factory=list)
    risky_value_ron: Decimal = Decimal(0)
    risky_weight_kg: Decimal = Decimal(0)


def is_high_risk(tariff_code: str | None, prefixes: Iterable[str] = HIGH_RISK_PREFIXES) -> bool:
    code = (tariff_code or "").replace(" ", "").replace(".", "")
    return bool(code) and any(code.startswith(p) for p in prefixes)


def requires_etransport(
    lines: Iterable[ShipmentLine],
    operation_type: str = "30",
    *,
    value_threshold: Decimal = VALUE_THRESHOLD_RON,
    weight_threshold: Decimal = WEIGHT_THRESHOLD_KG,
    prefixes: Iterable[str] = HIGH_RISK_PREFIXES,
) -> Applicability:
    """Whether the shipment must be declared, and why (``reasons``, in English)."""
    items = list(lines)
    prefix_list = tuple(prefixes)
    if not items:
        return Applicability(False, ["the shipment has no goods"])
    if operation_type != "30":
        return Applicability(
            True, [f"international transport (operation {operation_type}) is always declared"]
        )
    risky = [
        line
        for line in items
        if (line.high_risk if line.high_risk is not None else is_high_risk(line.tariff_code, prefix_list))
    ]
    value = sum((line.value_ron for line in risky), Decimal(0))
    weight = sum((line.gross_weight_kg for line in risky), Decimal(0))
    if not risky:
        return Applicability(False, ["no goods of high fiscal risk"])
    reasons = []
    if value > value_threshold:
        reasons.append(f"high-risk goods worth {value} RON (over {value_threshold} RON)")
    if weight > weight_threshold:
        reasons.append(f"high-risk goods weighing {weight} kg gross (over {weight_threshold} kg)")
    if not reasons:
        reasons.append(
            f"high-risk goods under both thresholds ({value} RON ≤ {value_threshold}, "
            f"{weight} kg ≤ {weight_threshold})"
        )
        return Applicability(False, reasons, value, weight)
    return Applicability(True, reasons, value, weight)


def declaration_requires_etransport(notification: Notification) -> Applicability:
    """``requires_etransport`` for a built ``Notification`` (its goods lines and operation type)."""
    return requires_etransport(
        (ShipmentLine(g.tariff_code, g.value_ron or Decimal(0), g.gross_weight) for g in notification.goods),
        notification.operation_type,
    )
