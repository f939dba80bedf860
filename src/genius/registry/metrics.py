"""Prometheus view of the fleet, read from the registry in Redis at scrape time (cached briefly)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from genius.registry.service import DURATION_BUCKETS, STATUSES, Registry

HEARTBEAT_LATENCY = Histogram("genius_worker_heartbeat_latency_seconds", "Heartbeat write latency", ["tag"])


class FleetCollector(Collector):
    def __init__(self, registry: Registry, queue_depth: Any = None, cache_seconds: float = 5.0) -> None:
        self.registry = registry
        self.queue_depth = queue_depth
        self.cache_seconds = cache_seconds
        self._cache: tuple[float, list[Any]] = (0.0, [])

    def describe(self) -> list[Any]:
        # Registering must not scrape Redis (and fill the cache with an empty fleet).
        return []

    def collect(self) -> Iterator[Any]:
        now = time.monotonic()
        if now - self._cache[0] < self.cache_seconds:
            yield from self._cache[1]
            return
        try:
            families = list(self._families())
        except Exception:
            families = []
        self._cache = (now, families)
        yield from families

    def _families(self) -> Iterator[Any]:
        count = GaugeMetricFamily("genius_workers", "Worker processes per tag", labels=["tag"])
        status = GaugeMetricFamily(
            "genius_worker_status", "1 for the tag's current status", labels=["tag", "status"]
        )
        up = GaugeMetricFamily(
            "genius_worker_up", "1 while at least one process of the tag heartbeats", labels=["tag"]
        )
        last_beat = GaugeMetricFamily(
            "genius_worker_last_heartbeat_timestamp_seconds",
            "Unix time of the tag's latest heartbeat (absent once its processes expired)",
            labels=["tag"],
        )
        score = GaugeMetricFamily("genius_worker_health_score", "Health score 0-100", labels=["tag"])
        memory = GaugeMetricFamily(
            "genius_worker_memory_bytes", "Resident memory of the tag's processes", labels=["tag"]
        )
        cpu = GaugeMetricFamily("genius_worker_cpu_percent", "CPU use of the tag's processes", labels=["tag"])
        failed_checks = CounterMetricFamily(
            "genius_worker_health_check_failures", "Failed health checks", labels=["tag"]
        )
        runs = CounterMetricFamily("genius_task_runs", "Task runs", labels=["task", "queue", "outcome"])
        duration = HistogramMetricFamily(
            "genius_task_duration_seconds", "Task run time", labels=["task", "queue"]
        )
        wait = HistogramMetricFamily(
            "genius_task_queue_wait_seconds", "Time from publish to start", labels=["task", "queue"]
        )
        failures = self.registry.health_failures()
        for tag in self.registry.tags():
            d = self.registry.describe(tag) or {}
            state = d.get("status", "missing")
            count.add_metric([tag], float(d.get("instances", 0)))
            up.add_metric([tag], 1.0 if d.get("instances", 0) and state != "missing" else 0.0)
            if d.get("last_seen"):
                last_beat.add_metric([tag], float(d["last_seen"]))
            for s in (*STATUSES, "missing"):
                status.add_metric([tag, s], 1.0 if s == state else 0.0)
            score.add_metric([tag], float(d.get("health_score", 0)))
            m = d.get("metrics") or {}
            memory.add_metric([tag], float(m.get("memory_rss_bytes", 0)))
            cpu.add_metric([tag], float(m.get("cpu_percent", 0)))
            failed_checks.add_metric([tag], float(failures.get(tag, 0)))
            counters = self.registry.counters(tag)
            tasks = set()
            for key, value in counters.items():
                parts = key.split("|")
                if parts[0] == "runs":
                    runs.add_metric([parts[1], tag, parts[2]], value)
                elif parts[0] in ("duration_count", "wait_count"):
                    tasks.add(parts[1])
            for task in sorted(tasks):
                for name, family in (("duration", duration), ("wait", wait)):
                    total = counters.get(f"{name}_count|{task}")
                    if total is None:
                        continue
                    buckets = [(str(b), counters.get(f"{name}_le|{task}|{b}", 0.0)) for b in DURATION_BUCKETS]
                    buckets.append(("+Inf", total))
                    family.add_metric([task, tag], buckets, counters.get(f"{name}_sum|{task}", 0.0))
        yield from (count, up, last_beat, status, score, memory, cpu, failed_checks, runs, duration, wait)
        if self.queue_depth is not None:
            depth = GaugeMetricFamily("genius_queue_depth", "Messages waiting per queue", labels=["queue"])
            for queue, n in self.queue_depth().items():
                depth.add_metric([queue], float(n))
            yield depth


_installed: FleetCollector | None = None


def install(registry: Registry, queue_depth: Any = None) -> FleetCollector:
    """Register the collector once per process (the app may be created several times in tests)."""
    global _installed
    if _installed is None:
        _installed = FleetCollector(registry, queue_depth)
        from genius.core.observability.metrics import register_shared

        register_shared(_installed)
    else:
        _installed.registry = registry
        _installed.queue_depth = queue_depth
    return _installed
