"""`genius demo` end to end: starts, serves the demo login, stops cleanly on Ctrl-C, keeps data."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.conftest import free_port


class Demo(subprocess.Popen[str]):
    """The demo process, in a session of its own (as in a terminal), and all it has printed."""

    printed: list[str]


def _start(data_dir: Path, port: int, fakes_port: int) -> tuple[Demo, str, float]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GENIUS_ANAF_", "GENIUS_REGES_"))},
        "GENIUS_DATA_DIR": str(data_dir),
        "GENIUS_PORT": str(port),
        "GENIUS_DEMO_FAKES_PORT": str(fakes_port),
        "GENIUS_ARGON2_TIME_COST": "1",
        "GENIUS_ARGON2_MEMORY_KIB": "1024",
        "GENIUS_LOG_LEVEL": "WARNING",
        # The fake TimelinesAI's leads stay silent: an answer arriving mid-test would change the review
        # queue a test is counting (tests/outreach drive the answers themselves).
        "GENIUS_DEMO_REPLY_RATE": "0",
        # Each process's metrics port on a free port (the defaults 9101-9104 may be taken here).
        **{
            f"GENIUS_METRICS_PORT_{role}": str(free_port()) for role in ("RELAY", "CONSUME", "BEAT", "WORKER")
        },
    }
    for key in ("GENIUS_DATABASE_URL", "GENIUS_REDIS_URL", "GENIUS_DEMO_PASSWORD", "GENIUS_SECRET_KEY"):
        env.pop(key, None)
    t0 = time.perf_counter()
    proc = Demo(
        [sys.executable, "-m", "genius.cli", "demo"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output = ""
    deadline = time.monotonic() + 120
    assert proc.stdout is not None
    while "Press Ctrl-C" not in output:
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail(f"demo did not start:\n{output}")
        output += proc.stdout.readline()
    # Keep reading: a full pipe would block the demo's processes on their next log line.
    proc.printed = []
    stream = proc.stdout
    threading.Thread(target=lambda: proc.printed.extend(stream), daemon=True).start()
    return proc, output, time.perf_counter() - t0


def _stop(proc: Demo) -> None:
    """Ctrl-C as a terminal sends it: to the demo's whole process group."""
    children = psutil.Process(proc.pid).children(recursive=True)
    os.killpg(proc.pid, signal.SIGINT)
    proc.wait(60)
    time.sleep(0.5)
    alive = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"left running: {alive}"
    # Nothing the demo runs loses its stores while stopping (Redis is stopped after the workers).
    printed = "".join(proc.printed)
    assert "Traceback" not in printed, printed[-4000:]


@pytest.mark.slow
def test_demo_start_stop_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "genius"
    port, fakes_port = free_port(), free_port()
    proc, output, first = _start(data_dir, port, fakes_port)
    try:
        password = re.search(r"Password:\s+(\S+)", output).group(1)  # type: ignore[union-attr]
        assert "admin@demo.local" in output and f"http://127.0.0.1:{port}" in output
        base = f"http://127.0.0.1:{port}"
        tok = httpx.post(
            f"{base}/v1/auth/token",
            data={
                "grant_type": "password",
                "tenant": "demo",
                "username": "admin@demo.local",
                "password": password,
            },
        )
        assert tok.status_code == 200, tok.text
        headers = {"Authorization": f"Bearer {tok.json()['access_token']}"}
        assert "platform:admin" in tok.json()["scope"].split()
        created = httpx.post(
            f"{base}/v1/tenants",
            headers=headers,
            json={
                "slug": "persist",
                "name": "Persist SRL",
                "admin_email": "a@persist.ro",
                "admin_password": "0123456789ab",
            },
        )
        assert created.status_code == 201, created.text
        assert httpx.get(f"{base}/health/ready").status_code == 200
        # genius demo: the API docs are public (generating the schema takes seconds on a busy machine)
        assert httpx.get(f"{base}/openapi.json", timeout=60).status_code == 200
        assert f"local fake server at http://127.0.0.1:{fakes_port}" in output
        # The demo's worker processes register: the registry lists every implemented queue running.
        from genius.workers.fleet import IMPLEMENTED

        deadline, up = time.monotonic() + 90, set()
        while time.monotonic() < deadline and not set(IMPLEMENTED) <= up:
            workers = httpx.get(f"{base}/v1/workers", headers=headers).json()["items"]
            up = {w["tag"] for w in workers if w["status"] in ("running", "idle")}
            time.sleep(1)
        assert set(IMPLEMENTED) <= up, workers
        # Every process's metrics are at the URLs the banner prints (README "Observability").
        urls = dict(re.findall(r"(http://\S+/metrics) \(([A-Za-z]+)", output))
        expected = {
            "API": ["genius_http_requests_total", "genius_worker_up{", "genius_task_queue_wait_seconds"],
            "relay": ["genius_outbox_oldest_age_seconds", "genius_outbox_published_total{"],
            "consume": ['genius_events_consumed_total{consumer="crm"'],
            "beat": ["process_cpu_seconds_total"],
            "worker": ["genius_worker_heartbeat_latency_seconds_count{"],
        }
        assert sorted(urls.values()) == sorted(expected), output
        for url, role in urls.items():
            deadline, text = time.monotonic() + 60, ""
            while time.monotonic() < deadline and not all(m in text for m in expected[role]):
                try:
                    text = httpx.get(url, timeout=5).text
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            assert all(m in text for m in expected[role]), (role, url, text[-2000:])
    finally:
        _stop(proc)
    # A file an older version stored in plain text is sealed under its tenant's key at the next start.
    old_key = f"efactura/{created.json()['id']}/1.zip"
    (data_dir / "files" / old_key).parent.mkdir(parents=True, exist_ok=True)
    (data_dir / "files" / old_key).write_bytes(b"PK old archive")
    proc, output, second = _start(data_dir, port, fakes_port)
    try:
        assert re.search(r"Password:\s+(\S+)", output).group(1) == password  # type: ignore[union-attr]
        from genius.core.storage import FileStorage, TenantFiles

        files = TenantFiles(FileStorage(data_dir / "files"), (data_dir / "secret_key").read_text().strip())
        assert files.for_tenant(created.json()["id"]).get(old_key) == b"PK old archive"
        tok = httpx.post(
            f"{base}/v1/auth/token",
            data={
                "grant_type": "password",
                "tenant": "persist",
                "username": "a@persist.ro",
                "password": "0123456789ab",
            },
        )
        assert tok.status_code == 200, "data did not survive the restart"
    finally:
        _stop(proc)
    # Every process that used the database is gone, so the embedded server must be gone too.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _postgres_of(data_dir):
        time.sleep(0.5)
    assert not _postgres_of(data_dir), "the embedded PostgreSQL outlived the demo"
    print(f"demo cold start: first run {first:.2f} s, second run {second:.2f} s")


def _postgres_of(data_dir: Path) -> list[int]:
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if proc.info["name"] == "postgres" and str(data_dir / "pg") in " ".join(cmdline):
            found.append(proc.pid)
    return found
