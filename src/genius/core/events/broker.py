"""Broker plumbing through kombu: RabbitMQ (amqp://) in production, Redis in the embedded mode."""

from __future__ import annotations

from kombu import Connection, Exchange


def kombu_url(url: str) -> str:
    """redis-py's ``unix:///path?db=N`` is kombu's ``redis+socket:///path?virtual_host=N``."""
    if url.startswith("unix://"):
        path, _, query = url[len("unix://") :].partition("?")
        db = dict(p.split("=", 1) for p in query.split("&") if "=" in p).get("db")
        return f"redis+socket://{path}" + (f"?virtual_host={db}" if db else "")
    return url


def is_amqp(url: str) -> bool:
    return url.startswith(("amqp://", "amqps://", "pyamqp://"))


def connect(url: str, *, heartbeat: int = 30) -> Connection:
    url = kombu_url(url)
    options: dict[str, object] = {}
    if is_amqp(url):
        # Publisher confirms: publish() returns only once the broker has taken the message.
        options["confirm_publish"] = True
    return Connection(
        url, transport_options=options, heartbeat=heartbeat if is_amqp(url) else 0, connect_timeout=5
    )


def events_exchange(name: str = "genius.events") -> Exchange:
    return Exchange(name, type="topic", durable=True)
