"""A circuit breaker shared by every process that calls the same external service.

State lives in Redis (``genius:cb:<name>:*``) so that when one worker finds ANAF down, the others stop
hammering it too. Without Redis (or while it is unreachable) each process keeps its own state.

closed → ``threshold`` consecutive failures → open for ``cooldown`` seconds (calls fail fast with
``CircuitOpen``) → half-open: one trial call is let through; success closes, failure reopens.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import redis
from prometheus_client import Counter, Gauge

T = TypeVar("T")

BREAKER_OPEN = Gauge(
    "genius_circuit_open",
    "1 while the circuit to an external service is open",
    ["name"],
    multiprocess_mode="livemax",
)
BREAKER_REJECTED = Counter(
    "genius_circuit_rejected_total", "Calls refused because the circuit was open", ["name"]
)


class CircuitOpen(RuntimeError):
    """The service failed too often recently; the call was not attempted."""

    def __init__(self, name: str, retry_after: float) -> None:
        super().__init__(f"{name} is unavailable (circuit open, retry in {retry_after:.0f}s)")
        self.name = name
        self.retry_after = retry_after


@dataclass
class CircuitBreaker:
    name: str
    client: redis.Redis | None = None
    threshold: int = 5
    cooldown: float = 60.0
    # Which exceptions count as the service failing (a 4xx caused by our input does not).
    counts: Callable[[BaseException], bool] = lambda exc: True
    _local_failures: int = field(default=0, init=False)
    _local_open_until: float = field(default=0.0, init=False)

    @property
    def _failures_key(self) -> str:
        return f"genius:cb:{self.name}:failures"

    @property
    def _open_key(self) -> str:
        return f"genius:cb:{self.name}:open"

    def retry_after(self) -> float:
        """Seconds until a trial call is allowed; 0 when the circuit is closed or half-open."""
        if self.client is not None:
            try:
                ttl = self.client.pttl(self._open_key)
                return max(0.0, ttl / 1000) if ttl and ttl > 0 else 0.0
            except redis.RedisError:
                pass
        return max(0.0, self._local_open_until - time.monotonic())

    def is_open(self) -> bool:
        return self.retry_after() > 0

    def record_success(self) -> None:
        self._local_failures = 0
        self._local_open_until = 0.0
        BREAKER_OPEN.labels(self.name).set(0)
        if self.client is not None:
            try:
                self.client.delete(self._failures_key)
            except redis.RedisError:
                pass

    def record_failure(self) -> None:
        failures = None
        if self.client is not None:
            try:
                pipe = self.client.pipeline()
                pipe.incr(self._failures_key)
                pipe.expire(self._failures_key, int(max(self.cooldown * 10, 60)))
                failures = int(pipe.execute()[0])
                if failures >= self.threshold:
                    # The open key expiring is the half-open state: the next caller makes the trial call.
                    self.client.set(self._open_key, "1", px=int(self.cooldown * 1000))
                    self.client.delete(self._failures_key)
            except redis.RedisError:
                failures = None
        if failures is None:
            self._local_failures += 1
            if self._local_failures >= self.threshold:
                self._local_open_until = time.monotonic() + self.cooldown
                self._local_failures = 0
                failures = self.threshold
        if failures is not None and failures >= self.threshold:
            BREAKER_OPEN.labels(self.name).set(1)

    def call(self, fn: Callable[[], T]) -> T:
        wait = self.retry_after()
        if wait > 0:
            BREAKER_REJECTED.labels(self.name).inc()
            raise CircuitOpen(self.name, wait)
        try:
            result = fn()
        except BaseException as exc:
            if self.counts(exc):
                self.record_failure()
            raise
        self.record_success()
        return result
