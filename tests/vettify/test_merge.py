"""Duplicate detection and merge: related records move, merged rows are kept, audit and event written."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text

from genius.core.events.models import OutboxEvent
from genius.core.platform import Platform
from tests.vettify.conftest import Crm


def test_duplicates_by_cui_email_phone_and_name(crm: Crm) -> None:
    a = crm.create(
        "accounts", name="Transilvania Logistic SRL", email="office@translog.ro", phone="0722123456"
    )
    same_email = crm.create("accounts", name="Alt nume", email="OFFICE@translog.ro")
    same_phone = crm.create("accounts", name="Altceva", phone="+40 722 123 456")
    similar = crm.create("accounts", name="Transilvania Logistics")
    crm.create("accounts", name="Complet diferit SA")
    r = crm.call("GET", f"/accounts/{a['id']}/duplicates")
    assert r.status_code == 200
    found = {d["id"]: d["reasons"] for d in r.json()["items"]}
    assert found[same_email["id"]] == ["email"]
    assert found[same_phone["id"]] == ["phone"]
    assert found[similar["id"]] == ["name"]
    assert len(found) == 3


def test_lead_duplicates_by_cui(crm: Crm) -> None:
    one = crm.create("leads", first_name="Ion", last_name="Pop", company_name="Alfa", cui="18547290")
    two = crm.create("leads", first_name="Maria", last_name="Ionescu", cui="RO18547290")
    found = crm.call("GET", f"/leads/{one['id']}/duplicates").json()["items"]
    assert [(d["id"], d["reasons"]) for d in found] == [(two["id"], ["cui"])]


def test_merge_accounts_moves_everything_and_keeps_a_record(
    crm: Crm, platform: Platform, tenant: Any, db: Any
) -> None:
    survivor = crm.create("accounts", name="Alfa SRL", city="Brașov")
    dup = crm.create(
        "accounts", name="ALFA S.R.L.", cui="18547290", email="contact@alfa.ro", website="alfa.ro"
    )
    contact = crm.create("contacts", account_id=dup["id"], first_name="Ana", last_name="Pop")
    opp = crm.create("opportunities", name="Contract", account_id=dup["id"], amount="100.00", currency="RON")
    act = crm.create("activities", kind="note", subject="Notă", account_id=dup["id"])
    up = crm.client.post(
        f"/v1/crm/accounts/{dup['id']}/attachments",
        files={"file": ("oferta.txt", "Ofertă de preț".encode(), "text/plain")},
        headers=crm.headers,
    )
    assert up.status_code == 201, up.text
    r = crm.call(
        "POST",
        "/accounts/merge",
        {"survivor_id": survivor["id"], "merged_ids": [dup["id"]], "fields": {"name": survivor["id"]}},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["moved"] == {"contacts": 1, "opportunities": 1, "activities": 1, "attachments": 1}
    listed = crm.call("GET", f"/accounts/{survivor['id']}/attachments").json()
    assert [a["filename"] for a in (listed["items"] if isinstance(listed, dict) else listed)] == [
        "oferta.txt"
    ]
    merged = body["survivor"]
    assert merged["name"] == "Alfa SRL" and merged["city"] == "Brașov"
    # Blanks filled from the duplicate; its CUI is now the survivor's (and re-verified).
    assert (
        merged["cui"] == "18547290"
        and merged["email"] == "contact@alfa.ro"
        and merged["website"] == "alfa.ro"
    )
    assert merged["compliance_status"] == "pending"
    assert crm.call("GET", f"/contacts/{contact['id']}").json()["account_id"] == survivor["id"]
    assert crm.call("GET", f"/opportunities/{opp['id']}").json()["account_id"] == survivor["id"]
    assert crm.call("GET", f"/activities/{act['id']}").json()["account_id"] == survivor["id"]
    assert crm.call("GET", f"/accounts/{dup['id']}").status_code == 404
    history = crm.call("GET", f"/accounts/{survivor['id']}/merges").json()["items"]
    assert len(history) == 1
    assert (
        history[0]["snapshots"][0]["name"] == "ALFA S.R.L."
        and history[0]["snapshots"][0]["cui"] == "18547290"
    )
    assert history[0]["survivor_before"]["cui"] is None
    with platform.db.tenant_session(tenant.id) as s:
        event = s.scalars(select(OutboxEvent).where(OutboxEvent.topic == "crm.account.merged")).one()
        assert event.data["merged_ids"] == [dup["id"]] and event.data["moved"]["contacts"] == 1
        actions = s.execute(
            text("SELECT action FROM core.audit_log WHERE action = 'crm.account.merged'")
        ).all()
        assert len(actions) == 1
    feed = crm.call("GET", f"/accounts/{survivor['id']}/timeline?kind=merge").json()["items"]
    assert feed[0]["title"].startswith("Merged 1 duplicate account")
    # A merged record cannot be merged again.
    r = crm.call("POST", "/accounts/merge", {"survivor_id": survivor["id"], "merged_ids": [dup["id"]]})
    assert r.status_code == 422


def test_merge_contacts_and_leads(crm: Crm) -> None:
    c1 = crm.create("contacts", first_name="Ana", last_name="Pop", email="ana@x.ro")
    c2 = crm.create("contacts", first_name="Ana", last_name="Pop", phone="0722000111")
    act = crm.create("activities", kind="call", subject="Apel", contact_id=c2["id"])
    r = crm.call("POST", "/contacts/merge", {"survivor_id": c1["id"], "merged_ids": [c2["id"]]})
    assert r.status_code == 200 and r.json()["survivor"]["phone"] == "+40722000111"
    assert crm.call("GET", f"/activities/{act['id']}").json()["contact_id"] == c1["id"]
    l1 = crm.create("leads", first_name="Ion", last_name="Pop", email="ion@x.ro")
    l2 = crm.create("leads", first_name="Ion", last_name="Pop", company_name="Beta")
    r = crm.call("POST", "/leads/merge", {"survivor_id": l1["id"], "merged_ids": [l2["id"]]})
    assert r.status_code == 200 and r.json()["survivor"]["company_name"] == "Beta"


def test_merge_bad_input_changes_nothing(crm: Crm, make_tenant: Any) -> None:
    a = crm.create("accounts", name="A")
    b = crm.create("accounts", name="B")
    cases: list[tuple[str, dict[str, Any], int]] = [
        ("/accounts/merge", {"survivor_id": a["id"], "merged_ids": [a["id"]]}, 422),
        ("/accounts/merge", {"survivor_id": a["id"], "merged_ids": []}, 422),
        (
            "/accounts/merge",
            {"survivor_id": a["id"], "merged_ids": [b["id"]], "fields": {"version": a["id"]}},
            422,
        ),
        ("/accounts/merge", {"survivor_id": a["id"], "merged_ids": [b["id"]], "fields": {"name": "x"}}, 422),
        ("/opportunities/merge", {"survivor_id": a["id"], "merged_ids": [b["id"]]}, 422),
        ("/accounts/merge", {"survivor_id": a["id"], "merged_ids": [b["id"]], "extra": 1}, 422),
    ]
    for path, body, status in cases:
        r = crm.call("POST", path, body)
        assert r.status_code == status, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    # Another tenant's record is unknown here.
    other = make_tenant()
    theirs = crm.client.post("/v1/crm/accounts", json={"name": "Theirs"}, headers=other.headers).json()
    r = crm.call("POST", "/accounts/merge", {"survivor_id": a["id"], "merged_ids": [theirs["id"]]})
    assert r.status_code == 422
    assert crm.call("GET", f"/accounts/{b['id']}").status_code == 200
    assert crm.client.get(f"/v1/crm/accounts/{theirs['id']}", headers=other.headers).status_code == 200
    # Stale If-Match on the survivor.
    r = crm.call(
        "POST", "/accounts/merge", {"survivor_id": a["id"], "merged_ids": [b["id"]]}, if_match='"99"'
    )
    assert r.status_code == 412


def test_converted_lead_cannot_be_merged_away(crm: Crm) -> None:
    lead = crm.create("leads", first_name="Ion", last_name="Pop", company_name="Gama")
    crm.call("POST", f"/leads/{lead['id']}/qualify")
    assert crm.call("POST", f"/leads/{lead['id']}/convert", {}).status_code in (200, 201)
    other = crm.create("leads", first_name="Ion", last_name="Pop")
    r = crm.call("POST", "/leads/merge", {"survivor_id": other["id"], "merged_ids": [lead["id"]]})
    assert r.status_code == 409


def test_a_merge_offers_the_vat_id_and_brings_its_country(crm: Crm) -> None:
    survivor = crm.create("accounts", name="Muster Handel", city="Berlin")
    dup = crm.create("accounts", name="Muster Handel GmbH", vat_id="DE136695976", country="DE")
    other = crm.create("accounts", name="Muster Wien", vat_id="ATU13585627", country="AT")
    r = crm.call(
        "POST",
        "/accounts/merge",
        {"survivor_id": survivor["id"], "merged_ids": [dup["id"]], "fields": {"vat_id": dup["id"]}},
    )
    assert r.status_code == 200, r.text
    merged = r.json()["survivor"]
    assert (merged["vat_id"], merged["country"]) == ("DE136695976", "DE")  # the pair moves together
    # a VAT id of one country with a country taken from another account: 422 naming the choice
    clash = crm.call(
        "POST",
        "/accounts/merge",
        {
            "survivor_id": other["id"],
            "merged_ids": [survivor["id"]],
            "fields": {"vat_id": other["id"], "country": survivor["id"]},
        },
    )
    assert clash.status_code == 422 and clash.json()["errors"][0]["field"] == "fields.vat_id"
    assert crm.call("GET", f"/accounts/{survivor['id']}").status_code == 200  # nothing was merged
