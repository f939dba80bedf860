"""Editing a sequence after its creation (``PUT /v1/crm/email-sequences/{id}`` under ``If-Match``):
rename, add, remove, reorder and change steps with the scheduler running. Enrolments already past a step
never get it (again), one waiting on a removed step moves to the step that follows (or completes), a
changed step reaches only the sends not made yet, every change is audited, and archive freezes it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection

from genius.core.platform import Platform
from genius.vettify import service as crm_service
from genius.vettify.sequences import service
from genius.vettify.sequences.schemas import EnrolIn
from tests.vettify.conftest import Crm
from tests.vettify.marketing.conftest import contact
from tests.vettify.sequences.conftest import mails, rows, run, sequence

MONDAY_09 = datetime(2026, 3, 30, 6, 0, tzinfo=UTC)  # 09:00 EEST
TUESDAY_09 = datetime(2026, 3, 31, 6, 0, tzinfo=UTC)
WEDNESDAY_09 = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)
DAY = 1440


def _enrol(platform: Platform, tid: uuid.UUID, sequence_id: str, ids: list[str], now: datetime) -> None:
    with platform.db.tenant_session(tid) as s:
        who = crm_service.Actor(tid=tid, name="test")
        service.enrol(
            s, who, uuid.UUID(sequence_id), EnrolIn(contact_ids=[uuid.UUID(i) for i in ids]), now=now
        )


def _get(crm: Crm, sequence_id: str) -> tuple[dict[str, Any], str]:
    r = crm.call("GET", f"/email-sequences/{sequence_id}")
    assert r.status_code == 200, r.text
    return r.json(), r.headers["ETag"]


def _step(row: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A step of the GET as the PUT takes it (its id kept), with changes."""
    keep = {k: row[k] for k in ("id", "delay_minutes", "subject", "html", "format", "condition")}
    return {**keep, **changes}


def _enrolments(crm: Crm, sequence_id: str) -> dict[str, dict[str, Any]]:
    items = crm.call("GET", f"/email-sequences/{sequence_id}/enrolments").json()["items"]
    return {e["contact_id"]: e for e in items}


def _audited(db: Connection, tid: uuid.UUID, sequence_id: str) -> list[tuple[str, dict[str, Any]]]:
    found = rows(
        db,
        tid,
        "SELECT action, data FROM core.audit_log WHERE tid = :t AND target = :g ORDER BY seq",
        g=f"email_sequence:{sequence_id}",
    )
    return [(str(a), dict(d or {})) for a, d in found]


def test_edit_needs_the_current_etag_and_valid_steps(crm: Crm, tenant: Any, db: Connection) -> None:
    made = sequence(crm, {"subject": "Primul"}, {"subject": "Al doilea", "delay_minutes": DAY})
    got, tag = _get(crm, made["id"])
    assert tag == f'"{got["version"]}"'
    body = {"name": "Bun venit (nou)", "steps": [_step(s) for s in got["steps"]]}
    missing = crm.call("PUT", f"/email-sequences/{made['id']}", body)
    assert missing.status_code == 428 and missing.headers["content-type"].startswith(
        "application/problem+json"
    )
    stale = crm.call("PUT", f"/email-sequences/{made['id']}", body, If_Match='"999"')
    assert stale.status_code == 412 and stale.json()["current_etag"] == tag

    foreign = {**body, "steps": [_step(got["steps"][0], id=str(uuid.uuid4()))]}
    r = crm.call("PUT", f"/email-sequences/{made['id']}", foreign, If_Match=tag)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "steps.0.id"
    twice = {**body, "steps": [_step(got["steps"][0]), _step(got["steps"][0])]}
    r = crm.call("PUT", f"/email-sequences/{made['id']}", twice, If_Match=tag)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "steps.1.id"
    bad = {**body, "steps": [_step(got["steps"][0]), {"subject": "x", "html": "{{ varsta }}"}]}
    r = crm.call("PUT", f"/email-sequences/{made['id']}", bad, If_Match=tag)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "steps.1.html"
    empty = crm.call("PUT", f"/email-sequences/{made['id']}", {**body, "steps": []}, If_Match=tag)
    assert empty.status_code == 422

    ok = crm.call("PUT", f"/email-sequences/{made['id']}", body, If_Match=tag)
    assert ok.status_code == 200, ok.text
    assert ok.json()["name"] == "Bun venit (nou)" and ok.headers["ETag"] != tag
    assert [s["id"] for s in ok.json()["steps"]] == [s["id"] for s in got["steps"]]
    again = crm.call("PUT", f"/email-sequences/{made['id']}", body, If_Match=tag)
    assert again.status_code == 412  # the first writer won; the second is told, nothing overwritten
    same = crm.call("PUT", f"/email-sequences/{made['id']}", body, If_Match=ok.headers["ETag"])
    assert same.status_code == 200 and same.headers["ETag"] == ok.headers["ETag"]  # no change, no version

    archived = crm.call("POST", f"/email-sequences/{made['id']}/archive", If_Match=ok.headers["ETag"])
    assert archived.status_code == 200 and archived.json()["status"] == "archived"
    frozen = crm.call("PUT", f"/email-sequences/{made['id']}", body, If_Match=archived.headers["ETag"])
    assert frozen.status_code == 409
    assert crm.call("POST", f"/email-sequences/{made['id']}/activate").status_code == 409
    refused = crm.call(
        "POST", f"/email-sequences/{made['id']}/enrolments", {"contact_ids": [str(uuid.uuid4())]}
    )
    assert refused.status_code == 409
    audited = _audited(db, tenant.id, made["id"])
    assert [a for a, _ in audited] == [
        "crm.email_sequence.created",
        "crm.email_sequence.updated",
        "crm.email_sequence.archived",
    ]
    assert audited[1][1]["name"] == {"from": "Bun venit", "to": "Bun venit (nou)"}


