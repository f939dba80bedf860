"""The beat task ``email.send.sequences_due`` (every minute, manifest ``beat``; queue ``email.send``, whose
worker imports this module): every active tenant's due sequence steps (``scheduler.run_due``).

One short tenant transaction per batch: the claimed enrolments stay locked (``SKIP LOCKED`` for the
other passes) only until it commits, together with their ledger rows and ``email.send`` outbox tasks.
Passes that overlap share the due rows and never send a step twice."""

from __future__ import annotations

import uuid
from datetime import datetime

import structlog

from genius.config import Settings, get_settings
from genius.core.db.base import utcnow
from genius.core.db.session import Database
from genius.core.directory import repository as directory
from genius.vettify.sequences.scheduler import DUE_BATCH, Outcome, run_due
from genius.workers.celery_app import celery_app
from genius.workers.context import worker_database

log = structlog.get_logger("genius.crm.sequences")
TENANTS_PAGE = 500
FIELDS = ("picked", "sent", "skipped", "stopped", "completed", "waiting")


def run_tenant(
    db: Database, tid: uuid.UUID, settings: Settings, *, now: datetime, batch: int = DUE_BATCH
) -> Outcome:
    """Every due step of one tenant, a batch per transaction, until a batch comes back short."""
    total = Outcome()
    while True:
        with db.tenant_session(tid) as session:
            out = run_due(session, tid, settings, now=now, limit=batch)
        for name in FIELDS:
            setattr(total, name, getattr(total, name) + getattr(out, name))
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


def run_all(db: Database, settings: Settings, *, now: datetime) -> dict[str, int]:
    totals = dict.fromkeys(FIELDS, 0)
    for tid in tenant_ids(db):
        out = run_tenant(db, tid, settings, now=now)
        for name in FIELDS:
            totals[name] += getattr(out, name)
        if out.picked:
            log.info("crm_sequences_tenant", tid=str(tid), **{n: getattr(out, n) for n in FIELDS})
    return totals


@celery_app.task(name="email.send.sequences_due")
def sequences_due() -> dict[str, int]:
    """Beat (every minute): send the due steps of the CRM e-mail sequences, each exactly once."""
    settings = get_settings()
    return run_all(worker_database(settings), settings, now=utcnow())
