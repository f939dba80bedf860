"""CRUD, validation (field-level problem+json), ETag/If-Match, soft delete, scopes."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text

from tests.vettify.conftest import Crm

VALID_CUI = "18547290"


def test_account_crud_roundtrip(crm: Crm) -> None:
    acc = crm.create(
        "accounts",
        name="Exemplu Distribuție SRL",
        cui="RO 18547290",
        city="Brașov",
        email="Office@Exemplu.ro",
        phone="0722 123 456",
        custom_fields={"segment": "retail", "employees": 12},
    )
    assert acc["cui"] == VALID_CUI
    assert acc["email"] == "office@exemplu.ro"
    assert acc["phone"] == "+40722123456"
    assert acc["compliance_status"] == "pending"
    assert acc["version"] == 1

    r = crm.call("GET", f"/accounts/{acc['id']}")
    assert r.status_code == 200
    assert r.headers["etag"] == '"1"'
    assert r.json()["custom_fields"] == {"segment": "retail", "employees": 12}

    r = crm.call("PATCH", f"/accounts/{acc['id']}", {"industry": "Retail"}, if_match='"1"')
    assert r.status_code == 200, r.text
    assert r.json()["industry"] == "Retail"
    assert r.headers["etag"] == '"2"'

    r = crm.call("DELETE", f"/accounts/{acc['id']}")
    assert r.status_code == 204
    assert crm.call("GET", f"/accounts/{acc['id']}").status_code == 404


def test_if_match_required_and_stale(crm: Crm) -> None:
    acc = crm.create("accounts", name="Alfa SRL")
    r = crm.call("PATCH", f"/accounts/{acc['id']}", {"name": "Alfa Prim SRL"})
    assert r.status_code == 428
    assert r.headers["content-type"].startswith("application/problem+json")
    ok = crm.call("PATCH", f"/accounts/{acc['id']}", {"name": "Alfa Prim SRL"}, if_match='"1"')
    assert ok.status_code == 200
    # A second writer still holding version 1 loses: no silent overwrite.
    stale = crm.call("PATCH", f"/accounts/{acc['id']}", {"name": "Alfa Doi SRL"}, if_match='"1"')
    assert stale.status_code == 412
    assert stale.json()["current_etag"] == '"2"'
    assert crm.call("GET", f"/accounts/{acc['id']}").json()["name"] == "Alfa Prim SRL"
    # Weak form and lists are accepted.
    weak = crm.call("PATCH", f"/accounts/{acc['id']}", {"city": "Cluj"}, if_match='W/"7", W/"2"')
    assert weak.status_code == 200


def _fields(r: Any) -> set[str]:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return {e["field"] for e in r.json()["errors"]}


def test_validation_errors_are_field_level(crm: Crm) -> None:
    r = crm.call(
        "POST",
        "/accounts",
        {"name": "X", "cui": "18547291", "email": "nope", "phone": "12ab", "surprise": 1},
    )
    fields = _fields(r)
    assert {"cui", "email", "phone", "surprise"} <= fields

    assert "name" in _fields(crm.call("POST", "/accounts", {"name": "   "}))
    assert "custom_fields" in _fields(
        crm.call("POST", "/accounts", {"name": "Y", "custom_fields": {"Bad Key": 1}})
    )
    nested = _fields(crm.call("POST", "/accounts", {"name": "Y", "custom_fields": {"nested": {"a": 1}}}))
    assert all(f.startswith("custom_fields.nested") for f in nested)
    acc = crm.create("accounts", name="Beta SRL")
    bad_opp = crm.call(
        "POST",
        "/opportunities",
        {"name": "Deal", "account_id": acc["id"], "amount": "12.345", "currency": "XYZ"},
    )
    assert {"amount", "currency"} <= _fields(bad_opp)
    assert "stage" in _fields(
        crm.call("POST", "/opportunities", {"name": "D", "account_id": acc["id"], "stage": "maybe"})
    )
    assert "account_id" in _fields(
        crm.call("POST", "/opportunities", {"name": "D", "account_id": str(uuid.uuid4())})
    )
    r = crm.call("PATCH", f"/accounts/{acc['id']}", {"name": None}, if_match='"1"')
    assert r.status_code == 422
    assert crm.call("GET", "/accounts?limit=500").status_code == 422
    assert crm.call("GET", "/accounts?sort=password").status_code == 422
    assert crm.call("GET", "/accounts?cursor=%%%garbage").status_code == 422  # not the cursor alphabet
    assert crm.call("GET", "/accounts?cursor=bm90LWEtY3Vyc29y").status_code == 400  # not one we made
    assert crm.call("GET", "/accounts/not-a-uuid").status_code == 422
    assert crm.call("POST", "/leads", {}).status_code == 422
    assert crm.call("POST", "/leads", {"first_name": "A\x00B"}).status_code == 422


def test_opportunity_amount_decimal(crm: Crm) -> None:
    acc = crm.create("accounts", name="Gama SRL")
    opp = crm.create("opportunities", name="Licențe", account_id=acc["id"], amount="1500.50", currency="eur")
    assert opp["amount"] == "1500.50"
    assert opp["currency"] == "EUR"
    assert opp["stage"] == "prospecting"


def test_duplicate_cui_conflict(crm: Crm) -> None:
    first = crm.create("accounts", name="Unu SRL", cui=VALID_CUI)
    r = crm.call("POST", "/accounts", {"name": "Doi SRL", "cui": f"RO{VALID_CUI}"})
    assert r.status_code == 409
    assert r.json()["existing_id"] == first["id"]


def test_validate_cui(crm: Crm) -> None:
    ok = crm.call("POST", "/leads/validate-cui", {"cui": "RO18547290"}).json()
    assert ok["valid"] is True and ok["cui"] == VALID_CUI and ok["vat_code"] == "RO18547290"
    bad = crm.call("POST", "/leads/validate-cui", {"cui": "18547291"}).json()
    assert bad["valid"] is False and bad["reason"]
    assert crm.call("POST", "/leads/validate-cui", {"cui": "x" * 100}).status_code == 422


def test_contacts_and_activities(crm: Crm) -> None:
    acc = crm.create("accounts", name="Delta SRL")
    contact = crm.create(
        "contacts", account_id=acc["id"], first_name="Ana", last_name="Pop", email="ana@delta.ro"
    )
    act = crm.create(
        "activities", kind="call", subject="Apel inițial", account_id=acc["id"], contact_id=contact["id"]
    )
    assert act["done"] is False
    page = crm.call("GET", f"/activities?account_id={acc['id']}").json()
    assert [a["id"] for a in page["items"]] == [act["id"]]
    r = crm.call("PATCH", f"/activities/{act['id']}", {"done": True}, if_match='"1"')
    assert r.json()["done"] is True
    contacts = crm.call("GET", f"/contacts?account_id={acc['id']}&count=true").json()
    assert contacts["total"] == 1


def test_scopes(crm: Crm, make_tenant: Any) -> None:
    viewer = make_tenant(role="viewer")
    crm.headers = viewer.headers
    assert crm.call("GET", "/accounts").status_code == 200
    assert crm.call("POST", "/accounts", {"name": "Nu"}).status_code == 403
    sales = make_tenant(role="sales")
    crm.headers = sales.headers
    acc = crm.create("accounts", name="Vânzări SRL")
    assert crm.call("DELETE", f"/accounts/{acc['id']}").status_code == 403
    crm.headers = {}
    assert crm.call("GET", "/accounts").status_code == 401


def test_delete_is_audited(crm: Crm, db: Any, tenant: Any) -> None:
    acc = crm.create("accounts", name="Șters SRL")
    assert crm.call("DELETE", f"/accounts/{acc['id']}").status_code == 204
    log = crm.client.get("/v1/audit?action=crm.account.deleted", headers=crm.headers).json()
    assert [e["target"] for e in log["items"]] == [f"crm.account:{acc['id']}"]
    # The row is kept (soft delete).
    db.execute(text("SELECT set_config('app.tid', :t, true)"), {"t": str(tenant.id)})
    assert db.execute(
        text("SELECT deleted_at IS NOT NULL FROM crm.accounts WHERE id = :i"), {"i": acc["id"]}
    ).scalar()
