"""Queue ``sales``: ``sales.efactura.deadline_sweep`` (``genius beat``, daily): in each active tenant, the
notice of issued documents SPV has not accepted whose legal upload term is near or past
(``spv.deadline_sweep``, event ``sales.invoice.efactura_deadline_near``)."""

from __future__ import annotations

from typing import Any

from genius.core.db.session import Database
from genius.core.directory import repository as directory
from genius.sales import service, spv
from genius.workers.celery_app import celery_app
from genius.workers.context import ProcessContext, worker_database

__all__ = ["deadline_sweep", "health", "use_context"]

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


def health() -> str:
    """Deep check: the database answers."""
    context().ping()
    return "database ok"
