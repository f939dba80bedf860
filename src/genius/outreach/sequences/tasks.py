"""Outreach jobs on the ``outreach`` queue: ``outreach.scheduler.tick``, run by ``genius beat`` (manifest
``beat``), walks every tenant's due sequence steps (``scheduler.Scheduler``).

Each batch is one short tenant transaction: the picked enrollments stay locked (``SKIP LOCKED`` for the
other schedulers) only until it commits, with its communication-log rows and outbox send tasks. Ticks
that overlap (a slow tick, two beats by mistake, a manual run) share the due rows and never send twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import structlog

from genius.config import get_settings
from genius.core.db.base import utcnow
from genius.core.db.session import Database
from genius.core.directory import repository as directory
from genius.core.storage import TenantFiles, tenant_files_from_settings
from genius.outreach import service as outreach
from genius.outreach.overview import tasks as stats_tasks  # noqa: F401  (its task runs on this queue too)
from genius.outreach.quota import QuotaGuardian
from genius.outreach.sequences.scheduler import Outcome, Scheduler
from genius.outreach.webhooks import tasks as webhook_tasks  # noqa: F401  (its task runs on this queue too)
from genius.workers.celery_app import celery_app
from genius.workers.context import worker_database, worker_redis

log = structlog.get_logger("genius.outreach.tasks")

BATCH = 100
TENANTS_PAGE = 500


def run_tenant(
    db: Database,
    tid: uuid.UUID,
    guardian: QuotaGuardian | None,
    *,
    now: datetime,
    files: TenantFiles,
    batch: int = BATCH,
) -> Outcome:
    """Every due step of one tenant, a batch per transaction, until a batch comes back short."""
    total = Outcome()
    with db.tenant_session(tid) as session:
        hours = outreach.business_hours(session, tid)
    scheduler = Scheduler(tid, hours, guardian, files=files.for_tenant(tid))
    while True:
        with db.tenant_session(tid) as session:
            out = scheduler.run_due(session, now=now, limit=batch)
        for name in ("picked", "sent", "stopped", "completed", "waiting"):
            setattr(total, name, getattr(total, name) + getattr(out, name))
        total.sent_ids.extend(out.sent_ids)
        if out.picked < batch:
            return total


def tenant_ids(db: Database) -> list[uuid.UUID]:
    out: list[uuid.UUID] = []
    offset = 0
    while True:
        with db.platform_session() as session:
            rows = directory.page(session, TENANTS_PAGE, offset)
        out.extend(t.id for t in rows if t.status == "active")
        if len(rows) < TENANTS_PAGE:
            return out
        offset += TENANTS_PAGE


@celery_app.task(name="outreach.scheduler.tick")
def tick() -> dict[str, int]:
    settings = get_settings()
    db = worker_database(settings)
    guardian = QuotaGuardian(worker_redis(settings))
    files = tenant_files_from_settings(settings)
    now = utcnow()
    sent = stopped = 0
    for tid in tenant_ids(db):
        out = run_tenant(db, tid, guardian, now=now, files=files)
        sent += out.sent
        stopped += out.stopped
        if out.picked:
            log.info("outreach_scheduler_tenant", tid=str(tid), sent=out.sent, stopped=out.stopped)
    return {"sent": sent, "stopped": stopped}


def health() -> str:
    """Deep check: the database answers and the quota guardian's script loads in Redis."""
    settings = get_settings()
    worker_database(settings).ping()
    QuotaGuardian(worker_redis(settings))
    return "database and quota guardian reachable"
