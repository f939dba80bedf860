"""Fixtures: a service and an API app pointed at the fake ANAF (real HTTP), on the test Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import Connection

from genius.app import create_app
from genius.compliance.taxpayer.service import TaxpayerService
from genius.config import Settings
from genius.core.platform import Platform
from tests.compliance.conftest import FakeAnaf


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    # Cache, limiter and breaker keys are per upstream host:port; a fake of an earlier test (of any
    # module sharing this Redis) may have had the same port, so start from none of them.
    for pattern in ("genius:anaf:taxpayer:*", "genius:cb:anaf.taxpayer:*"):
        stale = list(client.scan_iter(match=pattern, count=1000))
        if stale:
            client.delete(*stale)
    yield client
    client.close()


@pytest.fixture
def fake_settings(fake_anaf: FakeAnaf, settings: Settings) -> Settings:
    return fake_anaf.settings(settings)


@pytest.fixture
def service(fake_settings: Settings, redis_client: redis.Redis) -> Iterator[TaxpayerService]:
    """Keys (limiter, cache, breaker) are per upstream host:port, so each test's fake is isolated."""
    svc = TaxpayerService.from_settings(fake_settings, redis_client, timeout=5.0)
    yield svc
    svc.close()


@pytest.fixture
def anaf_app_client(
    fake_settings: Settings, platform: Platform, db: Connection, redis_url: str
) -> Iterator[TestClient]:
    """The API (``create_app``) with its settings pointed at the fake, in the test's transaction."""
    fake_platform = Platform.build(
        fake_settings, platform.db.app_url.render_as_string(hide_password=False), redis_url, db=platform.db
    )
    app = create_app(fake_platform, configure_observability=False)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    svc = getattr(app.state, "taxpayer_service", None)
    if svc is not None:
        svc.close()
    if fake_platform.redis is not None:
        fake_platform.redis.close()
