"""Webhook delivery SQL."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from genius.core.db.base import new_id
from genius.outreach.models import CommunicationLog
from genius.outreach.webhooks.models import WebhookDelivery


def store(
    session: Session,
    tid: uuid.UUID,
    provider: str,
    delivery_id: str,
    event_type: str,
    payload: dict[str, Any],
) -> uuid.UUID | None:
    """Keep the delivery; its id, or ``None`` when the same delivery was already kept."""
    row_id = new_id()
    stored = session.execute(
        insert(WebhookDelivery)
        .values(
            id=row_id,
            tid=tid,
            provider=provider,
            delivery_id=delivery_id,
            event_type=event_type,
            payload=payload,
        )
        .on_conflict_do_nothing(constraint="uq_webhook_deliveries_delivery")
        .returning(WebhookDelivery.id)
    ).scalar_one_or_none()
    return stored


def delivery_locked(session: Session, delivery: uuid.UUID) -> WebhookDelivery | None:
    return session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.id == delivery).with_for_update()
    ).first()


def communication(session: Session, communication_id: uuid.UUID) -> CommunicationLog | None:
    return session.get(CommunicationLog, communication_id)


def last_in_thread(session: Session, provider: str, thread_id: str) -> CommunicationLog | None:
    """The latest message of a provider's conversation (TimelinesAI chat)."""
    return session.scalars(
        select(CommunicationLog)
        .where(CommunicationLog.provider == provider, CommunicationLog.external_thread_id == thread_id)
        .order_by(CommunicationLog.created_at.desc(), CommunicationLog.id.desc())
        .limit(1)
    ).first()
