"""Outreach test helpers: a Redis client and a controllable clock for the quota guardian."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import redis

from genius.core.storage import TenantStorage, tenant_files_from_settings
from tests.conftest import make_settings

BUCHAREST = ZoneInfo("Europe/Bucharest")


class Clock:
    """A settable clock (seconds since the epoch) for ``QuotaGuardian(clock=…)``."""

    def __init__(self, at: datetime) -> None:
        self.now = at.timestamp()

    def __call__(self) -> float:
        return self.now

    def set(self, at: datetime) -> None:
        self.now = at.timestamp()

    def advance(self, seconds: float) -> None:
        self.now += seconds


def files_of(tid: uuid.UUID) -> TenantStorage:
    """The tenant's encrypted file store, the one the test app's settings name (messages' whole text)."""
    return tenant_files_from_settings(make_settings()).for_tenant(tid)


def bucharest(*args: int) -> datetime:
    return datetime(*args, tzinfo=BUCHAREST)  # type: ignore[misc]


@pytest.fixture
def rds(redis_url: str) -> Iterator[redis.Redis]:
    pool = redis.BlockingConnectionPool.from_url(redis_url, max_connections=64, timeout=30)
    client = redis.Redis(connection_pool=pool)
    yield client
    pool.disconnect()


@pytest.fixture
def tid() -> uuid.UUID:
    return uuid.uuid4()
