"""The client and service end to end against the fake PlatitorTvaRest v9 over real HTTP."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import pytest
import redis
from stdnum.ro import cui as stdnum_cui

from genius.compliance.fakes import taxpayer as fake
from genius.compliance.taxpayer.client import (
    AnafBadReply,
    AnafFirewall,
    AnafRateLimited,
    AnafUnavailable,
    TaxpayerClient,
)
from genius.compliance.taxpayer.service import TaxpayerService
from genius.config import Settings
from genius.core.kit.breaker import CircuitBreaker
from tests.compliance.conftest import FakeAnaf

DAY = dt.date(2026, 3, 2)


def valid_cuis(n: int, start: int = 5_000_000) -> list[int]:
    base = [str(start + i) for i in range(n)]
    return [int(b + stdnum_cui.calc_check_digit(b)) for b in base]


def client_for(settings: Settings, redis_client: redis.Redis | None, timeout: float = 5.0) -> TaxpayerClient:
    return TaxpayerClient(
        settings.anaf_taxpayer_url,
        redis_client=redis_client,
        rate=settings.anaf_taxpayer_rate,
        timeout=timeout,
    )


def test_lookup_maps_the_fake_reply(fake_anaf: FakeAnaf, service: TaxpayerService) -> None:
    checks = service.check(
        [
            f"RO{fake.VERIFIED}",
            str(fake.INACTIVE),
            str(fake.SPLIT_VAT),
            str(fake.VAT_ON_COLLECTION),
            "14399841",
            "19",
        ],
        DAY,
    )
    assert [c.status for c in checks] == [
        "verified",
        "inactive",
        "verified",
        "verified",
        "invalid",
        "not_found",
    ]
    verified = checks[0].record
    assert verified is not None and verified.name == "EXEMPLU DISTRIBUTIE SA"
    assert verified.e_factura and verified.vat_registered and verified.registration_number == "J40/372/2002"
    assert verified.date == DAY and verified.caen == "4791"
    assert checks[1].record is not None and checks[1].record.inactive_since == dt.date(2019, 2, 15)
    assert checks[2].record is not None and checks[2].record.split_vat
    assert checks[3].record is not None and checks[3].record.vat_on_collection
    assert checks[4].valid is False and checks[4].cui is None
    # One request, only the valid CUIs.
    assert fake_anaf.states.taxpayer.batch_sizes == [5]
    assert 14399841 not in fake_anaf.states.taxpayer.calls[0].cuis


def test_250_cuis_in_3_paced_batches(
    fake_anaf: FakeAnaf, fake_settings: Settings, redis_client: redis.Redis
) -> None:
    cuis = valid_cuis(250)
    with client_for(fake_settings, redis_client) as client:
        result = client.lookup(cuis, DAY)
    state = fake_anaf.states.taxpayer
    assert state.batch_sizes == [100, 100, 50]
    assert sorted(result.not_found) == sorted(cuis)
    gaps = [b - a for a, b in zip(state.timestamps, state.timestamps[1:], strict=False)]
    assert all(gap >= 1.0 for gap in gaps), gaps


def test_pacing_is_shared_by_clients(
    fake_anaf: FakeAnaf, fake_settings: Settings, redis_client: redis.Redis
) -> None:
    """Two clients (two workers) share the Redis bucket: still ≤1 call/s at the server."""
    one, two = client_for(fake_settings, redis_client), client_for(fake_settings, redis_client)
    try:
        one.lookup_batch([fake.VERIFIED], DAY)
        two.lookup_batch([fake.INACTIVE], DAY)
    finally:
        one.close()
        two.close()
    at = fake_anaf.states.taxpayer.timestamps
    assert len(at) == 2 and at[1] - at[0] >= 1.0


def test_second_lookup_is_cached(fake_anaf: FakeAnaf, service: TaxpayerService) -> None:
    first = service.check_one(str(fake.VERIFIED), DAY)
    unknown = service.check_one("19", DAY)
    assert fake_anaf.states.taxpayer.call_count == 2
    again = service.check([f"RO {fake.VERIFIED}", "19"], DAY)
    assert fake_anaf.states.taxpayer.call_count == 2  # no call
    assert again[0].cached and again[0].record == first.record and again[0].status == "verified"
    assert again[1].cached and again[1].status == unknown.status == "not_found"
    # Another date is another cache entry.
    service.check_one(str(fake.VERIFIED), DAY - dt.timedelta(days=1))
    assert fake_anaf.states.taxpayer.call_count == 3


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("firewall", AnafFirewall),
        ("invalid_json", AnafBadReply),
        ("500", AnafUnavailable),
        ("429", AnafRateLimited),
    ],
)
def test_faults_are_typed(
    fake_anaf: FakeAnaf, fake_settings: Settings, fault: fake.Fault, error: type[Exception]
) -> None:
    fake_anaf.states.taxpayer.faults = [fault]
    with client_for(fake_settings, None) as client, pytest.raises(error) as info:
        client.lookup_batch([fake.VERIFIED], DAY)
    assert isinstance(info.value, AnafUnavailable) and info.value.retryable
    if fault == "firewall":
        assert "HTML" in str(info.value)


def test_timeout_is_typed(fake_anaf: FakeAnaf, fake_settings: Settings) -> None:
    fake_anaf.states.taxpayer.faults = ["slow"]
    fake_anaf.states.taxpayer.slow_seconds = 1.0
    with (
        client_for(fake_settings, None, timeout=0.3) as client,
        pytest.raises(AnafUnavailable, match="timed out"),
    ):
        client.lookup_batch([fake.VERIFIED], DAY)


def test_firewall_gives_unavailable_not_an_error(fake_anaf: FakeAnaf, service: TaxpayerService) -> None:
    fake_anaf.states.taxpayer.faults = ["firewall"]
    check = service.check_one(str(fake.VERIFIED), DAY)
    assert check.status == "unavailable" and check.valid and check.record is None
    with pytest.raises(AnafFirewall):
        fake_anaf.states.taxpayer.faults = ["firewall"]
        service.check([str(fake.VERIFIED)], DAY, strict=True)


def test_breaker_opens_then_unavailable_without_calls(
    fake_anaf: FakeAnaf, fake_settings: Settings, redis_client: redis.Redis
) -> None:
    client = client_for(fake_settings, redis_client, timeout=5.0)
    breaker = CircuitBreaker(
        f"test-{uuid.uuid4().hex}",
        redis_client,
        threshold=2,
        cooldown=60,
        counts=lambda exc: isinstance(exc, AnafUnavailable),
    )
    svc = TaxpayerService(client, redis_client, breaker=breaker)
    try:
        fake_anaf.states.taxpayer.fault = "500"
        assert svc.check_one(str(fake.VERIFIED), DAY).status == "unavailable"
        assert svc.check_one(str(fake.INACTIVE), DAY).status == "unavailable"
        assert breaker.is_open()
        fake_anaf.states.taxpayer.fault = None
        check = svc.check_one(str(fake.SPLIT_VAT), DAY)
        assert check.status == "unavailable" and "circuit open" in (check.message or "")
        assert fake_anaf.states.taxpayer.call_count == 2  # the open breaker made no call
        # Local answers still work while it is open.
        assert svc.check_one("14399841", DAY).status == "invalid"
    finally:
        client.close()


def test_fake_refuses_more_than_100(fake_anaf: FakeAnaf, fake_settings: Settings) -> None:
    body = [{"cui": c, "data": DAY.isoformat()} for c in valid_cuis(101)]
    reply = httpx.post(fake_settings.anaf_taxpayer_url, json=body, timeout=5)
    assert reply.status_code == 200
    assert reply.json()["cod"] == 400 and reply.json()["found"] == []
    bad = httpx.post(fake_settings.anaf_taxpayer_url, json={"cui": 1}, timeout=5)
    assert bad.status_code == 400 and bad.json()["cod"] == 400
    with pytest.raises(ValueError):
        TaxpayerClient(fake_settings.anaf_taxpayer_url).lookup_batch(valid_cuis(101), DAY)
