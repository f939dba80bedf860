"""e-Factura's public shapes for the business modules (which reach compliance only through its
``service``, ``schemas`` and ``events``): the EN 16931 / CIUS-RO invoice model a module fills in, the
findings the validator returns, and the code lists a document line is checked against."""

from __future__ import annotations

from genius.compliance.common.codes import UNECE_REC20_21
from genius.compliance.common.findings import Finding
from genius.compliance.efactura.invoice import (
    Address,
    Delivery,
    DocumentReference,
    Identifier,
    Invoice,
    Item,
    LineAllowanceCharge,
    LineItem,
    Party,
    Price,
    Totals,
    VatBreakdown,
    VatCategory,
    VatExemption,
    ro_county_code,
)

#: BT-130 units: UN/ECE Recommendations 20 and 21, the one list CIUS-RO and e-Transport check against.
UNIT_CODES = UNECE_REC20_21

__all__ = [
    "UNIT_CODES",
    "Address",
    "Delivery",
    "DocumentReference",
    "Finding",
    "Identifier",
    "Invoice",
    "Item",
    "LineAllowanceCharge",
    "LineItem",
    "Party",
    "Price",
    "Totals",
    "VatBreakdown",
    "VatCategory",
    "VatExemption",
    "ro_county_code",
]
