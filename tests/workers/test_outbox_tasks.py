"""Tasks leave through the outbox: written in the caller's transaction, sent by the relay after commit,
on Redis and on RabbitMQ; a broker outage only delays them. Long jobs hold leases that the relay
requeues when they lapse."""

from __future__ import annotations

import time
import uuid
from typing import Any

from celery.result import AsyncResult
from sqlalchemy import text

from genius.core.events.relay import Relay, wait_until
from genius.core.events.service import defer
from genius.core.jobs import repository as leases
from genius.core.jobs.service import Lease, start
from genius.workers.outbox import CeleryTaskPublisher
from tests.conftest import make_settings
from tests.core.test_events import make_relay, only_these_pending
from tests.workers.conftest import rabbit_vhost


def task_relay(owner_url: Any, broker: str, redis_url: str, **kw: Any) -> Relay:
    publisher = CeleryTaskPublisher(make_settings(redis_url=redis_url), broker)
    return make_relay(owner_url, broker, "genius.events", task_publisher=publisher, **kw)


def outbox_row(platform: Any, tid: uuid.UUID, row_id: uuid.UUID) -> dict[str, Any]:
    with platform.db.tenant_session(tid) as s:
        row = (
            s.execute(
                text(
                    "SELECT kind, topic, queue, published_at, attempts, last_error "
                    "FROM core.outbox WHERE id = :i"
                ),
                {"i": row_id},
            )
            .mappings()
            .one()
        )
    return dict(row)


def test_deferred_task_is_sent_after_commit_and_runs_once(
    platform, committed_tenant, owner_url, redis_url, broker_url, start_worker
) -> None:  # type: ignore[no-untyped-def]
    broker = rabbit_vhost(broker_url) if broker_url.startswith("amqp") else broker_url
    worker = start_worker("pdf.render", broker=broker)
    tid = committed_tenant.id
    with platform.db.tenant_session(tid) as s:
        row = defer(s, "pdf.render", tid=tid, kwargs={"html": "<p>Factură GEN-2026-000001</p>"})
        row_id = row.id
    rolled_back = uuid.uuid4()
    try:
        with platform.db.tenant_session(tid) as s:
            rolled_back = defer(s, "pdf.render", tid=tid, kwargs={"html": "<p>never</p>"}).id
            raise RuntimeError("the request failed after deferring")
    except RuntimeError:
        pass
    relay = task_relay(owner_url, broker, redis_url)
    try:
        only_these_pending(relay, [row_id])
        stats = relay.run_once()
        assert stats.published == 1
        assert outbox_row(platform, tid, row_id)["published_at"] is not None
        # The Celery task id is the outbox row's id: the result is found under it.
        assert worker.app is not None
        result = AsyncResult(str(row_id), app=worker.app).get(timeout=60)
        assert result["size"] > 0
        with platform.db.tenant_session(tid) as s:
            assert (
                s.execute(text("SELECT count(*) FROM core.outbox WHERE id = :i"), {"i": rolled_back}).scalar()
                == 0
            )
        # Published once: a second pass sends nothing more.
        assert relay.run_once().published == 0
    finally:
        relay.close()


def test_broker_down_at_request_time_only_delays_the_task(
    platform, committed_tenant, owner_url, redis_url, private_rabbit, start_worker
) -> None:  # type: ignore[no-untyped-def]
    tid = committed_tenant.id
    private_rabbit.stop()
    # The request still commits: the task is an outbox row, the broker is not involved.
    with platform.db.tenant_session(tid) as s:
        row_id = defer(s, "pdf.render", tid=tid, kwargs={"html": "<p>în timpul avariei</p>"}).id
    relay = task_relay(owner_url, private_rabbit.url, redis_url)
    try:
        only_these_pending(relay, [row_id])
        stats = relay.run_once()
        assert stats.failed == 1 and stats.published == 0
        row = outbox_row(platform, tid, row_id)
        assert row["published_at"] is None and row["attempts"] == 1 and row["last_error"]
        private_rabbit.start()
        worker = start_worker("pdf.render", broker=private_rabbit.url)
        # The failed row waits for its backoff (1 s), then goes out.
        assert wait_until(lambda: relay.run_once().published == 1, 60)
        assert worker.app is not None
        assert AsyncResult(str(row_id), app=worker.app).get(timeout=60)["size"] > 0
    finally:
        relay.close()


def test_a_lapsed_lease_is_requeued_through_the_outbox(
    platform, committed_tenant, owner_url, redis_url
) -> None:  # type: ignore[no-untyped-def]
    tid = committed_tenant.id
    job_id = uuid.uuid4()
    with platform.db.tenant_session(tid) as s:
        first = start(
            s,
            job_id=job_id,
            tid=tid,
            kind="test.job",
            task="etl.sync.crm_import",
            args=[str(tid), str(job_id)],
        )
    relay = task_relay(owner_url, kombu_redis(redis_url), redis_url, lease_grace_seconds=600)
    try:
        only_these_pending(relay, [])
        # A worker takes the job with a short lease, then "dies": no renewal, no release.
        with platform.db.tenant_session(tid) as s:
            assert leases.acquire(s, job_id, "dead-worker", 0.5)
        # While the holder's lease is live, another worker finds it busy.
        with Lease(platform.db, tid, job_id, seconds=5) as other:
            assert other.state == "busy"
        time.sleep(0.8)
        requeued = relay.requeue_lapsed_jobs()
        with platform.db.tenant_session(tid) as s:
            rows = (
                s.execute(
                    text(
                        "SELECT id, kind, topic, data FROM core.outbox WHERE tid = :t AND kind = 'task' "
                        "AND published_at IS NULL ORDER BY seq"
                    ),
                    {"t": tid},
                )
                .mappings()
                .all()
            )
            lease = (
                s.execute(text("SELECT * FROM core.job_leases WHERE id = :i"), {"i": job_id}).mappings().one()
            )
        assert requeued >= 1
        assert lease["requeues"] == 1 and lease["holder"] is None
        assert [r["topic"] for r in rows] == ["etl.sync.crm_import"]  # only_these_pending took the first away
        assert rows[0]["data"] == {"args": [str(tid), str(job_id)], "kwargs": {}}
        assert rows[0]["id"] != first.id
        # The next worker takes it, renews it while it runs, and finishes it: never requeued again.
        with Lease(platform.db, tid, job_id, seconds=0.6) as lease_obj:
            assert lease_obj.state == "held"
            time.sleep(1.0)  # longer than the lease: the renewal thread keeps it alive
            assert relay.requeue_lapsed_jobs() == 0
            assert not lease_obj.lost.is_set()
            lease_obj.finish()
        time.sleep(0.7)
        assert relay.requeue_lapsed_jobs() == 0
        with Lease(platform.db, tid, job_id) as late_copy:
            assert late_copy.state == "finished"
        with Lease(platform.db, tid, uuid.uuid4()) as unknown:
            assert unknown.state == "untracked"
    finally:
        relay.close()


def kombu_redis(url: str) -> str:
    from genius.core.events.broker import kombu_url

    return kombu_url(url)
