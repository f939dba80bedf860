"""``POST /v1/outreach/replies/classify`` and ``genius outreach classify-reply``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Connection
from typer.testing import CliRunner

from genius.cli import app
from genius.outreach.sentiment import classify


def test_the_endpoint_answers_like_the_classifier(client: TestClient, tenant: Any, db: Connection) -> None:
    for text in ("Vă rog să nu mă mai contactați", "Sounds great, send the offer", "Cine sunteți?"):
        r = client.post("/v1/outreach/replies/classify", json={"text": text}, headers=tenant.headers)
        assert r.status_code == 200, r.text
        assert r.json() == classify(text).as_dict()
    assert client.post("/v1/outreach/replies/classify", json={"text": "x"}).status_code == 401
    bad = client.post("/v1/outreach/replies/classify", json={"txt": "x"}, headers=tenant.headers)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")


def test_the_cli_reads_a_file_and_stdin(tmp_path: Path) -> None:
    src = tmp_path / "replies.jsonl"
    texts = ["Dezabonare", "Sună bine, trimiteți oferta", "Out of office until Monday"]
    src.write_text(
        "\n".join(json.dumps({"text": t}, ensure_ascii=False) for t in texts) + "\n", encoding="utf-8"
    )
    result = CliRunner().invoke(app, ["outreach", "classify-reply", "--json", str(src)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines == [classify(t).as_dict() for t in texts]
    assert set(lines[0]) == {"sentiment", "label", "opt_out", "reason"} and lines[0]["opt_out"] is True
    piped = subprocess.run(
        [sys.executable, "-m", "genius.cli", "outreach", "classify-reply", "-"],
        input='{"text": "STOP"}\nnot json\n',
        capture_output=True,
        text=True,
        check=False,
    )
    out = [json.loads(line) for line in piped.stdout.splitlines()]
    assert piped.returncode == 1 and out[0]["opt_out"] is True and "error" in out[1]
    assert "line 2" in piped.stderr
