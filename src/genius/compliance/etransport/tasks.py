"""Queue ``anaf.etransport``: ``anaf.etransport.submit`` and ``anaf.etransport.status``.

* ``submit(tid, declaration_id)``: the guarded upload (see ``service``); ANAF answers with the upload
  index and the UIT (check digits verified). An ``unknown`` outcome (the call timed out) is retried
  later — the retry looks in ANAF's list before uploading again. After an upload the status check
  is scheduled.
* ``status(tid, declaration_id)``: one ``stareMesaj``; while ``in prelucrare`` it re-schedules itself
  with exponential backoff. ``ok`` publishes ``wms.shipment.etransport_code`` (with the UIT and its
  validity window); a refusal publishes ``anaf.etransport.rejected``.

Temporary ANAF failures (429, 5xx, firewall page, timeouts, token refresh) are retried with backoff;
ANAF's refusals are recorded on the declaration and raise no retry.

``health()`` is the deep check: the e-Transport API host answers (5 s).
"""

from __future__ import annotations

import uuid
from typing import Any

from celery import Task

from genius.compliance.common.backoff import backoff, retry_after_or_backoff, retry_temporary
from genius.compliance.common.errors import AnafApiError, OAuthError, is_temporary
from genius.compliance.etransport import service
from genius.compliance.etransport.client import ETransportClient
from genius.config import Settings, get_settings
from genius.core.kit.ratelimit import RateLimiter
from genius.workers.celery_app import celery_app
from genius.workers.context import ProcessContext, worker_database, worker_redis

__all__ = ["health", "status", "submit"]

MAX_RETRIES = 8
MAX_POLLS = 20
HEALTH_TIMEOUT = 5.0


def _services(settings: Settings) -> service.Context:
    return service.Context(
        db=worker_database(settings),
        settings=settings,
        limiter=RateLimiter(worker_redis(settings), prefix="genius:anaf:"),
    )


context = ProcessContext(_services)  # database, Redis limiter: once per worker process
use_context = context.use


ANAF_ERRORS = (AnafApiError, OAuthError)


@celery_app.task(name="anaf.etransport.submit", bind=True, acks_late=True, max_retries=MAX_RETRIES)
@retry_temporary(ANAF_ERRORS, temporary=is_temporary, countdown=retry_after_or_backoff())
def submit(self: Task, tid: str, declaration_id: str) -> dict[str, Any]:
    result = service.upload(context(), uuid.UUID(tid), uuid.UUID(declaration_id))
    if result["state"] in ("unknown", "pending") and self.request.retries < MAX_RETRIES:
        raise self.retry(countdown=backoff(self.request.retries, base=60.0))
    if result["state"] == "uploaded":
        status.apply_async(args=[tid, declaration_id], countdown=2)
    return result


@celery_app.task(name="anaf.etransport.status", bind=True, acks_late=True, max_retries=MAX_POLLS)
@retry_temporary(
    ANAF_ERRORS, temporary=is_temporary, countdown=lambda exc, n: backoff(n, base=2.0, cap=600.0)
)
def status(self: Task, tid: str, declaration_id: str) -> dict[str, Any]:
    result = service.poll(context(), uuid.UUID(tid), uuid.UUID(declaration_id))
    if result["state"] == "uploaded" and self.request.retries < MAX_POLLS:
        raise self.retry(countdown=backoff(self.request.retries, base=2.0, cap=600.0))
    return result


def health() -> str:
    """Deep check: the e-Transport API host answers within 5 s (no token needed)."""
    settings = get_settings()
    client = ETransportClient(settings, lambda refresh: "", timeout=HEALTH_TIMEOUT)
    return client.reachable()
