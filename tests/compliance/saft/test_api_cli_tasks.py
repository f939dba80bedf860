"""``genius saft validate|build``, the /v1/compliance/saft routes and the ``anaf.saft`` tasks."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection
from typer.testing import CliRunner

from genius.cli import app as cli_app
from genius.compliance.saft import service, tasks
from genius.compliance.saft.build import from_ledger, from_xml, to_xml
from genius.config import Settings
from genius.core.platform import Platform
from genius.core.storage import tenant_files_from_settings
from tests.compliance.conftest import shared_data
from tests.compliance.etransport.conftest import events
from tests.compliance.saft import samples
from tests.conftest import TenantCtx

BASE = "/v1/compliance/saft"


# --- CLI --------------------------------------------------------------------------------------------------
def test_cli_validate_exit_codes_and_json(tmp_path: Path) -> None:
    good = tmp_path / "good.xml"
    good.write_bytes(to_xml(from_ledger(samples.month(), "L")))
    bad = tmp_path / "bad.xml"
    bad.write_bytes(
        good.read_bytes().replace(
            b"<NumberOfEntries>3</NumberOfEntries>", b"<NumberOfEntries>4</NumberOfEntries>", 1
        )
    )
    fragment = tmp_path / "fragment.xml"
    fragment.write_bytes(b'<Header xmlns="mfp:anaf:dgti:d406:declaratie:v1"/>')
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<AuditFile")
    missing = tmp_path / "missing.xml"
    runner = CliRunner()
    ok = runner.invoke(
        cli_app, ["saft", "validate", str(good), str(shared_data("saft", "d406t-minimal.xml"))]
    )
    assert ok.exit_code == 0, ok.output
    assert f"{good}: OK" in ok.output and "2 warning(s)" in ok.output
    result = runner.invoke(
        cli_app, ["saft", "validate", str(good), str(bad), str(fragment), str(broken), str(missing), "--json"]
    )
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert list(report) == [str(good), str(bad), str(fragment), str(broken), str(missing)]
    assert report[str(good)] == []
    assert report[str(bad)] == [
        {
            "rule": "SAFT-ARI-002",
            "severity": "fatal",
            "location": "/AuditFile/GeneralLedgerEntries/NumberOfEntries",
            "message": "NumberOfEntries 4 ≠ 3 transactions",
            "code": "saft.ari.entries",  # the stable code and its params, for a translated message
            "params": {"declared": "4", "count": "3"},
        }
    ]
    assert report[str(fragment)][0]["rule"] == "SAFT-ROOT"
    assert report[str(broken)][0]["rule"] == "SAFT-XML"
    assert report[str(missing)][0]["rule"] == "IO"
    text = runner.invoke(cli_app, ["saft", "validate", str(bad)])
    assert text.exit_code == 1 and "SAFT-ARI-002" in text.output and "1 error(s)" in text.output


def test_cli_build(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.json"
    ledger.write_text(json.dumps(samples.month_data(entries=40)))
    runner = CliRunner()
    result = runner.invoke(cli_app, ["saft", "build", str(ledger), "--test-variant"])
    assert result.exit_code == 0, result.output
    built = from_xml((tmp_path / "ledger.xml").read_bytes())
    assert built.header.header_comment == "L" and built.general_ledger_entries is not None
    out = tmp_path / "out" / "D406.xml"
    out.parent.mkdir()
    result = runner.invoke(
        cli_app, ["saft", "build", str(ledger), "-o", str(out), "--max-bytes", "8000", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    parts = sorted(out.parent.iterdir())
    assert len(parts) > 1 and list(report) == [
        str(p) for p in sorted(parts, key=lambda p: int(p.stem.split("_")[1].split("of")[0]))
    ]
    assert all(findings == [] for findings in report.values())
    wrong_period = runner.invoke(cli_app, ["saft", "build", str(ledger), "--kind", "A"])
    assert wrong_period.exit_code == 1 and "twelve months" in wrong_period.output
    ledger.write_text('{"company": {}}')
    invalid = runner.invoke(cli_app, ["saft", "build", str(ledger)])
    assert invalid.exit_code == 1 and "company.cui" in invalid.output
    assert runner.invoke(cli_app, ["saft", "build", str(tmp_path / "none.json")]).exit_code == 1


# --- API --------------------------------------------------------------------------------------------------
def test_validate_route(client: TestClient, tenant: TenantCtx) -> None:
    xml_headers = {**tenant.headers, "Content-Type": "application/xml"}
    r = client.post(
        f"{BASE}/validate", content=shared_data("saft", "d406t-minimal.xml").read_bytes(), headers=xml_headers
    )
    assert r.status_code == 200 and r.json()["valid"], r.text
    assert {f["severity"] for f in r.json()["findings"]} == {"warning"}
    r = client.post(f"{BASE}/validate", content=b"<<<", headers=xml_headers)
    assert r.status_code == 200 and not r.json()["valid"] and r.json()["findings"][0]["rule"] == "SAFT-XML"
    r = client.post(f"{BASE}/validate", content=b"", headers=xml_headers)
    assert r.status_code == 200 and r.json()["findings"][0]["rule"] == "SAFT-XML"
    assert client.post(f"{BASE}/validate", content=b"<a/>").status_code == 401


def test_report_bad_input_is_4xx_and_records_nothing(client: TestClient, tenant: TenantCtx) -> None:
    h = tenant.headers
    r = client.post(
        f"{BASE}/reports", content=b"{not json", headers={**h, "Content-Type": "application/json"}
    )
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    r = client.post(f"{BASE}/reports", json={"company": {"cui": "1"}}, headers=h)
    assert r.status_code == 422 and any("period_start" in str(e) for e in r.json()["errors"])
    data = samples.month_data()
    data["entries"][0]["lines"][0]["debit"] = "NaN"
    assert client.post(f"{BASE}/reports", json=data, headers=h).status_code == 422
    data["entries"][0]["lines"][0]["debit"] = "1e999999"
    assert client.post(f"{BASE}/reports", json=data, headers=h).status_code == 422
    r = client.post(f"{BASE}/reports?kind=T&queue=false", json=samples.month_data(), headers=h)
    assert r.status_code == 422 and "quarter" in r.json()["detail"]
    assert client.post(f"{BASE}/reports?kind=Z", json=samples.month_data(), headers=h).status_code == 422
    data = samples.month_data()
    data["company"]["name"] = "TEST\x00SRL"  # neither XML nor PostgreSQL can carry it
    r = client.post(f"{BASE}/reports?queue=false", json=data, headers=h)
    assert r.status_code == 422 and "company" in str(r.json()["errors"])
    assert client.get(f"{BASE}/reports", headers=h).json()["items"] == []
    assert client.get(f"{BASE}/reports/{uuid.uuid4()}", headers=h).status_code == 404
    assert client.get(f"{BASE}/reports/not-a-uuid", headers=h).status_code == 422


@pytest.fixture
def task_context(platform: Platform, settings: Settings) -> Iterator[service.Context]:
    ctx = service.Context(db=platform.db, settings=settings, storage=tenant_files_from_settings(settings))
    tasks.use_context(ctx)
    yield ctx
    tasks.use_context(None)


def test_task_names_route_to_the_queue() -> None:
    from genius.workers.celery_app import route_by_name
    from genius.workers.fleet import FLEET

    for task, name in ((tasks.generate, "anaf.saft.generate"), (tasks.validate, "anaf.saft.validate")):
        assert task.name == name
        route = route_by_name(task.name, None, None, None)
        assert route is not None and route["queue"] == "anaf.saft"
    assert any(t.tag == "anaf.saft" and t.module == "genius.compliance.saft.tasks" for t in FLEET)


def test_report_end_to_end(
    client: TestClient, tenant: TenantCtx, make_tenant: object, db: Connection, task_context: service.Context
) -> None:
    h = {**tenant.headers, "Idempotency-Key": "june-2026", "X-Correlation-Id": "close-june"}
    r = client.post(f"{BASE}/reports?kind=L&queue=false", json=samples.month_data(), headers=h)
    assert r.status_code == 202, r.text
    created = r.json()
    assert created["status"] == "queued" and created["correlation_id"] == "close-june"
    again = client.post(f"{BASE}/reports?kind=L&queue=false", json=samples.month_data(), headers=h)
    assert again.status_code == 200 and again.json()["id"] == created["id"]
    other = samples.month_data(entries=4)
    assert client.post(f"{BASE}/reports?kind=L&queue=false", json=other, headers=h).status_code == 409

    result = tasks.generate.apply(args=[str(tenant.id), created["id"]]).get()
    assert result["status"] == "ready" and result["fatal_count"] == 0
    (seg,) = result["segments"]
    assert seg["key"].startswith(f"saft/{tenant.id}/{created['id']}/D406_88888808_202606-202606_L_1of1")
    # a redelivered task does not build again
    assert tasks.generate.apply(args=[str(tenant.id), created["id"]]).get()["segments"] == [seg]

    r = client.get(f"{BASE}/reports/{created['id']}", headers=tenant.headers)
    assert r.status_code == 200 and r.json()["status"] == "ready"
    r = client.get(f"{BASE}/reports/{created['id']}/segments/1", headers=tenant.headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    assert from_xml(r.content).header.company.name == "TEST SRL"
    assert client.get(f"{BASE}/reports/{created['id']}/segments/2", headers=tenant.headers).status_code == 404
    assert [x["id"] for x in client.get(f"{BASE}/reports", headers=tenant.headers).json()["items"]] == [
        created["id"]
    ]

    (ready,) = events(db, tenant.id, "accounting.saft.ready")
    assert ready["_correlation_id"] == "close-june" and ready["report_id"] == created["id"]
    assert ready["kind"] == "L" and ready["period_start"] == "2026-06-01" and ready["cui"] == "RO88888808"
    assert ready["segments"] == [seg] and ready["findings"] == {"fatal": 0, "warning": 0}
    assert events(db, tenant.id, "accounting.saft.failed") == []

    assert tasks.validate.apply(args=[str(tenant.id), seg["key"]]).get() == []

    stranger = make_tenant()  # type: ignore[operator]
    assert client.get(f"{BASE}/reports/{created['id']}", headers=stranger.headers).status_code == 404
    assert (
        client.get(f"{BASE}/reports/{created['id']}/segments/1", headers=stranger.headers).status_code == 404
    )


def test_failed_build_and_segmented_report(
    client: TestClient, tenant: TenantCtx, db: Connection, task_context: service.Context, settings: Settings
) -> None:
    # a record larger than the segment limit cannot be filed: the build fails and an event says why
    task_context.settings = settings.model_copy(update={"saft_max_segment_bytes": 4096})
    r = client.post(f"{BASE}/reports?queue=false", json=samples.month_data(), headers=tenant.headers)
    assert r.status_code == 202, r.text
    result = tasks.generate.apply(args=[str(tenant.id), r.json()["id"]]).get()
    assert result["status"] == "failed" and "does not fit" in result["error"]
    (failed,) = events(db, tenant.id, "accounting.saft.failed")
    assert failed["stage"] == "build" and failed["report_id"] == r.json()["id"]
    assert failed["messages"] == [result["error"]]

    task_context.settings = settings.model_copy(update={"saft_max_segment_bytes": 8000})
    r = client.post(
        f"{BASE}/reports?queue=false&test_variant=true",
        json=samples.month_data(entries=50),
        headers=tenant.headers,
    )
    result = tasks.generate.apply(args=[str(tenant.id), r.json()["id"]]).get()
    assert result["status"] == "ready" and result["variant"] == "d406t" and len(result["segments"]) > 2
    (ready,) = events(db, tenant.id, "accounting.saft.ready")
    assert [s["index"] for s in ready["segments"]] == list(range(1, len(result["segments"]) + 1))
    for s in ready["segments"]:
        got = client.get(f"{BASE}/reports/{r.json()['id']}/segments/{s['index']}", headers=tenant.headers)
        assert got.status_code == 200 and len(got.content) == s["size"] <= 8000
        assert got.headers["etag"] == f'"{s["sha256"]}"'


def test_invalid_report_publishes_the_failure(
    tenant: TenantCtx, db: Connection, task_context: service.Context, platform: Platform
) -> None:
    ledger = samples.month()
    ledger.entries[0].lines[0].account = "9999"  # not in the chart
    with platform.db.tenant_session(tenant.id) as session:
        row, _ = service.create(session, task_context.storage, tenant.id, ledger, "L", correlation_id="c-bad")
        report_id = str(row.id)
    result = tasks.generate.apply(args=[str(tenant.id), report_id]).get()
    assert result["status"] == "invalid" and result["fatal_count"] >= 1
    assert "SAFT-REF-ACCOUNT" in {f["rule"] for f in result["findings"]}
    (failed,) = events(db, tenant.id, "accounting.saft.failed")
    assert failed["stage"] == "validation" and failed["_correlation_id"] == "c-bad"
    assert any("SAFT-REF-ACCOUNT" in m for m in failed["messages"])
    with pytest.raises(Exception, match="not one of this tenant"):
        tasks.validate.apply(args=[str(tenant.id), f"saft/{uuid.uuid4()}/x.xml"]).get()


def test_health(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tasks, "get_settings", lambda: settings.model_copy(update={"duk_jar": None}))
    assert "validated" in tasks.health()
    monkeypatch.setattr(
        tasks, "get_settings", lambda: settings.model_copy(update={"duk_jar": tmp_path / "no.jar"})
    )
    with pytest.raises(RuntimeError, match="not found"):
        tasks.health()
