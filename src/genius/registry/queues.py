"""Queue depth per worker queue, read from the broker (RabbitMQ passive declare, or the Redis list)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from genius.core.events.broker import connect
from genius.workers.fleet import FLEET


def queue_depth_reader(broker_url: str) -> Callable[[], dict[str, int]]:
    def read() -> dict[str, int]:
        depths: dict[str, int] = {}
        with connect(broker_url) as conn:
            conn.ensure_connection(max_retries=1)
            for worker in FLEET:
                channel = conn.channel()
                try:
                    ok = channel.queue_declare(queue=worker.tag, passive=True)
                    depths[worker.tag] = int(ok.message_count)
                except Exception:
                    depths[worker.tag] = 0
                finally:
                    with contextlib.suppress(Exception):
                        channel.close()
        return depths

    return read
