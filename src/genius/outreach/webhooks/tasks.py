"""``outreach.webhook.process`` (queue ``outreach``): applies one kept webhook delivery in its tenant's
transaction. Deferred by the webhook endpoint through the outbox; safe to run twice (``apply`` leaves a
processed delivery alone, under its row lock)."""

from __future__ import annotations

import uuid
from typing import Any

from celery import Task

from genius.config import get_settings
from genius.core.storage import tenant_files_from_settings
from genius.outreach.webhooks import service
from genius.workers.celery_app import celery_app
from genius.workers.context import task_tenant, worker_database


@celery_app.task(name=service.TASK, bind=True, acks_late=True)
def process(self: Task, delivery_id: str, tid: str | None = None, **_: Any) -> str:
    tenant = task_tenant(self, tid)
    settings = get_settings()
    files = tenant_files_from_settings(settings).for_tenant(tenant)
    with worker_database(settings).tenant_session(tenant) as session:
        return service.apply(session, uuid.UUID(delivery_id), files)
