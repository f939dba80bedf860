"""The Worker Registry with real worker processes: registration, metrics, graceful stop, kill -9 →
``registry.worker.missing`` → return → ``registry.worker.recovered``, and the stock Celery CLI."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from kombu import Connection, Queue

from genius.config import Settings
from genius.core.events.broker import events_exchange, kombu_url
from genius.registry.service import EVENTS_CHANNEL, Registry
from tests.conftest import ROOT
from tests.workers.conftest import kill_group, spawn


def wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def registry(redis_url: str) -> Iterator[Registry]:
    """This process's Redis, with no registry state left by earlier tests."""
    client = redis.Redis.from_url(redis_url)
    for pattern in ("wrk:*", "idem:*"):
        for key in client.scan_iter(pattern):
            client.delete(key)
    yield Registry(client, ttl=4, metrics_ttl=4)
    client.close()


def test_default_timings_detect_a_lost_worker_within_150_seconds() -> None:
    s = Settings()
    assert s.worker_heartbeat_seconds == 30 and s.worker_ttl_seconds == 120
    # The status key outlives the last heartbeat by the TTL; the monitor notices within one interval.
    assert s.worker_ttl_seconds + s.worker_monitor_interval <= 150


def test_registration_metrics_api_and_graceful_stop(start_worker, registry, client, platform_admin) -> None:  # type: ignore[no-untyped-def]
    pubsub = registry.client.pubsub()
    pubsub.subscribe(EVENTS_CHANNEL)
    w = start_worker("pdf.render")
    first = registry.describe("pdf.render")
    assert first is not None and first["status"] == "idle" and first["instances"] == 1
    instance = first["instances_detail"][0]
    assert instance["pid"] > 0 and instance["memory_rss"] > 0 and instance["version"]

    for i in range(3):
        w.app.send_task("pdf.render", kwargs={"html": f"<p>{i}</p>", "tid": str(platform_admin.id)}).get(
            timeout=60
        )
    described = wait_for(
        lambda: (d := registry.describe("pdf.render")) and d["processed"] == 3 and d,
        10,
        "three processed tasks in the heartbeat",
    )
    assert described["failed"] == 0 and described["health_score"] == 100

    r = client.get("/v1/workers", headers=platform_admin.headers)
    assert r.status_code == 200
    listed = {x["tag"]: x for x in r.json()["items"]}
    assert listed["pdf.render"]["processed"] == 3 and listed["pdf.render"]["instances"] == 1
    assert client.get("/v1/workers/pdf.render", headers=platform_admin.headers).json()["status"] == "idle"
    assert client.get("/v1/workers/nope", headers=platform_admin.headers).status_code == 404
    assert client.get("/v1/workers").status_code == 401

    metrics = client.get("/metrics").text
    assert re.search(
        r'genius_task_runs_total\{outcome="success",queue="pdf.render",task="pdf.render"\} 3\.0', metrics
    ), [line for line in metrics.splitlines() if "task_runs" in line]
    assert re.search(r'genius_task_duration_seconds_count\{[^}]*task="pdf.render"[^}]*\} 3\.0', metrics)
    assert re.search(r'genius_task_queue_wait_seconds_count\{[^}]*task="pdf.render"[^}]*\} 3\.0', metrics)
    assert re.search(r'genius_worker_status\{status="idle",tag="pdf.render"\} 1\.0', metrics)
    assert 'genius_worker_memory_bytes{tag="pdf.render"}' in metrics
    assert 'genius_queue_depth{queue="pdf.render"} 0.0' in metrics

    w.stop(signal.SIGTERM)
    stopped = registry.describe("pdf.render")
    assert stopped is not None and stopped["status"] == "stopped" and stopped["instances"] == 0
    kinds = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and "unregistered" not in kinds:
        message = pubsub.get_message(timeout=0.5)
        if message and message["type"] == "message":
            kinds.append(json.loads(message["data"])["event"])
    assert "status_changed" in kinds and "unregistered" in kinds
    pubsub.close()


def test_killed_worker_goes_missing_then_recovers(start_worker, children, registry, tmp_path) -> None:  # type: ignore[no-untyped-def]
    exchange = f"genius.events.test.{uuid.uuid4().hex[:8]}"
    monitor = start_worker("registry", GENIUS_EVENTS_EXCHANGE=exchange, GENIUS_WORKER_MONITOR_INTERVAL="1")
    beat_env = {**monitor.env, "GENIUS_WORKER_HEALTH_INTERVAL": "3600"}
    children.append(spawn(["beat"], beat_env, tmp_path / "beat.log"))
    broker = monitor.env["GENIUS_BROKER_URL"]
    with Connection(kombu_url(broker)) as conn:
        events = conn.SimpleQueue(
            Queue(
                f"test-registry-{uuid.uuid4().hex[:6]}",
                events_exchange(exchange),
                routing_key="registry.worker.*",
            )
        )

        def next_event(tag: str, timeout: float) -> dict[str, Any]:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                try:
                    message = events.get(timeout=1)
                except events.Empty:
                    continue
                message.ack()
                body = message.payload if isinstance(message.payload, dict) else json.loads(message.payload)
                if body["data"]["tag"] == tag:
                    return dict(body)
            raise AssertionError(f"no registry event for {tag} within {timeout}s")

        victim = start_worker("email.send")
        assert registry.describe("email.send")["instances"] == 1  # type: ignore[index]
        assert victim.process is not None
        killed_at = time.monotonic()
        kill_group(victim.process)  # kill -9: no unregistering, the heartbeat just stops
        missing = next_event("email.send", 30)
        detected_after = time.monotonic() - killed_at
        assert missing["topic"] == "registry.worker.missing" and missing["version"] == 1
        # TTL 4 s + monitor every 1 s in this test; production: 120 s + 15 s.
        assert detected_after < 4 + 1 + 10
        assert registry.describe("email.send")["status"] == "missing"  # type: ignore[index]

        start_worker("email.send")
        recovered = next_event("email.send", 30)
        assert recovered["topic"] == "registry.worker.recovered"
        assert registry.describe("email.send")["status"] == "idle"  # type: ignore[index]
        events.close()


def test_stock_celery_inspect_ping_lists_our_workers(start_worker) -> None:  # type: ignore[no-untyped-def]
    w = start_worker("email.send,notify.slack")
    assert w.process is not None
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "genius.workers.celery_app",
            "inspect",
            "ping",
            "--timeout",
            "5",
        ],
        env=w.env,
        cwd=str(ROOT),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert f"genius-{w.process.pid}@" in out.stdout and "pong" in out.stdout, out.stdout
