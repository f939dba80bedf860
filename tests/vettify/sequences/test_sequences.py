"""E-mail sequences end to end with a controllable clock: the API (create with steps, 422 on a bad
template or field, activate / pause with a 409 for an illegal move, enrol by hand and from a segment),
the scheduler pass (steps in order at their local due time across the March DST change, conditions
opened / clicked / not replied, the sending window), and every stop with its reason: reply, unsubscribe
(the message's own link), bounce (a suppression), no lawful basis, conversion (``crm.lead.converted``)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy.engine import Connection

from genius.core.events.schemas import Envelope
from genius.core.platform import Platform
from genius.vettify import consumers
from genius.vettify import service as crm_service
from genius.vettify.campaigns import bounces
from genius.vettify.campaigns.tracking import sign
from genius.vettify.sequences import service
from genius.vettify.sequences.schemas import EnrolIn
from genius.workers.email_send.tasks import parse
from tests.vettify.conftest import Crm
from tests.vettify.marketing.conftest import contact
from tests.vettify.sequences.conftest import ledger, mails, rows, run, sequence

BUCHAREST = ZoneInfo("Europe/Bucharest")
FRIDAY_10 = datetime(2026, 3, 27, 8, 0, tzinfo=UTC)  # 10:00 EET, two days before the spring change
MONDAY_09 = datetime(2026, 3, 30, 6, 0, tzinfo=UTC)  # 09:00 EEST
TUESDAY_09 = datetime(2026, 3, 31, 6, 0, tzinfo=UTC)


def _enrol(platform: Platform, tid: uuid.UUID, sequence_id: str, ids: list[str], now: datetime) -> Any:
    with platform.db.tenant_session(tid) as s:
        who = crm_service.Actor(tid=tid, name="test")
        return service.enrol(
            s, who, uuid.UUID(sequence_id), EnrolIn(contact_ids=[uuid.UUID(i) for i in ids]), now=now
        )


def _enrolments(crm: Crm, sequence_id: str) -> dict[str, dict[str, Any]]:
    r = crm.call("GET", f"/email-sequences/{sequence_id}/enrolments")
    assert r.status_code == 200, r.text
    return {e["contact_id"]: e for e in r.json()["items"]}


def test_create_validates_steps_and_templates(crm: Crm) -> None:
    bad = crm.call(
        "POST",
        "/email-sequences",
        {
            "name": "Greșit",
            "steps": [{"subject": "Bună", "html": "<p>ok</p>"}, {"subject": "x", "html": "{{ varsta }}"}],
        },
    )
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["errors"][0]["field"] == "steps.1.html"
    assert "varsta" in bad.json()["errors"][0]["message"]
    empty = crm.call("POST", "/email-sequences", {"name": "Gol", "steps": []})
    assert empty.status_code == 422
    wrong = crm.call(
        "POST",
        "/email-sequences",
        {"name": "X", "steps": [{"subject": "a", "html": "<p>b</p>", "condition": "maybe"}]},
    )
    assert wrong.status_code == 422 and "condition" in wrong.text
    negative = crm.call(
        "POST",
        "/email-sequences",
        {"name": "X", "steps": [{"subject": "a", "html": "<p>b</p>", "delay_minutes": -1}]},
    )
    assert negative.status_code == 422

    made = sequence(crm, {}, {"delay_minutes": 2880, "condition": "opened"}, name="Bun venit")
    assert made["status"] == "draft" and [s["position"] for s in made["steps"]] == [1, 2]
    assert made["steps"][1]["condition"] == "opened" and made["window"]["start_hour"] == 9
    assert crm.call("GET", f"/email-sequences/{made['id']}").json()["name"] == "Bun venit"
    listed = crm.call("GET", "/email-sequences").json()
    assert [i["id"] for i in listed["items"]] == [made["id"]] and listed["items"][0]["steps"] == 2

    refused = crm.call("POST", f"/email-sequences/{made['id']}/pause")
    assert refused.status_code == 409 and refused.json()["allowed"] == ["active", "archived"]
    assert crm.call("POST", f"/email-sequences/{made['id']}/activate").json()["status"] == "active"
    assert crm.call("POST", f"/email-sequences/{made['id']}/pause").json()["status"] == "paused"
    assert crm.call("GET", f"/email-sequences/{uuid.uuid4()}").status_code == 404
    assert crm.call("POST", f"/email-sequences/{made['id']}/enrolments", {}).status_code == 422


def test_steps_go_out_in_order_at_their_local_time_with_conditions(
    crm: Crm, platform: Platform, tenant: Any, db: Connection
) -> None:
    tid = tenant.id
    seq = sequence(
        crm,
        {"subject": "Bine ați venit, {{ prenume }}"},
        {"subject": "Ați citit?", "delay_minutes": 2 * 1440, "condition": "opened"},
        {"subject": "Ultimul mesaj", "delay_minutes": 1440, "condition": "not_replied"},
    )
    ana = contact(crm, "ana@client.ro", first_name="Ana")
    ion = contact(crm, "ion@client.ro", first_name="Ion")
    out = _enrol(platform, tid, seq["id"], [ana["id"], ion["id"], str(uuid.uuid4())], FRIDAY_10)
    assert (out.enrolled, out.already, out.unknown) == (2, 0, 1)
    assert run(platform, tid, FRIDAY_10).picked == 0  # a draft sends nothing
    crm.call("POST", f"/email-sequences/{seq['id']}/activate")

    first = run(platform, tid, FRIDAY_10)
    assert (first.sent, first.picked) == (2, 2)
    sent = mails(db, tid)
    assert sorted(m["to"][0] for m in sent) == ["ana@client.ro", "ion@client.ro"]
    to_ana = next(m for m in sent if m["to"] == ["ana@client.ro"])
    assert to_ana["subject"] == "Bine ați venit, Ana"
    assert "/v1/crm/track/open/" in to_ana["html"] and "Dezabonare" in to_ana["html"]
    assert to_ana["list_unsubscribe_post"] is True and to_ana["idempotency_key"].startswith("crm-sequence:")
    parse(to_ana, str(tid))  # what the email.send worker accepts
    state = _enrolments(crm, seq["id"])
    # two days after Friday 10:00 is Sunday (the clocks changed): the window opens Monday 09:00 EEST
    assert state[ana["id"]]["step"] == 2
    assert datetime.fromisoformat(state[ana["id"]]["next_due_at"]) == MONDAY_09
    assert run(platform, tid, FRIDAY_10).picked == 0  # nothing due twice
    assert run(platform, tid, datetime(2026, 3, 30, 5, 59, tzinfo=UTC)).picked == 0

    # Ana opens the first message (its pixel); Ion does not
    pixel_of = rows(
        db,
        tid,
        "SELECT s.id FROM crm.email_sequence_sends s JOIN crm.email_sequence_enrolments e "
        "ON e.id = s.enrolment_id WHERE e.contact_id = :c AND s.position = 1",
        c=ana["id"],
    )[0][0]
    token = sign(platform.settings.secret_key or "", "open", tid, pixel_of)
    client: TestClient = crm.client
    assert client.get(f"/v1/crm/track/open/{token}").status_code == 200

    second = run(platform, tid, MONDAY_09)
    assert (second.sent, second.skipped) == (1, 1)
    assert [m["subject"] for m in mails(db, tid)][-1] == "Ați citit?"
    state = _enrolments(crm, seq["id"])
    assert datetime.fromisoformat(state[ion["id"]]["next_due_at"]).astimezone(BUCHAREST).hour == 9
    assert datetime.fromisoformat(state[ana["id"]]["next_due_at"]) == TUESDAY_09

    # Ion replies: his enrolment stops, the third step never reaches him
    r = crm.call("POST", "/email-sequences/replies", {"address": "ION@client.ro"})
    assert r.status_code == 200 and r.json() == {"stopped": 1}
    third = run(platform, tid, TUESDAY_09)
    assert (third.sent, third.completed, third.picked) == (1, 1, 1)
    state = _enrolments(crm, seq["id"])
    assert state[ana["id"]]["state"] == "completed" and state[ana["id"]]["next_due_at"] is None
    assert (state[ion["id"]]["state"], state[ion["id"]]["stop_reason"]) == ("stopped", "replied")
    assert ledger(db, tid, state[ana["id"]]["id"]) == [(1, "queued"), (2, "queued"), (3, "queued")]
    assert ledger(db, tid, state[ion["id"]]["id"]) == [(1, "queued"), (2, "skipped")]
    assert len(mails(db, tid)) == 4
    shown = crm.call("GET", f"/email-sequences/contacts/{ana['id']}").json()
    assert [(e["sequence_name"], e["state"], e["steps"]) for e in shown] == [(seq["name"], "completed", 3)]
    assert crm.call("GET", f"/email-sequences/contacts/{uuid.uuid4()}").status_code == 404
    assert crm.call("POST", "/email-sequences/replies", {"contact_id": str(uuid.uuid4())}).status_code == 404
    both = crm.call("POST", "/email-sequences/replies", {"contact_id": ana["id"], "address": "a@b.ro"})
    assert both.status_code == 422
    again = _enrol(platform, tid, seq["id"], [ana["id"]], TUESDAY_09)
    assert (again.enrolled, again.already) == (0, 1)


def test_clicked_condition_and_the_autumn_change(
    crm: Crm, platform: Platform, tenant: Any, db: Connection
) -> None:
    tid = tenant.id
    every_day = {"start_hour": 0, "end_hour": 24, "weekdays": [1, 2, 3, 4, 5, 6, 7]}
    seq = sequence(
        crm, {}, {"subject": "Pasul doi", "delay_minutes": 1440, "condition": "clicked"}, window=every_day
    )
    ana = contact(crm, "ana@client.ro")
    saturday_10 = datetime(2026, 10, 24, 7, 0, tzinfo=UTC)  # 10:00 EEST
    _enrol(platform, tid, seq["id"], [ana["id"]], saturday_10)
    crm.call("POST", f"/email-sequences/{seq['id']}/activate")
    assert run(platform, tid, saturday_10).sent == 1
    state = _enrolments(crm, seq["id"])[ana["id"]]
    due = datetime.fromisoformat(state["next_due_at"])
    assert due == datetime(2026, 10, 25, 8, 0, tzinfo=UTC) and due.astimezone(BUCHAREST).hour == 10
    send_id = rows(db, tid, "SELECT id FROM crm.email_sequence_sends WHERE enrolment_id = :e", e=state["id"])[
        0
    ][0]
    link = "https://genius.ro/ghid"
    click = sign(platform.settings.secret_key or "", "click", tid, send_id, link)
    assert (
        crm.client.get(f"/v1/crm/track/click/{click}", params={"u": link}, follow_redirects=False).status_code
        == 302
    )
    assert run(platform, tid, due).sent == 1
    assert ledger(db, tid, state["id"]) == [(1, "queued"), (2, "queued")]


def test_stops_no_basis_bounce_unsubscribe_and_conversion(
    crm: Crm, platform: Platform, tenant: Any, db: Connection
) -> None:
    tid = tenant.id
    seq = sequence(crm, {}, {"delay_minutes": 60})
    ana = contact(crm, "ana@client.ro")
    fara = contact(crm, "fara@client.ro", basis=None)
    dan = contact(crm, "dan@client.ro")
    eva = contact(crm, "eva@client.ro")
    bob = contact(crm, "bob@client.ro")
    zoe = contact(crm, "zoe@client.ro")  # unsubscribed before: the scheduler stops her at her first step
    assert (
        crm.call("POST", "/suppressions", {"address": "zoe@client.ro", "reason": "unsubscribed"}).status_code
        == 201
    )
    everyone = [ana["id"], fara["id"], dan["id"], eva["id"], bob["id"], zoe["id"]]
    _enrol(platform, tid, seq["id"], everyone, FRIDAY_10)
    crm.call("POST", f"/email-sequences/{seq['id']}/activate")
    out = run(platform, tid, FRIDAY_10)
    assert (out.sent, out.stopped) == (4, 2)
    state = _enrolments(crm, seq["id"])
    assert state[fara["id"]]["stop_reason"] == "no_basis"

    # Dan's address is suppressed as bounced by hand; Bob's complaint comes through the webhook path
    suppressed = crm.call("POST", "/suppressions", {"address": "dan@client.ro", "reason": "bounced"})
    assert suppressed.status_code == 201
    with platform.db.tenant_session(tid) as s:
        complaint = bounces.MailEvent(status="complained", occurred_at=FRIDAY_10, address="bob@client.ro")
        assert bounces.apply(s, tid, "webhook", "evt-1", [complaint]).suppressed == ["bob@client.ro"]
    # Ana unsubscribes with her message's own link: stopped at once, the address suppressed
    send_id = rows(
        db, tid, "SELECT id FROM crm.email_sequence_sends WHERE enrolment_id = :e", e=state[ana["id"]]["id"]
    )[0][0]
    token = sign(platform.settings.secret_key or "", "unsubscribe", tid, send_id)
    assert crm.client.post(f"/v1/crm/track/unsubscribe/{token}").status_code == 200
    assert crm.call("GET", "/suppressions").json()["items"][0]["address"] in (
        "ana@client.ro",
        "dan@client.ro",
    )
    # Eva converts (a lead converted to her contact)
    envelope = Envelope(
        id=uuid.uuid4(),
        topic="crm.lead.converted",
        tid=tid,
        occurred_at=FRIDAY_10,
        data={
            "lead_id": str(uuid.uuid4()),
            "account_id": str(uuid.uuid4()),
            "contact_id": eva["id"],
            "account_created": True,
            "contact_created": False,
            "converted_by": "t",
            "converted_at": FRIDAY_10.isoformat(),
        },
    )
    with platform.db.tenant_session(tid) as s:
        consumers.handle(s, envelope)

    later = run(platform, tid, datetime(2026, 3, 27, 9, 0, tzinfo=UTC))
    assert later.picked == 0  # every stop took effect at once
    state = _enrolments(crm, seq["id"])
    assert {k: (v["state"], v["stop_reason"]) for k, v in state.items()} == {
        ana["id"]: ("stopped", "unsubscribed"),
        fara["id"]: ("stopped", "no_basis"),
        dan["id"]: ("stopped", "bounced"),
        eva["id"]: ("stopped", "converted"),
        bob["id"]: ("stopped", "complained"),
        zoe["id"]: ("stopped", "unsubscribed"),
    }
    assert len(mails(db, tid)) == 4  # only the first step, and not to the one without a basis


def test_paused_sequences_wait_and_a_late_pass_respects_the_window(
    crm: Crm, platform: Platform, tenant: Any, db: Connection
) -> None:
    tid = tenant.id
    seq = sequence(crm, {})
    ana = contact(crm, "ana@client.ro")
    _enrol(platform, tid, seq["id"], [ana["id"]], FRIDAY_10)
    crm.call("POST", f"/email-sequences/{seq['id']}/activate")
    crm.call("POST", f"/email-sequences/{seq['id']}/pause")
    assert run(platform, tid, FRIDAY_10).picked == 0
    crm.call("POST", f"/email-sequences/{seq['id']}/activate")
    saturday = datetime(2026, 3, 28, 10, 0, tzinfo=UTC)  # resumed on Saturday: outside the window
    out = run(platform, tid, saturday)
    assert (out.waiting, out.sent) == (1, 0)
    assert datetime.fromisoformat(_enrolments(crm, seq["id"])[ana["id"]]["next_due_at"]) == MONDAY_09
    assert run(platform, tid, MONDAY_09).sent == 1
    assert len(mails(db, tid)) == 1


def test_enrol_from_a_segment(crm: Crm, tenant: Any) -> None:
    seq = sequence(crm, {})
    contact(crm, "ana@client.ro", city="Cluj-Napoca")
    contact(crm, "ion@client.ro", city="Iași")
    made = crm.call(
        "POST",
        "/segments",
        {
            "name": "Cluj",
            "entity": "contact",
            "filter": {"match": "all", "rules": [{"field": "city", "op": "eq", "value": "Cluj-Napoca"}]},
        },
    )
    assert made.status_code == 201, made.text
    seg = made.json()
    r = crm.call("POST", f"/email-sequences/{seq['id']}/enrolments", {"segment_id": seg["id"]})
    assert r.status_code == 200 and r.json() == {"enrolled": 1, "already": 0, "unknown": 0}
    items = crm.call("GET", f"/email-sequences/{seq['id']}/enrolments").json()["items"]
    assert [(i["source"], i["state"], i["step"]) for i in items] == [("segment", "active", 1)]
    missing = crm.call("POST", f"/email-sequences/{seq['id']}/enrolments", {"segment_id": str(uuid.uuid4())})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "segment_id"
