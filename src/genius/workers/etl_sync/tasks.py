"""Queue ``etl.sync``: ``etl.sync.crm_import(tid, import_id)`` runs a CRM CSV import job.

The job itself (``genius.vettify.imports.runner.run_import``) commits per batch and records each batch
in a ledger, so this task is safe to redeliver (``acks_late``): a second copy resumes after the last
committed batch or finds the job finished. A database outage is retried with backoff; any other
failure is recorded on the job (``failed``, with the error) and can be resumed from the API.

``health()`` is the deep check: the database answers, the import's SQL validators are installed and a
``COPY`` into a temporary table works.
"""

from __future__ import annotations

import uuid
from typing import Any

from celery import Task
from sqlalchemy.exc import InterfaceError, OperationalError

from genius.compliance.common.backoff import backoff
from genius.config import Settings, get_settings
from genius.core.db.session import Database
from genius.core.jobs.service import Lease
from genius.core.kit.errors import Conflict
from genius.vettify.imports import repository as import_repository
from genius.vettify.imports import runner, service
from genius.workers.celery_app import celery_app
from genius.workers.context import ProcessContext, worker_database

__all__ = ["crm_import", "health"]

MAX_RETRIES = 8
context = ProcessContext(lambda settings: (worker_database(settings), settings))


def use_context(db: Database | None, settings: Settings | None = None) -> None:
    """Point the tasks at another database and settings (tests, benchmarks); ``None`` resets."""
    context.use((db, settings or get_settings()) if db is not None else None)


@celery_app.task(name="etl.sync.crm_import", bind=True, acks_late=True, max_retries=MAX_RETRIES)
def crm_import(self: Task, tid: str, import_id: str, max_batches: int | None = None) -> dict[str, Any]:
    """Run or resume one import under its lease; with ``max_batches`` it yields the worker after that
    many batches and queues its own continuation."""
    db, settings = context()
    lease = Lease(
        db,
        uuid.UUID(tid),
        uuid.UUID(import_id),
        seconds=settings.job_lease_seconds,
        pickup_seconds=settings.job_pickup_seconds,
    )
    with lease:
        if lease.state == "busy":  # a live worker holds it: this is a duplicate message
            return {"status": "running elsewhere", "import_id": import_id}
        # A finished job still goes through the runner, which answers its final state without work.
        try:
            result = runner.run_import(
                db,
                service.files_from_settings(settings),
                uuid.UUID(tid),
                uuid.UUID(import_id),
                batch_rows=settings.crm_import_batch_rows,
                max_batches=max_batches,
                lease_lost=lease.lost,
            )
        except runner.NotReady as exc:  # the job's commit has not landed yet
            raise self.retry(exc=exc, countdown=1) from exc
        except Conflict:  # another worker holds the job's lock and is running it
            return {"status": "running elsewhere", "import_id": import_id}
        except (OperationalError, InterfaceError) as exc:
            raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
        except Exception:
            lease.finish()  # recorded as failed on the job; POST …/start resumes it
            raise
        if result.status == "running" and not lease.lost.is_set():
            crm_import.apply_async(args=[tid, import_id], kwargs={"max_batches": max_batches})
        elif result.status in service.FINISHED and lease.state == "held":
            lease.finish()
    return result.as_dict()


def health() -> str:
    """Deep check: SQL validators installed and COPY into a temporary table works (rolled back)."""
    return import_repository.health_check(context()[0].engine())
