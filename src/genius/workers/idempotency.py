"""Idempotency keys for tasks with side effects.

``once(scope, key, run, owner=task_id)``:

* the first delivery claims the key (``running:<owner>``) and, once the effect is done, stores its
  result for 24 h; any later delivery of the same key returns that result without repeating the effect;
* a *different* task holding the same key while the first still runs gets ``InProgress`` (the task
  retries shortly), so two copies of one request never run side by side;
* the *same* task redelivered after its worker died mid-effect (``kill -9``: the claim is its own)
  runs again. Whether the effect had already happened cannot be known from here, so effects carry the
  key outward as well (``email.send`` derives the Message-ID from it, and mail stores drop a repeated
  Message-ID). The window is the time between the effect and the result being stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

from genius.workers.base import registry

T = TypeVar("T")
TTL_SECONDS = 24 * 3600
CLAIM_SECONDS = 3600  # longest time a claim survives a crash (then any delivery may take it over)
RUNNING = "running:"


class InProgress(RuntimeError):
    """Another task is applying this idempotency key right now; try again shortly."""


def once(scope: str, key: str | None, run: Callable[[], T], owner: str | None = None) -> T:
    if not key:
        return run()
    client = registry().client
    redis_key = f"idem:{scope}:{key}"
    claim = RUNNING + (owner or "")
    if not client.set(redis_key, claim, nx=True, ex=CLAIM_SECONDS):
        stored = client.get(redis_key)
        if stored is None:  # expired between the two calls: claim again
            return once(scope, key, run, owner)
        value = stored.decode() if isinstance(stored, bytes) else str(stored)
        if not value.startswith(RUNNING):
            result: T = json.loads(value)
            return result
        if not owner or value != claim:
            raise InProgress(f"{scope} {key!r} is being applied by another task")
    try:
        done = run()
    except BaseException:
        client.delete(redis_key)  # failed before completing: a retry may claim it again
        raise
    client.set(redis_key, json.dumps(done), ex=TTL_SECONDS)
    return done
