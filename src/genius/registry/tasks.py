"""Registry jobs on the ``registry`` queue (scheduled by ``genius beat``):

* ``registry.health_check`` (every 60 s): each implemented worker's deep check, 5 s timeout, 3 tries,
  behind a circuit breaker (after 3 failed runs a check rests for 5 minutes; the tag stays in error).
* ``registry.detect_missing`` (every 15 s): tags without a heartbeat for the TTL become missing
  (``registry.worker.missing``); their return emits ``registry.worker.recovered``.
"""

from __future__ import annotations

import concurrent.futures
import importlib
import time
from collections.abc import Callable
from typing import Any

import structlog

from genius.config import get_settings
from genius.workers.base import registry
from genius.workers.celery_app import broker_url_of, celery_app
from genius.workers.fleet import HEALTH_CHECKS

log = structlog.get_logger("genius.registry")

BREAKER_THRESHOLD = 3
BREAKER_COOLDOWN = 300.0


def _load(path: str) -> Callable[[], str]:
    module, _, name = path.partition(":")
    fn: Callable[[], str] = getattr(importlib.import_module(module), name)
    return fn


def run_check(fn: Callable[[], str], timeout: float, attempts: int = 3) -> tuple[bool, str, float]:
    last = ""
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        for attempt in range(1, attempts + 1):
            future = pool.submit(fn)
            try:
                detail = future.result(timeout=timeout)
                return True, detail, (time.perf_counter() - t0) * 1000
            except concurrent.futures.TimeoutError:
                last = f"timed out after {timeout:.0f}s (attempt {attempt})"
            except Exception as exc:
                last = f"{type(exc).__name__}: {exc} (attempt {attempt})"
            time.sleep(min(0.2 * attempt, 1.0))
    return False, last, (time.perf_counter() - t0) * 1000


@celery_app.task(name="registry.health_check")
def health_check(tags: list[str] | None = None) -> dict[str, Any]:
    settings = get_settings()
    reg = registry()
    out: dict[str, Any] = {}
    for tag, path in HEALTH_CHECKS.items():
        if tags and tag not in tags:
            continue
        breaker_key = f"wrk:registry:breaker:{tag}"
        if reg.client.exists(breaker_key):
            out[tag] = {"ok": False, "detail": "circuit open: check skipped"}
            continue
        ok, detail, latency = run_check(_load(path), settings.worker_health_timeout)
        reg.set_health(tag, ok, detail, latency)
        if ok:
            reg.client.delete(f"wrk:registry:breaker_failures:{tag}")
        else:
            failures = reg.client.incr(f"wrk:registry:breaker_failures:{tag}")
            if failures >= BREAKER_THRESHOLD:
                reg.client.set(breaker_key, "open", ex=int(BREAKER_COOLDOWN))
                reg.client.delete(f"wrk:registry:breaker_failures:{tag}")
            log.warning("health_check_failed", tag=tag, detail=detail)
        out[tag] = {"ok": ok, "detail": detail, "latency_ms": round(latency, 1)}
    return out


@celery_app.task(name="registry.detect_missing")
def detect_missing() -> dict[str, list[str]]:
    settings = get_settings()
    reg = registry()
    missing, recovered = reg.detect_missing()
    from genius.registry.events import WorkerMissing, WorkerRecovered, publish_direct

    for tag in missing:
        log.warning("worker_missing", tag=tag)
        publish_direct(
            broker_url_of(settings),
            settings.events_exchange,
            "registry.worker.missing",
            WorkerMissing(tag=tag),
        )
    for tag in recovered:
        log.info("worker_recovered", tag=tag)
        publish_direct(
            broker_url_of(settings),
            settings.events_exchange,
            "registry.worker.recovered",
            WorkerRecovered(tag=tag),
        )
    return {"missing": missing, "recovered": recovered}


@celery_app.task(name="registry.ping", acks_late=False)
def ping(payload: str = "") -> str:
    """No-op round trip through broker, worker and result backend (liveness probes, benchmarks)."""
    return payload or "pong"
