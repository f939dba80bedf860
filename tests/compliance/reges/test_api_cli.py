"""The /v1/compliance/reges routes and ``genius reges validate``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text
from typer.testing import CliRunner

from genius.cli import app as cli_app
from genius.compliance.reges import api
from genius.compliance.reges.messages import loads, to_json, to_xml
from genius.compliance.reges.service import Context
from genius.core.kit.crypto import sha256_hex
from genius.core.platform import Platform
from tests.compliance.conftest import FakeAnaf, shared_data
from tests.compliance.reges.conftest import BAD_CNP, salariat, suspendare
from tests.conftest import TenantCtx
from tests.core.test_rls import as_tenant

BASE = "/v1/compliance/reges"


def test_validate_json_and_xml(client: TestClient, tenant: TenantCtx) -> None:
    r = client.post(f"{BASE}/validate", json=salariat(), headers=tenant.headers)
    assert r.status_code == 200, r.text
    assert r.json()["valid"] and r.json()["xml"].startswith("<?xml")
    xml = to_xml(loads(json.dumps(salariat(cnp=BAD_CNP))))
    r = client.post(
        f"{BASE}/validate", content=xml, headers={**tenant.headers, "Content-Type": "application/xml"}
    )
    assert r.status_code == 200 and not r.json()["valid"]
    assert [(f["rule"], f["location"]) for f in r.json()["findings"]] == [("REGES-CNP", "/info/cnp")]
    r = client.post(
        f"{BASE}/validate", content=b"<<<", headers={**tenant.headers, "Content-Type": "text/xml"}
    )
    assert r.status_code == 200 and r.json()["findings"][0]["rule"] == "REGES-PARSE"
    r = client.post(f"{BASE}/validate", content=b"", headers=tenant.headers)
    assert r.status_code == 400


def test_submission_is_accepted_read_and_listed(client: TestClient, tenant: TenantCtx) -> None:
    r = client.post(
        f"{BASE}/submissions?submit=false",
        json=salariat(),
        headers={**tenant.headers, "Idempotency-Key": "emp-1", "X-Correlation-Id": "c-77"},
    )
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["state"] == "pending" and body["operation"] == "InregistrareSalariat"
    assert body["correlation_id"] == "c-77"
    again = client.post(
        f"{BASE}/submissions?submit=false",
        json=salariat(),
        headers={**tenant.headers, "Idempotency-Key": "emp-1"},
    )
    assert again.status_code == 409  # the same key for another message
    r = client.get(f"{BASE}/submissions/{body['id']}", headers=tenant.headers)
    assert r.status_code == 200 and r.json()["id"] == body["id"]
    r = client.get(f"{BASE}/submissions?state=pending", headers=tenant.headers)
    assert [x["id"] for x in r.json()["items"]] == [body["id"]]
    xml = to_xml(loads(json.dumps(suspendare())))
    r = client.post(
        f"{BASE}/submissions?submit=false",
        content=xml,
        headers={**tenant.headers, "Content-Type": "application/xml"},
    )
    assert r.status_code == 202 and r.json()["entity"] == "contract"


def test_one_message_as_json_or_xml_is_recorded_once(client: TestClient, tenant: TenantCtx) -> None:
    """Without an Idempotency-Key the key is the message's digest: the same contract sent as JSON (its
    ``$type`` tags in any casing) and as XML (which has none) is one submission."""
    message = suspendare()
    first = client.post(f"{BASE}/submissions?submit=false", json=message, headers=tenant.headers)
    assert first.status_code == 202, first.text

    def shout(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: (v.upper() if k == "$type" else shout(v)) for k, v in value.items()}
        return [shout(v) for v in value] if isinstance(value, list) else value

    for content, content_type in (
        (to_xml(loads(json.dumps(message))), "application/xml"),
        (json.dumps(shout(message)).encode(), "application/json"),
    ):
        again = client.post(
            f"{BASE}/submissions?submit=false",
            content=content,
            headers={**tenant.headers, "Content-Type": content_type},
        )
        assert again.status_code in (200, 202), again.text
        assert again.json()["id"] == first.json()["id"]
    listed = client.get(f"{BASE}/submissions", headers=tenant.headers).json()["items"]
    assert [x["id"] for x in listed] == [first.json()["id"]]


def test_a_row_recorded_under_the_older_digest_is_still_found(
    client: TestClient, tenant: TenantCtx, db: Connection
) -> None:
    """Before the digest left ``$type`` out it hashed the JSON as given: a message recorded then and
    sent again without a key is the same submission, not a second one."""
    message = salariat()
    first = client.post(f"{BASE}/submissions?submit=false", json=message, headers=tenant.headers)
    assert first.status_code == 202, first.text
    payload = to_json(loads(json.dumps(message)))
    legacy = sha256_hex(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode())
    as_tenant(db, tenant.id)
    db.execute(
        text(
            "UPDATE compliance.reges_submissions SET idempotency_key = :k, payload_sha256 = :k WHERE id = :id"
        ),
        {"k": legacy, "id": first.json()["id"]},
    )
    again = client.post(f"{BASE}/submissions?submit=false", json=message, headers=tenant.headers)
    assert again.json()["id"] == first.json()["id"]


@pytest.mark.parametrize(
    "content, content_type, status, field",
    [
        (json.dumps(salariat(cnp=BAD_CNP)), "application/json", 422, "/info/cnp"),
        (json.dumps({**salariat(), "info": {}}), "application/json", 422, "/info/adresa"),
        (json.dumps({"$type": "necunoscut"}), "application/json", 422, "/"),
        (json.dumps({"messages": 5}), "application/json", 422, "/$type"),
        ("{", "application/json", 400, None),
        ("<Message", "application/xml", 422, "/"),
        ("", "application/json", 400, None),
    ],
)
def test_bad_submissions_are_4xx_and_record_nothing(
    client: TestClient, tenant: TenantCtx, content: str, content_type: str, status: int, field: str | None
) -> None:
    r = client.post(
        f"{BASE}/submissions", content=content, headers={**tenant.headers, "Content-Type": content_type}
    )
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    if field is not None:
        assert field in {e["field"] for e in r.json()["errors"]}
    assert client.get(f"{BASE}/submissions", headers=tenant.headers).json()["items"] == []


def test_reads_are_scoped_and_checked(client: TestClient, tenant: TenantCtx, make_tenant: Any) -> None:
    r = client.post(f"{BASE}/submissions?submit=false", json=salariat(), headers=tenant.headers)
    other = make_tenant()
    assert client.get(f"{BASE}/submissions/{r.json()['id']}", headers=other.headers).status_code == 404
    assert client.get(f"{BASE}/submissions", headers=other.headers).json()["items"] == []
    assert client.get(f"{BASE}/submissions/not-a-uuid", headers=tenant.headers).status_code == 422
    assert client.get(f"{BASE}/submissions?limit=0", headers=tenant.headers).status_code == 422
    assert client.get(f"{BASE}/submissions?state=nope", headers=tenant.headers).status_code == 422
    assert client.get(f"{BASE}/submissions").status_code == 401


def test_nomenclator(
    client: TestClient,
    tenant: TenantCtx,
    fake_anaf: FakeAnaf,
    platform: Platform,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    r = client.get(f"{BASE}/nomenclators/cor", headers=tenant.headers)
    assert r.status_code == 409  # REGES is not configured in the test settings
    settings = fake_anaf.settings(platform.settings)
    monkeypatch.setattr(api, "context_of", lambda p: Context(db=p.db, settings=settings))
    r = client.get(f"{BASE}/nomenclators/nationalitate", headers=tenant.headers)
    assert r.status_code == 200 and {"nume": "ROMÂNIA", "cod": "RO"} in r.json()
    assert client.get(f"{BASE}/nomenclators/a-b", headers=tenant.headers).status_code == 422
    assert client.get(f"{BASE}/nomenclators/necunoscut", headers=tenant.headers).status_code == 422


def test_cli_validate(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(salariat()))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(salariat(cnp=BAD_CNP)))
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<Message")
    runner = CliRunner()
    r = runner.invoke(cli_app, ["reges", "validate", str(good)])
    assert r.exit_code == 0 and "OK" in r.output
    r = runner.invoke(
        cli_app, ["reges", "validate", str(good), str(bad), str(broken), str(tmp_path / "none"), "--json"]
    )
    assert r.exit_code == 1
    report = json.loads(r.output)
    assert report[str(good)] == []
    assert report[str(bad)] == [
        {
            "rule": "REGES-CNP",
            "severity": "fatal",
            "location": "/info/cnp",
            "message": report[str(bad)][0]["message"],
            "code": "reges.cnp.invalid",  # the stable code and its params, for a translated message
            "params": {"value": repr(BAD_CNP)},
        }
    ]
    assert report[str(broken)][0]["rule"] == "REGES-PARSE"
    assert report[str(tmp_path / "none")][0]["rule"] == "IO"


def test_cli_validate_with_the_official_xsd() -> None:
    xsd = shared_data("reges", "reges.xsd")
    example = shared_data("reges", "examples", "json__Salariat_InregistrareSalariat.json")
    r = CliRunner().invoke(cli_app, ["reges", "validate", "--xsd", str(xsd), "--json", str(example)])
    assert r.exit_code == 0, r.output  # a passport number, not a CNP: accepted
    assert json.loads(r.output) == {str(example): []}
