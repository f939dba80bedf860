"""The SPV inbox: supplier invoices received in the tenant's SPV, fetched by a periodic task.

``sync(ctx, tid)``, once per connected tenant (``anaf.efactura.inbox``, scheduled by the beat's
``anaf.efactura.inbox_sweep``):

1. pages through ``listaMesajePaginatieFactura`` (filter ``P``: received invoices) over ANAF's 60-day
   window — the unpaginated list stops at 500 messages — and records each ``FACTURA PRIMITA`` in
   ``compliance.efactura_inbox`` with ``INSERT … ON CONFLICT DO NOTHING`` on (tenant, download id):
   a message listed again, or by a concurrent run, is never recorded twice;
2. for each message still ``listed``, locks its row (``FOR UPDATE SKIP LOCKED``: a concurrent run
   skips it), downloads it through the archive (``archive.fetch``: ANAF's 10 downloads a day per
   message are counted there, and the client's Redis quota refuses an 11th before calling), verifies
   ANAF's signature (a failure is recorded and carried by the event: flagged, never trusted), stores
   the ZIP (``efactura/<tid>/<id>.zip``) and the invoice XML (``efactura/<tid>/<id>.xml``) under the
   tenant's key — SPV keeps files for 60 days only — parses it with our parser and publishes
   ``anaf.efactura.received`` in the same transaction as the row's move to ``received``. So the
   event goes out exactly once per message.

A failed download (ANAF down, 429, today's downloads used) leaves the row ``listed`` with the error
and one more attempt counted; the next run retries it, up to ``MAX_ATTEMPTS``. The inbox never calls
``stareMesaj`` (received messages have no upload status to follow), so the 100 status checks a day
per message are not touched.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog

from genius.compliance.common import repository as common_repository
from genius.compliance.common.errors import AnafApiError, OAuthError
from genius.compliance.efactura import archive, repository
from genius.compliance.efactura.events import EfacturaReceived
from genius.compliance.efactura.invoice import Invoice
from genius.compliance.efactura.parse import ParseError, parse_invoice
from genius.compliance.efactura.replies import Message
from genius.compliance.efactura.signature import split_zip
from genius.core.events.service import publish
from genius.core.kit.crypto import sha256_hex
from genius.core.kit.errors import TooManyRequests
from genius.core.tenancy.service import company_profile

if TYPE_CHECKING:  # the service imports this module
    from genius.compliance.efactura.service import Context

log = structlog.get_logger("genius.efactura.inbox")

WINDOW = timedelta(days=60)  # ANAF lists the last 60 days
MAX_ATTEMPTS = 20
MAX_DOWNLOADS_PER_RUN = 200
_EMITENT = re.compile(r"cif_emitent\s*=\s*(\d+)", re.I)
NAMESPACE = uuid.UUID("0d7c3a52-52a5-4c8e-9a7e-5f1c6a0e0031")


def xml_key(tid: uuid.UUID, id_descarcare: str) -> str:
    return f"efactura/{tid}/{id_descarcare}.xml"


def digits(cui: str | None) -> str:
    return re.sub(r"\D", "", cui or "")


@dataclass
class SyncResult:
    listed: int = 0
    new: int = 0
    received: int = 0
    failed: int = 0
    skipped: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "listed": self.listed,
            "new": self.new,
            "received": self.received,
            "failed": self.failed,
            "skipped": self.skipped,
        }


def _row(m: Message, cif: str) -> dict[str, object]:
    found = _EMITENT.search(m.detalii)
    return {
        "id_descarcare": m.id,
        "id_solicitare": m.id_solicitare,
        "cif": cif,
        "supplier_cif": found.group(1) if found else None,
        "message_created_at": m.data_creare,
        "state": "listed",
        "attempts": 0,
        "signature_problems": [],
        "header": {},
        "listed_at": datetime.now(UTC),
    }


def tenant_cif(ctx: Context, tid: uuid.UUID) -> str | None:
    """The tenant's CUI (digits) when it is connected to SPV, else ``None``."""
    with ctx.db.tenant_session(tid) as session:
        if common_repository.oauth_token(session, tid) is None:
            return None
        return digits(company_profile(session, tid).cui) or None


