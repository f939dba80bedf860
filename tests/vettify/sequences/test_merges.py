"""Merging contacts and e-mail sequences: the merged contact's enrolments follow it to the survivor, one
per sequence, so the person is never mailed twice by one sequence; old links to a merged record's page
lead on to its survivor."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Connection

from genius.core.platform import Platform
from genius.vettify import service as crm_service
from genius.vettify.sequences import service
from genius.vettify.sequences.schemas import EnrolIn
from tests.core.test_admin_pages import login
from tests.vettify.conftest import Crm
from tests.vettify.marketing.conftest import contact
from tests.vettify.sequences.conftest import mails, run, sequence

MONDAY_09 = datetime(2026, 3, 30, 6, 0, tzinfo=UTC)  # 09:00 EEST
WEDNESDAY_09 = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)
DAY = 1440


def _enrol(platform: Platform, tid: uuid.UUID, sequence_id: str, ids: list[str], now: datetime) -> None:
    with platform.db.tenant_session(tid) as s:
        who = crm_service.Actor(tid=tid, name="test")
        body = EnrolIn(contact_ids=[uuid.UUID(i) for i in ids])
        service.enrol(s, who, uuid.UUID(sequence_id), body, now=now)


def _card(crm: Crm, contact_id: str) -> dict[str, tuple[str, str | None]]:
    r = crm.call("GET", f"/email-sequences/contacts/{contact_id}")
    assert r.status_code == 200, r.text
    return {e["sequence_name"]: (e["state"], e["stop_reason"]) for e in r.json()}


def test_merge_moves_enrolments_and_stops_the_second_one_in_a_sequence(
    crm: Crm, platform: Platform, tenant: Any, db: Connection
) -> None:
    tid = tenant.id
    welcome = sequence(crm, {"subject": "A"}, {"subject": "B", "delay_minutes": DAY}, name="Bun venit")
    revival = sequence(crm, {"subject": "R"}, {"subject": "S", "delay_minutes": DAY}, name="Reactivare")
    for q in (welcome, revival):
        crm.call("POST", f"/email-sequences/{q['id']}/activate")
    ana = contact(crm, "ana@client.ro", first_name="Ana")
    dup = contact(crm, "ana.pop@client.ro", first_name="Ana")
    _enrol(platform, tid, welcome["id"], [ana["id"], dup["id"]], MONDAY_09)
    _enrol(platform, tid, revival["id"], [dup["id"]], MONDAY_09)
    assert run(platform, tid, MONDAY_09).sent == 3

    merged = crm.call("POST", "/contacts/merge", {"survivor_id": ana["id"], "merged_ids": [dup["id"]]})
    assert merged.status_code == 200, merged.text
    assert merged.json()["moved"] == {"sequence_enrolments": 1, "sequence_enrolments_stopped": 1}
    # The survivor keeps its own place in "Bun venit" and takes the duplicate's "Reactivare".
    assert _card(crm, ana["id"]) == {"Bun venit": ("active", None), "Reactivare": ("active", None)}
    in_welcome = crm.call("GET", f"/email-sequences/{welcome['id']}/enrolments").json()["items"]
    assert {(e["contact_id"], e["state"], e["stop_reason"]) for e in in_welcome} == {
        (ana["id"], "active", None),
        (dup["id"], "stopped", "merged"),
    }
    sent = len(mails(db, tid))
    assert run(platform, tid, WEDNESDAY_09).sent == 2  # B and S, once each, to the survivor
    assert [m["to"] for m in mails(db, tid)[sent:]] == [["ana@client.ro"], ["ana@client.ro"]]


def test_the_merged_records_page_leads_to_the_survivor(client: TestClient, tenant: Any, crm: Crm) -> None:
    acc = crm.create("accounts", name="Alfa SRL")
    acc_dup = crm.create("accounts", name="ALFA S.R.L.")
    ana = contact(crm, "ana@client.ro", first_name="Ana")
    dup = contact(crm, "ana.pop@client.ro", first_name="Ana")
    lead = crm.create("leads", first_name="Ion", last_name="Pop", email="ion@alfa.ro")
    lead_dup = crm.create("leads", first_name="Ion", last_name="Pop", email="ion.pop@alfa.ro")
    for entity, keep, gone in (("accounts", acc, acc_dup), ("contacts", ana, dup), ("leads", lead, lead_dup)):
        r = crm.call("POST", f"/{entity}/merge", {"survivor_id": keep["id"], "merged_ids": [gone["id"]]})
        assert r.status_code == 200, r.text
    login(client, tenant.slug, tenant.admin_email)
    for entity, keep, gone in (("accounts", acc, acc_dup), ("contacts", ana, dup), ("leads", lead, lead_dup)):
        old = client.get(f"/crm/{entity}/{gone['id']}", follow_redirects=False)
        assert old.status_code == 303 and old.headers["location"] == f"/crm/{entity}/{keep['id']}"
        landed = client.get(f"/crm/{entity}/{gone['id']}")
        assert landed.status_code == 200 and "a fuzionat în aceasta" in landed.text
    # a survivor merged again later: the oldest link still lands on the live record
    third = contact(crm, "ana3@client.ro", first_name="Ana")
    r = crm.call("POST", "/contacts/merge", {"survivor_id": third["id"], "merged_ids": [ana["id"]]})
    assert r.status_code == 200, r.text
    old = client.get(f"/crm/contacts/{dup['id']}", follow_redirects=False)
    assert old.headers["location"] == f"/crm/contacts/{third['id']}"
    assert client.get(f"/crm/contacts/{uuid.uuid4()}").status_code == 404
    assert client.get("/crm/contacts/nu-e-un-id").status_code == 404
