"""GET /v1/compliance/taxpayers/{cui} and POST /v1/compliance/taxpayers/lookup, against the fake."""

from __future__ import annotations

import datetime as dt
from typing import Any

import redis
from fastapi.testclient import TestClient

from genius.compliance.fakes import taxpayer as fake
from genius.compliance.taxpayer.client import scope_of
from genius.config import Settings
from tests.compliance.conftest import FakeAnaf

BASE = "/v1/compliance/taxpayers"


def test_get_one_then_cached(anaf_app_client: TestClient, tenant: Any, fake_anaf: FakeAnaf) -> None:
    r = anaf_app_client.get(f"{BASE}/RO{fake.VERIFIED}", headers=tenant.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "verified" and body["cui"] == fake.VERIFIED and not body["cached"]
    assert body["record"]["name"] == "EXEMPLU DISTRIBUTIE SA" and body["record"]["e_factura"] is True
    r2 = anaf_app_client.get(f"{BASE}/{fake.VERIFIED}", headers=tenant.headers)
    assert r2.json()["cached"] is True
    assert fake_anaf.states.taxpayer.call_count == 1


def test_get_with_date(anaf_app_client: TestClient, tenant: Any, fake_anaf: FakeAnaf) -> None:
    r = anaf_app_client.get(f"{BASE}/{fake.INACTIVE}", params={"date": "2024-05-06"}, headers=tenant.headers)
    assert r.status_code == 200 and r.json()["status"] == "inactive" and r.json()["date"] == "2024-05-06"
    assert r.json()["record"]["date"] == "2024-05-06"


def test_bad_cui_is_a_422_problem(anaf_app_client: TestClient, tenant: Any, fake_anaf: FakeAnaf) -> None:
    r = anaf_app_client.get(f"{BASE}/14399841", headers=tenant.headers)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    errors = r.json()["errors"]
    assert errors[0]["field"] == "cui" and errors[0]["in"] == "path" and errors[0]["type"] == "cui.checksum"
    for bad in ("abc", "0" * 50, "RO"):
        assert anaf_app_client.get(f"{BASE}/{bad}", headers=tenant.headers).status_code == 422
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    r = anaf_app_client.get(f"{BASE}/{fake.VERIFIED}", params={"date": future}, headers=tenant.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "date"
    r = anaf_app_client.get(f"{BASE}/{fake.VERIFIED}", params={"date": "02.03.2026"}, headers=tenant.headers)
    assert r.status_code == 422
    assert fake_anaf.states.taxpayer.call_count == 0


def test_auth_required(anaf_app_client: TestClient) -> None:
    assert anaf_app_client.get(f"{BASE}/{fake.VERIFIED}").status_code == 401


def test_batch(anaf_app_client: TestClient, tenant: Any, fake_anaf: FakeAnaf) -> None:
    cuis: list[Any] = [fake.VERIFIED, f"RO{fake.SPLIT_VAT}", "14399841", "19", "abc"]
    r = anaf_app_client.post(
        f"{BASE}/lookup", json={"cuis": cuis, "date": "2026-01-05"}, headers=tenant.headers
    )
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["status"] for x in results] == ["verified", "verified", "invalid", "not_found", "invalid"]
    assert results[1]["record"]["split_vat"] is True
    assert fake_anaf.states.taxpayer.batch_sizes == [3]


def test_batch_limits(anaf_app_client: TestClient, tenant: Any, fake_anaf: FakeAnaf) -> None:
    too_many = anaf_app_client.post(f"{BASE}/lookup", json={"cuis": ["19"] * 101}, headers=tenant.headers)
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "cuis"
    assert (
        anaf_app_client.post(f"{BASE}/lookup", json={"cuis": []}, headers=tenant.headers).status_code == 422
    )
    assert anaf_app_client.post(f"{BASE}/lookup", json=[1], headers=tenant.headers).status_code == 422
    assert fake_anaf.states.taxpayer.call_count == 0


def test_anaf_down_is_unavailable_never_500(
    anaf_app_client: TestClient,
    tenant: Any,
    fake_anaf: FakeAnaf,
    fake_settings: Settings,
    redis_client: redis.Redis,
) -> None:
    fake_anaf.states.taxpayer.faults = ["firewall"]
    r = anaf_app_client.get(f"{BASE}/{fake.VERIFIED}", headers=tenant.headers)
    assert r.status_code == 200 and r.json()["status"] == "unavailable" and r.headers["retry-after"]
    # An open circuit: answered at once, no call.
    scope = scope_of(fake_settings.anaf_taxpayer_url)
    redis_client.set(f"genius:cb:anaf.taxpayer:{scope}:open", "1", px=60_000)
    calls = fake_anaf.states.taxpayer.call_count
    r = anaf_app_client.post(
        f"{BASE}/lookup", json={"cuis": [fake.INACTIVE, "14399841"]}, headers=tenant.headers
    )
    assert r.status_code == 200
    assert [x["status"] for x in r.json()["results"]] == ["unavailable", "invalid"]
    assert fake_anaf.states.taxpayer.call_count == calls


def test_in_openapi(anaf_app_client: TestClient) -> None:
    paths = anaf_app_client.get("/openapi.json").json()["paths"]
    assert "get" in paths[f"{BASE}/{{cui}}"] and "post" in paths[f"{BASE}/lookup"]
