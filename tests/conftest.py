"""Test fixtures: a real PostgreSQL (embedded, or GENIUS_TEST_DATABASE_URL) and a real Redis.

Each xdist worker gets its own database, migrated once; each test runs inside one transaction on the
application role's connection, rolled back at the end (``db`` fixture). Everything the app does in a
test goes through that connection, so nothing leaks between tests.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL

from genius.app import create_app
from genius.config import Settings
from genius.core.auth import service as auth_service
from genius.core.db import migrate
from genius.core.db.session import sqlalchemy_url
from genius.core.observability.logging import configure_logging
from genius.core.platform import Platform
from genius.core.storage import is_sealed
from genius.core.tenancy import service as tenancy
from genius.embedded import EmbeddedPostgres, EmbeddedRedis

ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = Path(os.environ.get("GENIUS_TEST_DATA_DIR", ROOT / ".test-data"))
SECRET = "test-secret-key-not-for-production-0123456789"
PASSWORD = "correct-horse-battery"
_STARTED = pytest.StashKey[float]()


def plaintext_files(root: Path, since: float | None = None) -> list[str]:
    """Keys of the files under a FileStorage root that are not encrypted with a tenant key (optionally
    only those modified since a time)."""
    found = []
    for path in sorted(root.rglob("*")) if root.is_dir() else []:
        if not path.is_file() or path.name.endswith(".part"):
            continue
        if since is not None and path.stat().st_mtime < since:
            continue
        if not is_sealed(path):
            found.append(path.relative_to(root).as_posix())
    return found


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_STARTED] = time.time()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Every file the suite stored in the shared test storage (the settings' default, GENIUS_DATA_DIR/files)
    must be encrypted with its tenant's key. With xdist the controller walks once, after every worker."""
    if hasattr(session.config, "workerinput") or _STARTED not in session.config.stash:
        return
    plain = plaintext_files(TEST_DATA / "files", since=session.config.stash[_STARTED] - 2)
    if plain:
        message = f"stored in plain text under {TEST_DATA / 'files'}: " + ", ".join(plain[:20])
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_sep("=", "storage walk failed", red=True)
            reporter.write_line(message, red=True)
        else:
            print(message)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "data_dir": TEST_DATA,
        "secret_key": SECRET,
        "public_url": "http://127.0.0.1:8000",
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
        "rate_limit_user": "100000/s",
        "rate_limit_ip": "1000000/min",
        "rate_limit_routes": {},
        "key_cache_seconds": 0.0,
        "log_json": True,
        "log_level": "WARNING",
        "api_docs_public": True,  # schemathesis and the schema tests read /openapi.json without a login
        # No test reaches the real bnr.ro: a closed port (refused at once) unless a test starts the fake.
        "bnr_url": "http://127.0.0.1:9",
        "bnr_timeout": 5.0,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def owner_url() -> Iterator[URL]:
    """Owner DSN of this worker's own, freshly migrated database."""
    given = os.environ.get("GENIUS_TEST_DATABASE_URL")
    pg: EmbeddedPostgres | None = None
    if given:
        server_url = sqlalchemy_url(given)
    else:
        pg = EmbeddedPostgres(TEST_DATA)
        server_url = sqlalchemy_url(pg.start())
    name = f"genius_test_{worker_id()}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = server_url.set(database=name)
    migrate.upgrade(url, "genius_app", "genius_app")
    yield url
    if pg is not None:
        pg.stop()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    given = os.environ.get("GENIUS_TEST_REDIS_URL")
    if given:
        yield given
        return
    # One Redis server per xdist worker: a worker that finishes first must not stop another's.
    rd = EmbeddedRedis(TEST_DATA / f"redis-{worker_id()}")
    url = rd.start()
    import redis as redis_lib

    redis_lib.Redis.from_url(url).flushdb()
    yield url
    rd.stop()


@pytest.fixture(scope="session")
def settings() -> Settings:
    configure_logging("WARNING", True)
    return make_settings()


@pytest.fixture(scope="session")
def platform(owner_url: URL, redis_url: str, settings: Settings) -> Iterator[Platform]:
    p = Platform.build(settings, owner_url.render_as_string(hide_password=False), redis_url)
    p.keys.ensure()  # committed once; tests reuse the keys
    yield p
    p.close()


@pytest.fixture
def db(platform: Platform) -> Iterator[Connection]:
    """The test's transaction, on the application role's connection; rolled back afterwards."""
    engine = platform.db.engine()
    conn = engine.connect()
    trans = conn.begin()
    platform.db.bound_connection = conn
    try:
        yield conn
    finally:
        platform.db.bound_connection = None
        if trans.is_active:
            trans.rollback()
        conn.close()


@pytest.fixture(scope="session")
def app(platform: Platform) -> FastAPI:
    return create_app(platform, configure_observability=False)


