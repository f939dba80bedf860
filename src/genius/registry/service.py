"""The Worker Registry, kept in Redis with the seeds' key schema (F1-03-026).

* ``wrk:registry:status:<tag>``   JSON status of a tag (TTL ``worker_ttl_seconds``, 120 s)
* ``wrk:registry:metrics:<tag>``  JSON metrics of a tag (TTL 60 s)
* ``wrk:registry:instance:<tag>:<instance>`` one entry per process serving the tag (TTL 120 s)
* ``wrk:registry:instances:<tag>`` set of instance ids; ``wrk:registry:tags`` every tag ever seen
* ``wrk:registry:missing`` set of tags currently missing; ``wrk:registry:health:<tag>`` last health check
* ``wrk:registry:counters:<tag>`` task counters and duration/wait histograms (for /metrics)
* ``wrk:signals:<tag>`` the signals list workers read (pause, resume, restart)
* ``wrk:registry:failed`` the last failed tasks (newest first, capped), for the ops page's retry
* pub/sub channel ``wrk:events``: every change, as JSON
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import redis

P = "wrk:registry:"
EVENTS_CHANNEL = "wrk:events"
DURATION_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
STATUSES = ("running", "idle", "error", "stopped")
FAILED_KEEP = 500


def _now() -> float:
    return time.time()


@dataclass
class Registry:
    client: redis.Redis
    ttl: int = 120
    metrics_ttl: int = 60

    # -- writes from workers -------------------------------------------------------------------
    def heartbeat(self, tag: str, instance: str, info: dict[str, Any]) -> dict[str, Any]:
        """Record one process's heartbeat and refresh the tag's aggregated status."""
        now = _now()
        entry = {**info, "instance": instance, "tag": tag, "last_seen": now}
        pipe = self.client.pipeline()
        pipe.set(f"{P}instance:{tag}:{instance}", json.dumps(entry), ex=self.ttl)
        pipe.sadd(f"{P}instances:{tag}", instance)
        pipe.sadd(f"{P}tags", tag)
        pipe.execute()
        previous = self.status(tag)
        status = self._aggregate(tag)
        if previous is None or previous.get("status") != status["status"]:
            self.publish_event("status_changed", tag, status=status["status"], instance=instance)
        return status

    def unregister(self, tag: str, instance: str) -> None:
        pipe = self.client.pipeline()
        pipe.delete(f"{P}instance:{tag}:{instance}")
        pipe.srem(f"{P}instances:{tag}", instance)
        pipe.execute()
        status = self._aggregate(tag, stopped_if_empty=True)
        self.publish_event("unregistered", tag, instance=instance, status=status["status"])

    def _instances(self, tag: str) -> list[dict[str, Any]]:
        ids = sorted(
            m.decode() if isinstance(m, bytes) else str(m)
            for m in self.client.smembers(f"{P}instances:{tag}")
        )
        if not ids:
            return []
        raw = self.client.mget([f"{P}instance:{tag}:{i}" for i in ids])
        alive: list[dict[str, Any]] = []
        gone: list[str] = []
        for instance_id, value in zip(ids, raw, strict=True):
            if value:
                alive.append(json.loads(value))
            else:
                gone.append(instance_id)
        if gone:
            self.client.srem(f"{P}instances:{tag}", *gone)
        return alive

    def _aggregate(self, tag: str, stopped_if_empty: bool = False) -> dict[str, Any]:
        instances = self._instances(tag)
        health = self.health(tag)
        if not instances:
            status = "stopped"
        elif health is not None and not health.get("ok", True):
            status = "error"
        elif any(i.get("active", 0) > 0 for i in instances):
            status = "running"
        elif any(i.get("paused") for i in instances) and all(i.get("paused") for i in instances):
            status = "stopped"
        else:
            status = "idle"
        # Tasks run in pool child processes, so counts come from the fleet-wide counters they write.
        counters = self.counters(tag)
        processed = int(
            sum(v for k, v in counters.items() if k.startswith("runs|") and not k.endswith("|retry"))
        )
        failed = int(sum(v for k, v in counters.items() if k.startswith("runs|") and k.endswith("|failure")))
        last_task_time = counters.get("last_task_time") or None
        score = 100
        if health is not None and not health.get("ok", True):
            score -= 60
        if processed:
            score -= int(40 * min(1.0, failed / processed))
        if not instances:
            score = 0
        doc = {
            "tag": tag,
            "status": status,
            "instances": len(instances),
            "version": max((str(i.get("version", "")) for i in instances), default=""),
            "last_seen": max((float(i.get("last_seen", 0)) for i in instances), default=None),
            "queue_size": max((int(i.get("queue_size", 0)) for i in instances), default=0),
            "last_task_time": last_task_time,
            "active": sum(int(i.get("active", 0)) for i in instances),
            "processed": processed,
            "failed": failed,
            "health_score": max(0, score),
            "health": health,
        }
        metrics = {
            "memory_rss_bytes": sum(int(i.get("memory_rss", 0)) for i in instances),
            "cpu_percent": sum(float(i.get("cpu_percent", 0.0)) for i in instances),
            "processed": processed,
            "failed": failed,
        }
        pipe = self.client.pipeline()
        if instances or stopped_if_empty:
            pipe.set(f"{P}status:{tag}", json.dumps(doc), ex=self.ttl)
        pipe.set(f"{P}metrics:{tag}", json.dumps(metrics), ex=self.metrics_ttl)
        pipe.execute()
        return doc

    def record_task(
        self, tag: str, task: str, outcome: str, duration: float | None, wait: float | None
    ) -> None:
        key = f"{P}counters:{tag}"
        pipe = self.client.pipeline()
        pipe.hincrby(key, f"runs|{task}|{outcome}", 1)
        pipe.hset(key, "last_task_time", _now())
        for name, value in (("duration", duration), ("wait", wait)):
            if value is None:
                continue
            pipe.hincrbyfloat(key, f"{name}_sum|{task}", value)
            pipe.hincrby(key, f"{name}_count|{task}", 1)
            for bound in DURATION_BUCKETS:
                if value <= bound:
                    pipe.hincrby(key, f"{name}_le|{task}|{bound}", 1)
        pipe.execute()

    def counters(self, tag: str) -> dict[str, float]:
        raw = self.client.hgetall(f"{P}counters:{tag}")
        return {(k.decode() if isinstance(k, bytes) else k): float(v) for k, v in raw.items()}

    # -- health ----------------------------------------------------------------------------------------
    def set_health(self, tag: str, ok: bool, detail: str, latency_ms: float) -> None:
        doc = {"ok": ok, "detail": detail[:500], "checked_at": _now(), "latency_ms": round(latency_ms, 1)}
        self.client.set(f"{P}health:{tag}", json.dumps(doc), ex=max(self.ttl, 300))
        if not ok:
            self.client.hincrby(f"{P}health_failures", tag, 1)
        self._aggregate(tag)

    def health(self, tag: str) -> dict[str, Any] | None:
        raw = self.client.get(f"{P}health:{tag}")
        return json.loads(raw) if raw else None

    def health_failures(self) -> dict[str, int]:
        raw = self.client.hgetall(f"{P}health_failures")
        return {(k.decode() if isinstance(k, bytes) else k): int(v) for k, v in raw.items()}

    # -- reads -------------------------------------------------------------------------------------------
    def tags(self) -> list[str]:
        return sorted(
            m.decode() if isinstance(m, bytes) else str(m) for m in self.client.smembers(f"{P}tags")
        )

    def status(self, tag: str) -> dict[str, Any] | None:
        raw = self.client.get(f"{P}status:{tag}")
        return json.loads(raw) if raw else None

    def metrics(self, tag: str) -> dict[str, Any] | None:
        raw = self.client.get(f"{P}metrics:{tag}")
        return json.loads(raw) if raw else None

    def missing(self) -> set[str]:
        return {m.decode() if isinstance(m, bytes) else str(m) for m in self.client.smembers(f"{P}missing")}

    def describe(self, tag: str) -> dict[str, Any] | None:
        if tag not in self.tags():
            return None
        status = self.status(tag)
        if status is None:  # expired: no heartbeat for longer than the TTL
            status = {
                "tag": tag,
                "status": "missing",
                "instances": 0,
                "health_score": 0,
                "health": self.health(tag),
            }
        elif tag in self.missing():
            status = {**status, "status": "missing"}
        return {**status, "instances_detail": self._instances(tag), "metrics": self.metrics(tag)}

    def workers(self) -> list[dict[str, Any]]:
        return [d for d in (self.describe(t) for t in self.tags()) if d is not None]

    def forget(self, tag: str) -> bool:
        if tag not in self.tags():
            return False
        pipe = self.client.pipeline()
        for key in self.client.scan_iter(f"{P}instance:{tag}:*"):
            pipe.delete(key)
        for suffix in ("status", "metrics", "instances", "health", "counters"):
            pipe.delete(f"{P}{suffix}:{tag}")
        pipe.srem(f"{P}tags", tag)
        pipe.srem(f"{P}missing", tag)
        pipe.execute()
        self.publish_event("removed", tag)
        return True

    # -- failure detection ---------------------------------------------------------------------------
    def detect_missing(self) -> tuple[list[str], list[str]]:
        """Tags whose status expired become missing; returning ones recover. Returns (missing, recovered)."""
        newly_missing, recovered = [], []
        known_missing = self.missing()
        for tag in self.tags():
            status = self.status(tag)
            gone = status is None
            if gone and tag not in known_missing:
                if self.client.sadd(f"{P}missing", tag):
                    newly_missing.append(tag)
                    self.publish_event("missing", tag)
            elif not gone and tag in known_missing and status and status.get("instances", 0) > 0:
                if self.client.srem(f"{P}missing", tag):
                    recovered.append(tag)
                    self.publish_event("recovered", tag)
        return newly_missing, recovered

    # -- failed tasks -------------------------------------------------------------------------------------
    def record_failure(self, entry: dict[str, Any]) -> None:
        pipe = self.client.pipeline()
        pipe.lpush(f"{P}failed", json.dumps({**entry, "failed_at": _now()}, default=str))
        pipe.ltrim(f"{P}failed", 0, FAILED_KEEP - 1)
        pipe.execute()

    def failed(self, tid: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Newest first; with ``tid``, only that tenant's tasks (the fleet is shared by tenants)."""
        out = []
        for raw in self.client.lrange(f"{P}failed", 0, FAILED_KEEP - 1):
            entry = json.loads(raw)
            if tid is None or entry.get("tid") == tid:
                out.append(entry)
            if len(out) >= limit:
                break
        return out

    def take_failed(self, task_id: str, tid: str | None = None) -> dict[str, Any] | None:
        """Remove and return one failed task (to retry it); None when unknown or another tenant's."""
        for raw in self.client.lrange(f"{P}failed", 0, FAILED_KEEP - 1):
            entry = json.loads(raw)
            if entry.get("id") == task_id and (tid is None or entry.get("tid") == tid):
                exact: Any = raw  # the stored bytes, as LREM compares them
                return entry if self.client.lrem(f"{P}failed", 1, exact) else None
        return None

    # -- signals (ops page → workers) --------------------------------------------------------------------
    def send_signal(self, tag: str, signal: str) -> None:
        self.client.rpush(f"wrk:signals:{tag}", json.dumps({"signal": signal, "at": _now()}))
        self.client.expire(f"wrk:signals:{tag}", 3600)
        self.publish_event("signal", tag, signal=signal)

    def publish_event(self, kind: str, tag: str, **data: Any) -> None:
        self.client.publish(EVENTS_CHANNEL, json.dumps({"event": kind, "tag": tag, "at": _now(), **data}))
