"""Queue depth per worker queue, read from the broker (RabbitMQ passive declare, or the Redis list)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from genius.core.events.broker import connect
from genius.workers.fleet import FLEET

# Kombu's Redis transport keeps a queue's messages in one list per priority step (0, 3, 6, 9): the queue's
# name, then the name + "\x06\x16" + step.
_REDIS_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


def queue_depth_reader(broker_url: str) -> Callable[[], dict[str, int]]:
    if broker_url.startswith(("redis://", "rediss://", "unix://")):
        return _redis_depth_reader(broker_url)

    def read() -> dict[str, int]:
        depths: dict[str, int] = {}
        with connect(broker_url) as conn:
            conn.ensure_connection(max_retries=1)
            # One channel for every queue (a channel per queue cost ~25 ms each, 0.7 s per ops page);
            # a passive declare of a missing queue closes the channel on AMQP: then open another.
            channel = conn.channel()
            try:
                for worker in FLEET:
                    try:
                        ok = channel.queue_declare(queue=worker.tag, passive=True)
                        depths[worker.tag] = int(ok.message_count)
                    except Exception:
                        depths[worker.tag] = 0
                        with contextlib.suppress(Exception):
                            channel.close()
                        channel = conn.channel()
            finally:
                with contextlib.suppress(Exception):
                    channel.close()
        return depths

    return read


def _redis_depth_reader(broker_url: str) -> Callable[[], dict[str, int]]:
    """On a Redis broker: every queue's lists in one pipeline of LLENs (one round trip)."""
    import redis

    client = redis.Redis.from_url(broker_url, socket_timeout=2, socket_connect_timeout=2)

    def read() -> dict[str, int]:
        pipe = client.pipeline(transaction=False)
        for worker in FLEET:
            for suffix in _REDIS_PRIORITY_SUFFIXES:
                pipe.llen(worker.tag + suffix)
        counts = pipe.execute()
        step = len(_REDIS_PRIORITY_SUFFIXES)
        return {w.tag: int(sum(counts[i * step : (i + 1) * step])) for i, w in enumerate(FLEET)}

    return read
