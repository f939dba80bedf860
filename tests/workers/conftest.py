"""Real Celery workers in subprocesses, on a real broker (Redis, or RabbitMQ in its own vhost)."""

from __future__ import annotations

import email
import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from celery import Celery

from genius.config import Settings
from genius.core.events.broker import kombu_url
from genius.workers.celery_app import configure
from tests.conftest import ROOT, free_port, make_settings, worker_id


def rabbit_vhost(base_url: str) -> str:
    """One vhost per xdist worker and checkout, so parallel test processes (also those of another clone
    sharing this machine's RabbitMQ) never take each other's tasks."""
    checkout = hashlib.sha1(str(ROOT).encode()).hexdigest()[:8]
    vhost = f"genius_test_{worker_id()}_{checkout}"
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

    def start(
        queues: str, broker: str | None = None, ready_timeout: float = 60.0, **extra: str
    ) -> WorkerProc:
        env = worker_env(tmp_path, redis_url, broker or kombu_url(redis_url), **extra)
        w = WorkerProc(env=env, queues=queues, log=tmp_path / f"worker-{len(started)}.log")
        w.app, w.settings = client_app(env)
        started.append(w)
        return w.start(ready_timeout)

    yield start
    for w in started:
        w.stop()


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[str]:
    """A ``python -m genius.cli …`` child in its own process group (so kill -9 takes its pool too)."""
    fh = log.open("a")
    return subprocess.Popen(
        [sys.executable, "-m", "genius.cli", *args],
        env=env,
        stdout=fh,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=str(ROOT),
        start_new_session=True,
    )


def kill_group(proc: subprocess.Popen[str], sig: int = signal.SIGKILL) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        proc.wait(30)


class PrivateRabbit:
    """A RabbitMQ node of the test's own (own ports, data and cookie), so it can be restarted without
    disturbing the shared broker other test processes use."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.port = free_port()
        self.node = f"gtest{self.port}@localhost"
        base.mkdir(parents=True, exist_ok=True)
        (base / "plugins").write_text("[].")
        self.env = {
            **os.environ,
            "HOME": str(base),
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(base / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "plugins"),
            "RABBITMQ_PID_FILE": str(base / "pid"),
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def start(self, timeout: float = 90.0) -> None:
        self.process = subprocess.Popen(
            ["/usr/lib/rabbitmq/bin/rabbitmq-server"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("private rabbitmq-server did not start")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        subprocess.run(
            ["/usr/lib/rabbitmq/bin/rabbitmqctl", "-n", self.node, "stop"],
            env=self.env,
            capture_output=True,
            timeout=60,
            check=False,
        )
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        # epmd may still hold the name for a moment; the port must be free before a restart.
        deadline = time.monotonic() + 20
        while port_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.2)


def port_open(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def private_rabbit(tmp_path: Path, rabbitmq_url: str) -> Iterator[PrivateRabbit]:
    rabbit = PrivateRabbit(tmp_path / "rabbit")
    rabbit.start()
    yield rabbit
    rabbit.stop()


@pytest.fixture
def children() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test spawns; all killed at the end."""
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for p in procs:
        kill_group(p, signal.SIGTERM)


class Inbox:
    """aiosmtpd handler: stores every message; refuses some recipients permanently or (once) temporarily."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.refuse_permanently: set[str] = set()
        self.refuse_once: set[str] = set()
        self.lock = threading.Lock()

    async def handle_RCPT(  # noqa: N802 - aiosmtpd hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse_permanently:
            return "550 5.1.1 No such user"
        if address in self.refuse_once:
            self.refuse_once.discard(address)
            return "451 4.7.1 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 Message accepted"


@pytest.fixture
def smtp_server() -> Any:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()
