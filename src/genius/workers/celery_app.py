"""The Celery application: explicit task includes, one queue per worker tag, production settings.

Broker: GENIUS_BROKER_URL (RabbitMQ) or, in the embedded mode, the Redis of GENIUS_DATA_DIR.
Results: Redis (short-lived results, under 30 s). The stock CLI works:
``celery -A genius.workers.celery_app inspect ping``.
"""

from __future__ import annotations

from celery import Celery
from kombu import Exchange, Queue

from genius.config import Settings, get_settings
from genius.core.events.broker import is_amqp, kombu_url
from genius.workers.fleet import FLEET, TAGS, TASK_MODULES


def redis_url_of(settings: Settings) -> str:
    if settings.redis_url:
        return settings.redis_url
    from genius.embedded import EmbeddedRedis

    return EmbeddedRedis(settings.data_dir).url


def broker_url_of(settings: Settings) -> str:
    return kombu_url(settings.broker_url or redis_url_of(settings))


def configure(app: Celery, settings: Settings) -> Celery:
    broker = broker_url_of(settings)
    amqp = is_amqp(broker)
    exchange = Exchange("genius.tasks", type="direct", durable=True)
    app.conf.update(
        broker_url=broker,
        result_backend=kombu_url(redis_url_of(settings)),
        result_expires=3600,
        task_queues=[Queue(w.tag, exchange, routing_key=w.tag, durable=True) for w in FLEET],
        task_default_queue="registry",
        task_default_exchange="genius.tasks",
        task_default_routing_key="registry",
        task_routes=(route_by_name,),
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        # At-least-once: a task is acked after it ran, and redelivered if its worker died.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_max_tasks_per_child=settings.worker_max_tasks_per_child,
        broker_heartbeat=30 if amqp else 0,
        broker_connection_retry_on_startup=True,
        broker_transport_options={} if amqp else {"visibility_timeout": settings.worker_visibility_timeout},
        result_backend_transport_options={"retry_policy": {"timeout": 5.0}},
        task_send_sent_event=True,
        worker_send_task_events=True,
        task_track_started=True,
        timezone="UTC",
        enable_utc=True,
        beat_schedule={
            "registry-health": {
                "task": "registry.health_check",
                "schedule": settings.worker_health_interval,
                "options": {"queue": "registry"},
            },
            "registry-monitor": {
                "task": "registry.detect_missing",
                "schedule": settings.worker_monitor_interval,
                "options": {"queue": "registry"},
            },
            **module_beat(),
        },
        worker_hijack_root_logger=False,
    )
    return app


def module_beat() -> dict[str, dict[str, object]]:
    """The modules' periodic tasks (their manifests' ``beat``)."""
    from genius.modules import beat_entries

    return {
        b.name: {"task": b.task, "schedule": b.seconds, "options": {"queue": b.queue}} for b in beat_entries()
    }


def sender_app(settings: Settings, broker_url: str, redis_url: str | None) -> Celery:
    """A Celery app that only sends tasks (the API's retries), on the given broker."""
    return configure(
        Celery("genius-sender"),
        settings.model_copy(update={"broker_url": broker_url, "redis_url": redis_url or settings.redis_url}),
    )


def route_by_name(
    name: str, args: object, kwargs: object, options: object, task: object = None, **kw: object
) -> dict[str, str] | None:
    """``email.send.batch`` → queue ``email.send``: the longest tag prefixing the task name."""
    best = None
    for tag in TAGS:
        if (name == tag or name.startswith(tag + ".")) and (best is None or len(tag) > len(best)):
            best = tag
    return {"queue": best, "routing_key": best} if best else None


celery_app = Celery("genius", include=TASK_MODULES)
configure(celery_app, get_settings())

# Signal handlers (metrics, registry heartbeats) are part of every worker process.
import genius.workers.base  # noqa: E402
import genius.workers.observability  # noqa: E402,F401  (trace context in task headers)
