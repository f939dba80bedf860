"""Fixtures of the e-Transport tests: a tenant connected (OAuth) to the fake ANAF, its service context."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Connection, text

from genius.compliance.etransport.service import Context
from genius.config import Settings
from genius.core.db.session import SET_TENANT
from genius.core.kit.ratelimit import RateLimiter
from genius.core.platform import Platform
from tests.compliance.conftest import FakeAnaf
from tests.conftest import TenantCtx


def connect(ctx: Context, tid: uuid.UUID) -> None:
    """The OAuth dance with the fake (shared with e-Factura): the token lands in the same store."""
    import httpx

    from genius.compliance.common.oauth import OAuthClient, TokenStore, authorize_url, make_state

    redirect = httpx.get(authorize_url(ctx.settings, make_state(ctx.settings, tid)), follow_redirects=False)
    code = httpx.URL(redirect.headers["location"]).params["code"]
    tokens = OAuthClient(ctx.settings).exchange_code(code)
    with ctx.db.tenant_session(tid) as session:
        TokenStore(ctx.settings).save(session, tid, tokens)


@dataclass
class Env:
    ctx: Context
    tid: uuid.UUID
    fake: FakeAnaf
    sleeps: list[float]

    @property
    def state(self) -> Any:
        return self.fake.states.etransport


def env_settings(fake: FakeAnaf, settings: Settings) -> Settings:
    return fake.settings(
        settings,
        anaf_client_id=fake.states.efactura.client_id,
        anaf_client_secret=fake.states.efactura.client_secret,
        anaf_redirect_uri="http://127.0.0.1:9/v1/compliance/efactura/oauth/callback",
        anaf_env="test",
    )


@pytest.fixture
def env(fake_anaf: FakeAnaf, settings: Settings, platform: Platform, tenant: TenantCtx) -> Iterator[Env]:
    efactura_state = fake_anaf.states.efactura
    # e-Transport accepts exactly the OAuth tokens the (shared) ANAF OAuth server issued
    fake_anaf.states.etransport.token_check = lambda token: token in efactura_state.access_tokens
    sleeps: list[float] = []
    ctx = Context(
        db=platform.db,
        settings=env_settings(fake_anaf, settings),
        limiter=RateLimiter(platform.redis, prefix=f"test:{uuid.uuid4().hex}:"),
        timeout=5.0,
        sleep=sleeps.append,
    )
    connect(ctx, tenant.id)
    yield Env(ctx, tenant.id, fake_anaf, sleeps)


def events(db: Connection, tid: uuid.UUID, topic: str) -> list[dict[str, Any]]:
    db.execute(SET_TENANT, {"tid": str(tid), "whid": ""})
    rows = db.execute(
        text("SELECT data, correlation_id FROM core.outbox WHERE tid = :t AND topic = :topic ORDER BY seq"),
        {"t": tid, "topic": topic},
    ).all()
    return [{**r[0], "_correlation_id": r[1]} for r in rows]
