"""The CRM's event consumer (queue ``genius.crm``, run by ``genius consume``).

Each event is handled in its tenant's transaction together with the inbox row, so a redelivery is
dropped and a failure leaves nothing half-done (the message is requeued, then dead-lettered).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from genius.core.events.consumer import EventConsumer
from genius.core.events.schemas import Envelope
from genius.vettify import timeline, verification
from genius.vettify.churn import service as churn
from genius.vettify.sequences import service as sequences

HANDLERS: dict[str, Callable[[Session, Envelope], object]] = {
    "crm.account.verification_requested": verification.on_verification_requested,
    "anaf.taxpayer.validated": verification.on_taxpayer_validated,
    "sales.order.created": churn.on_sales_order_created,
    "wms.shipment.delivered": timeline.on_shipment_delivered,
    "crm.lead.converted": sequences.on_lead_converted,
}


def handle(session: Session, envelope: Envelope) -> None:
    handler = HANDLERS.get(envelope.topic)
    if handler is not None:
        handler(session, envelope)


def consumers() -> list[EventConsumer]:
    return [EventConsumer("crm", sorted(HANDLERS), handle)]
