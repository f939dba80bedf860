"""`uvicorn genius.asgi:create_asgi_app --factory --workers N`: every scrape of /metrics, whichever
process answers it, reports the requests of all of them (prometheus_client's multiprocess mode)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy.engine import URL

from tests.conftest import ROOT, SECRET, free_port

SERIES = re.compile(
    r'^genius_http_requests_total\{method="GET",route="/v1/auth/me",status="401"\} (\S+)$', re.M
)


def test_uvicorn_workers_share_one_metrics_view(tmp_path: Path, owner_url: URL, redis_url: str) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENIUS_", "PROMETHEUS_"))}
    env.update(
        {
            "GENIUS_DATABASE_URL": owner_url.render_as_string(hide_password=False),
            "GENIUS_REDIS_URL": redis_url,
            "GENIUS_SECRET_KEY": SECRET,
            "GENIUS_DATA_DIR": str(tmp_path / "data"),
            "GENIUS_PUBLIC_URL": base,
            "GENIUS_LOG_LEVEL": "WARNING",
        }
    )
    log = tmp_path / "uvicorn.log"
    argv = ["uvicorn", "genius.asgi:create_asgi_app", "--factory", "--workers", "2", "--host", "127.0.0.1"]
    proc = subprocess.Popen(
        [sys.executable, "-m", *argv, "--port", str(port), "--log-level", "warning"],
        env=env,
        cwd=str(ROOT),
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    shared = Path(tempfile.gettempdir()) / f"genius-metrics-api-{proc.pid}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.3)
        # Both worker processes are up and write into the one directory.
        deadline = time.monotonic() + 60
        while len({p.name.rsplit("_", 1)[-1] for p in shared.glob("counter_*.db")}) < 2:
            assert time.monotonic() < deadline, sorted(os.listdir(shared)) if shared.exists() else shared
            time.sleep(0.3)

        n = 40
        for _ in range(n):  # a new connection each: the kernel spreads them over both processes
            assert httpx.get(f"{base}/v1/auth/me", timeout=5).status_code == 401
        for _ in range(10):
            text = httpx.get(f"{base}/metrics", timeout=5).text
            found = SERIES.findall(text)
            assert found == [f"{float(n)}"], found
            in_progress = re.findall(r"^genius_http_requests_in_progress(\{[^}]*\})? (\S+)$", text, re.M)
            assert len(in_progress) == 1 and float(in_progress[0][1]) >= 1, in_progress  # livesum
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    # Graceful worker exits drop their live gauges; counters stay for the next scrape of a new run.
    assert not list(shared.glob("gauge_livesum_*.db")), sorted(os.listdir(shared))
    shutil.rmtree(shared, ignore_errors=True)
