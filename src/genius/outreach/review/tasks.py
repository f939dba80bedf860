"""Outreach jobs: the review queue's SLA sweep and the channel send tasks a reviewer's reply defers.

* ``outreach.review.sla_sweep`` (``genius beat``, every minute): in each tenant, unresolved review
  items past ``sla_due_at`` get ``sla_breached`` (once, with the time).
* ``outreach.whatsapp.send(tid, message_id, text)`` / ``outreach.email.send(…)``: the channel queues.
  The TimelinesAI / Instantly / Resend clients are not built yet, so the send records the queued
  communication-log row as ``SENT`` with provider ``manual`` (idempotent: a redelivered copy finds it sent
  and does nothing). The channel clients replace this body, not its callers.
"""

from __future__ import annotations

import uuid
from typing import Any

from genius.core.db.session import Database
from genius.core.directory import repository as directory
from genius.outreach.review import service
from genius.workers.celery_app import celery_app
from genius.workers.context import ProcessContext, worker_database

__all__ = ["email_send", "health", "sla_sweep", "use_context", "whatsapp_send"]

TENANT_BATCH = 500
LOCAL_PROVIDER = "manual"  # the schema's providers: timelinesai, instantly, resend, manual
context = ProcessContext(lambda settings: worker_database(settings))


def use_context(db: Database | None) -> None:
    """Point the tasks at another database (tests); ``None`` resets."""
    context.use(db)


def _tenants(db: Database) -> list[uuid.UUID]:
    out: list[uuid.UUID] = []
    offset = 0
    while True:
        with db.platform_session() as s:
            batch = [t.id for t in directory.page(s, TENANT_BATCH, offset)]
        out.extend(batch)
        if len(batch) < TENANT_BATCH:
            return out
        offset += TENANT_BATCH


@celery_app.task(name="outreach.review.sla_sweep", acks_late=True)
def sla_sweep() -> dict[str, Any]:
    """Flag overdue review items in every tenant; the number flagged per tenant (those with any)."""
    db = context()
    flagged: dict[str, int] = {}
    for tid in _tenants(db):
        with db.tenant_session(tid) as s:
            n = service.sweep_sla(s)
        if n:
            flagged[str(tid)] = n
    return {"flagged": flagged}


def _send(tid: str, message_id: str) -> dict[str, Any]:
    db = context()
    with db.tenant_session(uuid.UUID(tid)) as s:
        sent = service.mark_sent(s, uuid.UUID(message_id), provider=LOCAL_PROVIDER)
    return {"message_id": message_id, "sent": sent}


@celery_app.task(name="outreach.whatsapp.send", acks_late=True)
def whatsapp_send(tid: str, message_id: str, text: str = "") -> dict[str, Any]:
    return _send(tid, message_id)


@celery_app.task(name="outreach.email.send", acks_late=True)
def email_send(tid: str, message_id: str, text: str = "") -> dict[str, Any]:
    return _send(tid, message_id)


def health() -> str:
    """Deep check: the database answers."""
    db = context()
    db.ping()
    return "database ok"
