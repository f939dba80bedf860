"""The tenant's own provider API keys: saved encrypted (never shown again, only a hint), audited,
per tenant, and removable; the environment's key is reported when the tenant has none."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from tests.core.test_rls import as_tenant

PREFIX = "/v1/outreach/settings/providers"
KEY = "re_live_4f8a9b2c7d1e"


def test_save_list_and_remove_a_key(client: TestClient, db: Connection, make_tenant: Any) -> None:
    tenant, other = make_tenant(), make_tenant()
    h = tenant.headers
    before = {k["provider"]: k for k in client.get(PREFIX, headers=h).json()}
    assert set(before) == {"timelinesai", "resend", "instantly"}
    assert before["resend"]["source"] in (None, "environment")

    for bad in ({"api_key": "short"}, {"api_key": "has spaces in it"}, {}, {"api_key": KEY, "x": 1}):
        r = client.put(f"{PREFIX}/resend", json=bad, headers=h)
        assert r.status_code == 422, bad
    assert client.put(f"{PREFIX}/mailchimp", json={"api_key": KEY}, headers=h).status_code == 422

    saved = client.put(f"{PREFIX}/resend", json={"api_key": KEY}, headers=h)
    assert saved.status_code == 200, saved.text
    assert saved.json()["source"] == "tenant" and saved.json()["hint"] == "…7d1e"
    assert KEY not in saved.text
    listed = {k["provider"]: k for k in client.get(PREFIX, headers=h).json()}
    assert listed["resend"]["source"] == "tenant" and listed["resend"]["updated_by"] == tenant.admin_email
    assert KEY not in client.get(PREFIX, headers=h).text

    as_tenant(db, tenant.id)
    stored = db.execute(text("SELECT secret FROM outreach.provider_keys WHERE provider = 'resend'")).scalar()
    assert stored is not None and KEY.encode() not in bytes(stored)
    actions = db.execute(
        text("SELECT action FROM core.audit_log WHERE action LIKE 'outreach.provider_key.%' ORDER BY seq")
    ).scalars()
    assert list(actions) == ["outreach.provider_key.saved"]

    theirs = {k["provider"]: k for k in client.get(PREFIX, headers=other.headers).json()}
    assert theirs["resend"]["source"] != "tenant"
    assert client.delete(f"{PREFIX}/resend", headers=other.headers).status_code == 404

    assert client.delete(f"{PREFIX}/resend", headers=h).status_code == 204
    assert client.delete(f"{PREFIX}/resend", headers=h).status_code == 404
    after = {k["provider"]: k for k in client.get(PREFIX, headers=h).json()}
    assert after["resend"]["source"] != "tenant"