def sync(ctx: Context, tid: uuid.UUID, *, now: datetime | None = None) -> SyncResult:
    """List the tenant's received messages and fetch every new one (see the module's docstring)."""
    cif = tenant_cif(ctx, tid)
    if cif is None:
        return SyncResult(skipped="not connected to SPV or no company CUI")
    client = ctx.client(tid)
    end = now or datetime.now(UTC)
    start = end - WINDOW + timedelta(minutes=1)
    messages = [m for m in client.all_messages(start, end, cif, filtru="P") if m.kind == "received"]
    result = SyncResult(listed=len(messages))
    with ctx.db.tenant_session(tid) as session:
        result.new = repository.list_received(session, tid, [_row(m, cif) for m in messages])
    with ctx.db.tenant_session(tid) as session:
        pending = repository.inbox_to_fetch(session, tid, MAX_ATTEMPTS, MAX_DOWNLOADS_PER_RUN)
    for id_descarcare in pending:
        outcome = fetch_one(ctx, tid, id_descarcare, client.download)
        if outcome in ("received", "unreadable"):
            result.received += 1
        elif outcome == "failed":
            result.failed += 1
    log.info("efactura_inbox_synced", tid=str(tid), **result.as_dict())
    return result


def fetch_one(ctx: Context, tid: uuid.UUID, id_descarcare: str, download: Any) -> str:
    """Download, verify, archive, parse and publish one listed message. Returns ``received``,
    ``unreadable``, ``failed`` (left listed for the next run) or ``skipped`` (another run has it, or
    it was fetched already)."""
    with ctx.db.tenant_session(tid) as session:
        row = repository.claim_received(session, tid, id_descarcare)
        if row is None:
            return "skipped"
        row.attempts = (row.attempts or 0) + 1
        try:
            archived, data = archive.fetch(
                session,
                ctx.storage,
                tid,
                id_descarcare,
                download,
                certs_dir=ctx.certs_dir,
            )
        except (AnafApiError, OAuthError, TooManyRequests) as exc:
            row.error = str(exc)[:2000]
            log.warning("efactura_inbox_download_failed", id_descarcare=id_descarcare, error=row.error)
            return "failed"
        row.zip_key = archived.storage_key
        row.signature_ok = bool(archived.signature_ok)
        row.signature_problems = list((archived.signature_detail or {}).get("problems") or [])
        row.received_at = datetime.now(UTC)
        _, document, _, _, problem = split_zip(data)
        if document is None:
            row.state, row.error = "unreadable", problem or "no document in the ZIP"
            return "unreadable"
        key = xml_key(tid, id_descarcare)
        ctx.storage.for_tenant(tid).put(key, document, "application/xml")
        row.xml_key, row.xml_sha256 = key, sha256_hex(document)
        try:
            invoice = parse_invoice(document)
        except (ParseError, ValueError) as exc:
            row.state, row.error = "unreadable", f"not an invoice our parser reads: {exc}"[:2000]
            return "unreadable"
        event = received_event(row.cif, id_descarcare, row.id_solicitare, invoice, row)
        row.header = event.model_dump(mode="json")
        row.state, row.error = "received", None
        publish(
            session,
            "anaf.efactura.received",
            event,
            tid=tid,
            aggregate_id=uuid.uuid5(NAMESPACE, f"{tid}:{id_descarcare}"),
        )
        if not row.signature_ok:
            log.warning(
                "efactura_inbox_signature", id_descarcare=id_descarcare, problems=row.signature_problems
            )
        return "received"


def received_event(
    cif: str, id_descarcare: str, id_solicitare: str | None, invoice: Invoice, row: Any
) -> EfacturaReceived:
    totals = invoice.totals or invoice.compute_totals()
    seller = invoice.seller
    supplier_cui = digits(seller.vat_id) or digits(seller.legal_id.value if seller.legal_id else None)
    return EfacturaReceived(
        id_descarcare=id_descarcare,
        id_solicitare=id_solicitare,
        cif=cif,
        kind="credit_note" if invoice.is_credit_note else "invoice",
        supplier_cui=supplier_cui or (row.supplier_cif or ""),
        supplier_vat_id=seller.vat_id,
        supplier_name=seller.name,
        number=invoice.number,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        currency=invoice.currency,
        tax_exclusive=totals.tax_exclusive,
        vat_total=totals.vat_total or 0,
        tax_inclusive=totals.tax_inclusive,
        payable=totals.payable,
        signature_ok=bool(row.signature_ok),
        signature_problems=list(row.signature_problems or []),
        message_created_at=row.message_created_at,
    )


def received_document(ctx: Context, tid: uuid.UUID, id_descarcare: str) -> tuple[bytes, bytes] | None:
    """The archived ``(invoice XML, ZIP)`` of a received message; ``None`` when it is not in the inbox."""
    with ctx.db.tenant_session(tid) as session:
        row = repository.received(session, tid, id_descarcare)
        if row is None or row.xml_key is None or row.zip_key is None:
            return None
        xml_key_, zip_key = row.xml_key, row.zip_key
    files = ctx.storage.for_tenant(tid)
    return files.get(xml_key_), files.get(zip_key)


def has_messages(ctx: Context, tid: uuid.UUID) -> bool:
    with ctx.db.tenant_session(tid) as session:
        return repository.inbox_has_messages(session, tid)
