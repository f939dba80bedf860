"""Idempotency keys for tasks with side effects: the first run's result is kept (24 h) and returned
to any repeat, so a redelivered or re-sent task never repeats its effect once it completed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

from genius.workers.base import registry

T = TypeVar("T")
TTL_SECONDS = 24 * 3600


def once(scope: str, key: str | None, run: Callable[[], T]) -> T:
    if not key:
        return run()
    client = registry().client
    redis_key = f"idem:{scope}:{key}"
    stored = client.get(redis_key)
    if stored is not None:
        result: T = json.loads(stored)
        return result
    value = run()
    client.set(redis_key, json.dumps(value), ex=TTL_SECONDS)
    return value
