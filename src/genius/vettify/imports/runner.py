"""CSV import, the batch runner: what the ``etl.sync.crm_import`` task runs, and the only code of the
import that commits.

The job works on one pinned connection:

1. the stored file is decoded and parsed once (``parsing``) and written with ``COPY`` into a per-job
   TEMPORARY staging table (every CSV column as text, plus the row number and any shape problem);
2. one set-based statement builds the *plan* table (``repository.plan_sql``): normalised values
   (``crm.import_email``, ``crm.import_phone``, ``crm.import_cui``, the SQL mirrors of
   ``genius.vettify.schemas``), the reasons a row is rejected, duplicates inside the file (window
   functions over normalised e-mail, E.164 phone and CUI) and against existing rows, and the action
   per row: create, update, skip or reject, following ``on_duplicate``;
3. batches of ``GENIUS_CRM_IMPORT_BATCH_ROWS`` rows are applied with ``INSERT … SELECT`` /
   ``UPDATE … FROM`` from the plan, each in its own transaction together with its rejected rows, its
   ledger row (``crm.import_batches``) and the job's progress, so the API shows progress live and a
   batch is either fully imported and recorded or not at all.

Idempotency: a retried or redelivered job rebuilds the plan (the file is deterministic) and skips the
batches already in the ledger; rows it created carry ``import_id``, and matching against existing rows
ignores them, so a resumed job decides exactly as the first run did. A session advisory lock keeps two
workers off the same job. Cancelling marks the job ``cancelling``; the worker stops at the next batch
boundary and records ``cancelled`` with the batches committed so far. The end publishes one
``crm.import.completed`` event and writes one audit entry (``service.record_end``).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy.orm import Session

from genius.core.db.base import utcnow
from genius.core.db.session import Database, set_tenant
from genius.core.kit.errors import Conflict
from genius.vettify import verification
from genius.vettify.imports import repository
from genius.vettify.imports.models import ImportBatch, ImportJob
from genius.vettify.imports.repository import Counts, Tables, Target
from genius.vettify.imports.service import Files, decoded_file, get_job, record_end, target

log = structlog.get_logger("genius.crm.imports")


@contextmanager
def job_session(database: Database, tid: uuid.UUID) -> Iterator[Session]:
    """One connection for the whole job: the staging tables are TEMPORARY, hence per connection."""
    if database.bound_connection is not None:  # tests: savepoints of the test's transaction
        session = Session(
            bind=database.bound_connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield session
        finally:
            session.close()
        return
    with database.engine(database.url_for_tenant(tid)).connect() as conn:
        session = Session(bind=conn, expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()
            # Never hand this connection back to the pool: closing it is what guarantees that its
            # temporary tables and its session advisory lock are gone, even after a failed cleanup.
            conn.invalidate()


@dataclass
class RunResult:
    status: str
    total: int
    processed: int
    counts: Counts
    batches_run: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "total": self.total,
            "processed": self.processed,
            "created": self.counts.created,
            "updated": self.counts.updated,
            "skipped": self.counts.skipped,
            "rejected": self.counts.rejected,
            "batches_run": self.batches_run,
        }


class NotReady(Exception):
    """The job's ``queued`` state is not committed yet (the task can arrive before the API's commit)."""


def run_import(
    database: Database,
    files: Files,
    tid: uuid.UUID,
    import_id: uuid.UUID,
    *,
    batch_rows: int,
    max_batches: int | None = None,
    lease_lost: threading.Event | None = None,
) -> RunResult:
    """Run (or resume) the import. ``max_batches`` bounds this call's work: the job stays ``running``
    and a later call resumes after the last committed batch (the worker re-queues itself)."""
    tables = Tables.for_job(import_id)
    with job_session(database, tid) as session:
        locked = repository.try_lock(session, import_id)
        session.commit()
        if not locked:
            raise Conflict(f"Import {import_id} is being run by another worker.")
        try:
            return _run(session, files, tid, import_id, tables, batch_rows, max_batches, lease_lost)
        except Exception as exc:
            session.rollback()
            if not isinstance(exc, NotReady):
                _fail(session, tid, import_id, exc)
            raise
        finally:
            try:
                session.rollback()
                repository.drop_tables(session, tables)
                repository.unlock(session, import_id)
                session.commit()
            except Exception:  # a dead connection: closing it releases both anyway
                log.warning("crm_import_cleanup_failed", import_id=str(import_id), exc_info=True)


def _begin(session: Session, tid: uuid.UUID) -> None:
    set_tenant(session, tid)


def _run(
    session: Session,
    files: Files,
    tid: uuid.UUID,
    import_id: uuid.UUID,
    tables: Tables,
    batch_rows: int,
    max_batches: int | None,
    lease_lost: threading.Event | None = None,
) -> RunResult:
    _begin(session, tid)
    job = get_job(session, import_id, lock=True)  # serialised with the API's cancel
    if job.status == "uploaded":
        raise NotReady(str(import_id))
    if job.status in ("completed", "cancelled"):
        session.commit()
        return _result(job, 0)
    if job.status == "cancelling":
        _finish(session, job, "cancelled")
        return _result(job, 0)
    run_started = time.monotonic()
    processed_before = job.processed
    if job.started_at is None:
        job.started_at = utcnow()
    job.status = "running"  # also when resuming a failed job: its committed batches are kept
    job.error = None
    job.finished_at = None
    job.updated_at = utcnow()
    session.commit()

    text_data = decoded_file(files, job)
    _begin(session, tid)
    repository.more_temp_buffers(session)
    total = repository.build_plan(session, job, text_data, tables)
    del text_data
    # Batches commit in order, so the committed ones are a prefix of the file: resume right after it
    # (whatever batch size the previous run used).
    done_upto, last_no = repository.committed_prefix(session, import_id)
    job = get_job(session, import_id)
    job.total = total
    session.commit()

    spec = target(job.entity)
    fields = list((job.mapping or {}).values())
    ran = 0
    for batch_no, first in enumerate(range(done_upto + 1, total + 1, batch_rows), start=last_no + 1):
        if max_batches is not None and ran >= max_batches:
            return _result(job, ran)
        if lease_lost is not None and lease_lost.is_set():  # the job was requeued elsewhere: stop here
            return _result(job, ran)
        _begin(session, tid)
        status = repository.job_status(session, import_id)
        if status == "cancelling":
            job = get_job(session, import_id)
            _finish(session, job, "cancelled")
            return _result(job, ran)
        last = min(total, first + batch_rows - 1)
        t0 = time.monotonic()
        apply_batch(session, spec, job, tables, fields, first, last)
        counts = repository.counts(session, tables, first, last)
        repository.add(
            session,
            ImportBatch(
                import_id=import_id,
                batch_no=batch_no,
                tid=tid,
                first_row=first,
                last_row=last,
                created=counts.created,
                updated=counts.updated,
                skipped=counts.skipped,
                rejected=counts.rejected,
                seconds=time.monotonic() - t0,
            ),
        )
        job = get_job(session, import_id)
        job.processed += counts.total
        job.created += counts.created
        job.updated += counts.updated
        job.skipped += counts.skipped
        job.rejected += counts.rejected
        elapsed = max(time.monotonic() - run_started, 1e-6)
        rate = (job.processed - processed_before) / elapsed
        job.rows_per_second = round(rate, 1)
        job.eta_seconds = round((total - job.processed) / rate, 1) if rate > 0 else None
        job.updated_at = utcnow()
        session.commit()
        ran += 1

    _begin(session, tid)
    job = get_job(session, import_id)
    _finish(session, job, "completed")
    return _result(job, ran)


def apply_batch(
    session: Session, spec: Target, job: ImportJob, tables: Tables, fields: list[str], first: int, last: int
) -> None:
    """Rows ``first..last`` of the plan, and the ANAF checks of the accounts they gave a CUI (outbox,
    in this batch's transaction, like those created through the API)."""
    to_check = repository.apply_batch(session, spec, job, tables, fields, first, last)
    if to_check:
        verification.request_checks(
            session, job.tid, to_check, requested_by=job.created_by, correlation_id=job.correlation_id
        )


def _result(job: ImportJob, ran: int) -> RunResult:
    return RunResult(
        job.status,
        job.total or 0,
        job.processed,
        Counts(job.created, job.updated, job.skipped, job.rejected),
        ran,
    )


def _finish(session: Session, job: ImportJob, status: str) -> None:
    job.status = status
    job.finished_at = job.updated_at = utcnow()
    job.eta_seconds = 0.0 if status == "completed" else None
    record_end(session, job, job.created_by)
    session.commit()


def _fail(session: Session, tid: uuid.UUID, import_id: uuid.UUID, exc: BaseException) -> None:
    """Record the failure in its own transaction; committed batches stay, and stay in the ledger."""
    try:
        _begin(session, tid)
        repository.mark_failed(session, import_id, f"{type(exc).__name__}: {exc}"[:2000], utcnow())
        session.commit()
    except Exception:  # the database itself may be what failed; the task's retry resumes
        session.rollback()
        log.exception("import_fail_record_failed", import_id=str(import_id))
