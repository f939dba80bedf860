"""Bad input, missing scopes and other tenants get a 4xx problem+json and change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Connection

from genius.core.platform import Platform
from tests.vettify.imports import samples
from tests.vettify.imports.conftest import Imports, tenant_rows

PROBLEM = "application/problem+json"


def problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    return body


def fields(body: dict[str, Any]) -> set[str]:
    return {e["field"] for e in body.get("errors") or []}


def test_auth_and_scopes(imports: Imports, make_tenant: Any) -> None:
    problem(imports.upload(samples.FILE_A, headers={}), 401)
    viewer = make_tenant(role="viewer")  # crm:read only
    problem(imports.upload(samples.FILE_A, headers=viewer.headers), 403)
    up = imports.uploaded(samples.FILE_A)
    problem(imports.call("POST", f"/imports/{up['id']}/start", headers={}), 401)
    # A viewer of *another* tenant: reads are scoped to the tenant, so the import does not exist there.
    problem(imports.call("GET", f"/imports/{up['id']}", headers=viewer.headers), 404)
    problem(imports.call("GET", f"/imports/{up['id']}/errors.csv", headers=viewer.headers), 404)
    other = make_tenant()
    for method, path, body in (
        ("PUT", f"/imports/{up['id']}/mapping", {"mapping": up["suggested_mapping"]}),
        ("POST", f"/imports/{up['id']}/start", None),
        ("POST", f"/imports/{up['id']}/cancel", None),
        ("POST", f"/imports/{up['id']}/validate", None),
    ):
        problem(imports.call(method, path, body, headers=other.headers), 404)
    assert imports.call("GET", "/imports", headers=other.headers).json()["items"] == []
    assert imports.get(up["id"])["status"] == "uploaded"


def test_bad_uploads(imports: Imports, tenant: Any, db: Connection) -> None:
    assert fields(problem(imports.upload(samples.FILE_A, entity="opportunities"), 422)) == {"entity"}
    r = imports.client.post("/v1/crm/imports", data={"entity": "leads"}, headers=imports.headers)
    assert "file" in fields(problem(r, 422))
    r = imports.client.post("/v1/crm/imports", json={"entity": "leads"}, headers=imports.headers)
    assert fields(problem(r, 422)) == {"file"}
    assert fields(problem(imports.upload(b""), 422)) == {"file"}
    assert fields(problem(imports.upload(b"\n\n  \n"), 422)) == {"file"}
    # Bytes that are neither UTF-8 nor Windows-1250 (0x81, 0x83, 0x88 are unassigned in cp1250).
    body = problem(imports.upload(b"Nume;Email\n\x81\x83\x88;x\n"), 422)
    assert "Windows-1250" in body["errors"][0]["message"]
    dup = problem(imports.upload(b"Email;Email\na@b.ro;c@d.ro\n"), 422)
    assert "twice" in dup["errors"][0]["message"]
    assert not tenant_rows(db, tenant.id, "SELECT 1 FROM crm.imports")


def test_too_large(imports: Imports, platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        platform, "settings", platform.settings.model_copy(update={"crm_import_max_bytes": 2048})
    )
    body = problem(imports.upload(samples.FILE_A + b"x;" * 2000), 413)
    assert "2048" in body["detail"]
    assert imports.upload(samples.FILE_A).status_code == 201


def test_bad_mappings(imports: Imports) -> None:
    up = imports.uploaded(samples.FILE_A)
    path = f"/imports/{up['id']}/mapping"
    body = problem(imports.call("PUT", path, {"mapping": {"Nu exista": "email"}}), 422)
    assert fields(body) == {"mapping.Nu exista"}
    body = problem(imports.call("PUT", path, {"mapping": {"Email": "salary"}}), 422)
    assert fields(body) == {"mapping.Email"}
    body = problem(imports.call("PUT", path, {"mapping": {"Email": "email", "Nume": "email"}}), 422)
    assert "already mapped" in body["errors"][0]["message"]
    body = problem(imports.call("PUT", path, {"mapping": {"Telefon": "phone"}}), 422)
    assert fields(body) == {"mapping"}  # nothing that names the lead
    problem(imports.call("PUT", path, {"mapping": {"Email": "email"}, "on_duplicate": "merge"}), 422)
    problem(imports.call("PUT", path, {"mapping": {"Email": "email"}, "extra": 1}), 422)
    problem(imports.call("PUT", path, {}), 422)
    problem(imports.call("PUT", path, {"mapping_id": "7b0b7d4e-8c66-4c1e-9d7b-2a4e7f1f0c11"}), 422)
    problem(imports.call("PUT", "/imports/not-a-uuid/mapping", {"mapping": {}}), 422)
    problem(imports.call("GET", "/imports/7b0b7d4e-8c66-4c1e-9d7b-2a4e7f1f0c11"), 404)
    assert imports.get(up["id"])["status"] == "uploaded"


def test_start_needs_a_mapping_and_only_once(imports: Imports) -> None:
    up = imports.uploaded(b"Coloana X;Coloana Y\n1;2\n")
    assert up["suggested_mapping"] == {}
    problem(imports.call("POST", f"/imports/{up['id']}/start"), 409)
    problem(imports.call("POST", f"/imports/{up['id']}/validate"), 409)
    imports.call("PUT", f"/imports/{up['id']}/mapping", {"mapping": {"Coloana X": "last_name"}})
    imports.start(up["id"])
    problem(imports.call("POST", f"/imports/{up['id']}/start"), 409)
    problem(imports.call("PUT", f"/imports/{up['id']}/mapping", {"mapping": {"Coloana X": "last_name"}}), 409)


def test_start_needs_no_broker_the_run_waits_in_the_outbox(imports: Imports) -> None:
    """The run is an outbox row (and a lease) written with the queued state: a broker outage at this
    moment changes nothing for the caller, and the relay sends it once the broker is back."""
    up = imports.uploaded(samples.FILE_A)
    imports.call("PUT", f"/imports/{up['id']}/mapping", {"mapping": up["suggested_mapping"]})
    started = imports.call("POST", f"/imports/{up['id']}/start")
    assert started.status_code == 202 and started.json()["status"] == "queued"
    assert imports.queued == [(str(imports.tid), up["id"])]
    imports.run_queued()
    assert imports.get(up["id"])["status"] == "completed"
