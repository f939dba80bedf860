"""CUI verification end to end: account saved → outbox request → consumer sends anaf.taxpayer.lookup (run
eagerly against the fake ANAF over real HTTP) → anaf.taxpayer.validated → consumer stores the result."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from sqlalchemy import select

from genius.compliance.fakes import taxpayer as fake
from genius.compliance.fakes.app import FakeStates, create_fake_app
from genius.compliance.taxpayer import tasks
from genius.compliance.taxpayer.service import TaxpayerService
from genius.config import Settings
from genius.core.events.models import OutboxEvent
from genius.core.events.service import envelope_of
from genius.core.platform import Platform
from genius.vettify import verification
from genius.vettify.consumers import consumers
from tests.compliance.conftest import FakeAnaf
from tests.conftest import LiveServer, free_port
from tests.vettify.conftest import Crm


@pytest.fixture
def anaf(settings: Settings, redis_url: str) -> Iterator[FakeAnaf]:
    """The taxpayer task on the fake ANAF; the CRM consumer runs it eagerly instead of via the broker."""
    states = FakeStates()
    with LiveServer(create_fake_app(states), free_port()) as server:
        yield from _wired(FakeAnaf(server.url, states), settings, redis_url)


def _wired(fake_anaf: FakeAnaf, settings: Settings, redis_url: str) -> Iterator[FakeAnaf]:
    client = redis.Redis.from_url(redis_url)
    svc = TaxpayerService.from_settings(fake_anaf.settings(settings), client, timeout=5.0)
    tasks.use_service(svc)
    yield fake_anaf
    tasks.use_service(None)
    svc.close()
    client.close()


def _pump(platform: Platform, tid: uuid.UUID, seen: set[uuid.UUID]) -> list[str]:
    """Deliver every new outbox event of the tenant to the CRM consumer, and run every new outbox task
    (the consumer's ANAF lookups) eagerly, as the relay and the anaf.taxpayer worker would."""
    consumer = consumers()[0]
    handled = []
    for _ in range(5):
        with platform.db.tenant_session(tid) as s:
            rows = s.scalars(select(OutboxEvent).order_by(OutboxEvent.seq)).all()
            fresh = [envelope_of(r).model_dump(mode="json") for r in rows if r.id not in seen]
            seen.update(r.id for r in rows)
        if not fresh:
            break
        for env in fresh:
            if env["topic"] == verification.LOOKUP_TASK:
                tasks.lookup.apply(kwargs=env["data"]["kwargs"]).get()
            elif env["topic"] in {p for p in consumer.patterns}:
                consumer.handle(platform.db, env)
                handled.append(env["topic"])
    return handled


def test_account_with_cui_is_verified(crm: Crm, anaf: FakeAnaf, platform: Platform, tenant: Any) -> None:
    created = crm.create("accounts", name="Exemplu", cui=f"RO{fake.VERIFIED}")
    assert created["compliance_status"] == "pending" and created["official"] is None
    seen: set[uuid.UUID] = set()
    handled = _pump(platform, tenant.id, seen)
    assert handled == ["crm.account.verification_requested", "anaf.taxpayer.validated"]
    account = crm.call("GET", f"/accounts/{created['id']}").json()
    assert account["compliance_status"] == "verified"
    assert account["name"] == "Exemplu"  # what the user typed stays
    assert account["official"]["name"] == "EXEMPLU DISTRIBUTIE SA"
    assert account["official"]["e_factura"] is True and account["official"]["vat_registered"] is True
    assert account["checked_at"]
    feed = crm.call("GET", f"/accounts/{created['id']}/timeline?kind=compliance").json()["items"]
    assert [i["title"] for i in feed] == ["ANAF: CUI verified"]
    # A redelivered result is dropped by the inbox (no second timeline entry).
    with platform.db.tenant_session(tenant.id) as s:
        row = s.scalars(select(OutboxEvent).where(OutboxEvent.topic == "anaf.taxpayer.validated")).one()
        env = envelope_of(row).model_dump(mode="json")
    assert consumers()[0].handle(platform.db, env) == "duplicate"


def test_inactive_and_unknown(crm: Crm, anaf: FakeAnaf, platform: Platform, tenant: Any) -> None:
    inactive = crm.create("accounts", name="Inactiv", cui=str(fake.INACTIVE))
    unknown = crm.create("accounts", name="Necunoscut", cui="18547290")  # valid checksum, not registered
    _pump(platform, tenant.id, set())
    assert crm.call("GET", f"/accounts/{inactive['id']}").json()["compliance_status"] == "inactive"
    assert crm.call("GET", f"/accounts/{unknown['id']}").json()["compliance_status"] == "invalid"


def test_anaf_down_account_saved_unavailable_then_recheck(
    crm: Crm, anaf: FakeAnaf, platform: Platform, tenant: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    anaf.states.taxpayer.fault = "500"
    monkeypatch.setattr(tasks.lookup, "max_retries", 0)  # eager: answer "unavailable" at once
    created = crm.create("accounts", name="Exemplu", cui=str(fake.VERIFIED))
    seen: set[uuid.UUID] = set()
    _pump(platform, tenant.id, seen)
    account = crm.call("GET", f"/accounts/{created['id']}").json()
    assert account["compliance_status"] == "unavailable"
    # ANAF is back: the user asks again.
    anaf.states.taxpayer.fault = None
    r = crm.call("POST", f"/accounts/{created['id']}/verify")
    assert r.status_code == 202 and r.json()["compliance_status"] == "pending"
    _pump(platform, tenant.id, seen)
    assert crm.call("GET", f"/accounts/{created['id']}").json()["compliance_status"] == "verified"


def test_changed_cui_supersedes_the_pending_check(
    crm: Crm, anaf: FakeAnaf, platform: Platform, tenant: Any
) -> None:
    created = crm.create("accounts", name="Exemplu", cui=str(fake.INACTIVE))
    r = crm.call("GET", f"/accounts/{created['id']}")
    crm.call("PATCH", f"/accounts/{created['id']}", {"cui": str(fake.VERIFIED)}, if_match=r.headers["ETag"])
    _pump(platform, tenant.id, set())
    account = crm.call("GET", f"/accounts/{created['id']}").json()
    assert account["cui"] == str(fake.VERIFIED) and account["compliance_status"] == "verified"
    assert anaf.states.taxpayer.call_count == 1  # the stale request was not sent


def test_verify_without_cui_and_other_tenant(crm: Crm, make_tenant: Any) -> None:
    created = crm.create("accounts", name="Fără CUI")
    assert created["compliance_status"] == "unchecked"
    r = crm.call("POST", f"/accounts/{created['id']}/verify")
    assert r.status_code == 409 and r.json()["type"].endswith("no-cui")
    other = make_tenant()
    r = crm.client.post(f"/v1/crm/accounts/{created['id']}/verify", headers=other.headers)
    assert r.status_code == 404
