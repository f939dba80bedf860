"""Fixtures of the REGES tests: sample messages, a service context pointed at the fake REGES server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, text

from genius.compliance.fakes import reges as fake_reges
from genius.compliance.reges.service import Context
from genius.config import Settings
from genius.core.db.session import SET_TENANT
from genius.core.platform import Platform
from tests.compliance.conftest import FakeAnaf
from tests.conftest import TenantCtx

VALID_CNP = "1800101221144"  # checksum right (python-stdnum ro.cnp)
BAD_CNP = "1800101221145"  # the same with a wrong check digit


def salariat(operation: str = "InregistrareSalariat", cnp: str = VALID_CNP, **info: Any) -> dict[str, Any]:
    """A Romanian employee's message, shaped like the REGES JSON examples."""
    message: dict[str, Any] = {
        "$type": "salariat",
        "header": {
            "messageId": str(uuid.uuid4()),
            "clientApplication": "GeniusERP",
            "version": "1",
            "operation": operation,
            "sessionId": str(uuid.uuid4()),
            "user": "hr",
            "timestamp": "2026-11-30T10:00:00Z",
        },
        "info": {
            "adresa": "STR. EXEMPLU, NR. 1",
            "cnp": cnp,
            "localitate": {"codSiruta": 179141},
            "nationalitate": {"nume": "ROMÂNIA"},
            "nume": "POPESCU",
            "prenume": "ION",
            "dataNastere": "1980-01-01T00:00:00",
            "taraDomiciliu": {"nume": "ROMÂNIA"},
            "tipActIdentitate": "CarteIdentitate",
            **info,
        },
    }
    if operation != "InregistrareSalariat":
        message["referintaSalariat"] = {"id": str(uuid.uuid4())}
    return message


def suspendare() -> dict[str, Any]:
    return {
        "$type": "contract",
        "header": {
            "messageId": str(uuid.uuid4()),
            "clientApplication": "GeniusERP",
            "version": "1",
            "operation": "SuspendareContract",
            "sessionId": str(uuid.uuid4()),
            "user": "hr",
            "timestamp": "2026-11-30T10:00:00Z",
        },
        "referintaContract": {"$type": "referinta", "id": str(uuid.uuid4())},
        "actiune": {
            "$type": "actiuneSuspendare",
            "dataInceput": "2026-12-01T00:00:00",
            "dataSfarsit": "2026-12-31T00:00:00",
            "explicatie": "Concediu fara plata",
            "temeiLegal": "Art54",
        },
    }


@dataclass
class Env:
    ctx: Context
    tid: uuid.UUID
    fake: FakeAnaf
    sleeps: list[float]

    @property
    def state(self) -> fake_reges.State:
        return self.fake.states.reges


def reges_settings(fake: FakeAnaf, settings: Settings, **extra: Any) -> Settings:
    return fake.settings(settings, **extra)


@pytest.fixture
def env(fake_anaf: FakeAnaf, settings: Settings, platform: Platform, tenant: TenantCtx) -> Iterator[Env]:
    sleeps: list[float] = []
    redis = platform.redis
    # a private breaker name space per test: the breaker state lives in Redis
    ctx = Context(
        db=platform.db,
        settings=reges_settings(fake_anaf, settings),
        redis=None,
        http=httpx.Client(timeout=5.0),
        timeout=5.0,
        sleep=sleeps.append,
    )
    assert redis is not None
    yield Env(ctx, tenant.id, fake_anaf, sleeps)


def events(db: Connection, tid: uuid.UUID, topic: str) -> list[dict[str, Any]]:
    db.execute(SET_TENANT, {"tid": str(tid), "whid": ""})
    rows = db.execute(
        text("SELECT data, correlation_id FROM core.outbox WHERE tid = :t AND topic = :topic ORDER BY seq"),
        {"t": tid, "topic": topic},
    ).all()
    return [{**r[0], "_correlation_id": r[1]} for r in rows]
