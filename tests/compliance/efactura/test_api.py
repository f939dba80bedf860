"""The e-Factura API: OAuth start/callback, submissions, messages, archive, and bad input as 4xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from genius.config import Settings
from genius.core.platform import Platform
from tests.compliance.conftest import FakeAnaf
from tests.compliance.efactura.test_client import CIF, fake_settings, invoice
from tests.conftest import TenantCtx

BASE = "/v1/compliance/efactura"


@pytest.fixture
def api(
    client: TestClient,
    platform: Platform,
    fake_anaf: FakeAnaf,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
) -> Iterator[TestClient]:
    monkeypatch.setattr(
        platform,
        "settings",
        fake_settings(fake_anaf, settings).model_copy(update={"storage_url": f"file://{tmp_path}"}),
    )
    yield client


def connect(api: TestClient, tenant: TenantCtx) -> None:
    start = api.get(f"{BASE}/oauth/start", headers=tenant.headers)
    assert start.status_code == 200, start.text
    redirect = httpx.get(start.json()["authorize_url"], follow_redirects=False)
    location = httpx.URL(redirect.headers["location"])
    callback = api.get(
        f"{BASE}/oauth/callback", params={"code": location.params["code"], "state": location.params["state"]}
    )
    assert callback.status_code == 200, callback.text
    assert callback.json()["connected"] is True


def test_oauth_and_submission_flow(api: TestClient, tenant: TenantCtx, fake_anaf: FakeAnaf) -> None:
    assert api.get(f"{BASE}/oauth", headers=tenant.headers).json() == {"connected": False}
    connect(api, tenant)
    assert api.get(f"{BASE}/oauth", headers=tenant.headers).json()["connected"] is True

    headers = {**tenant.headers, "Content-Type": "application/xml", "Idempotency-Key": "inv-1"}
    created = api.post(
        f"{BASE}/submissions", params={"cif": f"RO{CIF}"}, content=invoice("A-1"), headers=headers
    )
    assert created.status_code == 202, created.text
    body = created.json()
    assert body["state"] == "pending" and body["cif"] == CIF
    again = api.post(f"{BASE}/submissions", params={"cif": CIF}, content=invoice("A-1"), headers=headers)
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    other = api.post(f"{BASE}/submissions", params={"cif": CIF}, content=invoice("A-2"), headers=headers)
    assert other.status_code == 409
    assert other.headers["content-type"].startswith("application/problem+json")

    got = api.get(f"{BASE}/submissions/{body['id']}", headers=tenant.headers)
    assert got.status_code == 200 and got.json()["id"] == body["id"]


def test_messages_and_archive(
    api: TestClient, tenant: TenantCtx, fake_anaf: FakeAnaf, platform: Platform
) -> None:
    connect(api, tenant)
    from genius.compliance.efactura import service
    from genius.compliance.efactura.api import context_of

    ctx = context_of(platform)
    with platform.db.tenant_session(tenant.id) as session:
        sub, _ = service.submit(session, tenant.id, invoice("A-9"), CIF)
    service.upload(ctx, tenant.id, sub.id)
    fake_anaf.states.efactura.in_progress_polls = 0
    result = service.poll(ctx, tenant.id, sub.id)
    assert result["state"] == "ok"

    listed = api.get(f"{BASE}/messages", params={"cif": CIF, "zile": 5}, headers=tenant.headers)
    assert listed.status_code == 200, listed.text
    assert [m["id_solicitare"] for m in listed.json()["messages"]] == [result["index_incarcare"]]

    zipped = api.get(f"{BASE}/archive/{result['id_descarcare']}", headers=tenant.headers)
    assert zipped.status_code == 200 and zipped.content[:2] == b"PK"
    assert zipped.headers["x-signature-ok"] == "true"
    missing = api.get(f"{BASE}/archive/999999", headers=tenant.headers)
    assert missing.status_code == 404 and missing.headers["content-type"].startswith(
        "application/problem+json"
    )


def test_bad_input_is_4xx(api: TestClient, tenant: TenantCtx, make_tenant: Any) -> None:
    h = {**tenant.headers, "Content-Type": "application/xml"}
    cases = [
        api.post(f"{BASE}/submissions", params={"cif": CIF}, content=b"", headers=h),
        api.post(f"{BASE}/submissions", params={"cif": CIF}, content=b"<broken", headers=h),
        api.post(f"{BASE}/submissions", params={"cif": "abc"}, content=invoice(), headers=h),
        api.post(f"{BASE}/submissions", params={"cif": CIF, "standard": "PDF"}, content=invoice(), headers=h),
        api.post(f"{BASE}/submissions", params={"cif": CIF}, content=b"\xff\xfe<a/>", headers=h),
        api.get(f"{BASE}/submissions/not-a-uuid", headers=tenant.headers),
        api.get(f"{BASE}/submissions/00000000-0000-0000-0000-000000000000", headers=tenant.headers),
        api.get(f"{BASE}/messages", params={"cif": CIF, "zile": 99}, headers=tenant.headers),
        api.get(f"{BASE}/archive/abc", headers=tenant.headers),
        api.get(f"{BASE}/oauth/callback", params={"code": "x", "state": "forged"}),
        api.get(f"{BASE}/messages", params={"cif": CIF}, headers=tenant.headers),  # not connected
        api.post(f"{BASE}/submissions", params={"cif": CIF}, content=invoice()),  # no token
    ]
    for response in cases:
        assert 400 <= response.status_code < 500, (response.request.url, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    viewer = make_tenant(role="viewer")
    denied = api.post(
        f"{BASE}/submissions", params={"cif": CIF}, content=invoice(), headers={**viewer.headers}
    )
    assert denied.status_code == 403