def test_removed_inserted_and_edited_steps_with_the_scheduler(
    crm: Crm, platform: Platform, tenant: Any, db: Connection
) -> None:
    tid = tenant.id
    made = sequence(
        crm,
        {"subject": "A"},
        {"subject": "B", "delay_minutes": DAY},
        {"subject": "C", "delay_minutes": DAY},
    )
    ana = contact(crm, "ana@client.ro", first_name="Ana")
    ion = contact(crm, "ion@client.ro", first_name="Ion")
    crm.call("POST", f"/email-sequences/{made['id']}/activate")
    _enrol(platform, tid, made["id"], [ana["id"]], MONDAY_09)
    assert run(platform, tid, MONDAY_09).sent == 1  # A to Ana
    _enrol(platform, tid, made["id"], [ion["id"]], TUESDAY_09)
    assert run(platform, tid, TUESDAY_09).sent == 2  # B to Ana, A to Ion
    before = _enrolments(crm, made["id"])
    assert (before[ana["id"]]["step"], before[ion["id"]]["step"]) == (3, 2)

    # D goes first (both are past it), B (Ion waits on it) goes, C gets a new subject
    got, tag = _get(crm, made["id"])
    a, _b, c = got["steps"]
    body = {
        "name": got["name"],
        "steps": [{"subject": "D", "html": "<p>nou</p>"}, _step(a), _step(c, subject="C nou, {{ prenume }}")],
    }
    r = crm.call("PUT", f"/email-sequences/{made['id']}", body, If_Match=tag)
    assert r.status_code == 200, r.text
    assert [s["subject"] for s in r.json()["steps"]] == ["D", "A", "C nou, {{ prenume }}"]
    after = _enrolments(crm, made["id"])
    assert (after[ana["id"]]["step"], after[ion["id"]]["step"]) == (3, 3)  # both wait on C now
    # Ion's wait is recounted from his latest send (Tuesday's A) with C's delay
    assert datetime.fromisoformat(after[ion["id"]]["next_due_at"]) == WEDNESDAY_09
    assert after[ana["id"]]["next_due_at"] == before[ana["id"]]["next_due_at"]

    third = run(platform, tid, WEDNESDAY_09)
    assert (third.sent, third.completed) == (2, 2)
    assert run(platform, tid, WEDNESDAY_09).picked == 0  # exactly once
    subjects = sorted((m["to"][0], m["subject"]) for m in mails(db, tid))
    assert subjects == [
        ("ana@client.ro", "A"),
        ("ana@client.ro", "B"),
        ("ana@client.ro", "C nou, Ana"),
        ("ion@client.ro", "A"),
        ("ion@client.ro", "C nou, Ion"),
    ]
    # The removed step keeps its row (Ana's ledger entry of B stays with its tracking)
    kept = rows(db, tid, "SELECT count(*) FROM crm.email_sequence_steps WHERE sequence_id = :s", s=made["id"])
    assert kept[0][0] == 4
    updated = [d for a, d in _audited(db, tid, made["id"]) if a == "crm.email_sequence.updated"]
    assert len(updated) == 1 and set(updated[0]) >= {"added", "removed", "moved", "edited", "enrolments"}
    assert updated[0]["removed"] == [_b["id"]] and updated[0]["edited"] == [c["id"]]


