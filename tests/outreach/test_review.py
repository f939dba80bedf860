"""The review queue's actions (F2.13): each one audited, closing or updating its item, a reply queued as
a communication-log row plus an outbox task to the channel's queue; the SLA sweep; the send task."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from genius.core.platform import Platform
from genius.outreach.review import tasks
from tests.core.test_rls import as_tenant

PREFIX = "/v1/outreach/review"


def make_item(
    client: TestClient,
    db: Connection,
    tenant: Any,
    *,
    suggestion: str | None = "Mulțumim, revenim cu o ofertă.",
    channel: str = "WHATSAPP",
    due: datetime | None = None,
    state: str = "CONTACTED_WA",
) -> dict[str, Any]:
    h = tenant.headers
    lead = client.post(
        "/v1/crm/leads",
        json={
            "first_name": "Ana",
            "company_name": "Lotus SRL",
            "phone": "+40722123456",
            "email": "ana@lotus.ro",
        },
        headers=h,
    )
    assert lead.status_code == 201, lead.text
    journey = client.post("/v1/outreach/journeys", json={"lead_id": lead.json()["id"]}, headers=h).json()
    as_tenant(db, tenant.id)
    ids = {"j": journey["id"], "l": lead.json()["id"], "m": str(uuid.uuid4()), "i": str(uuid.uuid4())}
    db.execute(
        text(
            "UPDATE outreach.gold_lead_journey SET current_state = CAST(:s AS outreach.current_state_enum),"
            " requires_human_review = true, next_action_at = now() + interval '1 day' WHERE id = :j"
        ),
        {"s": state, "j": ids["j"]},
    )
    db.execute(
        text(
            "INSERT INTO outreach.gold_communication_log (id, tid, journey_id, lead_id, channel, direction,"
            " status, content_preview, content_hash, quota_cost, created_at, updated_at)"
            " VALUES (:m, :tid, :j, :l, CAST(:ch AS outreach.channel_enum), 'INBOUND', 'REPLIED',"
            " 'Prea scump.', :hash, 0, now(), now())"
        ),
        {**ids, "tid": tenant.id, "ch": channel, "hash": "0" * 64},
    )
    db.execute(
        text(
            "INSERT INTO outreach.human_review_queue (id, tid, journey_id, lead_id, communication_id, reason,"
            " priority, status, sentiment_score, sentiment_label, trigger_keywords, message_preview,"
            " suggested_reply, sla_due_at, sla_breached, created_at, updated_at)"
            " VALUES (:i, :tid, :j, :l, :m, 'NEGATIVE_SENTIMENT', 'HIGH', 'PENDING', -40, 'negative', '[]',"
            " 'Prea scump.', :sug, :due, false, now(), now())"
        ),
        {**ids, "tid": tenant.id, "sug": suggestion, "due": due or datetime.now(UTC) + timedelta(hours=4)},
    )
    return ids


def code(response: Any) -> str:
    """The problem's code (the last segment of its type URL)."""
    return str(response.json()["type"]).rsplit("/", 1)[-1]


def post(client: TestClient, tenant: Any, item: str, action: str, body: Any = None) -> Any:
    return client.post(f"{PREFIX}/{item}/{action}", json=body, headers=tenant.headers)


def audit_actions(db: Connection, tenant: Any) -> list[str]:
    as_tenant(db, tenant.id)
    rows = db.execute(
        text("SELECT action FROM core.audit_log WHERE action LIKE 'outreach.review.%' ORDER BY seq")
    )
    return [r[0] for r in rows]


def outbox_tasks(db: Connection, tenant: Any) -> list[tuple[str, Any]]:
    as_tenant(db, tenant.id)
    rows = db.execute(
        text(
            "SELECT topic, data FROM core.outbox WHERE kind = 'task' AND topic LIKE 'outreach.%' ORDER BY id"
        )
    )
    return [(r[0], r[1]) for r in rows]


