"""The ``ai.summary`` queue: ``ai.summary.generate`` summarises one lead or opportunity.

Deferred through the outbox by ``POST /v1/crm/{leads|opportunities}/{id}/summary`` (and the record
pages). ``generate`` reads the subject's input in a short tenant transaction; when the stored summary is
of the same input (hash and prompt version) it stops there, so a repeated or redelivered task neither
calls the model nor publishes anything. Otherwise it summarises with no transaction open (a chat model
may take seconds) and stores the result with ``crm.activity.summarized`` in one transaction. A rate
limit or an outage of the chat server is retried by Celery with backoff; a refusal (bad key, unknown
model) or the last retry marks the summary failed, with the reason the panel shows.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import structlog
from celery import Task

from genius.config import get_settings
from genius.core.db.session import Database
from genius.core.kit.errors import NotFound
from genius.vettify.summaries import service
from genius.vettify.summaries.chat import Permanent, Temporary
from genius.vettify.summaries.providers import Summariser, from_settings
from genius.workers.celery_app import celery_app
from genius.workers.context import ProcessContext, task_tenant, worker_database

log = structlog.get_logger("genius.crm.summary")
MAX_RETRIES = 5
summariser = ProcessContext(from_settings)


def backoff(retries: int) -> float:
    """10 s, 20 s, 40 s … at most 10 minutes between tries."""
    return float(min(600, 10 * 2**retries))


def generate(
    db: Database,
    tid: uuid.UUID,
    subject_type: str,
    subject_id: uuid.UUID,
    provider: Callable[[], Summariser],
) -> str:
    """``unchanged``, ``summarized``, ``missing`` or ``failed``; raises ``Temporary`` to be retried."""
    with db.tenant_session(tid) as session:
        try:
            read = service.collect(session, subject_type, subject_id)
        except NotFound:
            return "missing"
        if service.is_current(service.repository.summary_of(session, subject_type, subject_id), read):
            return "unchanged"
    if not read.sources:
        with db.tenant_session(tid) as session:
            service.fail(session, tid, subject_type, subject_id, "nothing to summarise")
        return "failed"
    try:
        result = provider().summarize(read.text, read.language)
    except Permanent as exc:
        log.warning("summary_refused", subject=subject_type, id=str(subject_id), error=str(exc))
        with db.tenant_session(tid) as session:
            service.fail(session, tid, subject_type, subject_id, str(exc))
        return "failed"
    with db.tenant_session(tid) as session:
        service.store(session, tid, subject_type, subject_id, read, result)
    return "summarized"


@celery_app.task(name=service.TASK, bind=True, acks_late=True, max_retries=MAX_RETRIES)
def generate_task(self: Task, subject_type: str, subject_id: str, tid: str | None = None, **_: Any) -> str:
    tenant = task_tenant(self, tid)
    if subject_type not in ("lead", "opportunity"):
        raise ValueError(f"ai.summary: unknown subject type {subject_type!r}")
    db = worker_database(get_settings())
    try:
        return generate(db, tenant, subject_type, uuid.UUID(subject_id), summariser)
    except Temporary as exc:
        if self.request.retries >= MAX_RETRIES:
            with db.tenant_session(tenant) as session:
                service.fail(session, tenant, subject_type, uuid.UUID(subject_id), str(exc))
            return "failed"
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc


def health() -> str:
    """Deep check: the database answers; names the configured provider and model."""
    settings = get_settings()
    worker_database(settings).ping()
    current = summariser()
    return f"database ok, provider {current.provider} ({current.model})"
