"""e-Transport's public shapes for the business modules (which reach compliance only through its
``service``, ``schemas`` and ``events``): the v2 declaration a module fills in (a notification of the
goods it ships, its correction, or the deletion of its UIT), the operation names and the code lists a
notification is checked against."""

from __future__ import annotations

from genius.compliance.etransport.codes import BORDER_POINTS, COUNTRIES, CUSTOMS_OFFICES, EU_COUNTRIES, UNITS
from genius.compliance.etransport.declaration import (
    INBOUND_OPERATIONS,
    OPERATION_NAMES,
    Declaration,
    Deletion,
    Goods,
    Location,
    Notification,
    Partner,
    RoutePlace,
    TransportData,
    TransportDocument,
)

__all__ = [
    "BORDER_POINTS",
    "COUNTRIES",
    "CUSTOMS_OFFICES",
    "EU_COUNTRIES",
    "INBOUND_OPERATIONS",
    "OPERATION_NAMES",
    "UNITS",
    "Declaration",
    "Deletion",
    "Goods",
    "Location",
    "Notification",
    "Partner",
    "RoutePlace",
    "TransportData",
    "TransportDocument",
]
