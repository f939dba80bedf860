"""The relay's task publisher: an outbox task row becomes a Celery message on the task exchange.

The message is the one ``send_task`` would write (Celery's protocol 2, JSON): task id = the outbox row's
id, header ``genius_tid`` = the writer's tenant, ``traceparent`` = the writer's trace context, routed to
the row's queue or, without one, to the queue its name routes to (``route_by_name``). Every fleet queue
is declared before the first publish, so a message for a queue no worker has declared yet is kept, not
dropped. On RabbitMQ the publish waits for the broker's confirm; a failure raises, and the relay
retries the row with backoff.
"""

from __future__ import annotations

import threading

from celery import Celery

from genius.config import Settings
from genius.core.events.broker import is_amqp, kombu_url
from genius.core.events.relay import TaskMessage
from genius.workers.celery_app import configure


class CeleryTaskPublisher:
    def __init__(self, settings: Settings, broker_url: str) -> None:
        app = configure(Celery("genius-relay"), settings.model_copy(update={"broker_url": broker_url}))
        if is_amqp(kombu_url(broker_url)):
            app.conf.broker_transport_options = {"confirm_publish": True}
        app.conf.broker_connection_timeout = 5
        self.app = app
        self._declared = False
        self._lock = threading.Lock()

    def _declare_queues(self) -> None:
        with self.app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1)
            channel = conn.default_channel
            for queue in self.app.conf.task_queues:
                queue(channel).declare()
        self._declared = True

    def __call__(self, message: TaskMessage) -> None:
        with self._lock:
            if not self._declared:
                self._declare_queues()
        headers = {"genius_tid": message.tid}
        if message.traceparent:
            headers["traceparent"] = message.traceparent
        options: dict[str, object] = {}
        if message.queue:
            options["queue"] = message.queue
        self.app.send_task(
            message.name,
            args=message.args,
            kwargs=message.kwargs,
            task_id=message.id,
            headers=headers,
            retry=False,
            **options,
        )

    def close(self) -> None:
        self.app.close()
