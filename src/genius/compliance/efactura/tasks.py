"""Queue ``anaf.efactura``: ``anaf.efactura.upload``, ``anaf.efactura.poll``, ``anaf.efactura.download``.

* ``upload(tid, submission_id)``: the guarded upload (see ``service``); an ``unknown`` outcome (the
  call timed out) is retried later — the retry reconciles with ANAF's list before uploading again.
  After a successful upload the poll is scheduled.
* ``poll(tid, submission_id)``: one ``stareMesaj``; while ``in prelucrare`` it re-schedules itself
  with exponential backoff; on ``ok`` the download is scheduled.
* ``download(tid, id_descarcare)``: the ZIP, archived (``efactura/<tid>/<id>.zip``).

Temporary ANAF failures (429, 5xx, firewall page, timeouts) are retried with backoff; ANAF's
refusals are recorded on the submission and raise no retry. An upload that never reached ANAF and has
no retry left (a permanent error, or the last retry spent) is ``failed`` with ``anaf.efactura.failed``.
"""

from __future__ import annotations

import uuid
from typing import Any

from celery import Task

from genius.compliance.common.backoff import backoff, retry_after_or_backoff, retry_temporary
from genius.compliance.common.errors import AnafApiError, OAuthError, is_temporary
from genius.compliance.efactura import service
from genius.compliance.efactura.client import EFacturaClient
from genius.config import Settings, get_settings
from genius.core.directory import repository as directory
from genius.core.kit.ratelimit import RateLimiter
from genius.core.storage import tenant_files_from_settings
from genius.workers.celery_app import celery_app
from genius.workers.context import ProcessContext, worker_database, worker_redis

__all__ = ["download", "health", "inbox", "inbox_sweep", "poll", "upload"]

MAX_RETRIES = 8


def _services(settings: Settings) -> service.Context:
    return service.Context(
        db=worker_database(settings),
        settings=settings,
        storage=tenant_files_from_settings(settings),
        limiter=RateLimiter(worker_redis(settings), prefix="genius:anaf:"),
        certs_dir=settings.efactura_certs_dir,
    )


context = ProcessContext(_services)  # database, storage, Redis limiter: once per worker process
use_context = context.use


ANAF_ERRORS = (AnafApiError, OAuthError)


@celery_app.task(name="anaf.efactura.upload", bind=True, acks_late=True, max_retries=MAX_RETRIES)
@retry_temporary(ANAF_ERRORS, temporary=is_temporary, countdown=retry_after_or_backoff())
def upload(self: Task, tid: str, submission_id: str) -> dict[str, Any]:
    last_try = self.request.retries >= MAX_RETRIES
    try:
        result = service.upload(context(), uuid.UUID(tid), uuid.UUID(submission_id))
    except ANAF_ERRORS as exc:
        if last_try or not is_temporary(exc):  # no retry follows: give the upload up (event)
            service.give_up(context(), uuid.UUID(tid), uuid.UUID(submission_id), str(exc))
        raise
    if result["state"] in ("unknown", "pending") and not last_try:
        raise self.retry(countdown=backoff(self.request.retries, base=60.0))
    if result["state"] == "pending":
        reason = "; ".join(map(str, result.get("errors") or [])) or "no upload after every retry"
        result = service.give_up(context(), uuid.UUID(tid), uuid.UUID(submission_id), reason)
    if result["state"] == "uploaded":
        poll.apply_async(args=[tid, submission_id], countdown=2)
    return result


@celery_app.task(name="anaf.efactura.poll", bind=True, acks_late=True, max_retries=20)
@retry_temporary(
    ANAF_ERRORS, temporary=is_temporary, countdown=lambda exc, n: backoff(n, base=2.0, cap=600.0)
)
def poll(self: Task, tid: str, submission_id: str) -> dict[str, Any]:
    result = service.poll(context(), uuid.UUID(tid), uuid.UUID(submission_id))
    if result["state"] == "uploaded" and self.request.retries < 20:
        raise self.retry(countdown=backoff(self.request.retries, base=2.0, cap=600.0))
    if result["state"] == "ok" and result.get("id_descarcare"):
        download.apply_async(args=[tid, result["id_descarcare"]])
    return result


@celery_app.task(name="anaf.efactura.download", bind=True, acks_late=True, max_retries=MAX_RETRIES)
@retry_temporary(ANAF_ERRORS, temporary=is_temporary)
def download(self: Task, tid: str, id_descarcare: str) -> dict[str, Any]:
    row, _ = service.download(context(), uuid.UUID(tid), id_descarcare)
    return {
        "id_descarcare": row.id_descarcare,
        "storage_key": row.storage_key,
        "sha256": row.sha256,
        "signature_ok": row.signature_ok,
        "kind": row.kind,
        "invoice_id": row.invoice_id,
        "download_count": row.download_count,
    }


@celery_app.task(name="anaf.efactura.inbox_sweep", acks_late=True)
def inbox_sweep() -> dict[str, Any]:
    """``genius beat``: one ``anaf.efactura.inbox`` per active tenant (a tenant without an ANAF
    connection or company CUI is skipped by the task itself)."""
    db = context().db
    with db.platform_session() as s:
        tenants = directory.active_ids(s)
    for tid in tenants:
        inbox.apply_async(args=[str(tid)])
    return {"tenants": len(tenants)}


@celery_app.task(name="anaf.efactura.inbox", bind=True, acks_late=True, max_retries=MAX_RETRIES)
@retry_temporary(ANAF_ERRORS, temporary=is_temporary, countdown=retry_after_or_backoff())
def inbox(self: Task, tid: str) -> dict[str, Any]:
    """The tenant's SPV inbox: new received invoices listed, downloaded, verified, archived, published
    once each (``service.sync_inbox``)."""
    return service.sync_inbox(context(), uuid.UUID(tid))


def health() -> str:
    """Deep check: the e-Factura API host answers."""
    settings = get_settings()
    client = EFacturaClient(settings, lambda refresh: "", timeout=min(settings.anaf_timeout, 10.0))
    return client.reachable()
