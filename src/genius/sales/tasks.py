"""Queue ``sales``: ``sales.efactura.deadline_sweep`` (``genius beat``, daily): in each active tenant, the
notice of issued documents SPV has not accepted whose legal upload term is near or past
(``spv.deadline_sweep``, event ``sales.invoice.efactura_deadline_near``).

Queue ``pdf.render`` (the task's name routes it there): ``pdf.render.sales_document``, queued by issuing
(and by a resend) with the document's id and version only. It builds the HTML from the issued, immutable
document (the exact XML sent to SPV, with the tenant's logo) and renders it with the ``pdf.render``
worker's engine, stored under the tenant's key; a PDF already stored under its key is not rendered again."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from celery import Task

from genius.config import get_settings
from genius.core.db.session import Database
from genius.core.directory import repository as directory
from genius.core.storage import TenantFiles, tenant_files_from_settings
from genius.sales import repository, service, spv
from genius.workers.celery_app import celery_app
from genius.workers.context import ProcessContext, worker_database

__all__ = ["deadline_sweep", "health", "render_document_pdf", "render_issued_pdf", "use_context"]

context = ProcessContext(lambda settings: worker_database(settings))


def use_context(db: Database | None) -> None:
    """Point the tasks at another database (tests); ``None`` resets."""
    context.use(db)


@celery_app.task(name="sales.efactura.deadline_sweep", acks_late=True)
def deadline_sweep() -> dict[str, Any]:
    """The daily deadline notice of every tenant; the documents listed per tenant (those with any)."""
    db, today = context(), service.today()
    with db.platform_session() as s:
        tenants = directory.active_ids(s)
    listed: dict[str, int] = {}
    for tid in tenants:
        with db.tenant_session(tid) as s:
            n = spv.deadline_sweep(s, tid, today)
        if n:
            listed[str(tid)] = n
    return {"day": today.isoformat(), "listed": listed}


def render_issued_pdf(
    db: Database, files: TenantFiles, tid: uuid.UUID, document_id: uuid.UUID, version: int
) -> dict[str, Any]:
    """The work of ``pdf.render.sales_document``: the HTML read and built in a short read-only tenant
    transaction, then the PDF rendered outside it and stored (its key names the XML it prints, so a
    redelivery finds it done)."""
    from genius.workers.pdf_render.tasks import render_pdf  # heavy: WeasyPrint only where it renders

    store = files.for_tenant(tid)
    with db.tenant_session(tid) as s:
        doc = repository.document(s, document_id)
        if doc is None or doc.ubl_xml is None:  # never issued in this tenant: nothing to print
            return {"document_id": str(document_id), "version": version, "rendered": False}
        key = service.pdf_key(doc)
        if store.exists(key):
            return {"key": key, "version": version, "rendered": False}
        source = service.pdf_source(s, files, tid, doc)
    pdf = render_pdf(source.html)
    store.put(source.key, pdf, "application/pdf")
    return {
        "key": source.key,
        "version": version,
        "rendered": True,
        "size": len(pdf),
        "sha256": hashlib.sha256(pdf).hexdigest(),
    }


@celery_app.task(name=service.PDF_TASK, bind=True, acks_late=True, max_retries=2)
def render_document_pdf(self: Task, document_id: str, version: int, tid: str) -> dict[str, Any]:
    """Render and store the PDF of an issued sales document (``render_issued_pdf``)."""
    files = tenant_files_from_settings(get_settings())
    return render_issued_pdf(context(), files, uuid.UUID(tid), uuid.UUID(document_id), version)


def health() -> str:
    """Deep check: the database answers."""
    context().ping()
    return "database ok"
