"""A campaign's send lifecycle: schedule (started once by the scheduler pass, even with concurrent
passes), pause / resume / cancel with the batch code of the worker against a real SMTP server, the state
machine (409 on an illegal step) and the audit trail."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection

from genius.core.platform import Platform
from genius.vettify import service
from genius.vettify.campaigns import delivery, lifecycle
from genius.vettify.campaigns import service as campaigns
from genius.vettify.campaigns.schemas import CampaignCreate, Channel, ScheduleIn
from tests.vettify.conftest import Crm
from tests.vettify.marketing.conftest import (
    SEND_BODY,
    FlakyInbox,
    campaign,
    contact,
    run_batch,
    wrap_sends,
)

LATER = datetime(2031, 3, 2, 9, 30, tzinfo=UTC)


def _rows(db: Connection, tid: uuid.UUID, sql: str, **params: Any) -> list[Any]:
    db.execute(text("SELECT set_config('app.tid', :t, true)"), {"t": str(tid)})
    return list(db.execute(text(sql), {"t": tid, **params}).all())


def _send_tasks(db: Connection, tid: uuid.UUID, campaign_id: str) -> list[int]:
    rows = _rows(
        db,
        tid,
        "SELECT data FROM core.outbox WHERE tid = :t AND kind = 'task' AND topic = 'email.send.campaign' "
        "AND aggregate_id = :c ORDER BY seq",
        c=campaign_id,
    )
    return [int(r[0]["args"][2]) for r in rows]


def _audited(db: Connection, tid: uuid.UUID, campaign_id: str) -> list[str]:
    rows = _rows(
        db,
        tid,
        "SELECT action FROM core.audit_log WHERE tid = :t AND target = :g ORDER BY seq",
        g=f"campaign:{campaign_id}",
    )
    return [r[0] for r in rows]


def _status(crm: Crm, campaign_id: str) -> str:
    return str(crm.call("GET", f"/campaigns/{campaign_id}").json()["status"])


def test_schedule_then_the_scheduler_starts_it_once(
    crm: Crm, send_on: Platform, tenant: Any, db: Connection
) -> None:
    for i in range(3):
        contact(crm, f"plan{i}@client.ro")
    c = campaign(crm)
    r = crm.call("POST", f"/campaigns/{c['id']}/schedule", {**SEND_BODY, "at": "2031-03-02T11:30:00+02:00"})
    assert r.status_code == 200, r.text
    assert r.json() == {"campaign_id": c["id"], "status": "scheduled", "run_at": "2031-03-02T09:30:00Z"}
    assert _status(crm, c["id"]) == "scheduled"
    assert _send_tasks(db, tenant.id, c["id"]) == []

    # a new time replaces the old one; a bad template is refused now, not at the due time
    later = {**SEND_BODY, "at": "2031-03-02T09:30:00Z"}
    assert crm.call("POST", f"/campaigns/{c['id']}/schedule", later).status_code == 200
    bad = {**later, "html": "<p>{{ nu_exista }}</p>"}
    assert crm.call("POST", f"/campaigns/{c['id']}/schedule", bad).status_code == 422

    with send_on.db.tenant_session(tenant.id) as s:
        early = lifecycle.start_due(s, tenant.id, send_on.settings, now=LATER - timedelta(seconds=1))
    assert early.started == [] and _status(crm, c["id"]) == "scheduled"
    with send_on.db.tenant_session(tenant.id) as s:
        due = lifecycle.start_due(s, tenant.id, send_on.settings, now=LATER)
    assert due.started == [uuid.UUID(c["id"])] and not due.failed
    with send_on.db.tenant_session(tenant.id) as s:
        assert (
            lifecycle.start_due(s, tenant.id, send_on.settings, now=LATER + timedelta(hours=1)).started == []
        )
    assert _status(crm, c["id"]) == "running"
    assert _send_tasks(db, tenant.id, c["id"]) == [0]
    metrics = crm.call("GET", f"/campaigns/{c['id']}/metrics").json()
    assert (metrics["status"], metrics["pending"]) == ("sending", 3)
    # sending it by hand now is refused like any second start
    assert crm.call("POST", f"/campaigns/{c['id']}/send", SEND_BODY).status_code == 409
    assert _audited(db, tenant.id, c["id"]) == [
        "crm.campaign.scheduled",
        "crm.campaign.scheduled",
        "crm.campaign.send_started",
    ]


def test_a_due_schedule_the_send_refuses_goes_back_to_draft_with_the_reason(
    crm: Crm, send_on: Platform, tenant: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = campaign(crm)
    body = {**SEND_BODY, "at": "2031-03-02T09:30:00Z"}
    assert crm.call("POST", f"/campaigns/{c['id']}/schedule", body).status_code == 200
    off = send_on.settings.model_copy(update={"feature_campaign_send_v2": False})
    with send_on.db.tenant_session(tenant.id) as s:
        out = lifecycle.start_due(s, tenant.id, off, now=LATER)
    assert list(out.failed) == [uuid.UUID(c["id"])] and "turned off" in out.failed[uuid.UUID(c["id"])]
    assert _status(crm, c["id"]) == "draft"


def test_pause_stops_after_the_message_in_hand_and_resume_sends_the_rest_once(
    crm: Crm,
    send_on: Platform,
    tenant: Any,
    db: Connection,
    sink: tuple[FlakyInbox, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, port = sink
    for i in range(8):
        contact(crm, f"dest{i}@client.ro")
    c = campaign(crm)
    assert crm.call("POST", f"/campaigns/{c['id']}/send", SEND_BODY).status_code == 202
    who = service.Actor(tid=tenant.id, name="ana@demo.local")
    real = delivery.deliver_batch

    async def paused_during_third(*args: Any, send: Any, **kwargs: Any) -> Any:
        count = 0

        def wrap(one: Any) -> Any:
            async def send_and_pause(message: dict[str, Any]) -> Any:
                nonlocal count
                count += 1
                if count == 3:  # the user presses "Pauză" while the third message is being sent
                    with send_on.db.tenant_session(tenant.id) as s:
                        lifecycle.pause(s, who, uuid.UUID(c["id"]))
                return await one(message)

            return send_and_pause

        return await real(*args, send=wrap_sends(send, wrap), **kwargs)

    monkeypatch.setattr(delivery, "deliver_batch", paused_during_third)
    result = run_batch(send_on, port, tenant.id, c["id"], 0, "task-1", connections=1)
    monkeypatch.setattr(delivery, "deliver_batch", real)
    assert (result.sent, result.pending, result.halted, result.completed) == (3, 5, True, False)
    assert len(inbox.messages) == 3
    assert _status(crm, c["id"]) == "paused"
    # a redelivered or retried copy of the batch sends nothing while paused
    assert run_batch(send_on, port, tenant.id, c["id"], 0, "task-2").sent == 0
    assert crm.call("POST", f"/campaigns/{c['id']}/pause").status_code == 409  # already paused

    r = crm.call("POST", f"/campaigns/{c['id']}/resume")
    assert r.status_code == 200, r.text
    assert r.json() == {
        "campaign_id": c["id"],
        "status": "running",
        "send_status": "sending",
        "pending": 5,
        "cancelled": 0,
    }
    assert _send_tasks(db, tenant.id, c["id"]) == [0, 0]  # the start's task, then the resume's
    result = run_batch(send_on, port, tenant.id, c["id"], 0, "task-3")
    assert (result.sent, result.completed) == (5, True)
    addresses = [rcpts[0] for rcpts, _ in inbox.messages]
    assert sorted(addresses) == [f"dest{i}@client.ro" for i in range(8)]  # each exactly once
    assert _status(crm, c["id"]) == "completed"
    assert crm.call("POST", f"/campaigns/{c['id']}/resume").status_code == 409
    assert _audited(db, tenant.id, c["id"]) == [
        "crm.campaign.send_started",
        "crm.campaign.paused",
        "crm.campaign.resumed",
    ]


def test_cancel_marks_the_rest_cancelled_and_sends_nothing_more(
    crm: Crm, send_on: Platform, tenant: Any, db: Connection, sink: tuple[FlakyInbox, int]
) -> None:
    inbox, port = sink
    for i in range(4):
        contact(crm, f"dest{i}@client.ro")
    c = campaign(crm)
    assert crm.call("POST", f"/campaigns/{c['id']}/send", SEND_BODY).status_code == 202
    assert crm.call("POST", f"/campaigns/{c['id']}/pause").status_code == 200
    r = crm.call("POST", f"/campaigns/{c['id']}/cancel")
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["send_status"], r.json()["cancelled"]) == (
        "cancelled",
        "cancelled",
        4,
    )
    result = run_batch(send_on, port, tenant.id, c["id"], 0, "task-1")
    assert (result.sent, result.halted, result.completed) == (0, True, False)
    assert inbox.messages == []
    cancelled = crm.call("GET", f"/campaigns/{c['id']}/recipients?state=cancelled").json()["items"]
    assert len(cancelled) == 4 and {x["reason"] for x in cancelled} == {"campaign cancelled"}
    assert _status(crm, c["id"]) == "cancelled"
    for action in ("pause", "resume", "cancel"):
        refused = crm.call("POST", f"/campaigns/{c['id']}/{action}")
        assert refused.status_code == 409 and refused.json()["type"].endswith("/campaign-transition"), action
    assert (
        crm.call("POST", f"/campaigns/{c['id']}/schedule", {**SEND_BODY, "at": LATER.isoformat()}).status_code
        == 409
    )
    assert _audited(db, tenant.id, c["id"]) == [
        "crm.campaign.send_started",
        "crm.campaign.paused",
        "crm.campaign.cancelled",
    ]


def test_a_cancelled_schedule_never_starts(crm: Crm, send_on: Platform, tenant: Any, db: Connection) -> None:
    contact(crm, "plan@client.ro")
    c = campaign(crm)
    assert (
        crm.call("POST", f"/campaigns/{c['id']}/schedule", {**SEND_BODY, "at": LATER.isoformat()}).status_code
        == 200
    )
    r = crm.call("POST", f"/campaigns/{c['id']}/cancel")
    assert r.status_code == 200 and r.json()["send_status"] is None
    with send_on.db.tenant_session(tenant.id) as s:
        assert lifecycle.start_due(s, tenant.id, send_on.settings, now=LATER).started == []
    assert _status(crm, c["id"]) == "cancelled" and _send_tasks(db, tenant.id, c["id"]) == []


def test_illegal_steps_are_409(crm: Crm, send_on: Platform) -> None:
    c = campaign(crm)
    for action in ("pause", "resume", "cancel"):  # a draft was never scheduled nor sent
        r = crm.call("POST", f"/campaigns/{c['id']}/{action}")
        assert r.status_code == 409 and r.json()["type"].endswith("/campaign-transition"), action
    assert crm.call("POST", f"/campaigns/{uuid.uuid4()}/pause").status_code == 404
    sms = crm.create("campaigns", name="SMS", channel="sms")
    r = crm.call("POST", f"/campaigns/{sms['id']}/schedule", {**SEND_BODY, "at": LATER.isoformat()})
    assert r.status_code == 409 and r.json()["type"].endswith("/campaign-channel")


def test_schedule_needs_the_flag_and_an_offset(crm: Crm) -> None:
    c = campaign(crm)
    r = crm.call("POST", f"/campaigns/{c['id']}/schedule", {**SEND_BODY, "at": LATER.isoformat()})
    assert r.status_code == 409 and r.json()["type"].endswith("/feature-disabled")
    r = crm.call("POST", f"/campaigns/{c['id']}/schedule", {**SEND_BODY, "at": "2031-03-02T09:30:00"})
    assert r.status_code == 422


def test_concurrent_scheduler_passes_start_each_campaign_exactly_once(
    platform: Platform, committed_tenant: Any
) -> None:
    tid = committed_tenant.id
    settings = platform.settings.model_copy(update={"feature_campaign_send_v2": True})
    who = service.Actor(tid=tid, name="planner@test")
    n = 12
    ids: list[uuid.UUID] = []
    with platform.db.tenant_session(tid) as s:
        for i in range(n):
            row = campaigns.create_campaign(s, who, CampaignCreate(name=f"Plan {i}", channel=Channel.email))
            ids.append(row.id)
            lifecycle.schedule(
                s, who, settings, row.id, ScheduleIn(**SEND_BODY, at=LATER - timedelta(minutes=i))
            )
    started: list[uuid.UUID] = []
    errors: list[BaseException] = []
    guard = threading.Lock()
    barrier = threading.Barrier(3)

    def scheduler() -> None:
        barrier.wait(5)
        try:
            idle = 0
            while idle < 3:  # a pass may find every due row held by the others: try again
                with platform.db.tenant_session(tid) as s:
                    out = lifecycle.start_due(s, tid, settings, now=LATER, limit=2)
                with guard:
                    started.extend(out.started)
                idle = 0 if out.started else idle + 1
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=scheduler) for _ in range(3)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        assert sorted(started) == sorted(ids)  # each once, none twice
        with platform.db.tenant_session(tid) as s:
            audit = Counter(
                s.scalars(
                    text("SELECT action FROM core.audit_log WHERE tid = :t AND action LIKE 'crm.campaign.%'"),
                    {"t": tid},
                )
            )
            sends = s.scalar(text("SELECT count(*) FROM crm.campaign_sends"))
        assert audit == {"crm.campaign.scheduled": n, "crm.campaign.send_started": n}
        assert sends == n
    finally:
        with platform.db.tenant_session(tid) as s:
            s.execute(text("DELETE FROM crm.campaigns"))


def test_metrics_over_time_per_hour_and_day_in_bucharest_time(
    crm: Crm, send_on: Platform, tenant: Any, db: Connection
) -> None:
    for i in range(3):
        contact(crm, f"serie{i}@client.ro")
    c = campaign(crm)
    assert crm.call("POST", f"/campaigns/{c['id']}/send", SEND_BODY).status_code == 202
    # three sends across local midnight (UTC+2 in December), one opened and clicked, one bounced
    _rows(
        db,
        tenant.id,
        "UPDATE crm.campaign_recipients SET state = 'sent', sent_at = CASE address "
        "WHEN 'serie0@client.ro' THEN timestamptz '2026-12-03 21:10Z' "
        "WHEN 'serie1@client.ro' THEN timestamptz '2026-12-03 21:40Z' "
        "ELSE timestamptz '2026-12-03 22:05Z' END, "
        "opened_at = CASE WHEN address = 'serie0@client.ro' THEN timestamptz '2026-12-03 22:30Z' END, "
        "clicked_at = CASE WHEN address = 'serie0@client.ro' THEN timestamptz '2026-12-03 22:31Z' END, "
        "bounced_at = CASE WHEN address = 'serie2@client.ro' THEN timestamptz '2026-12-03 22:06Z' END "
        "WHERE campaign_id = :c RETURNING id",
        c=c["id"],
    )
    hourly = crm.call("GET", f"/campaigns/{c['id']}/metrics?bucket=hour").json()["series"]
    assert hourly == [
        {"at": "2026-12-03T23:00:00+02:00", "sent": 2, "opened": 0, "clicked": 0, "bounced": 0},
        {"at": "2026-12-04T00:00:00+02:00", "sent": 1, "opened": 1, "clicked": 1, "bounced": 1},
    ]
    daily = crm.call("GET", f"/campaigns/{c['id']}/metrics?bucket=day").json()["series"]
    assert [(p["at"], p["sent"]) for p in daily] == [
        ("2026-12-03T00:00:00+02:00", 2),
        ("2026-12-04T00:00:00+02:00", 1),
    ]
    assert crm.call("GET", f"/campaigns/{c['id']}/metrics").json()["series"] == []
    assert crm.call("GET", f"/campaigns/{c['id']}/metrics?bucket=week").status_code == 422
