"""Outreach jobs: the review queue's SLA sweep and the channel send tasks a reviewer's reply defers.

* ``outreach.review.sla_sweep`` (``genius beat``, every minute): in each tenant, unresolved review
  items past ``sla_due_at`` get ``sla_breached`` (once, with the time).

A reviewer's reply goes out through the channel tasks (``outreach.channels.tasks``), like a sequence step.
"""

from __future__ import annotations

import uuid
from typing import Any

from genius.core.db.session import Database
from genius.core.directory import repository as directory
from genius.outreach.review import service
from genius.workers.celery_app import celery_app
from genius.workers.context import ProcessContext, worker_database

__all__ = ["health", "sla_sweep", "use_context"]

TENANT_BATCH = 500
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


def health() -> str:
    """Deep check: the database answers."""
    db = context()
    db.ping()
    return "database ok"
