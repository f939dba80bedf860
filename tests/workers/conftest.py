"""Real Celery workers in subprocesses, on a real broker (Redis, or RabbitMQ in its own vhost)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from celery import Celery

from genius.config import Settings
from genius.core.events.broker import kombu_url
from genius.workers.celery_app import configure
from tests.conftest import ROOT, make_settings, worker_id


def rabbit_vhost(base_url: str) -> str:
    """One vhost per xdist worker, so parallel test processes never take each other's tasks."""
    vhost = f"genius_test_{worker_id()}"
    if os.environ.get("GENIUS_TEST_AMQP_URL"):
        return base_url
    ctl = "/usr/sbin/rabbitmqctl"
    subprocess.run([ctl, "add_vhost", vhost], capture_output=True, check=False)
    subprocess.run(
        [ctl, "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"], capture_output=True, check=True
    )
    return base_url.rstrip("/") + "/" + vhost


@dataclass
class WorkerProc:
    env: dict[str, str]
    queues: str
    process: subprocess.Popen[str] | None = None
    log: Path | None = None
    settings: Settings | None = None
    app: Celery | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def start(self, ready_timeout: float = 60.0) -> WorkerProc:
        assert self.log is not None
        fh = self.log.open("a")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "genius.cli",
                "worker",
                "-Q",
                self.queues,
                "--concurrency",
                "2",
                "--loglevel",
                "INFO",
            ],
            env=self.env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=str(ROOT),
            start_new_session=True,
        )
        deadline = time.monotonic() + ready_timeout
        while "ready." not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.2)
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


def worker_env(tmp_path: Path, redis_url: str, broker: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENIUS_")}
    env.update(
        {
            "GENIUS_REDIS_URL": redis_url,
            "GENIUS_BROKER_URL": broker,
            "GENIUS_DATA_DIR": str(tmp_path / "data"),
            "GENIUS_WORKER_HEARTBEAT_SECONDS": "1",
            "GENIUS_WORKER_TTL_SECONDS": "4",
            "GENIUS_WORKER_METRICS_TTL_SECONDS": "4",
            "GENIUS_EMAIL_RETRY_BASE_SECONDS": "0.2",
            "GENIUS_LOG_LEVEL": "INFO",
            **extra,
        }
    )
    return env


def client_app(env: dict[str, str]) -> tuple[Celery, Settings]:
    """A Celery app in the test process, configured exactly like the worker's."""
    settings = make_settings(
        redis_url=env["GENIUS_REDIS_URL"],
        broker_url=env["GENIUS_BROKER_URL"],
        data_dir=Path(env["GENIUS_DATA_DIR"]),
        worker_ttl_seconds=4,
        worker_metrics_ttl_seconds=4,
    )
    app = configure(Celery(f"genius-test-{time.monotonic_ns()}"), settings)
    return app, settings


@pytest.fixture
def start_worker(tmp_path: Path, redis_url: str) -> Iterator[Any]:
    started: list[WorkerProc] = []

    def start(queues: str, broker: str | None = None, **extra: str) -> WorkerProc:
        env = worker_env(tmp_path, redis_url, broker or kombu_url(redis_url), **extra)
        w = WorkerProc(env=env, queues=queues, log=tmp_path / f"worker-{len(started)}.log")
        w.app, w.settings = client_app(env)
        started.append(w)
        return w.start()

    yield start
    for w in started:
        w.stop()
