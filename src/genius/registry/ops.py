"""Operations on the fleet shared by the API and the ops page: failed tasks and their retry."""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from celery import Celery

from genius.core.auth.tokens import Principal
from genius.core.kit.errors import Conflict, NotFound
from genius.core.platform import Platform
from genius.registry.service import Registry

_senders: dict[int, Celery] = {}
log = structlog.get_logger("genius.registry.ops")


def visible_tid(principal: Principal) -> str | None:
    """Platform admins see every tenant's failed tasks; everyone else only their own tenant's."""
    return None if "platform:admin" in principal.scopes else str(principal.tid)


def sender(platform: Platform) -> Celery:
    app = _senders.get(id(platform))
    if app is None:
        from genius.workers.celery_app import sender_app

        if not platform.broker_url:
            raise Conflict("No broker is configured.")
        app = _senders[id(platform)] = sender_app(platform.settings, platform.broker_url, platform.redis_url)
    return app


def enqueue(platform: Platform, task: str, tid: uuid.UUID, record_id: uuid.UUID) -> bool:
    """Send ``task(tid, record_id)`` for a row the request has recorded. A broker outage must not lose
    that row: it is logged and answered ``False`` (the row stays pending and can be sent again)."""
    try:
        sender(platform).send_task(task, args=[str(tid), str(record_id)], headers={"genius_tid": str(tid)})
        return True
    except Exception as exc:
        log.warning("enqueue_failed", task=task, record=str(record_id), error=str(exc))
        return False


def retry_failed(platform: Platform, registry: Registry, task_id: str, tid: str | None) -> dict[str, Any]:
    entry = registry.take_failed(task_id, tid)
    if entry is None:
        raise NotFound(f"No failed task {task_id!r}.")
    call = entry.get("call")
    if call is None:
        registry.record_failure({**entry, "error": entry.get("error", "")})
        raise Conflict("This task's arguments were too large to keep; send it again from its source.")
    headers = {"genius_tid": entry["tid"]} if entry.get("tid") else {}
    result = sender(platform).send_task(
        entry["task"], args=call["args"], kwargs=call["kwargs"], headers=headers
    )
    return {"id": result.id, "task": entry["task"], "retry_of": task_id, "status": "queued"}
