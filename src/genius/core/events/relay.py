"""The outbox relay: publishes committed outbox rows, in order per aggregate: events to the topic
exchange, tasks (``kind = 'task'``) through the task publisher it is given (Celery's message format on
the task exchange; ``genius.workers.outbox``). It also requeues long jobs whose lease lapsed.

* One active relay at a time (a PostgreSQL advisory lock); others wait as hot standbys.
* Publisher confirms on RabbitMQ: a row is marked published only after the broker acknowledged it.
  A crash between the two re-publishes the row; consumers drop the duplicate through their inbox.
* A failed row is retried with exponential backoff; after ``max_attempts`` it is marked dead (visible
  in ``GET /v1/events/outbox?status=dead`` and ``genius_outbox_dead``). Later rows of the same
  aggregate wait while an earlier one is pending, so consumers see each aggregate in order.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import structlog
from kombu import Connection, Exchange
from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import Engine, create_engine

from genius.core.events import repository
from genius.core.events.broker import connect, events_exchange

log = structlog.get_logger("genius.relay")

# Served on the relay's own metrics port (GENIUS_METRICS_PORT_RELAY); livemax in case it ever runs
# in multiprocess mode (standbys never set them).
OUTBOX_OLDEST_AGE = Gauge(
    "genius_outbox_oldest_age_seconds",
    "Age of the oldest unpublished outbox row",
    multiprocess_mode="livemax",
)
OUTBOX_PENDING = Gauge(
    "genius_outbox_pending", "Unpublished outbox rows (not dead)", multiprocess_mode="livemax"
)
OUTBOX_DEAD = Gauge(
    "genius_outbox_dead", "Outbox rows that exhausted their attempts", multiprocess_mode="livemax"
)
OUTBOX_PUBLISHED = Counter("genius_outbox_published_total", "Events published by the relay", ["topic"])
OUTBOX_FAILURES = Counter("genius_outbox_publish_failures_total", "Failed publish attempts", ["topic"])
RELAY_BATCH_SECONDS = Histogram("genius_outbox_relay_batch_seconds", "Relay batch duration")
JOBS_REQUEUED = Counter(
    "genius_job_leases_requeued_total", "Long jobs requeued after their lease lapsed", ["kind"]
)


def init_topic_metrics(topics: Sequence[str]) -> None:
    """Expose every known topic's counters at 0 from the start, so rate() and increase() see the
    first publish or failure (a series born at 1 hides it)."""
    for topic in topics:
        OUTBOX_PUBLISHED.labels(topic)
        OUTBOX_FAILURES.labels(topic)


RELAY_LOCK = 7243002


@dataclass(frozen=True)
class TaskMessage:
    """A task row as the task publisher sends it: Celery task ``name`` with id ``id``."""

    id: str
    tid: str
    name: str
    queue: str | None
    args: list[Any] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)
    correlation_id: str | None = None
    traceparent: str | None = None


def task_message(row: Any) -> TaskMessage:
    """The message of an outbox task row (a mapping with the outbox's columns)."""
    data = row["data"] or {}
    return TaskMessage(
        id=str(row["id"]),
        tid=str(row["tid"]),
        name=row["topic"],
        queue=row["queue"],
        args=list(data.get("args") or []),
        kwargs=dict(data.get("kwargs") or {}),
        correlation_id=row["correlation_id"],
        traceparent=row["traceparent"],
    )


class TaskPublisher(Protocol):
    """Sends one task message and returns once the broker has taken it (publisher confirms), or raises."""

    def __call__(self, message: TaskMessage) -> None: ...

    def close(self) -> None: ...


@dataclass
class RelayStats:
    published: int = 0
    failed: int = 0


def backoff_seconds(attempts: int) -> float:
    return float(min(2 ** max(0, attempts - 1), 300))


class Relay:
    def __init__(
        self,
        db_url: Any,
        broker_url: str,
        *,
        exchange: str = "genius.events",
        batch_size: int = 500,
        poll_seconds: float = 0.5,
        max_attempts: int = 10,
        engine: Engine | None = None,
        task_publisher: TaskPublisher | None = None,
        lease_sweep_seconds: float = 5.0,
        lease_grace_seconds: float = 600.0,
    ) -> None:
        self.engine = engine or create_engine(db_url, pool_size=2, max_overflow=0, pool_pre_ping=True)
        self.broker_url = broker_url
        self.exchange: Exchange = events_exchange(exchange)
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.max_attempts = max_attempts
        # Without a task publisher this relay leaves task rows (and job leases) to one that has it.
        self.task_publisher = task_publisher
        self.kinds = ["event", "task"] if task_publisher is not None else ["event"]
        self.lease_sweep_seconds = lease_sweep_seconds
        self.lease_grace_seconds = lease_grace_seconds
        self._last_sweep = 0.0
        self._conn: Connection | None = None
        self._producer: Any = None

    # -- broker ----------------------------------------------------------------------------------
    def _ensure_producer(self) -> Any:
        if self._producer is None:
            self._conn = connect(self.broker_url)
            self._conn.ensure_connection(max_retries=3)
            self._producer = self._conn.Producer()
            self.exchange(self._conn.default_channel).declare()
        return self._producer

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # already broken
                self._conn.release()
        self._conn = None
        self._producer = None

    def close(self) -> None:
        self._drop_connection()
        if self.task_publisher is not None:
            with contextlib.suppress(Exception):
                self.task_publisher.close()
        self.engine.dispose()

    # -- one batch ---------------------------------------------------------------------------------
    def run_once(self) -> RelayStats:
        stats = RelayStats()
        with RELAY_BATCH_SECONDS.time(), self.engine.connect() as conn:
            rows = repository.pending(conn, self.kinds, self.batch_size)
            conn.commit()
            blocked: set[tuple[Any, Any]] = set()
            published: list[uuid.UUID] = []
            for row in rows:
                key = (row["tid"], row["aggregate_id"])
                if row["aggregate_id"] is not None and key in blocked:
                    continue
                if not row["due"]:
                    if row["aggregate_id"] is not None:
                        blocked.add(key)
                    continue
                try:
                    self._publish(row)
                except Exception as exc:
                    stats.failed += 1
                    OUTBOX_FAILURES.labels(row["topic"]).inc()
                    self._flush(conn, published)
                    published = []
                    self._record_failure(conn, row, exc)
                    if row["aggregate_id"] is not None:
                        blocked.add(key)
                    self._drop_connection()
                    break  # a broken broker fails the rest too; retry on the next poll
                published.append(row["id"])
                OUTBOX_PUBLISHED.labels(row["topic"]).inc()
                stats.published += 1
                if len(published) >= 100:
                    self._flush(conn, published)
                    published = []
            self._flush(conn, published)
            self._update_gauges(conn)
        return stats

    def _publish(self, row: Any) -> None:
        if row["kind"] == "task":
            assert self.task_publisher is not None  # task rows are selected only with a publisher
            self.task_publisher(task_message(row))
            return
        producer = self._ensure_producer()
        envelope = {
            "id": str(row["id"]),
            "topic": row["topic"],
            "tid": str(row["tid"]),
            "occurred_at": row["occurred_at"].isoformat(),
            "correlation_id": row["correlation_id"],
            "trace_id": row["trace_id"],
            "traceparent": row["traceparent"],
            "version": row["version"],
            "aggregate_id": row["aggregate_id"],
            "data": row["data"],
        }
        producer.publish(
            json.dumps(envelope, separators=(",", ":")),
            exchange=self.exchange,
            routing_key=row["topic"],
            content_type="application/json",
            content_encoding="utf-8",
            delivery_mode=2,
            message_id=str(row["id"]),
            headers={"x-corr-id": row["correlation_id"] or "", "x-event-version": row["version"]},
            retry=False,
        )

    @staticmethod
    def _flush(conn: Any, ids: Sequence[uuid.UUID]) -> None:
        if ids:
            repository.mark_published(conn, ids)
            conn.commit()

    def _record_failure(self, conn: Any, row: Any, exc: Exception) -> None:
        attempts = int(row["attempts"]) + 1
        dead = attempts >= self.max_attempts
        repository.record_failure(
            conn,
            row["id"],
            attempts=attempts,
            dead=dead,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            delay=backoff_seconds(attempts),
        )
        conn.commit()
        log.warning(
            "outbox_publish_failed",
            event_id=str(row["id"]),
            topic=row["topic"],
            attempts=attempts,
            dead=dead,
            error=str(exc)[:300],
        )

    @staticmethod
    def _update_gauges(conn: Any) -> None:
        age, pending, dead = repository.backlog(conn)
        conn.commit()
        OUTBOX_OLDEST_AGE.set(float(age))
        OUTBOX_PENDING.set(int(pending))
        OUTBOX_DEAD.set(int(dead))

    # -- long jobs -------------------------------------------------------------------------------------
    def requeue_lapsed_jobs(self) -> int:
        """Renew every lapsed job lease by the grace period and queue its task again (one statement)."""
        from genius.core.jobs.repository import requeue_lapsed

        with self.engine.begin() as conn:
            rows = requeue_lapsed(conn, grace=self.lease_grace_seconds)
        for row in rows:
            JOBS_REQUEUED.labels(row["kind"]).inc()
            log.warning(
                "job_lease_lapsed_requeued",
                job=str(row["id"]),
                tid=str(row["tid"]),
                task=row["task"],
                requeues=row["requeues"],
            )
        return len(rows)

    def _maybe_sweep(self) -> None:
        if self.task_publisher is None or time.monotonic() - self._last_sweep < self.lease_sweep_seconds:
            return
        self._last_sweep = time.monotonic()
        try:
            self.requeue_lapsed_jobs()
        except Exception as exc:  # the next sweep tries again
            log.error("job_lease_sweep_failed", error=str(exc)[:300])

    # -- the loop ------------------------------------------------------------------------------------
    def run_forever(self, stop: threading.Event | None = None) -> None:
        stop = stop or threading.Event()
        with self.engine.connect() as lock_conn:
            while not stop.is_set():
                got = repository.try_advisory_lock(lock_conn, RELAY_LOCK)
                lock_conn.commit()
                if got:
                    break
                stop.wait(2.0)  # another relay is active: stand by
            log.info("relay_active")
            try:
                while not stop.is_set():
                    self._maybe_sweep()
                    try:
                        stats = self.run_once()
                    except Exception as exc:
                        log.error("relay_batch_failed", error=str(exc)[:300])
                        self._drop_connection()
                        stop.wait(min(5.0, self.poll_seconds * 4))
                        continue
                    if stats.published < self.batch_size:
                        stop.wait(self.poll_seconds)
            finally:
                repository.advisory_unlock(lock_conn, RELAY_LOCK)
                lock_conn.commit()
                self.close()


def wait_until(predicate: Any, timeout: float = 10.0, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def relay_from_settings(
    settings: Any, owner_dsn: str, redis_url: str | None, task_publisher: TaskPublisher | None = None
) -> Relay:
    from genius.core.db.session import app_role_url

    broker = settings.broker_url or redis_url
    if not broker:
        raise RuntimeError("no broker: set GENIUS_BROKER_URL (or GENIUS_REDIS_URL)")
    url = app_role_url(owner_dsn, settings.relay_db_role, settings.relay_db_password)
    return Relay(
        url,
        broker,
        exchange=settings.events_exchange,
        batch_size=settings.relay_batch_size,
        poll_seconds=settings.relay_poll_seconds,
        max_attempts=settings.relay_max_attempts,
        task_publisher=task_publisher,
        lease_sweep_seconds=settings.job_lease_sweep_seconds,
        lease_grace_seconds=settings.job_pickup_seconds,
    )
