"""Consumers: bind a queue to the topic exchange by patterns; dedupe through the inbox.

Each consumer has one durable queue ``genius.<consumer>``. A message is handled inside the
tenant's transaction together with the inbox insert ``(consumer, event_id)``; the message is acked
after commit. A redelivered or re-published event finds its inbox row and is acked without
running the handler again. On RabbitMQ the queue is single-active-consumer with prefetch 1, so an
aggregate's events are handled in the order the relay published them.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from kombu import Connection, Queue, binding
from prometheus_client import Counter
from sqlalchemy.orm import Session

from genius.core.db.session import Database
from genius.core.events import repository
from genius.core.events.broker import connect, events_exchange, is_amqp, kombu_url
from genius.core.events.schemas import Envelope
from genius.core.observability.tracing import continue_trace

log = structlog.get_logger("genius.consumer")

EVENTS_CONSUMED = Counter(
    "genius_events_consumed_total",
    "Events taken by consumers: outcome handled, duplicate (inbox) or error (handler failed)",
    ["consumer", "topic", "outcome"],
)

Handler = Callable[[Session, Envelope], None]


@dataclass
class EventConsumer:
    name: str
    patterns: list[str]
    handler: Handler
    max_redeliveries: int = 5
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def queue_name(self) -> str:
        return f"genius.{self.name}"

    def queue(self, exchange_name: str, amqp: bool) -> Queue:
        exchange = events_exchange(exchange_name)
        args: dict[str, Any] = {"x-single-active-consumer": True} if amqp else {}
        return Queue(
            self.queue_name,
            bindings=[binding(exchange, routing_key=p) for p in self.patterns],
            durable=True,
            queue_arguments=args or None,
        )

    def handle(self, db: Database, body: bytes | str | dict[str, Any]) -> str:
        """Process one message; returns ``handled`` or ``duplicate``. Raises on handler failure."""
        raw = body if isinstance(body, dict) else json.loads(body)
        envelope = Envelope.model_validate(raw)
        # The handler's span continues the publishing request's trace when the envelope carries it.
        with (
            continue_trace(
                raw.get("traceparent"),
                f"{envelope.topic} process",
                attributes={"messaging.system": "genius.events", "genius.consumer": self.name},
            ),
            db.tenant_session(envelope.tid) as session,
        ):
            first_time = repository.record_in_inbox(
                session, tid=envelope.tid, consumer=self.name, event_id=envelope.id, topic=envelope.topic
            )
            if not first_time:
                EVENTS_CONSUMED.labels(self.name, envelope.topic, "duplicate").inc()
                return "duplicate"
            # Bound for the handler only: a tenant left in the log context would be stamped on tasks
            # this thread sends later (genius_tid) for another tenant.
            with structlog.contextvars.bound_contextvars(
                correlation_id=envelope.correlation_id, tid=str(envelope.tid)
            ):
                self.handler(session, envelope)
        EVENTS_CONSUMED.labels(self.name, envelope.topic, "handled").inc()
        return "handled"


class ConsumerRunner:
    """Runs consumers on one broker connection until ``stop`` is set; reconnects on failure."""

    def __init__(
        self, db: Database, broker_url: str, consumers: list[EventConsumer], exchange: str = "genius.events"
    ) -> None:
        self.db = db
        self.broker_url = broker_url
        self.consumers = consumers
        self.exchange = exchange
        for c in consumers:  # series at 0 from the start, so rate() sees the first event
            for topic in c.patterns:
                if "*" not in topic and "#" not in topic:
                    for outcome in ("handled", "duplicate", "error"):
                        EVENTS_CONSUMED.labels(c.name, topic, outcome)

    def _on_message(self, consumer: EventConsumer) -> Callable[[Any, Any], None]:
        def callback(body: Any, message: Any) -> None:
            try:
                consumer.handle(self.db, body)
                message.ack()
            except Exception as exc:
                EVENTS_CONSUMED.labels(
                    consumer.name, message.delivery_info.get("routing_key", "?"), "error"
                ).inc()
                log.error("event_handler_failed", consumer=consumer.name, error=str(exc)[:300])
                if message.delivery_info.get("redelivered"):
                    message.reject(requeue=False)  # poison: dead-lettered on RabbitMQ, dropped on Redis
                else:
                    message.requeue()

        return callback

    def run(self, stop: threading.Event, ready: threading.Event | None = None) -> None:
        amqp = is_amqp(kombu_url(self.broker_url))
        while not stop.is_set():
            conn: Connection = connect(self.broker_url)
            try:
                conn.ensure_connection(max_retries=5)
                kconsumers = []
                for c in self.consumers:
                    channel = conn.channel()
                    kc = conn.Consumer(
                        [c.queue(self.exchange, amqp)],
                        channel=channel,
                        accept=["json"],
                        callbacks=[self._on_message(c)],
                        no_ack=False,
                    )
                    kc.qos(prefetch_count=1)
                    kc.consume()
                    kconsumers.append(kc)
                if ready is not None:
                    ready.set()
                while not stop.is_set():
                    try:
                        conn.drain_events(timeout=0.5)
                    except TimeoutError:
                        continue
                    except OSError as exc:
                        if "timed out" in str(exc):
                            continue
                        raise
            except Exception as exc:
                log.warning("consumer_connection_lost", error=str(exc)[:300])
                stop.wait(1.0)
            finally:
                with contextlib.suppress(Exception):
                    conn.release()


def declare_queues(broker_url: str, consumers: list[EventConsumer], exchange: str = "genius.events") -> None:
    """Declare every consumer's durable queue and bindings. The relay does this before it publishes:
    a topic exchange drops what no queue is bound to yet, and the first run must lose nothing."""
    amqp = is_amqp(kombu_url(broker_url))
    conn: Connection = connect(broker_url)
    try:
        conn.ensure_connection(max_retries=5)
        channel = conn.channel()
        for consumer in consumers:
            consumer.queue(exchange, amqp)(channel).declare()
    finally:
        with contextlib.suppress(Exception):
            conn.release()
