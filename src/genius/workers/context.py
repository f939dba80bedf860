"""What a worker process builds once and its tasks share: the database and each queue's services."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import redis

from genius.config import Settings, get_settings
from genius.core.db.session import Database, app_role_url, configure_database, get_database, sqlalchemy_url
from genius.workers.celery_app import redis_url_of

T = TypeVar("T")


def worker_database(settings: Settings) -> Database:
    """The process's configured database, or one built from the settings (and configured): the app
    role's URL, the owner URL turned into the app role's, or the embedded server of the data dir."""
    try:
        return get_database()
    except RuntimeError:
        pass
    if settings.app_database_url:
        url = sqlalchemy_url(settings.app_database_url)
    elif settings.database_url:
        url = app_role_url(settings.database_url, settings.app_db_role, settings.app_db_password)
    else:
        from genius.embedded import start_runtime

        runtime = start_runtime(settings, need_redis=False)  # kept for the life of the process
        url = app_role_url(runtime.owner_dsn, settings.app_db_role, settings.app_db_password)
    return configure_database(Database(url, pool_size=2))


def task_tenant(task: Any, tid: str | None = None) -> uuid.UUID:
    """The tenant a task works for: its ``tid`` argument, else the ``genius_tid`` header (stamped by
    ``workers.base`` on every task sent while a tenant is bound). Tasks that store or read files need one:
    files are encrypted with their tenant's key. Both given and different: refused."""
    request = getattr(task, "request", None)
    header = (getattr(request, "headers", None) or {}).get("genius_tid") or getattr(
        request, "genius_tid", None
    )
    if tid and header and str(tid) != str(header):
        raise ValueError(f"{task.name}: the tid argument and the genius_tid header name different tenants")
    given = tid or header
    if not given:
        raise ValueError(f"{task.name} needs the tenant: a tid argument or the genius_tid header")
    try:
        return uuid.UUID(str(given))
    except ValueError:
        raise ValueError(f"{task.name}: invalid tenant id {given!r}") from None


def worker_redis(settings: Settings) -> redis.Redis:
    return redis.Redis.from_url(redis_url_of(settings), socket_timeout=3, socket_connect_timeout=3)


class ProcessContext(Generic[T]):
    """A queue's services, built from the settings on first use and kept for the process;
    ``use`` replaces them (tests, benchmarks) and ``use(None)`` goes back to building them."""

    def __init__(self, build: Callable[[Settings], T]) -> None:
        self._build = build
        self._value: T | None = None

    def __call__(self) -> T:
        if self._value is None:
            self._value = self._build(get_settings())
        return self._value

    def use(self, value: T | None) -> None:
        self._value = value
