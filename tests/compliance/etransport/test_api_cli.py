"""The /v1/compliance/etransport routes and ``genius etransport validate|uit``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from genius.cli import app as cli_app
from genius.compliance.etransport.build import to_xml
from tests.compliance.etransport import samples
from tests.conftest import TenantCtx

BASE = "/v1/compliance/etransport"


def national_json() -> dict[str, Any]:
    return json.loads(samples.national().model_dump_json(by_alias=True, exclude_none=True))


def test_validate_json_and_xml(client: TestClient, tenant: TenantCtx) -> None:
    r = client.post(f"{BASE}/validate", json=national_json(), headers=tenant.headers)
    assert r.status_code == 200, r.text
    assert r.json()["valid"] and r.json()["xml"].startswith("<?xml")
    bad = to_xml(samples.national()).replace(b'codUnitateMasura="KGM"', b'codUnitateMasura="XYZ1"', 1)
    r = client.post(
        f"{BASE}/validate", content=bad, headers={**tenant.headers, "Content-Type": "application/xml"}
    )
    body = r.json()
    assert r.status_code == 200 and not body["valid"]
    assert {f["rule"] for f in body["findings"]} == {"BR-CL-003"}
    assert body["findings"][0]["location"] == "/eTransport/notificare/bunuriTransportate[1]/@codUnitateMasura"
    r = client.post(
        f"{BASE}/validate", content=b"<<<", headers={**tenant.headers, "Content-Type": "text/plain"}
    )
    assert r.status_code == 200 and r.json()["findings"][0]["rule"] == "XML"
    r = client.post(f"{BASE}/validate", json={"codDeclarant": "1"}, headers=tenant.headers)
    assert r.status_code == 422


def test_applicability(client: TestClient, tenant: TenantCtx) -> None:
    r = client.post(
        f"{BASE}/applicability",
        json={"lines": [{"tariff_code": "0701", "value_ron": "10500", "gross_weight_kg": "900"}]},
        headers=tenant.headers,
    )
    assert r.status_code == 200 and r.json()["required"]
    r = client.post(
        f"{BASE}/applicability",
        json={"lines": [{"tariff_code": "0701", "value_ron": "900"}]},
        headers=tenant.headers,
    )
    assert r.status_code == 200 and not r.json()["required"]


def test_create_get_and_submit_without_anaf_connection(client: TestClient, tenant: TenantCtx) -> None:
    r = client.post(
        f"{BASE}/declarations?submit=false&shipment_ref=SHP-1",
        json=national_json(),
        headers={**tenant.headers, "Idempotency-Key": "ship-1", "X-Correlation-Id": "corr-1"},
    )
    assert r.status_code == 202, r.text
    created = r.json()
    assert created["state"] == "pending" and created["kind"] == "notificare" and created["queued"] is None
    assert created["correlation_id"] == "corr-1" and created["shipment_ref"] == "SHP-1"
    again = client.post(
        f"{BASE}/declarations?submit=false",
        json=national_json(),
        headers={**tenant.headers, "Idempotency-Key": "ship-1"},
    )
    assert again.status_code == 200 and again.json()["id"] == created["id"]
    r = client.get(f"{BASE}/declarations/{created['id']}", headers=tenant.headers)
    assert r.status_code == 200 and r.json()["id"] == created["id"]
    # no ANAF OAuth connection for this tenant: a clear 409, never a 500, no call to ANAF
    r = client.post(f"{BASE}/declarations/{created['id']}/submit?sync=true", headers=tenant.headers)
    assert r.status_code == 409 and r.json()["type"].endswith("anaf-not-connected")


def test_create_from_xml_refuses_invalid(client: TestClient, tenant: TenantCtx) -> None:
    bad = to_xml(samples.deletion("3V0P0L0P0T3JUW47"))
    r = client.post(f"{BASE}/declarations/xml?submit=false", content=bad, headers=tenant.headers)
    assert r.status_code == 422 and r.json()["findings"][0]["rule"] == "BR-019"
    r = client.post(
        f"{BASE}/declarations/xml?submit=false", content=to_xml(samples.deletion()), headers=tenant.headers
    )
    assert r.status_code == 202 and r.json()["kind"] == "stergere" and r.json()["target_uit"] == samples.UIT


def test_routes_need_auth(client: TestClient) -> None:
    assert client.post(f"{BASE}/validate", content=b"<a/>").status_code == 401


def test_unknown_declaration_is_404(client: TestClient, tenant: TenantCtx) -> None:
    r = client.get(f"{BASE}/declarations/00000000-0000-0000-0000-000000000000", headers=tenant.headers)
    assert r.status_code == 404


# --- CLI --------------------------------------------------------------------------------------------------
def test_cli_validate(tmp_path: Path) -> None:
    good = tmp_path / "good.xml"
    good.write_bytes(to_xml(samples.national()))
    bad = tmp_path / "bad.xml"
    bad.write_bytes(to_xml(samples.deletion("3V0P0L0P0T3JUW47")))
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<eTransport")
    runner = CliRunner()
    ok = runner.invoke(cli_app, ["etransport", "validate", str(good)])
    assert ok.exit_code == 0 and "OK" in ok.output
    result = runner.invoke(
        cli_app,
        ["etransport", "validate", str(good), str(bad), str(broken), str(tmp_path / "missing.xml"), "--json"],
    )
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report[str(good)] == []
    assert report[str(bad)] == [
        {
            "rule": "BR-019",
            "severity": "fatal",
            "location": "/eTransport/stergere/@uit",
            "message": report[str(bad)][0]["message"],
        }
    ]
    assert report[str(broken)][0]["rule"] == "XML"
    assert report[str(tmp_path / "missing.xml")][0]["rule"] == "IO"
    text = runner.invoke(cli_app, ["etransport", "validate", str(bad)])
    assert text.exit_code == 1 and "BR-019" in text.output


def test_cli_uit() -> None:
    runner = CliRunner()
    assert runner.invoke(cli_app, ["etransport", "uit", samples.UIT]).exit_code == 0
    result = runner.invoke(cli_app, ["etransport", "uit", samples.UIT, "3V0P0L0P0T3JUW47"])
    assert result.exit_code == 1 and "check digits" in result.output


def test_hostile_numbers_are_refused_not_crashing(client: TestClient, tenant: TenantCtx) -> None:
    data = national_json()
    for value in ("NaN", "Infinity", "1e999999"):
        data["notificare"]["bunuriTransportate"][0]["cantitate"] = value
        r = client.post(f"{BASE}/validate", json=data, headers=tenant.headers)
        assert r.status_code == 422, (value, r.text)