def test_approve_sends_the_suggestion_once(client: TestClient, db: Connection, tenant: Any) -> None:
    ids = make_item(client, db, tenant)
    queue = client.get(PREFIX, headers=tenant.headers).json()
    assert [i["id"] for i in queue["items"]] == [ids["i"]] and queue["next"] is None
    r = post(client, tenant, ids["i"], "approve")
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["item"]["status"] == "RESOLVED" and out["item"]["resolution"] == "APPROVED"
    assert out["item"]["final_reply"] == "Mulțumim, revenim cu o ofertă."
    assert out["message"]["channel"] == "WHATSAPP" and out["message"]["status"] == "QUEUED"
    [(task, data)] = outbox_tasks(db, tenant)
    assert task == "outreach.whatsapp.send"
    assert data["kwargs"]["communication_id"] == out["message"]["id"] and data["kwargs"]["to"]
    assert data["kwargs"]["text"] == "Mulțumim, revenim cu o ofertă."
    assert audit_actions(db, tenant) == ["outreach.review.approved"]
    again = post(client, tenant, ids["i"], "approve")
    assert again.status_code == 409 and code(again) == "review-resolved"
    assert client.get(PREFIX, headers=tenant.headers).json()["items"] == []
    resolved = client.get(PREFIX, params={"status": "RESOLVED"}, headers=tenant.headers).json()["items"]
    assert [i["id"] for i in resolved] == [ids["i"]]


def test_edited_reply_goes_out_on_the_leads_channel(client: TestClient, db: Connection, tenant: Any) -> None:
    ids = make_item(client, db, tenant, suggestion=None, channel="EMAIL_COLD")
    refused = post(client, tenant, ids["i"], "approve")
    assert refused.status_code == 409 and code(refused) == "no-suggested-reply"
    assert post(client, tenant, ids["i"], "reply", {"text": "   "}).status_code == 422
    assert post(client, tenant, ids["i"], "reply", {}).status_code == 422
    r = post(client, tenant, ids["i"], "reply", {"text": "  Vă sun mâine la 10.  "})
    assert r.status_code == 200, r.text
    assert (
        r.json()["item"]["resolution"] == "EDITED"
        and r.json()["item"]["final_reply"] == "Vă sun mâine la 10."
    )
    assert r.json()["message"]["channel"] == "EMAIL_COLD"
    assert [t for t, _ in outbox_tasks(db, tenant)] == ["outreach.email.send"]
    assert audit_actions(db, tenant) == ["outreach.review.edited"]


def test_take_over_stops_the_automation(client: TestClient, db: Connection, tenant: Any) -> None:
    ids = make_item(client, db, tenant)
    r = post(client, tenant, ids["i"], "takeover")
    assert r.status_code == 200, r.text
    assert r.json()["is_human_controlled"] is True and r.json()["message"] is None
    journey = client.get(f"/v1/outreach/journeys/{ids['j']}", headers=tenant.headers).json()
    assert journey["is_human_controlled"] is True and journey["next_action_at"] is None
    assert journey["requires_human_review"] is False
    as_tenant(db, tenant.id)
    owner = db.execute(
        text("SELECT assigned_to_user, sequence_paused FROM outreach.gold_lead_journey WHERE id = :j"), ids
    ).one()
    assert tuple(owner) == (tenant.admin_id, True)
    assert audit_actions(db, tenant) == ["outreach.review.taken_over"]
    assert outbox_tasks(db, tenant) == []


def test_mark_dead_uses_the_state_machine(client: TestClient, db: Connection, tenant: Any) -> None:
    ids = make_item(client, db, tenant)
    r = post(client, tenant, ids["i"], "dead", {"reason": "Nu are buget"})
    assert r.status_code == 200, r.text
    assert r.json()["journey_state"] == "DEAD" and r.json()["item"]["resolution"] == "MARKED_DEAD"
    journey = client.get(f"/v1/outreach/journeys/{ids['j']}", headers=tenant.headers).json()
    assert [(t["from_state"], t["to_state"], t["reason"]) for t in journey["transitions"]] == [
        ("CONTACTED_WA", "DEAD", "Nu are buget")
    ]
    assert audit_actions(db, tenant) == ["outreach.review.dead"]
    # A second item on a journey that is already dead: the state machine refuses, nothing changes.
    as_tenant(db, tenant.id)
    other = str(uuid.uuid4())
    db.execute(
        text(
            "INSERT INTO outreach.human_review_queue (id, tid, journey_id, lead_id, reason, priority, status,"
            " trigger_keywords, message_preview, sla_due_at, sla_breached, created_at, updated_at)"
            " VALUES (:o, :tid, :j, :l, 'MANUAL_FLAG', 'LOW', 'PENDING', '[]', '', now(), false, now(),"
            " now())"
        ),
        {**ids, "o": other, "tid": tenant.id},
    )
    refused = post(client, tenant, other, "dead")
    assert refused.status_code == 409 and code(refused) == "illegal-transition"
    assert client.get(f"{PREFIX}/{other}", headers=tenant.headers).json()["status"] == "PENDING"
    closed = post(client, tenant, other, "reply", {"text": "Salut"})
    assert closed.status_code == 409 and code(closed) == "journey-closed"