def test_reordered_step_already_sent_is_not_sent_again_and_removing_the_last_completes(
    crm: Crm, platform: Platform, tenant: Any, db: Connection
) -> None:
    tid = tenant.id
    made = sequence(crm, {"subject": "A"}, {"subject": "B", "delay_minutes": DAY})
    other = sequence(crm, {"subject": "X"}, {"subject": "Y", "delay_minutes": DAY}, name="Altă secvență")
    ana = contact(crm, "ana@client.ro", first_name="Ana")
    for q in (made, other):
        crm.call("POST", f"/email-sequences/{q['id']}/activate")
        _enrol(platform, tid, q["id"], [ana["id"]], MONDAY_09)
    assert run(platform, tid, MONDAY_09).sent == 2  # A and X

    # B before A: Ana still waits on B (now first); A, already hers, is passed by, not re-sent
    got, tag = _get(crm, made["id"])
    a, b = got["steps"]
    r = crm.call(
        "PUT",
        f"/email-sequences/{made['id']}",
        {"name": got["name"], "steps": [_step(b), _step(a)]},
        If_Match=tag,
    )
    assert r.status_code == 200, r.text
    assert _enrolments(crm, made["id"])[ana["id"]]["step"] == 1
    # Y (the step Ana waits on in the other sequence) is removed: nothing follows it, she completes
    got, tag = _get(crm, other["id"])
    r = crm.call(
        "PUT",
        f"/email-sequences/{other['id']}",
        {"name": got["name"], "steps": [_step(got["steps"][0])]},
        If_Match=tag,
    )
    assert r.status_code == 200, r.text
    done = _enrolments(crm, other["id"])[ana["id"]]
    assert (done["state"], done["next_due_at"]) == ("completed", None)

    outcome = run(platform, tid, TUESDAY_09)
    assert (outcome.sent, outcome.completed) == (1, 0)
    run(platform, tid, datetime(2026, 4, 2, 6, 0, tzinfo=UTC))
    assert sorted(m["subject"] for m in mails(db, tid)) == ["A", "B", "X"]
    assert _enrolments(crm, made["id"])[ana["id"]]["state"] == "completed"


def test_archiving_stops_the_active_enrolments(
    crm: Crm, platform: Platform, tenant: Any, db: Connection
) -> None:
    """Archive as a user expects it: the contacts in progress stop (``archived``), the finished ones keep
    their state, nothing more is sent, and the audit says how many stopped."""
    tid = tenant.id
    made = sequence(crm, {"subject": "A"}, {"subject": "B", "delay_minutes": DAY})
    ana = contact(crm, "ana@client.ro", first_name="Ana")
    ion = contact(crm, "ion@client.ro", first_name="Ion")
    eva = contact(crm, "eva@client.ro", first_name="Eva")
    crm.call("POST", f"/email-sequences/{made['id']}/activate")
    _enrol(platform, tid, made["id"], [ana["id"], ion["id"], eva["id"]], MONDAY_09)
    assert run(platform, tid, MONDAY_09).sent == 3  # A to all three
    replied = crm.call("POST", "/email-sequences/replies", {"contact_id": eva["id"]})
    assert replied.status_code == 200 and replied.json()["stopped"] == 1
    sent_before = len(mails(db, tid))

    archived = crm.call("POST", f"/email-sequences/{made['id']}/archive")
    assert archived.status_code == 200 and archived.json()["status"] == "archived"
    assert archived.json()["enrolments"] == {"stopped": 3}
    enrolments = _enrolments(crm, made["id"])
    assert {c: (e["state"], e["stop_reason"]) for c, e in enrolments.items()} == {
        ana["id"]: ("stopped", "archived"),
        ion["id"]: ("stopped", "archived"),
        eva["id"]: ("stopped", "replied"),  # already stopped: its reason stays
    }
    assert all(e["next_due_at"] is None and e["ended_at"] for e in enrolments.values())
    assert run(platform, tid, WEDNESDAY_09).sent == 0 and len(mails(db, tid)) == sent_before
    shown = crm.call("GET", f"/email-sequences/contacts/{ana['id']}")  # the contact's sequence card
    assert [(e["state"], e["stop_reason"]) for e in shown.json()] == [("stopped", "archived")]
    action, data = _audited(db, tid, made["id"])[-1]
    assert action == "crm.email_sequence.archived" and data["enrolments_stopped"] == 2
