from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class Envelope(BaseModel):
    """What goes on the wire for every event (the message body; ``x-corr-id`` also rides as a header)."""

    id: uuid.UUID
    topic: str
    tid: uuid.UUID
    occurred_at: datetime
    correlation_id: str | None = Field(default=None, description="x-corr-id: ties a chain of work together")
    trace_id: str | None = Field(default=None, description="W3C trace id of the publishing request")
    traceparent: str | None = Field(
        default=None, description="W3C traceparent of the publishing span: a consumer's span continues it"
    )
    version: int = 1
    aggregate_id: str | None = None
    data: dict[str, Any]


class OutboxOut(BaseModel):
    id: uuid.UUID
    seq: int
    kind: str = Field(default="event", description="event, or task (topic = the task's name)")
    topic: str
    queue: str | None = None
    version: int
    aggregate_id: str | None
    occurred_at: datetime
    correlation_id: str | None
    published_at: datetime | None
    attempts: int
    dead: bool
    last_error: str | None
    next_attempt_at: datetime
