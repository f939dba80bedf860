"""Supplier invoices: what arrives in the tenant's SPV inbox, from compliance's ``anaf.efactura.received``.

The consumer (``on_received``) records one row per ANAF message (unique per tenant and download id, so a
redelivered or republished event adds nothing) with its supplier matched to a CRM account by CUI, or
created as one through the CRM's service. The documents themselves (the invoice XML and ANAF's signed ZIP)
stay in compliance's archive under the tenant's key and are read through its service; the readable view
is our parser's reading of that XML.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog
from pydantic import ValidationError
from sqlalchemy.orm import Session

from genius.compliance.efactura import service as efactura
from genius.compliance.efactura.events import EfacturaReceived
from genius.compliance.efactura.schemas import Invoice
from genius.core.events.schemas import Envelope
from genius.core.events.service import defer
from genius.core.kit.errors import NotFound, Problem
from genius.core.kit.pagination import Page
from genius.core.storage import tenant_files_from_settings
from genius.sales import repository
from genius.sales.models import SupplierInvoice
from genius.vettify import service as crm
from genius.vettify.schemas import AccountCreate

if TYPE_CHECKING:
    from genius.core.platform import Platform

log = structlog.get_logger("genius.sales.inbox")
ACTOR = "spv-inbox"


def supplier_account(session: Session, tid: uuid.UUID, cui: str, name: str) -> uuid.UUID | None:
    """The CRM account with this CUI, created (and sent for ANAF verification) when there is none. A CUI
    the CRM refuses (a wrong check digit, say) leaves the invoice without an account, never unprocessed."""
    if not cui:
        return None
    found = crm.find_account_by_cui(session, cui)
    if found is not None:
        return found
    try:
        body = AccountCreate(name=name[:300] or cui, cui=cui)
        with session.begin_nested():
            return crm.create_account(session, crm.Actor(tid=tid, name=ACTOR), body).id
    except (ValidationError, Problem) as exc:
        log.warning("supplier_account_not_created", cui=cui, error=str(exc)[:300])
        return crm.find_account_by_cui(session, cui)


def on_received(session: Session, envelope: Envelope) -> None:
    event = EfacturaReceived.model_validate(envelope.data)
    tid = envelope.tid
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "tid": tid,
        "id_descarcare": event.id_descarcare,
        "id_solicitare": event.id_solicitare,
        "kind": event.kind if event.kind in ("invoice", "credit_note") else "invoice",
        "supplier_id": supplier_account(session, tid, event.supplier_cui, event.supplier_name),
        "supplier_cui": event.supplier_cui,
        "supplier_name": event.supplier_name[:300],
        "number": event.number[:200],
        "issue_date": event.issue_date,
        "due_date": event.due_date,
        "currency": event.currency,
        "net_total": event.tax_exclusive,
        "vat_total": event.vat_total,
        "gross_total": event.tax_inclusive,
        "payable": event.payable,
        "signature_ok": event.signature_ok,
        "signature_problems": event.signature_problems,
    }
    if repository.add_supplier_invoice(session, values) is None:
        log.info("supplier_invoice_known", id_descarcare=event.id_descarcare)


def page(session: Session, *, cursor: str | None, limit: int) -> Page[SupplierInvoice]:
    return repository.supplier_invoice_page(session, cursor=cursor, limit=limit)


def get(session: Session, invoice_id: uuid.UUID) -> SupplierInvoice:
    row = repository.supplier_invoice(session, invoice_id)
    if row is None:
        raise NotFound(f"No supplier invoice {invoice_id}.")
    return row


@dataclass
class Documents:
    xml: bytes
    zip: bytes

    def invoice(self) -> Invoice:
        return efactura.read_document(self.xml)


def documents(platform: Platform, row: SupplierInvoice) -> Documents:
    """The archived XML and signed ZIP of a supplier invoice (compliance's archive, the tenant's key)."""
    found = efactura.received_files(platform, row.tid, row.id_descarcare)
    if found is None:
        raise Problem(
            "The documents of this supplier invoice are not in the archive.",
            status=409,
            code="supplier-invoice-not-archived",
            title="Conflict",
        )
    return Documents(*found)


# --- PDF ---------------------------------------------------------------------------------------------
class PdfRendering(Problem):
    status, code, title = 409, "supplier-invoice-pdf-rendering", "PDF being rendered"


def pdf_key(row: SupplierInvoice) -> str:
    """Where ``pdf.render`` stores a supplier invoice's PDF (under the tenant's key)."""
    return f"pdf/{row.tid}/sales-supplier-{row.id}.pdf"


def pdf(platform: Platform, session: Session, row: SupplierInvoice) -> bytes:
    """The supplier invoice's PDF, in the Romanian layout our own invoices print in, drawn from the XML
    as received. Rendered once by ``pdf.render`` (an outbox task of the caller's transaction) and kept
    under the tenant's key: until it is stored, ``PdfRendering`` (409) and the render is queued (asking
    again queues it again; the worker writes the same key)."""
    files = tenant_files_from_settings(platform.settings).for_tenant(row.tid)
    key = pdf_key(row)
    if files.exists(key):
        return files.get(key)
    xml = documents(platform, row).xml
    defer(
        session,
        "pdf.render",
        tid=row.tid,
        kwargs={"html": efactura.document_html(xml), "key": key.rsplit("/", 1)[1], "tid": str(row.tid)},
    )
    raise PdfRendering("The PDF is being rendered; ask again in a few seconds.", headers={"Retry-After": "5"})
