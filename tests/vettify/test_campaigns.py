"""CRM campaigns: CRUD, validation, If-Match, status moves, search and keyset pages, isolation."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from genius.core.audit.models import AuditEntry
from genius.core.platform import Platform
from tests.vettify.conftest import Crm

SPRING = {
    "name": "Newsletter de primăvară",
    "channel": "email",
    "starts_on": "2027-03-01",
    "ends_on": "2027-03-31",
    "budget": "4500.50",
    "currency": "eur",
    "target_segment": "IMM-uri din Brașov și Sibiu",
    "owner": "ana@firma.ro",
}


def test_create_get_update_delete(crm: Crm, platform: Platform, tenant: Any) -> None:
    r = crm.call("POST", "/campaigns", SPRING)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["status"] == "draft"
    assert created["currency"] == "EUR" and created["budget"] == "4500.50"
    assert created["version"] == 1 and r.headers["etag"] == '"1"'
    assert r.headers["location"] == f"/v1/crm/campaigns/{created['id']}"
    assert created["created_by"] == tenant.admin_email

    got = crm.call("GET", f"/campaigns/{created['id']}")
    assert got.status_code == 200 and got.json() == created and got.headers["etag"] == '"1"'

    # PATCH needs If-Match: 428 without, 412 when stale.
    change = {"status": "scheduled", "budget": "5000"}
    assert crm.call("PATCH", f"/campaigns/{created['id']}", change).status_code == 428
    assert crm.call("PATCH", f"/campaigns/{created['id']}", change, if_match='"7"').status_code == 412
    r = crm.call("PATCH", f"/campaigns/{created['id']}", change, if_match='"1"')
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "scheduled" and r.json()["budget"] == "5000.00"
    assert r.json()["version"] == 2 and r.headers["etag"] == '"2"'
    # Clearing an optional field with null is allowed; a required one is not.
    r = crm.call("PATCH", f"/campaigns/{created['id']}", {"target_segment": None}, if_match='"2"')
    assert r.status_code == 200 and r.json()["target_segment"] is None
    r = crm.call("PATCH", f"/campaigns/{created['id']}", {"name": None}, if_match='"3"')
    assert r.status_code == 422

    assert crm.call("DELETE", f"/campaigns/{created['id']}", if_match='"1"').status_code == 412
    assert crm.call("DELETE", f"/campaigns/{created['id']}", if_match='"3"').status_code == 204
    assert crm.call("GET", f"/campaigns/{created['id']}").status_code == 404
    assert crm.call("PATCH", f"/campaigns/{created['id']}", {"name": "x"}, if_match='"4"').status_code == 404
    with platform.db.tenant_session(tenant.id) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "crm.campaign.deleted")).one()
    assert entry.target == f"crm.campaign:{created['id']}"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": "  "}, "name"),
        ({"name": "x", "channel": "pigeon"}, "channel"),
        ({"name": "x", "status": "completed"}, None),  # a new campaign cannot start completed
        ({"name": "x", "starts_on": "2027-05-10", "ends_on": "2027-05-01"}, None),
        ({"name": "x", "starts_on": "2027-02-30"}, "starts_on"),
        ({"name": "x", "budget": "-1"}, "budget"),
        ({"name": "x", "budget": "12.345"}, "budget"),
        ({"name": "x", "budget": "NaN"}, "budget"),
        ({"name": "x", "currency": "LEI"}, "currency"),
        ({"name": "x", "target_segment": "a" * 2001}, "target_segment"),
        ({"name": "x\u0000y"}, "name"),
        ({"name": "x", "unknown": 1}, "unknown"),
        ({"name": "x", "custom_fields": {"Bad Key": 1}}, "custom_fields"),
    ],
)
def test_bad_input_is_422_and_creates_nothing(crm: Crm, body: dict[str, Any], field: str | None) -> None:
    r = crm.call("POST", "/campaigns", body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    errors = r.json()["errors"]
    assert errors
    if field is not None:
        assert any(e["field"].split(".")[0] == field for e in errors), errors
    assert crm.call("GET", "/campaigns?count=true").json()["total"] == 0


def test_dates_are_checked_against_the_stored_ones(crm: Crm) -> None:
    c = crm.create("campaigns", name="Vară", starts_on="2027-06-01", ends_on="2027-06-30")
    r = crm.call("PATCH", f"/campaigns/{c['id']}", {"ends_on": "2027-05-31"}, if_match='"1"')
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "ends_on"
    r = crm.call("PATCH", f"/campaigns/{c['id']}", {"starts_on": "2027-07-01"}, if_match='"1"')
    assert r.status_code == 422
    r = crm.call(
        "PATCH", f"/campaigns/{c['id']}", {"starts_on": "2027-05-01", "ends_on": None}, if_match='"1"'
    )
    assert r.status_code == 200 and r.json()["ends_on"] is None


def test_status_moves(crm: Crm) -> None:
    c = crm.create("campaigns", name="SMS", channel="sms")
    version = 1
    for status in ("scheduled", "running", "paused", "running", "completed"):
        r = crm.call("PATCH", f"/campaigns/{c['id']}", {"status": status}, if_match=f'"{version}"')
        assert r.status_code == 200, (status, r.text)
        version = r.json()["version"]
    r = crm.call("PATCH", f"/campaigns/{c['id']}", {"status": "running"}, if_match=f'"{version}"')
    assert r.status_code == 409 and r.json()["allowed"] == []
    d = crm.create("campaigns", name="Draft")
    r = crm.call("PATCH", f"/campaigns/{d['id']}", {"status": "paused"}, if_match='"1"')
    assert r.status_code == 409 and "running" in r.json()["allowed"]


def test_list_search_filters_and_keyset_pages(crm: Crm) -> None:
    for i in range(5):
        crm.create("campaigns", name=f"Campanie email {i}", channel="email")
    crm.create(
        "campaigns", name="Promoție WhatsApp Iași", channel="whatsapp", target_segment="clienți din Moldova"
    )
    page = crm.call("GET", "/campaigns?limit=2&sort=name&count=true").json()
    assert page["total"] == 6 and len(page["items"]) == 2 and page["next"]
    seen = [i["name"] for i in page["items"]]
    while page["next"]:
        page = crm.call("GET", f"/campaigns?limit=2&sort=name&cursor={page['next']}").json()
        seen += [i["name"] for i in page["items"]]
    assert seen == sorted(seen) and len(seen) == 6
    found = crm.call("GET", "/campaigns?search=iasi").json()["items"]  # no diacritics needed
    assert [c["name"] for c in found] == ["Promoție WhatsApp Iași"]
    assert len(crm.call("GET", "/campaigns?search=moldova").json()["items"]) == 1
    assert len(crm.call("GET", "/campaigns?channel=email").json()["items"]) == 5
    assert crm.call("GET", "/campaigns?channel=fax").status_code == 422
    assert crm.call("GET", "/campaigns?sort=budget").status_code == 422
    assert crm.call("GET", "/campaigns?cursor=not-a-cursor").status_code == 400


def test_isolation_and_scopes(crm: Crm, make_tenant: Any, client: Any) -> None:
    c = crm.create("campaigns", name="Secretă")
    other = make_tenant()
    assert client.get(f"/v1/crm/campaigns/{c['id']}", headers=other.headers).status_code == 404
    assert client.get("/v1/crm/campaigns", headers=other.headers).json()["items"] == []
    r = client.patch(
        f"/v1/crm/campaigns/{c['id']}", json={"name": "x"}, headers={**other.headers, "If-Match": '"1"'}
    )
    assert r.status_code == 404
    assert client.delete(f"/v1/crm/campaigns/{c['id']}", headers=other.headers).status_code == 404
    assert client.get("/v1/crm/campaigns").status_code == 401
    assert crm.call("GET", f"/campaigns/{uuid.uuid4()}").status_code == 404
    assert crm.call("GET", "/campaigns/not-a-uuid").status_code == 422


def test_scopes(crm: Crm, platform: Platform, tenant: Any, client: Any) -> None:
    c = crm.create("campaigns", name="Roluri")

    def headers(*scopes: str) -> dict[str, str]:
        token, _ = platform.tokens.issue(
            sub=str(uuid.uuid4()), tid=tenant.id, scopes=list(scopes), role="custom", email="u@example.com"
        )
        return {"Authorization": f"Bearer {token}"}

    reader, writer = headers("crm:read"), headers("crm:read", "crm:write")
    assert client.get(f"/v1/crm/campaigns/{c['id']}", headers=reader).status_code == 200
    assert client.get("/v1/crm/campaigns", headers=headers("outreach:read")).status_code == 403
    r = client.post("/v1/crm/campaigns", json={"name": "x"}, headers=reader)
    assert r.status_code == 403 and r.json()["required_scopes"] == ["crm:write"]
    r = client.patch(
        f"/v1/crm/campaigns/{c['id']}", json={"name": "y"}, headers={**writer, "If-Match": '"1"'}
    )
    assert r.status_code == 200
    r = client.delete(f"/v1/crm/campaigns/{c['id']}", headers=writer)
    assert r.status_code == 403 and r.json()["required_scopes"] == ["crm:admin"]
