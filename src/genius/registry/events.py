"""Registry events. They describe the shared fleet, not a tenant's data, so they carry the nil
tenant id and are published straight to the exchange (there is no tenant transaction to join)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from pydantic import BaseModel

from genius.core.events.broker import connect, events_exchange
from genius.core.events.registry import event

PLATFORM_TID = uuid.UUID(int=0)


@event("registry.worker.missing", version=1)
class WorkerMissing(BaseModel):
    """No heartbeat from any process of this worker tag for longer than the registry TTL."""

    tag: str
    last_seen: float | None = None


@event("registry.worker.recovered", version=1)
class WorkerRecovered(BaseModel):
    """A missing worker tag sends heartbeats again."""

    tag: str


def publish_direct(broker_url: str, exchange: str, topic: str, data: BaseModel) -> None:
    envelope = {
        "id": str(uuid.uuid4()),
        "topic": topic,
        "tid": str(PLATFORM_TID),
        "occurred_at": datetime.now(UTC).isoformat(),
        "correlation_id": uuid.uuid4().hex,
        "trace_id": None,
        "version": 1,
        "aggregate_id": getattr(data, "tag", None),
        "data": data.model_dump(mode="json"),
    }
    with connect(broker_url) as conn:
        producer = conn.Producer()
        producer.publish(
            json.dumps(envelope),
            exchange=events_exchange(exchange),
            routing_key=topic,
            content_type="application/json",
            content_encoding="utf-8",
            delivery_mode=2,
            message_id=envelope["id"],
            headers={"x-corr-id": envelope["correlation_id"]},
            declare=[events_exchange(exchange)],
            retry=True,
            retry_policy={"max_retries": 3},
        )
