"""The shared circuit breaker: fleet-wide state in Redis, per-process without it."""

from __future__ import annotations

import time
import uuid

import pytest
import redis

from genius.core.kit.breaker import CircuitBreaker, CircuitOpen


def boom() -> None:
    raise ConnectionError("down")


@pytest.mark.parametrize("use_redis", [True, False])
def test_opens_after_threshold_then_half_opens(redis_url: str, use_redis: bool) -> None:
    client = redis.Redis.from_url(redis_url) if use_redis else None
    name = f"svc-{uuid.uuid4().hex[:8]}"
    breaker = CircuitBreaker(name, client, threshold=3, cooldown=0.5)
    for _ in range(3):
        with pytest.raises(ConnectionError):
            breaker.call(boom)
    with pytest.raises(CircuitOpen) as info:
        breaker.call(lambda: "never called")
    assert info.value.retry_after > 0 and name in str(info.value)
    if client is not None:
        # Another process (another breaker object) sees the same open circuit.
        with pytest.raises(CircuitOpen):
            CircuitBreaker(name, client, threshold=3, cooldown=0.5).call(lambda: "x")
    time.sleep(0.6)
    assert breaker.call(lambda: "ok") == "ok"  # the trial call closes it
    with pytest.raises(ConnectionError):
        breaker.call(boom)
    assert not breaker.is_open()  # one failure after closing is below the threshold


def test_exceptions_that_do_not_count(redis_url: str) -> None:
    breaker = CircuitBreaker(
        f"svc-{uuid.uuid4().hex[:8]}",
        redis.Redis.from_url(redis_url),
        threshold=1,
        counts=lambda exc: not isinstance(exc, ValueError),
    )
    with pytest.raises(ValueError):
        breaker.call(lambda: int("x"))
    assert not breaker.is_open()


def test_redis_down_falls_back_to_local_state() -> None:
    breaker = CircuitBreaker("svc-local", redis.Redis(port=1, socket_connect_timeout=0.2), threshold=2)
    for _ in range(2):
        with pytest.raises(ConnectionError):
            breaker.call(boom)
    with pytest.raises(CircuitOpen):
        breaker.call(lambda: None)
