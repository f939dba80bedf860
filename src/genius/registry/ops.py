"""Operations on the fleet shared by the API and the ops page: failed tasks and their retry."""

from __future__ import annotations

import uuid
from typing import Any

import structlog

from genius.core.auth.scopes import Scope
from genius.core.auth.tokens import Principal
from genius.core.events.service import defer
from genius.core.kit.errors import Conflict, NotFound
from genius.core.platform import Platform
from genius.registry.events import PLATFORM_TID
from genius.registry.service import Registry

log = structlog.get_logger("genius.registry.ops")


def visible_tid(principal: Principal) -> str | None:
    """Platform admins see every tenant's failed tasks; everyone else only their own tenant's."""
    return None if Scope.PLATFORM_ADMIN in principal.scopes else str(principal.tid)


def retry_failed(platform: Platform, registry: Registry, task_id: str, tid: str | None) -> dict[str, Any]:
    """Send a failed task again, through the outbox of the tenant that sent it (the platform's nil
    tenant for fleet tasks): the retry survives a broker outage like any other deferred work."""
    entry = registry.take_failed(task_id, tid)
    if entry is None:
        raise NotFound(f"No failed task {task_id!r}.")
    call = entry.get("call")
    if call is None:
        registry.record_failure({**entry, "error": entry.get("error", "")})
        raise Conflict("This task's arguments were too large to keep; send it again from its source.")
    owner = uuid.UUID(entry["tid"]) if entry.get("tid") else PLATFORM_TID
    try:
        with platform.db.tenant_session(owner) as session:
            row = defer(session, entry["task"], tid=owner, args=call["args"], kwargs=call["kwargs"])
            row_id = str(row.id)
    except Exception:
        registry.record_failure(entry)  # put it back: the retry did not commit
        raise
    return {"id": row_id, "task": entry["task"], "retry_of": task_id, "status": "queued"}
