"""Engines, sessions and the one place where the tenant is set: ``tenant_session``.

Every transaction that touches a tenant table goes through ``tenant_session(tid)``, which sets
``app.tid`` with a *bound* ``set_config(..., true)`` (transaction-local, so a pooled connection
never carries one tenant's id into another tenant's transaction). The application connects as a
non-owner role without BYPASSRLS, so the policies are always enforced.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

SET_TENANT = text("SELECT set_config('app.tid', :tid, true), set_config('app.whid', :whid, true)")


def sqlalchemy_url(dsn: str) -> URL:
    """Accept plain libpq URLs (postgresql://, postgres://) and pin the psycopg 3 driver."""
    url = make_url(dsn.replace("postgres://", "postgresql://", 1) if dsn.startswith("postgres://") else dsn)
    if url.drivername in ("postgresql", "postgresql+psycopg2"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def app_role_url(owner_dsn: str, role: str, password: str) -> URL:
    """The application role's DSN: same server and database as the owner, another user."""
    return sqlalchemy_url(owner_dsn).set(username=role, password=password)


class Database:
    """Holds one engine per DSN (the default database plus any dedicated tenant databases)."""

    def __init__(self, app_dsn: str | URL, *, pool_size: int = 10, dsn_cache_seconds: float = 30.0) -> None:
        self.app_url = sqlalchemy_url(app_dsn) if isinstance(app_dsn, str) else app_dsn
        self.pool_size = pool_size
        self._engines: dict[str, Engine] = {}
        self._lock = threading.Lock()
        self._tenant_dsn: dict[uuid.UUID, tuple[str | None, float]] = {}
        self._dsn_cache_seconds = dsn_cache_seconds
        # Tests bind every session to one connection inside a transaction that is rolled back.
        self.bound_connection: Connection | None = None

    # -- engines -------------------------------------------------------------------------------
    def engine(self, url: URL | None = None) -> Engine:
        url = url or self.app_url
        key = url.render_as_string(hide_password=False)
        engine = self._engines.get(key)
        if engine is None:
            with self._lock:
                engine = self._engines.get(key)
                if engine is None:
                    engine = create_engine(
                        url, pool_size=self.pool_size, max_overflow=self.pool_size, pool_pre_ping=True
                    )
                    self._engines[key] = engine
        return engine

    def dispose(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()

    def _session(self, url: URL | None = None) -> Session:
        if self.bound_connection is not None:
            return Session(
                bind=self.bound_connection, join_transaction_mode="create_savepoint", expire_on_commit=False
            )
        return Session(bind=self.engine(url), expire_on_commit=False)

    # -- tenant routing ------------------------------------------------------------------------
    def url_for_tenant(self, tid: uuid.UUID) -> URL | None:
        """A tenant may live in its own database (the seeds' cluster per tenant)."""
        if self.bound_connection is not None:
            return None
        cached = self._tenant_dsn.get(tid)
        now = time.monotonic()
        if cached is None or cached[1] < now:
            with self._session() as s:
                dsn = s.execute(text("SELECT dsn FROM core.tenants WHERE id = :id"), {"id": tid}).scalar()
            cached = (dsn, now + self._dsn_cache_seconds)
            self._tenant_dsn[tid] = cached
        dsn = cached[0]
        if not dsn:
            return None
        url = sqlalchemy_url(dsn)
        return url.set(username=self.app_url.username, password=self.app_url.password)

    def forget_tenant(self, tid: uuid.UUID) -> None:
        self._tenant_dsn.pop(tid, None)

    # -- sessions ------------------------------------------------------------------------------
    @contextmanager
    def _restore_tenant(self) -> Iterator[None]:
        """Test mode only: sessions are savepoints of one transaction, and a transaction-local setting
        outlives a released savepoint; put back the enclosing session's tenant on the way out."""
        bound = self.bound_connection
        if bound is None:
            yield
            return
        previous = bound.execute(
            text("SELECT current_setting('app.tid', true), current_setting('app.whid', true)")
        ).one()
        try:
            yield
        finally:
            if not bound.closed and bound.in_transaction():
                bound.execute(SET_TENANT, {"tid": previous[0] or "", "whid": previous[1] or ""})

    def ping(self) -> None:
        """Readiness: one round trip to the default database."""
        with self.platform_session() as s:
            s.execute(text("SELECT 1"))

    @contextmanager
    def platform_session(self) -> Iterator[Session]:
        """A transaction on platform tables only (no tenant set: tenant tables stay invisible)."""
        with self._restore_tenant(), self._session() as s, s.begin():
            yield s

    @contextmanager
    def database_session(self, dsn: str, username: str, password: str) -> Iterator[Session]:
        """A transaction on another database, as ``username`` (provisioning a dedicated tenant database)."""
        target = sqlalchemy_url(dsn).set(username=username, password=password)
        with Session(bind=self.engine(target), expire_on_commit=False) as s, s.begin():
            yield s

    @contextmanager
    def tenant_session(self, tid: uuid.UUID, whid: uuid.UUID | None = None) -> Iterator[Session]:
        with self._restore_tenant(), self._session(self.url_for_tenant(tid)) as s, s.begin():
            set_tenant(s, tid, whid)
            yield s

    @contextmanager
    def tenant_transactions(self, tid: uuid.UUID) -> Iterator[Callable[[], AbstractContextManager[Session]]]:
        """Many short tenant transactions on one connection, for a loop that commits per item (a
        campaign commits per message): ``with db.tenant_transactions(tid) as transaction:`` then
        ``with transaction() as s: …`` per item. Each is a ``tenant_session`` in all but the pool
        checkout and its liveness ping, which the loop pays once instead of once per item."""
        if self.bound_connection is not None:  # test mode: savepoints of the one transaction, as always
            yield lambda: self.tenant_session(tid)
            return
        with self.engine(self.url_for_tenant(tid)).connect() as connection:

            @contextmanager
            def transaction() -> Iterator[Session]:
                with Session(bind=connection, expire_on_commit=False) as s, s.begin():
                    set_tenant(s, tid)
                    yield s

            yield transaction


def set_tenant(session: Session, tid: uuid.UUID, whid: uuid.UUID | None = None) -> None:
    session.execute(SET_TENANT, {"tid": str(tid), "whid": str(whid) if whid else ""})


_current: Database | None = None


def configure_database(database: Database) -> Database:
    global _current
    _current = database
    return database


def get_database() -> Database:
    if _current is None:
        raise RuntimeError("database not configured: call configure_database() first")
    return _current


@contextmanager
def tenant_session(tid: uuid.UUID, whid: uuid.UUID | None = None) -> Iterator[Session]:
    """The one way to open a tenant transaction."""
    with get_database().tenant_session(tid, whid) as s:
        yield s


@contextmanager
def platform_session() -> Iterator[Session]:
    with get_database().platform_session() as s:
        yield s
