"""What every worker process does besides its tasks: task metrics, queue-wait timing, registry
heartbeats, graceful unregistering and the ops signals (pause, resume, restart).

Metrics are aggregated in Redis (``wrk:registry:counters:<tag>``) so that one scrape of the API's
``/metrics`` covers the whole fleet, however many worker processes and hosts serve it.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from typing import Any

import psutil
import redis
import structlog
from celery import signals
from celery.worker import state as worker_state

from genius.config import get_settings
from genius.registry.service import Registry
from genius.workers.celery_app import route_by_name
from genius.workers.context import worker_redis

log = structlog.get_logger("genius.worker")
VERSION = "0.1.0"
MAX_KEPT_CALL_BYTES = 64 * 1024

_registry: Registry | None = None
_started: dict[str, float] = {}


def registry() -> Registry:
    global _registry
    if _registry is None:
        settings = get_settings()
        client = worker_redis(settings)
        _registry = Registry(
            client, ttl=settings.worker_ttl_seconds, metrics_ttl=settings.worker_metrics_ttl_seconds
        )
    return _registry


def tag_of(task_name: str, delivery_info: dict[str, Any] | None = None) -> str:
    if delivery_info and delivery_info.get("routing_key"):
        return str(delivery_info["routing_key"])
    route = route_by_name(task_name, None, None, None)
    return route["queue"] if route else "registry"


# --- task metrics ----------------------------------------------------------------------------------
@signals.before_task_publish.connect
def _stamp_headers(headers: dict[str, Any] | None = None, **_: Any) -> None:
    if headers is not None:
        headers.setdefault("genius_sent_at", time.time())
        # The tenant a task runs for (bound per request/event): failed tasks are shown per tenant.
        tid = structlog.contextvars.get_contextvars().get("tid")
        if tid and "genius_tid" not in headers:
            headers["genius_tid"] = str(tid)


def _header(request: Any, name: str) -> Any:
    if request is None:
        return None
    return (getattr(request, "headers", None) or {}).get(name) or getattr(request, name, None)


@signals.task_prerun.connect
def _task_started(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    if task_id:
        _started[task_id] = time.monotonic()


def _finish(task: Any, task_id: str | None, outcome: str) -> None:
    started = _started.pop(task_id or "", None)
    duration = time.monotonic() - started if started is not None else None
    request = getattr(task, "request", None)
    sent_at = _header(request, "genius_sent_at")
    wait = max(0.0, time.time() - float(sent_at) - (duration or 0.0)) if sent_at else None
    delivery = getattr(request, "delivery_info", None) if request is not None else None
    try:
        registry().record_task(tag_of(task.name, delivery), task.name, outcome, duration, wait)
    except redis.RedisError as exc:  # metrics are best effort; the task's work is done
        log.warning("task_metrics_lost", error=str(exc))


@signals.task_success.connect
def _task_success(sender: Any = None, **_: Any) -> None:
    _finish(sender, getattr(getattr(sender, "request", None), "id", None), "success")


@signals.task_failure.connect
def _task_failure(
    sender: Any = None,
    task_id: str | None = None,
    exception: BaseException | None = None,
    args: Any = None,
    kwargs: Any = None,
    **_: Any,
) -> None:
    _finish(sender, task_id, "failure")
    request = getattr(sender, "request", None)
    call = {"args": list(args or []), "kwargs": dict(kwargs or {})}
    encoded = json.dumps(call, default=str)
    try:
        registry().record_failure(
            {
                "id": task_id,
                "task": getattr(sender, "name", "?"),
                "queue": tag_of(getattr(sender, "name", ""), getattr(request, "delivery_info", None)),
                "tid": _header(request, "genius_tid"),
                "error": f"{type(exception).__name__}: {exception}"[:1000] if exception else "",
                "retries": getattr(request, "retries", 0),
                # Large payloads are not kept (nor retried from here): the caller still has them.
                "call": call if len(encoded) <= MAX_KEPT_CALL_BYTES else None,
            }
        )
    except redis.RedisError as exc:
        log.warning("failure_not_recorded", task_id=task_id, error=str(exc))


@signals.task_retry.connect
def _task_retry(sender: Any = None, request: Any = None, **_: Any) -> None:
    _finish(sender, getattr(request, "id", None), "retry")


# --- heartbeats -------------------------------------------------------------------------------------
class Heartbeat(threading.Thread):
    """Registers the process's tags at start, heartbeats every N s, reads ops signals, unregisters on
    shutdown. Redis being down never stops task processing: the beat backs off and retries."""

    def __init__(self, consumer: Any, tags: list[str], interval: float) -> None:
        super().__init__(name="genius-heartbeat", daemon=True)
        self.consumer = consumer
        self.tags = tags
        self.interval = interval
        self.instance = f"{socket.gethostname()}:{os.getpid()}"
        self.stop_event = threading.Event()
        self.paused: set[str] = set()
        self.signal_offsets: dict[str, int] = {}
        self.process = psutil.Process()
        self.process.cpu_percent(None)

    def info(self, tag: str) -> dict[str, Any]:
        rss = 0
        cpu = 0.0
        try:
            procs = [self.process, *self.process.children(recursive=True)]
            for p in procs:
                rss += p.memory_info().rss
            cpu = self.process.cpu_percent(None)
        except psutil.Error:
            pass
        return {
            "version": VERSION,
            "hostname": socket.gethostname(),
            "pid": os.getpid(),
            "active": len(worker_state.active_requests),
            "queue_size": len(worker_state.reserved_requests),
            "memory_rss": rss,
            "cpu_percent": cpu,
            "paused": tag in self.paused,
        }

    def beat(self) -> None:
        reg = registry()
        for tag in self.tags:
            t0 = time.perf_counter()
            reg.heartbeat(tag, self.instance, self.info(tag))
            from genius.registry.metrics import HEARTBEAT_LATENCY

            HEARTBEAT_LATENCY.labels(tag).observe(time.perf_counter() - t0)
            self.read_signals(tag)

    def read_signals(self, tag: str) -> None:
        key = f"wrk:signals:{tag}"
        start = self.signal_offsets.get(tag)
        client = registry().client
        if start is None:  # signals sent before this process started are not for it
            self.signal_offsets[tag] = int(client.llen(key))
            return
        items = client.lrange(key, start, -1)
        self.signal_offsets[tag] = start + len(items)
        for raw in items:
            sig = json.loads(raw).get("signal")
            log.info("worker_signal", tag=tag, signal=sig)
            if sig == "pause" and tag not in self.paused:
                self.consumer.cancel_task_queue(tag)
                self.paused.add(tag)
            elif sig == "resume" and tag in self.paused:
                self.consumer.add_task_queue(tag)
                self.paused.discard(tag)
            elif sig == "restart":
                # Warm shutdown; the supervisor (genius demo, systemd, Kubernetes) starts it again.
                os.kill(os.getpid(), 15)

    def run(self) -> None:
        delay = self.interval
        while not self.stop_event.is_set():
            try:
                self.beat()
                delay = self.interval
            except redis.RedisError as exc:
                delay = min(max(1.0, delay * 2 if delay < self.interval else 1.0), 60.0)
                log.warning("heartbeat_failed", error=str(exc), retry_in=delay)
            self.stop_event.wait(delay)

    def stop(self) -> None:
        self.stop_event.set()
        try:
            for tag in self.tags:
                registry().unregister(tag, self.instance)
        except redis.RedisError as exc:
            log.warning("unregister_failed", error=str(exc))


_heartbeat: Heartbeat | None = None


@signals.worker_ready.connect
def _worker_ready(sender: Any = None, **_: Any) -> None:
    global _heartbeat
    consumer = sender
    queues = [q.name for q in consumer.task_consumer.queues] if consumer and consumer.task_consumer else []
    _heartbeat = Heartbeat(consumer, queues, get_settings().worker_heartbeat_seconds)
    try:
        _heartbeat.beat()  # registered before the first task runs
    except redis.RedisError as exc:
        log.warning("register_failed", error=str(exc))
    _heartbeat.start()


@signals.worker_shutting_down.connect
def _worker_shutting_down(**_: Any) -> None:
    if _heartbeat is not None:
        _heartbeat.stop()
