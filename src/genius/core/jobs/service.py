"""Long jobs: start one (its lease and its task, in the caller's transaction) and hold its lease while
it runs.

A worker that holds a job renews its lease every third of ``seconds`` from a background thread. When
the worker dies (``kill -9``, a lost host), renewals stop, the lease lapses, and the relay requeues the
job's task through the outbox within ``seconds`` plus one sweep, on RabbitMQ as on Redis (whose own
redelivery waits for the visibility timeout, an hour). The job then resumes where it stopped: jobs
that use leases are resumable and idempotent (the CRM import's ledger, the SAF-T build's stored parts).
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from types import TracebackType
from typing import Any

import structlog
from sqlalchemy.orm import Session

from genius.core.db.session import Database
from genius.core.events.models import OutboxEvent
from genius.core.events.service import defer
from genius.core.jobs import repository

log = structlog.get_logger("genius.jobs")

DEFAULT_LEASE_SECONDS = 30.0
# A registered job nobody has taken after this long is requeued (its message was lost, or the worker
# died between taking it and taking its lease); a copy that finds the job held or finished is a no-op.
DEFAULT_PICKUP_SECONDS = 600.0


def start(
    session: Session,
    *,
    job_id: uuid.UUID,
    tid: uuid.UUID,
    kind: str,
    task: str,
    args: list[Any],
    pickup_seconds: float = DEFAULT_PICKUP_SECONDS,
) -> OutboxEvent:
    """Register the job's lease and queue its task in the caller's transaction (start or resume)."""
    repository.register(
        session, job_id=job_id, tid=tid, kind=kind, task=task, args=args, pickup=pickup_seconds
    )
    return defer(session, task, tid=tid, args=args)


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    """``with Lease(db, tid, job_id) as lease:`` — ``lease.state`` is ``held`` (run the job), ``busy``
    (another live worker holds it: return), ``finished`` (nothing to do) or ``untracked`` (no lease row:
    run without one). Call ``lease.finish()`` when the job reached a final state. Leaving the block any
    other way (the task yields and queues its continuation, or raises and will be retried) releases the
    lease for ``pickup_seconds``: the next copy takes it, and if none comes the relay queues one. A
    worker that dies leaves the lease to lapse after ``seconds``, and the relay requeues the job."""

    def __init__(
        self,
        db: Database,
        tid: uuid.UUID,
        job_id: uuid.UUID,
        *,
        seconds: float = DEFAULT_LEASE_SECONDS,
        pickup_seconds: float = DEFAULT_PICKUP_SECONDS,
    ) -> None:
        self.db = db
        self.tid = tid
        self.job_id = job_id
        self.seconds = seconds
        self.pickup_seconds = pickup_seconds
        self.holder = holder_name()
        self.state = "new"
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Lease:
        with self.db.tenant_session(self.tid) as s:
            if repository.acquire(s, self.job_id, self.holder, self.seconds):
                self.state = "held"
            else:
                finished = repository.is_finished(s, self.job_id)
                self.state = "untracked" if finished is None else "finished" if finished else "busy"
        # Tests bind every session to one connection, which a second thread must not share.
        if self.state == "held" and self.db.bound_connection is None:
            self._thread = threading.Thread(target=self._renew_loop, name=f"lease-{self.job_id}", daemon=True)
            self._thread.start()
        return self

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.seconds / 3):
            try:
                with self.db.tenant_session(self.tid) as s:
                    if not repository.renew(s, self.job_id, self.holder, self.seconds):
                        log.warning("job_lease_lost", job=str(self.job_id))
                        self.lost.set()
                        return
            except Exception as exc:  # the database may be briefly away; the lease has slack
                log.warning("job_lease_renew_failed", job=str(self.job_id), error=str(exc)[:200])

    def _stop_renewing(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def finish(self) -> None:
        """The job reached a final state (completed, cancelled, failed): never requeue it."""
        self._stop_renewing()
        with self.db.tenant_session(self.tid) as s:
            repository.finish(s, self.job_id, self.holder)
        self.state = "finished"

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop_renewing()
        if self.state == "held":
            try:
                with self.db.tenant_session(self.tid) as s:
                    repository.release(s, self.job_id, self.holder, self.pickup_seconds)
            except Exception as release_error:  # it lapses by itself within ``seconds``
                log.warning("job_lease_release_failed", job=str(self.job_id), error=str(release_error)[:200])
