"""``genius anaf taxpayer CUI… [--offline] [--json] [--date]`` through ``genius.cli.app``."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from genius.cli import app
from genius.compliance.fakes import taxpayer as fake
from genius.config import Settings
from tests.compliance.conftest import FakeAnaf

runner = CliRunner()


def test_offline_valid_and_invalid() -> None:
    ok = runner.invoke(app, ["anaf", "taxpayer", "RO14399840", "4264242", "--offline"])
    assert ok.exit_code == 0, ok.output
    assert "valid CUI 14399840 (RO14399840)" in ok.output
    bad = runner.invoke(app, ["anaf", "taxpayer", "--offline", "14399840", "14399841"])
    assert bad.exit_code == 1
    assert "14399841: INVALID (checksum)" in bad.output


def test_offline_json() -> None:
    r = runner.invoke(app, ["anaf", "taxpayer", "14399841", "ro 14399840", "--offline", "--json"])
    assert r.exit_code == 1
    data = json.loads(r.output)
    assert [d["valid"] for d in data] == [False, True] and data[0]["error"] == "checksum"


def test_usage_errors() -> None:
    assert runner.invoke(app, ["anaf", "taxpayer"]).exit_code == 2
    r = runner.invoke(app, ["anaf", "taxpayer", "14399840", "--date", "yesterday"])
    assert r.exit_code == 2


def test_online_against_the_fake(fake_anaf: FakeAnaf, fake_settings: Settings, redis_url: str) -> None:
    env = {"GENIUS_ANAF_TAXPAYER_URL": fake_settings.anaf_taxpayer_url, "GENIUS_REDIS_URL": redis_url}
    r = runner.invoke(
        app, ["anaf", "taxpayer", str(fake.VERIFIED), str(fake.INACTIVE), "--date", "2026-01-05"], env=env
    )
    assert r.exit_code == 0, r.output
    assert "VERIFIED" in r.output and "EXEMPLU DISTRIBUTIE SA" in r.output and "RO e-Factura:" in r.output
    assert "INACTIVE" in r.output
    r = runner.invoke(app, ["anaf", "taxpayer", str(fake.SPLIT_VAT), "14399841", "--json"], env=env)
    assert r.exit_code == 1
    data = json.loads(r.output)
    assert data[0]["status"] == "verified" and data[0]["record"]["split_vat"] is True
    assert data[1]["status"] == "invalid"
    assert fake_anaf.states.taxpayer.batch_sizes == [2, 1]


def test_online_anaf_down_exits_3(fake_anaf: FakeAnaf, fake_settings: Settings, redis_url: str) -> None:
    fake_anaf.states.taxpayer.fault = "500"
    env = {"GENIUS_ANAF_TAXPAYER_URL": fake_settings.anaf_taxpayer_url, "GENIUS_REDIS_URL": redis_url}
    r = runner.invoke(app, ["anaf", "taxpayer", str(fake.VERIFIED)], env=env)
    assert r.exit_code == 3 and "UNAVAILABLE" in r.output
