"""Fault tests on the production broker (RabbitMQ): a worker killed with -9 in the middle of 1,000
idempotent tasks, a relay killed mid-stream, and a broker restart under running workers."""

from __future__ import annotations

import signal
import threading
import time
import uuid
from collections import Counter
from typing import Any

from kombu import Connection
from prometheus_client import REGISTRY
from sqlalchemy import text

from genius.core.events.broker import kombu_url
from genius.core.events.consumer import ConsumerRunner, EventConsumer
from genius.core.events.relay import wait_until
from tests.conftest import SECRET
from tests.core.test_events import make_relay, only_these_pending, publish_things
from tests.workers.conftest import kill_group, rabbit_vhost, spawn, worker_env


def purge(broker: str, *queues: str) -> None:
    with Connection(kombu_url(broker)) as conn:
        channel = conn.channel()
        for q in queues:
            try:
                channel.queue_purge(q)
            except Exception:  # not declared yet: nothing to purge
                channel = conn.channel()


def test_kill_9_mid_1000_idempotent_tasks_effects_exactly_once(
    start_worker, smtp_server, rabbitmq_url
) -> None:  # type: ignore[no-untyped-def]
    inbox, port = smtp_server
    broker = rabbit_vhost(rabbitmq_url)
    purge(broker, "email.send")
    first = start_worker("email.send", broker=broker, GENIUS_SMTP_PORT=str(port))
    run = uuid.uuid4().hex[:8]
    total = 1000
    for i in range(total):
        first.app.send_task(
            "email.send",
            args=[
                {
                    "to": [f"client{i}@firma.ro"],
                    "subject": f"Ofertă {run}-{i}",
                    "text": "Bună ziua",
                    "idempotency_key": f"{run}-{i}",
                }
            ],
        )
    assert wait_until(lambda: len(inbox.messages) >= 300, 120), len(inbox.messages)
    assert first.process is not None
    kill_group(first.process)  # kill -9 the worker and its pool in the middle of the run
    at_kill = len(inbox.messages)
    start_worker("email.send", broker=broker, GENIUS_SMTP_PORT=str(port))

    def subjects() -> set[str]:
        with inbox.lock:
            return {str(m["Subject"]) for _, m in inbox.messages}

    assert wait_until(lambda: len(subjects()) == total, 180), len(subjects())
    time.sleep(2)  # anything redelivered late would arrive now
    with inbox.lock:
        delivered = [(str(m["Subject"]), str(m["Message-ID"])) for _, m in inbox.messages]
    ids_per_subject: dict[str, set[str]] = {}
    for subject, message_id in delivered:
        ids_per_subject.setdefault(subject, set()).add(message_id)
    # Every task's effect is there, each under one Message-ID: the mailbox holds each mail once.
    assert set(ids_per_subject) == {f"Ofertă {run}-{i}" for i in range(total)}
    assert all(len(ids) == 1 for ids in ids_per_subject.values())
    # Raw re-deliveries can only come from the tasks in flight at the kill (2 processes, prefetch 1).
    repeats = len(delivered) - total
    print(f"killed after {at_kill} mails; {repeats} re-sent copies (same Message-ID) of {total}")
    assert repeats <= 4


