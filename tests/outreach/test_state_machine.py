"""The lead state machine (F2.11): property tests of the pure machine (hypothesis), and the service
and API that record and publish every move."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, text

from genius.core.kit.errors import Conflict
from genius.core.platform import Platform
from genius.outreach import service, states
from genius.outreach.models import LeadState as S
from genius.vettify import service as crm
from genius.vettify.schemas import LeadCreate


def crm_lead(client: TestClient, tenant: Any, **fields: Any) -> str:
    body = {
        "company_name": "Alfa Distribuție SRL",
        "first_name": "Ana",
        "email": "ana@alfa-distributie.ro",
        **fields,
    }
    r = client.post("/v1/crm/leads", json=body, headers=tenant.headers)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


# The specification's moves, written out independently of genius.outreach.states.
SPEC_EDGES = {
    (S.COLD, S.CONTACTED_WA), (S.COLD, S.CONTACTED_EMAIL),
    (S.CONTACTED_WA, S.CONTACTED_EMAIL), (S.CONTACTED_EMAIL, S.CONTACTED_WA),
    (S.CONTACTED_WA, S.WARM_REPLY), (S.CONTACTED_EMAIL, S.WARM_REPLY),
    (S.WARM_REPLY, S.NEGOTIATION), (S.NEGOTIATION, S.CONVERTED),
}  # fmt: skip
LIVE = {S.COLD, S.CONTACTED_WA, S.CONTACTED_EMAIL, S.WARM_REPLY, S.NEGOTIATION}
SPEC_EDGES |= {(s, S.DEAD) for s in LIVE} | {(s, S.PAUSED) for s in LIVE} | {(S.PAUSED, S.DEAD)}


def legal(current: S, target: S, paused_from: S | None) -> bool:
    if current is S.PAUSED and target is not S.DEAD:
        return target == paused_from
    return (current, target) in SPEC_EDGES


@given(st.lists(st.sampled_from(list(S)), max_size=40))
def test_no_illegal_transition_is_ever_reachable(attempts: list[S]) -> None:
    current, paused_from = S.COLD, None
    history = [current]
    for target in attempts:
        ok = legal(current, target, paused_from)
        if ok:
            states.check(current, target, paused_from)
            if target is S.PAUSED:
                paused_from = current
            current = target
            history.append(current)
        else:
            with pytest.raises(states.IllegalTransition):
                states.check(current, target, paused_from)
    for before, after in itertools.pairwise(history):
        assert after is not before
        if after is S.CONVERTED:
            assert before is S.NEGOTIATION
    if S.CONVERTED in history or S.DEAD in history:
        final = next(s for s in history if s in states.FINAL)
        assert history[-1] is final and history.count(final) == 1


@given(st.sampled_from(list(S)), st.sampled_from(list(S)), st.sampled_from([None, *S]))
def test_the_machine_is_exactly_the_specification(current: S, target: S, paused_from: S | None) -> None:
    assert (target in states.allowed_targets(current, paused_from)) == (
        legal(current, target, paused_from if paused_from in LIVE else None)
    )


def test_every_state_is_reachable_from_cold() -> None:
    seen, frontier = {S.COLD}, [S.COLD]
    while frontier:
        s = frontier.pop()
        for t in states.allowed_targets(s, S.COLD):
            if t not in seen:
                seen.add(t)
                frontier.append(t)
    assert seen == set(S)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(list(S)), min_size=1, max_size=12))
def test_the_service_applies_only_legal_moves_and_records_each(
    platform: Platform, db: Connection, tenant: Any, attempts: list[S]
) -> None:
    with platform.db.tenant_session(tenant.id) as s:
        lead = crm.create_lead(s, crm.Actor(tid=tenant.id, name="test"), LeadCreate(company_name="Beta SRL"))
        journey = service.start_journey(s, tenant.id, lead.id)
        current, paused_from, applied = S.COLD, None, []
        for target in attempts:
            if legal(current, target, paused_from):
                service.transition(s, tenant.id, journey.id, target, reason=f"to {target}", actor="test")
                applied.append((current, target))
                paused_from = current if target is S.PAUSED else paused_from
                current = target
            else:
                with pytest.raises(Conflict):
                    service.transition(s, tenant.id, journey.id, target, reason="x", actor="test")
        s.refresh(journey)
        assert journey.current_state == current.value
        rows = s.execute(
            text(
                "SELECT from_state::text, to_state::text, reason FROM outreach.lead_state_transitions"
                " WHERE journey_id = :j ORDER BY changed_at, id"
            ),
            {"j": journey.id},
        ).all()
        assert [(S(r[0]), S(r[1])) for r in rows] == applied
        published = s.execute(
            text(
                "SELECT count(*) FROM core.outbox"
                " WHERE topic = 'outreach.lead.state_changed' AND aggregate_id = :a"
            ),
            {"a": str(journey.id)},
        ).scalar()
        assert published == len(applied)


def test_the_api_moves_a_journey_and_refuses_illegal_moves(
    client: TestClient, tenant: Any, db: Connection
) -> None:
    h = tenant.headers
    unknown = client.post("/v1/outreach/journeys", json={"lead_id": str(uuid.uuid4())}, headers=h)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "lead_id"
    lead = crm_lead(client, tenant)
    r = client.post("/v1/outreach/journeys", json={"lead_id": lead}, headers=h)
    assert r.status_code == 201, r.text
    journey = r.json()
    assert journey["current_state"] == "COLD"
    assert client.post("/v1/outreach/journeys", json={"lead_id": lead}, headers=h).status_code == 409
    path = f"/v1/outreach/journeys/{journey['id']}/transitions"
    r = client.post(path, json={"to_state": "NEGOTIATION", "reason": "skip ahead"}, headers=h)
    assert r.status_code == 409 and r.json()["allowed"] == [
        "CONTACTED_EMAIL",
        "CONTACTED_WA",
        "DEAD",
        "PAUSED",
    ]
    for target in ("CONTACTED_WA", "PAUSED", "CONTACTED_WA", "WARM_REPLY", "NEGOTIATION"):
        r = client.post(path, json={"to_state": target, "reason": f"now {target}"}, headers=h)
        assert r.status_code == 201, r.text
    misplaced = client.post(
        path, json={"to_state": "DEAD", "reason": "x", "conversion": {"amount": "1"}}, headers=h
    )
    assert misplaced.status_code == 422 and misplaced.json()["errors"][0]["field"] == "conversion"
    conversion = {"opportunity_name": "Alfa - abonament anual", "amount": "12000.00", "currency": "RON"}
    r = client.post(
        path, json={"to_state": "CONVERTED", "reason": "now CONVERTED", "conversion": conversion}, headers=h
    )
    assert r.status_code == 201, r.text
    made = r.json()["crm"]
    assert made["account_id"] and made["contact_id"] and made["opportunity_id"]
    crm_lead_now = client.get(f"/v1/crm/leads/{lead}", headers=h).json()
    assert crm_lead_now["status"] == "converted"
    opportunity = client.get(f"/v1/crm/opportunities/{made['opportunity_id']}", headers=h).json()
    assert opportunity["name"] == "Alfa - abonament anual" and opportunity["account_id"] == made["account_id"]
    assert float(opportunity["amount"]) == 12000.0
    assert client.post(path, json={"to_state": "DEAD", "reason": "late"}, headers=h).status_code == 409
    detail = client.get(f"/v1/outreach/journeys/{journey['id']}", headers=h).json()
    assert detail["current_state"] == "CONVERTED" and detail["previous_state"] == "NEGOTIATION"
    assert detail["converted_at"] and detail["state_change_reason"] == "now CONVERTED"
    assert detail["crm"] == made
    assert [(t["from_state"], t["to_state"]) for t in detail["transitions"]] == [
        ("COLD", "CONTACTED_WA"), ("CONTACTED_WA", "PAUSED"), ("PAUSED", "CONTACTED_WA"),
        ("CONTACTED_WA", "WARM_REPLY"), ("WARM_REPLY", "NEGOTIATION"), ("NEGOTIATION", "CONVERTED"),
    ]  # fmt: skip
    assert client.post(path, json={"to_state": "DEAD", "reason": "   "}, headers=h).status_code == 422
    other = client.get(f"/v1/outreach/journeys/{uuid.uuid4()}", headers=h)
    assert other.status_code == 404


def test_another_tenant_cannot_see_or_move_the_journey(
    client: TestClient, make_tenant: Any, db: Connection
) -> None:
    a, b = make_tenant(), make_tenant()
    journey = client.post(
        "/v1/outreach/journeys", json={"lead_id": crm_lead(client, a)}, headers=a.headers
    ).json()
    assert client.get(f"/v1/outreach/journeys/{journey['id']}", headers=b.headers).status_code == 404
    r = client.post(
        f"/v1/outreach/journeys/{journey['id']}/transitions",
        json={"to_state": "DEAD", "reason": "x"},
        headers=b.headers,
    )
    assert r.status_code == 404