@pytest.fixture
def client(app: FastAPI, db: Connection) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@dataclass
class TenantCtx:
    id: uuid.UUID
    slug: str
    admin_id: uuid.UUID
    admin_email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def make_tenant(platform: Platform, db: Connection) -> Any:
    def make(slug: str | None = None, role: str = "admin") -> TenantCtx:
        slug = slug or f"t-{uuid.uuid4().hex[:10]}"
        email = f"admin@{slug}.test"
        result = tenancy.provision_tenant(
            platform.db,
            platform.passwords,
            slug=slug,
            name=f"Tenant {slug}",
            admin_email=email,
            admin_password=PASSWORD,
            actor="test",
            admin_role=role,
        )
        account = auth_service.authenticate_password(platform.db, platform.passwords, slug, email, PASSWORD)
        token, _ = platform.tokens.issue(
            sub=str(account.id), tid=account.tid, scopes=account.scopes, role=account.role, email=email
        )
        return TenantCtx(result.tenant.id, slug, result.admin_user_id, email, token)

    return make


@pytest.fixture
def tenant(make_tenant: Any) -> TenantCtx:
    return make_tenant()


@pytest.fixture
def platform_admin(make_tenant: Any) -> TenantCtx:
    return make_tenant(role="platform_admin")


class LiveServer:
    def __init__(self, app: FastAPI, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(
            uvicorn.Config(
                app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="off"
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("live server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(platform: Platform, db: Connection, settings: Settings) -> Iterator[LiveServer]:
    """A real HTTP server (uvicorn) whose issuer URL is its own address, sharing the test transaction."""
    port = free_port()
    live_settings = settings.model_copy(update={"public_url": f"http://127.0.0.1:{port}"})
    live_platform = Platform.build(
        live_settings, platform.db.app_url.render_as_string(hide_password=False), None, db=platform.db
    )
    app = create_app(live_platform, configure_observability=False)
    with LiveServer(app, port) as server:
        yield server


# --- brokers ------------------------------------------------------------------------------------
def _port_open(host: str, port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


@pytest.fixture(scope="session")
def rabbitmq_url() -> str:
    """A real RabbitMQ (Debian's rabbitmq-server): `make test` installs it; started here when down."""
    given = os.environ.get("GENIUS_TEST_AMQP_URL")
    if given:
        return given
    if not _port_open("127.0.0.1", 5672):
        import shutil
        import subprocess

        server = shutil.which("rabbitmq-server") or "/usr/sbin/rabbitmq-server"
        if not Path(server).exists():
            pytest.fail("rabbitmq-server is not installed (make test installs it)")
        subprocess.run([server, "-detached"], check=False, capture_output=True)
        ctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
        subprocess.run(
            [ctl, "await_startup", "--timeout", "120"], check=False, capture_output=True, timeout=150
        )
        deadline = time.monotonic() + 60
        while not _port_open("127.0.0.1", 5672):
            if time.monotonic() > deadline:
                pytest.fail("rabbitmq-server did not start")
            time.sleep(0.5)
    return "amqp://guest:guest@127.0.0.1:5672//"


@pytest.fixture(params=["redis", "rabbitmq"])
def broker_url(request: pytest.FixtureRequest) -> str:
    if request.param == "redis":
        return str(request.getfixturevalue("redis_url"))
    return str(request.getfixturevalue("rabbitmq_url"))


@pytest.fixture
def committed_tenant(platform: Platform) -> Iterator[TenantCtx]:
    """A tenant whose rows are committed (for the relay, consumers and workers, which run outside the
    test's transaction); deleted afterwards."""
    slug = f"c-{uuid.uuid4().hex[:10]}"
    email = f"admin@{slug}.test"
    result = tenancy.provision_tenant(
        platform.db,
        platform.passwords,
        slug=slug,
        name=f"Tenant {slug}",
        admin_email=email,
        admin_password=PASSWORD,
        actor="test",
    )
    token, _ = platform.tokens.issue(
        sub=str(result.admin_user_id),
        tid=result.tenant.id,
        scopes=["workers:admin", "audit:read"],
        role="admin",
        email=email,
    )
    yield TenantCtx(result.tenant.id, slug, result.admin_user_id, email, token)
    with platform.db.tenant_session(result.tenant.id) as s:
        for table in ("core.outbox", "core.inbox"):
            s.execute(text(f"DELETE FROM {table} WHERE tid = :t"), {"t": result.tenant.id})


def send_deferred_tasks(platform: Platform, tid: uuid.UUID, publisher: Any) -> list[str]:
    """The relay's work for tasks deferred inside the test's own (never committed) transaction, which
    no relay can see: send every pending task row of ``tid`` through ``publisher`` and mark it sent."""
    from genius.core.events.relay import task_message

    with platform.db.tenant_session(tid) as s:
        rows = (
            s.execute(
                text(
                    "SELECT id, tid, topic, queue, data, correlation_id, traceparent FROM core.outbox "
                    "WHERE kind = 'task' AND published_at IS NULL ORDER BY seq"
                )
            )
            .mappings()
            .all()
        )
        for row in rows:
            publisher(task_message(row))
        s.execute(
            text("UPDATE core.outbox SET published_at = now() WHERE id = ANY(:ids)"),
            {"ids": [r["id"] for r in rows]},
        )
    return [str(r["id"]) for r in rows]
