"""Queue depths as the ops page and the metrics read them, on a Redis broker: every priority list."""

from __future__ import annotations

from kombu import Exchange, Queue

from genius.core.events.broker import connect
from genius.registry.queues import queue_depth_reader


def test_redis_depths_count_every_priority_list(redis_url: str) -> None:
    broker = redis_url
    # Other tests of this xdist worker share its Redis and may leave tasks queued: compare with before.
    before = queue_depth_reader(broker)()
    with connect(broker) as conn:
        queue = Queue("pdf.render", Exchange("pdf.render"), routing_key="pdf.render", max_priority=9)
        producer = conn.Producer()
        for priority in (0, 0, 3, 9):
            producer.publish({"x": 1}, exchange=queue.exchange, routing_key="pdf.render",
                             declare=[queue], priority=priority)  # fmt: skip
    depths = queue_depth_reader(broker)()
    try:
        assert depths["pdf.render"] == before["pdf.render"] + 4
        assert depths["email.send"] == before["email.send"]  # another queue reads what it held
    finally:
        with connect(broker) as conn:
            queue(conn.channel()).purge()