def test_snooze_hides_the_item_until_its_time(client: TestClient, db: Connection, tenant: Any) -> None:
    ids = make_item(client, db, tenant)
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    far = (datetime.now(UTC) + timedelta(days=31)).isoformat()
    for until in (past, far):
        bad = post(client, tenant, ids["i"], "snooze", {"until": until})
        assert bad.status_code == 422 and code(bad) == "snooze-out-of-range"
    assert post(client, tenant, ids["i"], "snooze", {"until": "tomorrow"}).status_code == 422
    until = datetime.now(UTC) + timedelta(hours=2)
    r = post(client, tenant, ids["i"], "snooze", {"until": until.isoformat()})
    assert r.status_code == 200, r.text
    assert r.json()["item"]["status"] == "SNOOZED"
    assert client.get(PREFIX, headers=tenant.headers).json()["items"] == []
    snoozed = client.get(PREFIX, params={"status": "SNOOZED"}, headers=tenant.headers).json()["items"]
    assert [i["id"] for i in snoozed] == [ids["i"]]
    # Its time passes: it is back in the queue, and a reviewer can still act on it.
    as_tenant(db, tenant.id)
    db.execute(text("UPDATE outreach.human_review_queue SET snoozed_until = now() - interval '1 second'"))
    assert [i["id"] for i in client.get(PREFIX, headers=tenant.headers).json()["items"]] == [ids["i"]]
    assert post(client, tenant, ids["i"], "approve").status_code == 200
    assert audit_actions(db, tenant) == ["outreach.review.snoozed", "outreach.review.approved"]


def test_sla_sweep_flags_overdue_items_once(
    client: TestClient, db: Connection, tenant: Any, platform: Platform
) -> None:
    late = make_item(client, db, tenant, due=datetime.now(UTC) - timedelta(minutes=5))
    on_time = make_item(client, db, tenant)
    tasks.use_context(platform.db)
    try:
        first = tasks.sla_sweep()
        second = tasks.sla_sweep()
    finally:
        tasks.use_context(None)
    assert first["flagged"][str(tenant.id)] == 1
    assert str(tenant.id) not in second["flagged"]
    assert client.get(f"{PREFIX}/{late['i']}", headers=tenant.headers).json()["sla_breached"] is True
    assert client.get(f"{PREFIX}/{on_time['i']}", headers=tenant.headers).json()["sla_breached"] is False
    items = client.get(PREFIX, headers=tenant.headers).json()["items"]
    assert [i["id"] for i in items] == [late["i"], on_time["i"]]  # the nearest deadline first


def test_pages_of_the_queue(client: TestClient, db: Connection, tenant: Any) -> None:
    made = [make_item(client, db, tenant, due=datetime.now(UTC) + timedelta(hours=n)) for n in range(1, 4)]
    first = client.get(PREFIX, params={"limit": 2}, headers=tenant.headers).json()
    second = client.get(PREFIX, params={"limit": 2, "cursor": first["next"]}, headers=tenant.headers).json()
    assert [i["id"] for i in first["items"] + second["items"]] == [m["i"] for m in made]
    assert second["next"] is None
    bad = client.get(PREFIX, params={"cursor": "abc"}, headers=tenant.headers)
    assert bad.status_code == 400 and code(bad) == "bad-cursor"


def test_tenants_and_scopes(client: TestClient, db: Connection, make_tenant: Any) -> None:
    a, b = make_tenant(), make_tenant()
    ids = make_item(client, db, a)
    assert client.get(PREFIX, headers=b.headers).json()["items"] == []
    assert post(client, b, ids["i"], "approve").status_code == 404
    assert client.get(PREFIX).status_code == 401
    assert client.post(f"{PREFIX}/{ids['i']}/approve").status_code == 401
    assert post(client, a, str(uuid.uuid4()), "takeover").status_code == 404
