"""The Celery tasks (run eagerly) and the service: submit → result → events, the idempotency guard,
refusals, a timed-out send matched by messageId, tenant isolation, and the deep health check."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection

from genius.compliance.reges import service, tasks
from genius.compliance.reges.messages import loads
from genius.config import Settings
from genius.core.kit.errors import Conflict, NotFound
from tests.compliance.conftest import FakeAnaf
from tests.compliance.reges.conftest import BAD_CNP, Env, events, salariat, suspendare


@pytest.fixture
def task_env(env: Env, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Env, list[Any]]]:
    scheduled: list[Any] = []
    monkeypatch.setattr(tasks.result, "apply_async", lambda args, countdown=None: scheduled.append(args))
    tasks.use_context(env.ctx)
    yield env, scheduled
    tasks.use_context(None)


def create(env: Env, data: dict[str, Any], **kw: Any) -> str:
    with env.ctx.db.tenant_session(env.tid) as session:
        row, _ = service.create(session, env.tid, loads(json.dumps(data)), settings=env.ctx.settings, **kw)  # type: ignore[arg-type]
        return str(row.id)


def test_task_names_route_to_the_queue() -> None:
    from genius.workers.celery_app import route_by_name

    for task, name in ((tasks.submit, "reges.submit"), (tasks.result, "reges.result")):
        assert task.name == name
        route = route_by_name(task.name, None, None, None)
        assert route is not None and route["queue"] == "reges"


def test_submit_then_result_publishes_succeeded(task_env: tuple[Env, list[Any]], db: Connection) -> None:
    env, scheduled = task_env
    sid = create(env, salariat(), correlation_id="corr-1")
    tid = str(env.tid)
    out = tasks.submit.apply(args=[tid, sid]).get()
    assert out["state"] == "submitted" and out["receipt_id"] and scheduled == [[tid, sid]]
    with pytest.raises(Exception):
        tasks.result.apply(args=[tid, sid], throw=True).get()
    out = tasks.result.apply(args=[tid, sid]).get()
    assert out["state"] == "succeeded" and out["result"]["result"]["code"] == "SUCCES"
    (event,) = events(db, env.tid, "reges.submission.succeeded")
    assert event["submission_id"] == sid and event["receipt_id"] == out["receipt_id"]
    assert event["operation"] == "InregistrareSalariat" and event["_correlation_id"] == "corr-1"
    assert env.state.committed == [out["receipt_id"]]  # the queue entry was committed


def test_guard_never_sends_twice(task_env: tuple[Env, list[Any]]) -> None:
    env, _ = task_env
    sid = create(env, suspendare())
    tasks.submit.apply(args=[str(env.tid), sid]).get()
    again = tasks.submit.apply(args=[str(env.tid), sid]).get()  # a redelivered task
    assert again["state"] == "submitted" and len(env.state.submissions) == 1


def test_refused_result_publishes_failed(task_env: tuple[Env, list[Any]], db: Connection) -> None:
    env, _ = task_env
    env.state.processing_polls = 0
    env.state.fail_operations = {"SuspendareContract"}
    sid = create(env, suspendare())
    tasks.submit.apply(args=[str(env.tid), sid]).get()
    out = tasks.result.apply(args=[str(env.tid), sid]).get()
    assert out["state"] == "failed" and out["errors"]
    (event,) = events(db, env.tid, "reges.submission.failed")
    assert event["code"] == "FAIL" and event["messages"] == [out["errors"][0]]


def test_temporary_failure_goes_back_to_pending_and_is_retried(task_env: tuple[Env, list[Any]]) -> None:
    env, _ = task_env
    sid = create(env, salariat())
    env.state.faults = ["500"]
    with pytest.raises(Exception):
        tasks.submit.apply(args=[str(env.tid), sid], throw=True).get()
    with env.ctx.db.tenant_session(env.tid) as session:
        assert service.get(session, env.tid, uuid.UUID(sid)).state == "pending"
    assert tasks.submit.apply(args=[str(env.tid), sid]).get()["state"] == "submitted"


def test_timed_out_send_is_matched_by_message_id(env: Env, settings: Settings) -> None:
    env.state.processing_polls = 0
    env.ctx.timeout = 0.5
    env.ctx.client().nomenclator("cor")  # token first
    env.state.slow_seconds = 1.5
    env.state.faults = ["slow"]  # REGES gets the message but answers too late
    data = salariat()
    sid = uuid.UUID(create(env, data))
    out = service.submit(env.ctx, env.tid, sid)
    assert out["state"] == "submitted" and out["receipt_id"] is None and "timed out" in out["errors"][0]
    assert service.submit(env.ctx, env.tid, sid)["state"] == "submitted"  # never sent again
    out = service.follow(env.ctx, env.tid, sid)
    assert out["state"] == "succeeded" and out["receipt_id"]
    assert len(env.state.submissions) == 1


def test_results_of_other_tenants_wait_for_them(env: Env, make_tenant: Any) -> None:
    env.state.processing_polls = 0
    other = make_tenant()
    mine = uuid.UUID(create(env, salariat()))
    with env.ctx.db.tenant_session(other.id) as session:
        row, _ = service.create(session, other.id, loads(json.dumps(suspendare())))  # type: ignore[arg-type]
        theirs = row.id
    service.submit(env.ctx, env.tid, mine)
    service.submit(env.ctx, other.id, theirs)
    assert service.poll(env.ctx, env.tid, mine)["state"] == "succeeded"  # drains both results
    assert env.state.queue == []
    assert service.poll(env.ctx, other.id, theirs)["state"] == "succeeded"  # from the stash
    with env.ctx.db.tenant_session(env.tid) as session, pytest.raises(NotFound):
        service.get(session, env.tid, theirs)


def test_create_checks_and_idempotency(env: Env) -> None:
    from genius.compliance.reges.service import InvalidMessage

    with pytest.raises(InvalidMessage) as err:
        create(env, salariat(cnp=BAD_CNP))
    errors = err.value.errors or []
    assert [(e["field"], e["rule"]) for e in errors] == [("/info/cnp", "REGES-CNP")]
    data = salariat()
    first = create(env, data, idempotency_key="k-1")
    assert create(env, data, idempotency_key="k-1") == first
    with pytest.raises(Conflict):
        create(env, salariat(), idempotency_key="k-1")


def test_health(fake_anaf: FakeAnaf, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tasks, "get_settings", lambda: fake_anaf.settings(settings))
    assert "issued a token" in tasks.health()
    monkeypatch.setattr(tasks, "get_settings", lambda: fake_anaf.settings(settings, reges_client_secret="x"))
    with pytest.raises(RuntimeError, match="unauthorized"):
        tasks.health()
    unreachable = fake_anaf.settings(settings, reges_token_url="http://127.0.0.1:9/token")
    monkeypatch.setattr(tasks, "get_settings", lambda: unreachable)
    with pytest.raises(RuntimeError, match="unavailable"):
        tasks.health()
