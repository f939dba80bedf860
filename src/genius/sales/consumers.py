"""The sales event consumer (queue ``genius.sales``, run by ``genius consume``): the SPV outcome of
issued documents, from the compliance module's e-Factura events; a draft quote for each won CRM
opportunity; the supplier invoices received in the SPV inbox; the e-Transport outcome (UIT or
rejection) of orders' notifications, their corrections and their UITs' deletions; the daily deadline
notice mailed to the people who can act."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from genius.core.events.consumer import EventConsumer
from genius.core.events.schemas import Envelope
from genius.sales import notices, orders, spv, supplier_invoices, transport

HANDLERS: dict[str, Callable[[Session, Envelope], object]] = {
    "anaf.efactura.submitted": spv.on_submitted,
    "anaf.efactura.accepted": spv.on_accepted,
    "anaf.efactura.rejected": spv.on_rejected,
    "crm.opportunity.stage_changed": orders.on_opportunity_stage_changed,
    "anaf.efactura.failed": spv.on_failed,
    "anaf.efactura.received": supplier_invoices.on_received,
    "wms.shipment.etransport_code": transport.on_etransport_code,
    "anaf.etransport.rejected": transport.on_etransport_rejected,
    "anaf.etransport.deleted": transport.on_etransport_deleted,
    # The sales module's own daily notice: mailed to the people who can issue and resend.
    "sales.invoice.efactura_deadline_near": notices.on_deadline_near,
}


def handle(session: Session, envelope: Envelope) -> None:
    handler = HANDLERS.get(envelope.topic)
    if handler is not None:
        handler(session, envelope)


def consumers() -> list[EventConsumer]:
    return [EventConsumer("sales", sorted(HANDLERS), handle)]
