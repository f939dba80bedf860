"""The Celery tasks (run eagerly): names and queue, submit → status → events, and the deep health check."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection

from genius.compliance.etransport import service, tasks
from genius.config import Settings
from tests.compliance.conftest import FakeAnaf
from tests.compliance.etransport import samples
from tests.compliance.etransport.conftest import Env, events


@pytest.fixture
def task_env(env: Env, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Env, list[Any]]]:
    scheduled: list[Any] = []
    monkeypatch.setattr(tasks.status, "apply_async", lambda args, countdown=None: scheduled.append(args))
    tasks.use_context(env.ctx)
    yield env, scheduled
    tasks.use_context(None)


def test_task_names_route_to_the_queue() -> None:
    from genius.workers.celery_app import route_by_name

    for task, name in ((tasks.submit, "anaf.etransport.submit"), (tasks.status, "anaf.etransport.status")):
        assert task.name == name
        route = route_by_name(task.name, None, None, None)
        assert route is not None and route["queue"] == "anaf.etransport"


def test_submit_then_status(task_env: tuple[Env, list[Any]], db: Connection) -> None:
    env, scheduled = task_env
    env.state.in_progress_polls = 0
    with env.ctx.db.tenant_session(env.tid) as session:
        row, _ = service.create(
            session, env.tid, samples.national(), shipment_ref="SHP-9", correlation_id="c-9"
        )
        did = str(row.id)
    result = tasks.submit.apply(args=[str(env.tid), did]).get()
    assert result["state"] == "uploaded" and scheduled == [[str(env.tid), did]]
    result = tasks.status.apply(args=[str(env.tid), did]).get()
    assert result["state"] == "valid"
    (code,) = events(db, env.tid, "wms.shipment.etransport_code")
    assert code["uit"] == result["uit"] and code["_correlation_id"] == "c-9"


def test_health(fake_anaf: FakeAnaf, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tasks, "get_settings", lambda: fake_anaf.settings(settings))
    assert "answered" in tasks.health()
    fake_anaf.states.etransport.faults = ["500"]
    with pytest.raises(RuntimeError, match="500"):
        tasks.health()
    monkeypatch.setattr(
        tasks, "get_settings", lambda: settings.model_copy(update={"anaf_api_base": "http://127.0.0.1:9"})
    )
    with pytest.raises(RuntimeError, match="unreachable"):
        tasks.health()
