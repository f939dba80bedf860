"""The quota guardian against a real Redis: atomic admission, business hours across DST, the portfolio
cap, sticky phones, the NOSCRIPT fallback. The clock is the test's (``QuotaGuardian(clock=…)``)."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis

from genius.outreach.quota import BusinessHours, QuotaGuardian, keys
from tests.outreach.conftest import BUCHAREST, Clock, bucharest

WEDNESDAY_10 = bucharest(2026, 12, 2, 10, 0)


def guardian_with_phones(
    rds: redis.Redis, tid: uuid.UUID, clock: Clock, n: int = 20, limit: int = 200
) -> tuple[QuotaGuardian, list[str]]:
    g = QuotaGuardian(rds, clock=clock)
    phones = [f"phone-{i:02d}" for i in range(n)]
    g.sync_phones(tid, [(p, "ACTIVE", limit) for p in phones])
    return g, phones


def test_a_thousand_concurrent_admitters_never_over_grant(rds: redis.Redis, tid: uuid.UUID) -> None:
    clock = Clock(WEDNESDAY_10)
    g, phones = guardian_with_phones(rds, tid, clock)
    admitted: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(1000)

    def admitter(worker: int) -> None:
        start.wait()
        for _ in range(5):  # 5,000 new contacts asked for, 4,000 places
            d = g.check(tid, uuid.uuid4(), new_contact=True)
            with lock:
                if d.allowed:
                    assert d.phone_id is not None
                    admitted[d.phone_id] += 1
                else:
                    refused[d.reason] += 1

    threads = [threading.Thread(target=admitter, args=(i,)) for i in range(1000)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(admitted.values()) == 4000
    assert admitted == dict.fromkeys(phones, 200)
    assert refused == {"QUOTA_EXHAUSTED": 1000}
    assert g.usage(tid) == dict.fromkeys(phones, 200)
    # Still full; follow-ups pass all the same and spend nothing.
    assert not g.check(tid, uuid.uuid4(), new_contact=True).allowed
    for _ in range(50):
        assert g.check(tid, uuid.uuid4(), new_contact=False).allowed
    assert g.usage(tid) == dict.fromkeys(phones, 200)


def test_a_full_day_refuses_until_tomorrows_opening(rds: redis.Redis, tid: uuid.UUID) -> None:
    clock = Clock(WEDNESDAY_10)
    g, _ = guardian_with_phones(rds, tid, clock, n=2, limit=3)
    assert sum(g.check(tid, uuid.uuid4(), new_contact=True).allowed for _ in range(8)) == 6
    d = g.check(tid, uuid.uuid4(), new_contact=True)
    assert (d.allowed, d.reason) == (False, "QUOTA_EXHAUSTED")
    tomorrow_9 = bucharest(2026, 12, 3, 9, 0)
    assert d.next_allowed_at_ms == int(tomorrow_9.timestamp() * 1000)
    assert d.retry_after_ms == int((tomorrow_9 - WEDNESDAY_10).total_seconds() * 1000)
    clock.set(tomorrow_9)
    d = g.check(tid, uuid.uuid4(), new_contact=True)
    assert d.allowed and d.used == 1 and d.date == "2026-12-03"


def test_follow_ups_always_pass_and_stay_on_their_phone(rds: redis.Redis, tid: uuid.UUID) -> None:
    clock = Clock(WEDNESDAY_10)
    g, _ = guardian_with_phones(rds, tid, clock, n=3, limit=1)
    leads = [uuid.uuid4() for _ in range(3)]
    first = {lead: g.check(tid, lead, new_contact=True).phone_id for lead in leads}
    assert len(set(first.values())) == 3  # spread over the least used phones
    for _ in range(20):
        for lead in leads:
            d = g.check(tid, lead, new_contact=False)
            assert d.allowed and d.phone_id == first[lead] and d.used == 1


def test_a_full_sticky_phone_hands_the_lead_to_another(rds: redis.Redis, tid: uuid.UUID) -> None:
    clock = Clock(WEDNESDAY_10)
    g, phones = guardian_with_phones(rds, tid, clock, n=2, limit=2)
    lead = uuid.uuid4()
    home = g.check(tid, lead, new_contact=True, phone_id=phones[0])
    assert home.allowed and home.phone_id == phones[0]
    assert g.check(tid, uuid.uuid4(), new_contact=True, phone_id=phones[0]).allowed  # phones[0] now full
    again = g.check(tid, lead, new_contact=True)
    assert again.allowed and again.phone_id == phones[1] and again.reassigned
    assert g.check(tid, lead, new_contact=False).phone_id == phones[1]  # the new phone is sticky


def test_only_active_phones_send(rds: redis.Redis, tid: uuid.UUID) -> None:
    clock = Clock(WEDNESDAY_10)
    g = QuotaGuardian(rds, clock=clock)
    g.sync_phones(tid, [("a", "BANNED", 200), ("b", "OFFLINE", 200), ("c", "ACTIVE", 200)])
    for _ in range(10):
        d = g.check(tid, uuid.uuid4(), new_contact=True)
        assert d.allowed and d.phone_id == "c"
    d = g.check(tid, uuid.uuid4(), new_contact=True, phone_id="a")
    assert (d.allowed, d.reason, d.retry_after_ms) == (False, "PHONE_NOT_ACTIVE", None)
    g.set_phone(tid, "c", "QUARANTINE", 200)
    assert g.check(tid, uuid.uuid4(), new_contact=True).reason == "PHONE_NOT_ACTIVE"
    assert g.usage(tid) == {"c": 10}


@pytest.mark.parametrize(
    ("day", "opening_utc"),
    [
        ((2026, 3, 28), datetime(2026, 3, 28, 7, 0, tzinfo=UTC)),  # EET, UTC+2
        ((2026, 3, 29), datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),  # DST starts at 03:00: UTC+3
        ((2026, 10, 24), datetime(2026, 10, 24, 6, 0, tzinfo=UTC)),  # EEST, UTC+3
        ((2026, 10, 25), datetime(2026, 10, 25, 7, 0, tzinfo=UTC)),  # DST ends at 04:00: UTC+2
    ],
)
def test_business_hours_follow_bucharest_across_dst(
    rds: redis.Redis, tid: uuid.UUID, day: tuple[int, int, int], opening_utc: datetime
) -> None:
    clock = Clock(opening_utc - timedelta(seconds=1))
    g, _ = guardian_with_phones(rds, tid, clock, n=1, limit=200)
    early = g.check(tid, uuid.uuid4(), new_contact=True)
    assert (early.allowed, early.reason, early.retry_after_ms) == (False, "OUTSIDE_BUSINESS_HOURS", 1000)
    follow = g.check(tid, uuid.uuid4(), new_contact=False)
    assert not follow.allowed and follow.reason == "OUTSIDE_BUSINESS_HOURS"
    clock.set(opening_utc)
    assert g.check(tid, uuid.uuid4(), new_contact=True).allowed
    closing = opening_utc + timedelta(hours=9)
    clock.set(closing - timedelta(seconds=1))
    assert g.check(tid, uuid.uuid4(), new_contact=False).allowed
    clock.set(closing)
    late = g.check(tid, uuid.uuid4(), new_contact=True)
    assert not late.allowed and late.reason == "OUTSIDE_BUSINESS_HOURS"
    next_opening = datetime(*day, 9, 0, tzinfo=BUCHAREST) + timedelta(days=1)
    assert late.next_allowed_at_ms == int(next_opening.timestamp() * 1000)


def test_every_quarter_hour_of_the_dst_weekends_agrees_with_zoneinfo(
    rds: redis.Redis, tid: uuid.UUID
) -> None:
    clock = Clock(WEDNESDAY_10)
    g, _ = guardian_with_phones(rds, tid, clock, n=1, limit=200)
    for start in (datetime(2026, 3, 27, 22, tzinfo=UTC), datetime(2026, 10, 23, 22, tzinfo=UTC)):
        for step in range(4 * 24 * 3):
            at = start + timedelta(minutes=15 * step)
            clock.set(at)
            local = at.astimezone(BUCHAREST)
            d = g.check(tid, uuid.uuid4(), new_contact=False)
            assert d.allowed == (9 <= local.hour < 18), at.isoformat()
            if not d.allowed:
                assert d.next_allowed_at_ms is not None
                opening = datetime.fromtimestamp(d.next_allowed_at_ms / 1000, UTC).astimezone(BUCHAREST)
                assert (opening.hour, opening.minute) == (9, 0) and opening > local
                assert opening - local < timedelta(hours=16)


def test_hours_are_configurable_per_tenant(rds: redis.Redis, tid: uuid.UUID) -> None:
    from datetime import time

    clock = Clock(bucharest(2026, 12, 5, 12, 0))  # a Saturday
    g, _ = guardian_with_phones(rds, tid, clock, n=1)
    weekdays = BusinessHours(start=time(8, 30), end=time(16, 0), weekdays=frozenset({1, 2, 3, 4, 5}))
    d = g.check(tid, uuid.uuid4(), new_contact=True, hours=weekdays)
    assert not d.allowed
    assert d.next_allowed_at_ms == int(bucharest(2026, 12, 7, 8, 30).timestamp() * 1000)  # Monday
    london = BusinessHours(zone="Europe/London")
    clock.set(bucharest(2026, 12, 5, 10, 30))  # 08:30 in London
    assert not g.check(tid, uuid.uuid4(), new_contact=True, hours=london).allowed
    clock.set(bucharest(2026, 12, 5, 11, 0))
    assert g.check(tid, uuid.uuid4(), new_contact=True, hours=london).allowed


def test_the_portfolio_cap_holds_across_numbers_over_a_moving_day(rds: redis.Redis, tid: uuid.UUID) -> None:
    clock = Clock(WEDNESDAY_10)
    g, _ = guardian_with_phones(rds, tid, clock)
    leads = [uuid.uuid4() for _ in range(300)]
    results = [g.check(tid, lead, new_contact=True, portfolio_cap=250) for lead in leads]
    assert sum(r.allowed for r in results) == 250
    assert len({r.phone_id for r in results if r.allowed}) == 20
    refusal = results[-1]
    assert refusal.reason == "PORTFOLIO_CAP"
    assert refusal.next_allowed_at_ms == int(WEDNESDAY_10.timestamp() * 1000) + 86_400_000 + 1
    # A lead already counted in the window is not a new unique contact for the portfolio.
    assert g.check(tid, leads[0], new_contact=True, portfolio_cap=250).allowed
    assert g.check(tid, uuid.uuid4(), new_contact=False, portfolio_cap=250).allowed
    clock.advance(12 * 3600 - 60)  # 21:59, then the next morning: the window still holds all 250
    clock.set(bucharest(2026, 12, 3, 9, 59))
    assert g.check(tid, uuid.uuid4(), new_contact=True, portfolio_cap=250).reason == "PORTFOLIO_CAP"
    clock.set(bucharest(2026, 12, 3, 10, 0, 1))  # the first 250 left the moving 24 hours
    assert g.check(tid, uuid.uuid4(), new_contact=True, portfolio_cap=250).allowed


def test_noscript_loads_the_script_again(rds: redis.Redis, tid: uuid.UUID) -> None:
    clock = Clock(WEDNESDAY_10)
    g, _ = guardian_with_phones(rds, tid, clock, n=1)
    assert g.check(tid, uuid.uuid4(), new_contact=True).allowed
    rds.script_flush()
    assert g.check(tid, uuid.uuid4(), new_contact=True).used == 2


def test_keys_share_one_hash_tag_and_counters_expire(rds: redis.Redis, tid: uuid.UUID) -> None:
    clock = Clock(WEDNESDAY_10)
    g, _ = guardian_with_phones(rds, tid, clock, n=1)
    g.check(tid, uuid.uuid4(), new_contact=True, portfolio_cap=10)
    tags = {k[k.index("{") : k.index("}") + 1] for k in keys(tid)}
    assert tags == {f"{{outreach:{tid}}}"}
    for key in (keys(tid)[1], keys(tid)[3]):
        assert 47 * 3600 < rds.ttl(key) <= 48 * 3600


def test_redis_time_is_the_clock_without_an_override(rds: redis.Redis, tid: uuid.UUID) -> None:
    g = QuotaGuardian(rds)
    g.sync_phones(tid, [("p", "ACTIVE", 200)])
    d = g.check(tid, uuid.uuid4(), new_contact=False)
    seconds, micros = rds.time()
    assert abs(d.now_ms - (seconds * 1000 + micros // 1000)) < 60_000
    local = datetime.fromtimestamp(d.now_ms / 1000, UTC).astimezone(BUCHAREST)
    assert d.allowed == (9 <= local.hour < 18)


def test_the_tenants_company_settings_give_its_hours(platform: Any, db: Any, tenant: Any) -> None:
    from datetime import time

    from sqlalchemy import text

    from genius.outreach.service import business_hours

    with platform.db.tenant_session(tenant.id) as s:
        assert business_hours(s, tenant.id) == BusinessHours()
        s.execute(
            text(
                "INSERT INTO core.tenant_settings (tid, timezone, hours_start, hours_end)"
                " VALUES (:t, 'Europe/London', '08:00', '16:30')"
            ),
            {"t": tenant.id},
        )
        assert business_hours(s, tenant.id) == BusinessHours("Europe/London", time(8, 0), time(16, 30))
