"""Event contracts published by etransport (registered with ``@event``; see core/events/topics.py).

Published in the tenant's transaction (transactional outbox) with the declaration's correlation id
(the caller's, e.g. the WMS shipment flow, when it gave one).
"""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field

from genius.core.events.registry import event


@event("wms.shipment.etransport_code", version=1)
class ShipmentEtransportCode(BaseModel):
    """ANAF confirmed the notification: the shipment's UIT is valid (put it on the transport papers)."""

    declaration_id: uuid.UUID
    shipment_ref: str | None = Field(None, description="the logistics module's shipment reference")
    cif: str
    uit: str
    index_incarcare: str
    operation_type: str | None = None
    transport_date: date | None = None
    valid_from: date | None = None
    valid_until: date | None = Field(None, description="the UIT expires at the end of this day")


@event("anaf.etransport.rejected", version=1)
class EtransportRejected(BaseModel):
    """ANAF refused a declaration (at upload or after processing), or its UIT failed BR-019."""

    declaration_id: uuid.UUID
    shipment_ref: str | None = None
    cif: str
    kind: str
    stage: str = Field(description="upload | processing | uit")
    index_incarcare: str | None = None
    uit: str | None = None
    messages: list[str] = Field(default_factory=list)


@event("anaf.etransport.deleted", version=1)
class EtransportDeleted(BaseModel):
    """ANAF took a deletion (``stergere``): the UIT it names no longer covers a transport; the
    notifications that carried it are ``deleted`` (a new transport needs a new notification)."""

    declaration_id: uuid.UUID = Field(description="the deletion's declaration")
    shipment_ref: str | None = None
    cif: str
    uit: str
    index_incarcare: str
    deleted: list[uuid.UUID] = Field(
        default_factory=list, description="the tenant's notifications with this UIT, now deleted"
    )