def test_relay_killed_mid_stream_loses_nothing_and_inbox_drops_duplicates(
    platform, committed_tenant, owner_url, redis_url, rabbitmq_url, tmp_path, children
) -> None:  # type: ignore[no-untyped-def]
    broker = rabbit_vhost(rabbitmq_url)
    exchange = f"genius.events.test.{uuid.uuid4().hex[:8]}"
    seen: list[tuple[str | None, int]] = []
    lock = threading.Lock()

    def handler(session, envelope) -> None:  # type: ignore[no-untyped-def]
        with lock:
            seen.append((envelope.aggregate_id, envelope.data["n"]))

    consumer = EventConsumer(f"test-{uuid.uuid4().hex[:8]}", ["test.thing.*"], handler)
    stop, ready = threading.Event(), threading.Event()
    runner = ConsumerRunner(platform.db, broker, [consumer], exchange=exchange)
    thread = threading.Thread(target=runner.run, args=(stop, ready), daemon=True)
    thread.start()
    assert ready.wait(20)
    total, aggregates = 3000, 10
    ids = publish_things(
        platform, committed_tenant.id, [(f"agg{i % aggregates}", i // aggregates) for i in range(total)]
    )
    helper = make_relay(owner_url, broker, exchange)
    only_these_pending(helper, ids)
    env = worker_env(
        tmp_path,
        redis_url,
        broker,
        GENIUS_DATABASE_URL=owner_url.render_as_string(hide_password=False),
        GENIUS_EVENTS_EXCHANGE=exchange,
        GENIUS_SECRET_KEY=SECRET,
        GENIUS_RELAY_BATCH_SIZE="100",
        GENIUS_RELAY_POLL_SECONDS="0.05",
    )
    try:
        relay = spawn(["relay"], env, tmp_path / "relay-1.log")
        children.append(relay)
        assert wait_until(lambda: len(seen) >= 500, 60), (
            len(seen),
            (tmp_path / "relay-1.log").read_text()[-2000:],
        )
        kill_group(relay)  # kill -9 mid-stream
        with helper.engine.connect() as c:
            marked = c.execute(
                text("SELECT count(*) FROM core.outbox WHERE id = ANY(:ids) AND published_at IS NOT NULL"),
                {"ids": ids},
            ).scalar()
        children.append(spawn(["relay"], env, tmp_path / "relay-2.log"))
        assert wait_until(lambda: len(seen) >= total, 120), len(seen)
        assert not wait_until(lambda: len(seen) > total, 2.0)
        # Nothing lost, nothing handled twice, and each aggregate still in order.
        assert Counter(seen) == Counter((f"agg{i % aggregates}", i // aggregates) for i in range(total))
        for a in range(aggregates):
            assert [n for agg, n in seen if agg == f"agg{a}"] == list(range(total // aggregates))
        with platform.db.tenant_session(committed_tenant.id) as s:
            handled = s.execute(
                text("SELECT count(*) FROM core.inbox WHERE consumer = :c"), {"c": consumer.name}
            ).scalar()
        assert handled == total
        dropped = REGISTRY.get_sample_value(
            "genius_events_consumed_total",
            {"consumer": consumer.name, "topic": "test.thing.happened", "outcome": "duplicate"},
        )
        print(f"relay killed at {marked}/{total} marked; inbox dropped {dropped or 0:.0f} duplicates")
    finally:
        stop.set()
        thread.join(10)
        helper.close()


def test_broker_restart_workers_reconnect_and_carry_on(start_worker, private_rabbit) -> None:  # type: ignore[no-untyped-def]
    w = start_worker("pdf.render", broker=private_rabbit.url)
    tid = str(uuid.uuid4())  # pdf.render stores its output under a tenant's key
    before = [w.app.send_task("pdf.render", kwargs={"html": f"<p>{i}</p>", "tid": tid}) for i in range(5)]
    assert all(r.get(timeout=60)["size"] > 0 for r in before)
    private_rabbit.stop()
    time.sleep(2)
    private_rabbit.start()
    # Published after the restart; the worker must have reconnected to take them.
    after: list[Any] = []
    deadline = time.monotonic() + 60
    while len(after) < 5 and time.monotonic() < deadline:
        try:
            after.append(
                w.app.send_task("pdf.render", kwargs={"html": f"<p>after {len(after)}</p>", "tid": tid})
            )
        except Exception:  # the client's own connection is re-established on the next try
            time.sleep(1)
    assert all(r.get(timeout=90)["size"] > 0 for r in after)
    assert w.process is not None and w.process.poll() is None
    w.stop(signal.SIGTERM)


def test_worker_keeps_processing_while_redis_is_down(
    start_worker, smtp_server, rabbitmq_url, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """Redis holds the registry and results, not the work: with it down, tasks still run (RabbitMQ) and
    heartbeats back off; when it returns the worker registers again."""
    import redis

    from genius.embedded import EmbeddedRedis
    from genius.registry.service import Registry

    inbox, port = smtp_server
    broker = rabbit_vhost(rabbitmq_url)
    purge(broker, "email.send")
    own_redis = EmbeddedRedis(tmp_path / "own-redis")
    url = own_redis.start()
    try:
        w = start_worker("email.send", broker=broker, GENIUS_SMTP_PORT=str(port), GENIUS_REDIS_URL=url)
        registry = Registry(redis.Redis.from_url(url), ttl=4)
        assert registry.describe("email.send")["instances"] == 1  # type: ignore[index]
        own_redis.stop()
        for i in range(5):
            w.app.send_task(
                "email.send",
                args=[{"to": ["ana@client.ro"], "subject": f"Fără Redis {i}", "text": "x"}],
                ignore_result=True,
            )
        assert wait_until(lambda: len(inbox.messages) == 5, 60), len(inbox.messages)
        assert w.process is not None and w.process.poll() is None
        assert wait_until(lambda: "heartbeat_failed" in w.log.read_text(), 20)  # backing off, not dead
        own_redis.start()
        registry = Registry(redis.Redis.from_url(url), ttl=4)
        assert wait_until(lambda: (registry.describe("email.send") or {}).get("instances") == 1, 30)
    finally:
        own_redis.stop()
