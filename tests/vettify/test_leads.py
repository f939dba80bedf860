"""Lead lifecycle (qualify, convert: one transaction, idempotent, read-only afterwards),
opportunity stage rules and history, events in the outbox, audit entries, tenant isolation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from tests.vettify.conftest import Crm


def _outbox(db: Connection, tid: Any, topic: str) -> list[dict[str, Any]]:
    db.execute(text("SELECT set_config('app.tid', :t, true)"), {"t": str(tid)})
    rows = db.execute(
        text("SELECT data, correlation_id FROM core.outbox WHERE topic = :topic ORDER BY seq"),
        {"topic": topic},
    ).all()
    return [{**r[0], "_corr": r[1]} for r in rows]


def _lead(crm: Crm, **extra: Any) -> dict[str, Any]:
    fields = {
        "first_name": "Ionuț",
        "last_name": "Popescu",
        "email": "ionut@agrovest.ro",
        "phone": "+40 722 000 111",
        "company_name": "Agro Vest SRL",
        "cui": "18547290",
        "city": "Timișoara",
        **extra,
    }
    return crm.create("leads", **fields)


def test_lead_created_event_with_correlation(crm: Crm, db: Connection, tenant: Any) -> None:
    r = crm.call("POST", "/leads", {"first_name": "Dan", "company_name": "Dan SRL"}, x_corr_id="corr-123")
    assert r.status_code == 201
    events = _outbox(db, tenant.id, "crm.lead.created")
    assert [(e["lead_id"], e["_corr"]) for e in events] == [(r.json()["id"], "corr-123")]


def test_convert_flow_idempotent(crm: Crm, db: Connection, tenant: Any) -> None:
    lead = _lead(crm)
    not_yet = crm.call("POST", f"/leads/{lead['id']}/convert")
    assert not_yet.status_code == 409
    q = crm.call("POST", f"/leads/{lead['id']}/qualify")
    assert q.status_code == 200 and q.json()["status"] == "qualified"

    first = crm.call("POST", f"/leads/{lead['id']}/convert", {"amount": "2500.00", "currency": "EUR"})
    assert first.status_code == 201, first.text
    ids = first.json()
    assert ids["account_created"] and ids["contact_created"] and ids["opportunity_id"]
    again = crm.call("POST", f"/leads/{lead['id']}/convert")
    assert again.status_code == 200
    assert {k: again.json()[k] for k in ("account_id", "contact_id", "opportunity_id")} == {
        k: ids[k] for k in ("account_id", "contact_id", "opportunity_id")
    }

    account = crm.call("GET", f"/accounts/{ids['account_id']}").json()
    assert (account["name"], account["cui"], account["compliance_status"]) == (
        "Agro Vest SRL",
        "18547290",
        "pending",
    )
    contact = crm.call("GET", f"/contacts/{ids['contact_id']}").json()
    assert contact["account_id"] == ids["account_id"] and contact["email"] == "ionut@agrovest.ro"
    opp = crm.call("GET", f"/opportunities/{ids['opportunity_id']}").json()
    assert (opp["amount"], opp["currency"], opp["stage"]) == ("2500.00", "EUR", "prospecting")

    converted = crm.call("GET", f"/leads/{lead['id']}")
    assert converted.json()["status"] == "converted"
    etag = converted.headers["etag"]
    assert crm.call("PATCH", f"/leads/{lead['id']}", {"city": "Arad"}, if_match=etag).status_code == 409
    assert crm.call("POST", f"/leads/{lead['id']}/qualify").status_code == 409
    assert crm.call("DELETE", f"/leads/{lead['id']}").status_code == 409

    assert len(_outbox(db, tenant.id, "crm.lead.converted")) == 1
    audit = crm.client.get("/v1/audit?action=crm.lead.converted", headers=crm.headers).json()["items"]
    assert [e["target"] for e in audit] == [f"crm.lead:{lead['id']}"]


def test_convert_links_existing_account_by_cui(crm: Crm) -> None:
    existing = crm.create("accounts", name="Agro Vest", cui="18547290")
    lead = _lead(crm)
    crm.call("POST", f"/leads/{lead['id']}/qualify")
    result = crm.call("POST", f"/leads/{lead['id']}/convert", {"create_opportunity": False}).json()
    assert result["account_id"] == existing["id"] and not result["account_created"]
    assert result["opportunity_id"] is None


def test_convert_failure_leaves_nothing(crm: Crm) -> None:
    lead = _lead(crm, cui=None)
    crm.call("POST", f"/leads/{lead['id']}/qualify")
    bad = crm.call(
        "POST", f"/leads/{lead['id']}/convert", {"contact_id": "00000000-0000-0000-0000-000000000001"}
    )
    assert bad.status_code == 422
    assert crm.call("GET", "/accounts?count=true").json()["total"] == 0
    assert crm.call("GET", f"/leads/{lead['id']}").json()["status"] == "qualified"


def test_lead_status_patch_rules(crm: Crm) -> None:
    lead = _lead(crm)
    r = crm.call("PATCH", f"/leads/{lead['id']}", {"status": "converted"}, if_match='"1"')
    assert r.status_code == 422
    r = crm.call("PATCH", f"/leads/{lead['id']}", {"status": "disqualified"}, if_match='"1"')
    assert r.status_code == 200 and r.json()["status"] == "disqualified"
    assert crm.call("GET", "/leads?status=disqualified&count=true").json()["total"] == 1


def test_stage_rules_history_and_events(crm: Crm, db: Connection, tenant: Any) -> None:
    acc = crm.create("accounts", name="Pipeline SRL")
    opp = crm.create("opportunities", name="Contract", account_id=acc["id"], amount="100", currency="RON")
    oid = opp["id"]
    assert crm.call("POST", f"/opportunities/{oid}/stage", {"stage": "proposal"}).status_code == 200
    lost = crm.call("POST", f"/opportunities/{oid}/stage", {"stage": "lost"})
    assert lost.status_code == 422 and lost.json()["errors"][0]["field"] == "reason"
    assert crm.call("POST", f"/opportunities/{oid}/stage", {"stage": "nowhere"}).status_code == 422
    won = crm.call("POST", f"/opportunities/{oid}/stage", {"stage": "won", "reason": "Best price"})
    assert won.status_code == 200
    assert won.json()["closed_at"] and won.json()["probability"] == 100
    final = crm.call("POST", f"/opportunities/{oid}/stage", {"stage": "negotiation"})
    assert final.status_code == 409 and final.json()["allowed"] == []
    stale = crm.call("POST", f"/opportunities/{oid}/stage", {"stage": "won"}, if_match='"1"')
    assert stale.status_code == 412

    history = crm.call("GET", f"/opportunities/{oid}/stages").json()
    assert [(h["from_stage"], h["to_stage"]) for h in history] == [
        (None, "prospecting"),
        ("prospecting", "proposal"),
        ("proposal", "won"),
    ]
    assert all(h["changed_by"] == tenant.admin_email for h in history)
    events = _outbox(db, tenant.id, "crm.opportunity.stage_changed")
    assert [(e["from_stage"], e["to_stage"], e["reason"]) for e in events] == [
        ("prospecting", "proposal", None),
        ("proposal", "won", "Best price"),
    ]
    audit = crm.client.get("/v1/audit?action=crm.opportunity.stage_changed", headers=crm.headers).json()
    assert len(audit["items"]) == 2


def test_lost_can_reopen_with_reason(crm: Crm) -> None:
    acc = crm.create("accounts", name="Reopen SRL")
    oid = crm.create("opportunities", name="X", account_id=acc["id"])["id"]
    crm.call("POST", f"/opportunities/{oid}/stage", {"stage": "lost", "reason": "Budget"})
    assert crm.call("POST", f"/opportunities/{oid}/stage", {"stage": "qualification"}).status_code == 422
    r = crm.call(
        "POST", f"/opportunities/{oid}/stage", {"stage": "qualification", "reason": "Budget approved"}
    )
    assert r.status_code == 200 and r.json()["closed_at"] is None


def test_tenants_are_isolated(crm: Crm, make_tenant: Any) -> None:
    acc = crm.create("accounts", name="Secret SRL", city="Brașov")
    lead = _lead(crm)
    other = make_tenant()
    mine = crm.headers
    crm.headers = other.headers
    assert crm.call("GET", f"/accounts/{acc['id']}").status_code == 404
    assert crm.call("GET", "/accounts?search=brasov&count=true").json()["total"] == 0
    assert crm.call("PATCH", f"/accounts/{acc['id']}", {"name": "Mine"}, if_match='"1"').status_code == 404
    assert crm.call("DELETE", f"/accounts/{acc['id']}").status_code == 404
    assert crm.call("POST", f"/leads/{lead['id']}/qualify").status_code == 404
    # Another tenant's account cannot be referenced either (a foreign key alone would allow it).
    r = crm.call("POST", "/opportunities", {"name": "Steal", "account_id": acc["id"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "account_id"
    crm.headers = mine
    assert crm.call("GET", f"/accounts/{acc['id']}").json()["name"] == "Secret SRL"
