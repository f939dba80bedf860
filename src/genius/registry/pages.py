"""The Ops page: live worker and queue status (htmx polling), failed tasks with retry, and the
pause/resume/restart signals the workers read."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, Response

from genius.core.audit import service as audit
from genius.core.kit.errors import Problem
from genius.registry import ops
from genius.registry.queues import queue_depth_reader
from genius.registry.service import Registry
from genius.web.pages import WebUser, _ctx, _platform, check_csrf, templates

router = APIRouter(include_in_schema=False)
SCOPE = "workers:admin"
TagPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_.-]*$")]
TaskIdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]


def _registry(request: Request) -> Registry | None:
    platform = _platform(request)
    if platform.redis is None:
        return None
    s = platform.settings
    return Registry(platform.redis, ttl=s.worker_ttl_seconds, metrics_ttl=s.worker_metrics_ttl_seconds)


def _forbidden(request: Request, user: Any) -> Response:
    _, account, tenant = user
    return templates.TemplateResponse(
        request, "forbidden.html", _ctx(request, account=account, tenant=tenant, scope=SCOPE), status_code=403
    )


def _visible_tid(user: Any) -> str | None:
    account = user[1]
    return None if "platform:admin" in account.scopes else str(account.tid)


def _fleet(request: Request, user: Any, notice: str = "", error: str = "") -> dict[str, Any]:
    registry = _registry(request)
    platform = _platform(request)
    workers: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    depths: dict[str, int] = {}
    if registry is not None:
        workers = registry.workers()
        failed = registry.failed(_visible_tid(user), limit=50)
    if platform.broker_url:
        try:
            depths = queue_depth_reader(platform.broker_url)()
        except Exception as exc:  # the page still shows the registry when the broker is down
            error = error or f"Broker unreachable: {type(exc).__name__}"
    _, account, tenant = user
    return _ctx(
        request,
        account=account,
        tenant=tenant,
        workers=workers,
        failed=failed,
        depths={q: n for q, n in depths.items() if n or q in {w["tag"] for w in workers}},
        now=time.time(),
        notice=notice,
        error=error,
    )


@router.get("/ops", response_class=HTMLResponse)
def ops_page(request: Request, user: WebUser) -> Response:
    if SCOPE not in user[1].scopes:
        return _forbidden(request, user)
    return templates.TemplateResponse(request, "ops.html", _fleet(request, user))


@router.get("/ops/fleet", response_class=HTMLResponse)
def ops_fleet(request: Request, user: WebUser) -> Response:
    if SCOPE not in user[1].scopes:
        return _forbidden(request, user)
    return templates.TemplateResponse(request, "ops_fleet.html", _fleet(request, user))


@router.post("/ops/workers/{tag}/signal", response_class=HTMLResponse, dependencies=[Depends(check_csrf)])
def ops_signal(
    request: Request, user: WebUser, tag: TagPath, signal: Annotated[str, Form(max_length=20)]
) -> Response:
    if SCOPE not in user[1].scopes:
        return _forbidden(request, user)
    registry = _registry(request)
    if signal not in {"pause", "resume", "restart"}:
        return templates.TemplateResponse(
            request, "ops_fleet.html", _fleet(request, user, error=f"Unknown signal {signal!r}."), 422
        )
    if registry is None or registry.describe(tag) is None:
        return templates.TemplateResponse(
            request, "ops_fleet.html", _fleet(request, user, error=f"No worker {tag!r}."), 404
        )
    registry.send_signal(tag, signal)
    _audit(request, user, "workers.worker.signalled", tag, {"signal": signal})
    notice = f"{signal.capitalize()} sent to {tag}; its workers act on their next heartbeat."
    return templates.TemplateResponse(request, "ops_fleet.html", _fleet(request, user, notice=notice))


@router.post("/ops/failed/{task_id}/retry", response_class=HTMLResponse, dependencies=[Depends(check_csrf)])
def ops_retry(request: Request, user: WebUser, task_id: TaskIdPath) -> Response:
    if SCOPE not in user[1].scopes:
        return _forbidden(request, user)
    registry = _registry(request)
    if registry is None:
        return templates.TemplateResponse(
            request, "ops_fleet.html", _fleet(request, user, error="The registry needs Redis."), 503
        )
    try:
        result = ops.retry_failed(_platform(request), registry, task_id, _visible_tid(user))
    except Problem as exc:
        return templates.TemplateResponse(
            request, "ops_fleet.html", _fleet(request, user, error=exc.detail or exc.title), exc.status
        )
    _audit(request, user, "workers.task.retried", task_id, {"task": result["task"], "new_id": result["id"]})
    notice = f"{result['task']} sent again as {result['id']}."
    return templates.TemplateResponse(request, "ops_fleet.html", _fleet(request, user, notice=notice))


def _audit(request: Request, user: Any, action: str, target: str, data: dict[str, Any]) -> None:
    _, account, _ = user
    platform = _platform(request)
    with platform.db.tenant_session(account.tid) as s:
        audit.record(
            s,
            account.tid,
            action,
            actor=account.email,
            target=target,
            data=data,
            request_id=getattr(request.state, "request_id", ""),
        )
