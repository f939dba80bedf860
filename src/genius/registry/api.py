"""Worker Registry API (scope ``workers:admin``)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from genius.core.audit import service as audit
from genius.core.auth.deps import PlatformDep, TenantDB, WorkersAdmin
from genius.core.kit.errors import NotFound, ServiceUnavailable
from genius.core.kit.pagination import CursorParam, LimitParam, Page, decode_cursor, page_of
from genius.registry import ops
from genius.registry.service import FAILED_KEEP, Registry

router = APIRouter(tags=["workers"])
TagPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_.-]*$")]
TAG_RE = re.compile(r"^[a-z][a-z0-9_.-]*$")


class WorkerOut(BaseModel):
    tag: str
    status: Literal["running", "idle", "error", "stopped", "missing"]
    instances: int
    health_score: int
    version: str = ""
    last_seen: float | None = None
    queue_size: int = 0
    last_task_time: float | None = None
    active: int = 0
    processed: int = 0
    failed: int = 0
    health: dict[str, Any] | None = None
    metrics: dict[str, Any] | None = None
    instances_detail: list[dict[str, Any]] = Field(default_factory=list)


class HeartbeatIn(BaseModel):
    instance: str = Field(min_length=1, max_length=200)
    version: str = Field(default="", max_length=50)
    active: int = Field(default=0, ge=0, le=100000)
    queue_size: int = Field(default=0, ge=0, le=10_000_000)
    processed: int = Field(default=0, ge=0)
    failed: int = Field(default=0, ge=0)
    last_task_time: float | None = Field(default=None, ge=0)
    memory_rss: int = Field(default=0, ge=0)
    cpu_percent: float = Field(default=0.0, ge=0)


class SignalIn(BaseModel):
    signal: Literal["pause", "resume", "restart"]


def get_registry(platform: PlatformDep) -> Registry:
    if platform.redis is None:
        raise ServiceUnavailable("The registry needs Redis.")
    s = platform.settings
    return Registry(platform.redis, ttl=s.worker_ttl_seconds, metrics_ttl=s.worker_metrics_ttl_seconds)


RegistryDep = Annotated[Registry, Depends(get_registry)]


WORKERS_ORDER = "workers:tag"
FAILED_ORDER = "tasks-failed:-failed_at"


@router.get("/v1/workers", response_model=Page[WorkerOut], summary="Every worker tag and its status, by tag")
def list_workers(
    principal: WorkersAdmin, registry: RegistryDep, cursor: CursorParam = None, limit: LimitParam = 100
) -> Page[WorkerOut]:
    workers = sorted((WorkerOut.model_validate(w) for w in registry.workers()), key=lambda w: w.tag)
    if cursor:
        (after,) = decode_cursor(cursor, WORKERS_ORDER, (str,))
        workers = [w for w in workers if w.tag > after]
    return page_of(workers[: limit + 1], limit, WORKERS_ORDER, key=lambda w: (w.tag,))


@router.get("/v1/workers/{tag}", response_model=WorkerOut, summary="One worker tag")
def get_worker(tag: TagPath, principal: WorkersAdmin, registry: RegistryDep) -> WorkerOut:
    worker = registry.describe(tag)
    if worker is None:
        raise NotFound(f"No worker {tag!r} has registered.")
    return WorkerOut.model_validate(worker)


@router.patch(
    "/v1/workers/{tag}/heartbeat",
    response_model=WorkerOut,
    summary="Heartbeat from a worker outside this code base",
)
def heartbeat(tag: TagPath, body: HeartbeatIn, principal: WorkersAdmin, registry: RegistryDep) -> WorkerOut:
    registry.heartbeat(tag, body.instance, body.model_dump(exclude={"instance"}))
    worker = registry.describe(tag)
    assert worker is not None
    return WorkerOut.model_validate(worker)


@router.delete("/v1/workers/{tag}", status_code=204, summary="Forget a worker tag")
def delete_worker(
    tag: TagPath, principal: WorkersAdmin, registry: RegistryDep, db: TenantDB, request: Request
) -> None:
    if not registry.forget(tag):
        raise NotFound(f"No worker {tag!r} has registered.")
    audit.record(
        db,
        principal.tid,
        "workers.worker.removed",
        actor=principal.email or principal.sub,
        target=tag,
        request_id=request.state.request_id,
    )


@router.post("/v1/workers/{tag}/signals", status_code=202, summary="Pause, resume or restart a worker tag")
def send_signal(
    tag: TagPath,
    body: SignalIn,
    principal: WorkersAdmin,
    registry: RegistryDep,
    db: TenantDB,
    request: Request,
) -> dict[str, str]:
    if registry.describe(tag) is None:
        raise NotFound(f"No worker {tag!r} has registered.")
    registry.send_signal(tag, body.signal)
    audit.record(
        db,
        principal.tid,
        "workers.worker.signalled",
        actor=principal.email or principal.sub,
        target=tag,
        data={"signal": body.signal},
        request_id=request.state.request_id,
    )
    return {"tag": tag, "signal": body.signal, "status": "queued"}


class FailedTaskOut(BaseModel):
    id: str
    task: str
    queue: str
    tid: str | None = None
    error: str = ""
    retries: int = 0
    failed_at: float
    retriable: bool


TaskIdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]


@router.get(
    "/v1/tasks/failed", response_model=Page[FailedTaskOut], summary="Recently failed tasks, newest first"
)
def failed_tasks(
    principal: WorkersAdmin, registry: RegistryDep, cursor: CursorParam = None, limit: LimitParam = 100
) -> Page[FailedTaskOut]:
    entries = [
        FailedTaskOut.model_validate({**e, "retriable": e.get("call") is not None})
        for e in registry.failed(ops.visible_tid(principal), limit=FAILED_KEEP)
    ]
    entries.sort(key=_failed_key, reverse=True)
    if cursor:
        key = decode_cursor(cursor, FAILED_ORDER, (Decimal, str))
        entries = [t for t in entries if _failed_key(t) < key]
    return page_of(entries[: limit + 1], limit, FAILED_ORDER, key=_failed_key)


def _failed_key(task: FailedTaskOut) -> tuple[Decimal, str]:
    return Decimal(repr(task.failed_at)), task.id


@router.post("/v1/tasks/failed/{task_id}/retry", status_code=202, summary="Send a failed task again")
def retry_failed_task(
    task_id: TaskIdPath,
    principal: WorkersAdmin,
    registry: RegistryDep,
    platform: PlatformDep,
    db: TenantDB,
    request: Request,
) -> dict[str, Any]:
    result = ops.retry_failed(platform, registry, task_id, ops.visible_tid(principal))
    audit.record(
        db,
        principal.tid,
        "workers.task.retried",
        actor=principal.email or principal.sub,
        target=task_id,
        data={"task": result["task"], "new_id": result["id"]},
        request_id=request.state.request_id,
    )
    return result
