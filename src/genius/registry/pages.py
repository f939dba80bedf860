"""The Ops page: live worker and queue status (htmx polling), failed tasks with retry, and the
pause/resume/restart signals the workers read."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from genius.core.audit import service as audit
from genius.core.auth.scopes import Scope
from genius.core.kit.errors import Problem
from genius.core.kit.manifest import N_, HealthSignal
from genius.registry import ops
from genius.registry.queues import queue_depth_reader
from genius.registry.service import Registry
from genius.web.kit import CsrfChecked, PageDB, PageUser, _, context, page_requires, platform_of, render

router = APIRouter(include_in_schema=False)
# The registry's typed page dependency: a signed-in user holding workers:admin (else the Shell's 403 page).
OpsUser = Annotated[PageUser, Depends(page_requires(Scope.WORKERS_ADMIN))]
TagPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_.-]*$")]
TaskIdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]


def _registry(request: Request) -> Registry | None:
    platform = platform_of(request)
    if platform.redis is None:
        return None
    s = platform.settings
    return Registry(platform.redis, ttl=s.worker_ttl_seconds, metrics_ttl=s.worker_metrics_ttl_seconds)


def _visible_tid(user: PageUser) -> str | None:
    account = user.account
    return None if Scope.PLATFORM_ADMIN in account.scopes else str(account.tid)


def _fleet(request: Request, user: PageUser, notice: str = "", error: str = "") -> dict[str, Any]:
    registry = _registry(request)
    platform = platform_of(request)
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
            error = error or _("The broker is unreachable: %(error)s", error=type(exc).__name__)
    account, tenant = user.account, user.tenant
    return context(
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
def ops_page(request: Request, user: OpsUser) -> Response:
    return render(request, "ops.html", _fleet(request, user))


@router.get("/ops/fleet", response_class=HTMLResponse)
def ops_fleet(request: Request, user: OpsUser) -> Response:
    return render(request, "ops_fleet.html", _fleet(request, user))


@router.post("/ops/workers/{tag}/signal", response_class=HTMLResponse, dependencies=[CsrfChecked])
def ops_signal(
    request: Request, user: OpsUser, db: PageDB, tag: TagPath, signal: Annotated[str, Form(max_length=20)]
) -> Response:
    registry = _registry(request)
    if signal not in {"pause", "resume", "restart"}:
        return render(
            request,
            "ops_fleet.html",
            _fleet(request, user, error=_("Unknown signal %(signal)s.", signal=signal)),
            422,
        )
    if registry is None or registry.describe(tag) is None:
        return render(
            request, "ops_fleet.html", _fleet(request, user, error=_("No worker %(tag)s.", tag=tag)), 404
        )
    registry.send_signal(tag, signal)
    _audit(request, db, user, "workers.worker.signalled", tag, {"signal": signal})
    notice = {
        "pause": _("Pause sent to %(tag)s; its workers act on their next heartbeat.", tag=tag),
        "resume": _("Resume sent to %(tag)s; its workers act on their next heartbeat.", tag=tag),
        "restart": _("Restart sent to %(tag)s; its workers act on their next heartbeat.", tag=tag),
    }[signal]
    return render(request, "ops_fleet.html", _fleet(request, user, notice=notice))


@router.post("/ops/failed/{task_id}/retry", response_class=HTMLResponse, dependencies=[CsrfChecked])
def ops_retry(request: Request, user: OpsUser, db: PageDB, task_id: TaskIdPath) -> Response:
    registry = _registry(request)
    if registry is None:
        return render(
            request, "ops_fleet.html", _fleet(request, user, error=_("The registry needs Redis.")), 503
        )
    try:
        result = ops.retry_failed(platform_of(request), registry, task_id, _visible_tid(user))
    except Problem as exc:
        return render(
            request, "ops_fleet.html", _fleet(request, user, error=exc.detail or exc.title), exc.status
        )
    _audit(
        request, db, user, "workers.task.retried", task_id, {"task": result["task"], "new_id": result["id"]}
    )
    notice = _("%(task)s sent again as %(id)s.", task=result["task"], id=result["id"])
    return render(request, "ops_fleet.html", _fleet(request, user, notice=notice))


def _audit(
    request: Request, db: Session, user: PageUser, action: str, target: str, data: dict[str, Any]
) -> None:
    account = user.account
    audit.record(
        db,
        account.tid,
        action,
        actor=account.email,
        target=target,
        data=data,
        request_id=getattr(request.state, "request_id", ""),
    )


def health(db: Any, platform: Any) -> list[HealthSignal]:
    """The fleet's signal for the Shell's health widget: the oldest heartbeat among running workers
    (seconds; a worker that stops beating turns it amber, then red)."""
    if platform.redis is None:
        return []
    s = platform.settings
    workers = Registry(platform.redis, ttl=s.worker_ttl_seconds).workers()
    now = time.time()
    ages = [now - w["last_seen"] for w in workers if w.get("last_seen")]
    value = max(ages) if ages else None
    signals = [HealthSignal("workers", N_("Workers"), value, "s", warn_at=30, fail_at=s.worker_ttl_seconds)]
    if platform.broker_url:
        signals.append(
            HealthSignal(
                "queued", N_("Queued tasks"), _queued(platform.broker_url), "", warn_at=100, fail_at=1000
            )
        )
    return signals


_QUEUED_CACHE: dict[str, tuple[float, float | None]] = {}


def _queued(broker_url: str) -> float | None:
    """Tasks waiting on every fleet queue (None: the broker did not answer); read at most every 10 s."""
    now = time.monotonic()
    cached = _QUEUED_CACHE.get(broker_url)
    if cached and now - cached[0] < 10:
        return cached[1]
    try:
        value: float | None = float(sum(queue_depth_reader(broker_url)().values()))
    except Exception:
        value = None
    _QUEUED_CACHE[broker_url] = (now, value)
    return value
