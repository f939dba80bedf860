"""``outreach.stats.rollup``: the daily statistics counted on the tenant's local day (00:30 in Bucharest
is still the previous day in UTC), each event on the day it happened, re-runs that refresh instead of
adding, the rates, the quota guardian's counters copied into the ``wa_quota_usage`` audit table, and
``GET /v1/outreach/stats/daily``."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import redis
from fastapi.testclient import TestClient
from sqlalchemy import text

from genius.core.platform import Platform
from genius.outreach.models import (
    Channel,
    CommunicationLog,
    LeadJourney,
    LeadState,
    MessageDirection,
    MessageStatus,
    StateTransition,
    WaPhoneNumber,
)
from genius.outreach.overview import service
from genius.outreach.quota import keys
from tests.outreach.conftest import BUCHAREST as BUCHAREST_ZONE
from tests.outreach.conftest import bucharest

NOW = bucharest(2026, 11, 20, 12, 0)  # a Friday; Bucharest is UTC+2 in November


def _message(
    tid: uuid.UUID,
    journey: LeadJourney,
    channel: Channel,
    direction: MessageDirection,
    at: datetime,
    **extra: Any,
) -> CommunicationLog:
    return CommunicationLog(
        tid=tid,
        journey_id=journey.id,
        lead_id=journey.lead_id,
        channel=channel.value,
        direction=direction.value,
        status=extra.pop("status", MessageStatus.SENT.value),
        content_preview="Bună ziua",
        content_hash="0" * 64,
        sent_at=at if direction is MessageDirection.OUTBOUND else None,
        created_at=at,
        updated_at=extra.pop("updated_at", at),
        **extra,
    )


def _seed(platform: Platform, tid: uuid.UUID) -> uuid.UUID:
    """Two days of messages around local midnight; returns the phone's id."""
    with platform.db.tenant_session(tid) as s:
        phone = WaPhoneNumber(tid=tid, phone_number="+40722000001", timelinesai_account_id="acc-1")
        s.add(phone)
        journeys = [LeadJourney(tid=tid, lead_id=uuid.uuid4(), custom_fields={}) for _ in range(4)]
        s.add_all(journeys)
        s.flush()
        a, b, c, d = journeys
        wa, em, out, inb = (
            Channel.WHATSAPP,
            Channel.EMAIL_COLD,
            MessageDirection.OUTBOUND,
            MessageDirection.INBOUND,
        )
        late_yesterday = bucharest(2026, 11, 19, 23, 30)  # 21:30 UTC on the 19th
        just_today = bucharest(2026, 11, 20, 0, 30)  # 22:30 UTC on the 19th: already the 20th locally
        s.add_all(
            [
                _message(tid, a, wa, out, late_yesterday, quota_cost=1, phone_id=phone.id),
                _message(tid, b, wa, out, just_today, quota_cost=1, phone_id=phone.id),
                _message(tid, b, wa, inb, bucharest(2026, 11, 20, 9, 0)),
                # sent yesterday, delivered and opened today: each counts on the day it happened
                _message(
                    tid,
                    c,
                    em,
                    out,
                    bucharest(2026, 11, 19, 15, 0),
                    status=MessageStatus.OPENED.value,
                    delivered_at=bucharest(2026, 11, 20, 8, 0),
                    opened_at=bucharest(2026, 11, 20, 10, 0),
                    updated_at=bucharest(2026, 11, 20, 10, 0),
                ),
                _message(tid, d, em, out, bucharest(2026, 11, 20, 9, 0)),
                _message(
                    tid,
                    d,
                    Channel.EMAIL_WARM,
                    out,
                    bucharest(2026, 11, 20, 9, 5),
                    status=MessageStatus.BOUNCED.value,
                    bounced_at=bucharest(2026, 11, 20, 9, 6),
                ),
                _message(tid, a, wa, out, bucharest(2026, 11, 20, 11, 0), status=MessageStatus.FAILED.value),
            ]
        )
        s.flush()
        s.add(
            StateTransition(
                tid=tid,
                journey_id=b.id,
                from_state=LeadState.NEGOTIATION.value,
                to_state=LeadState.CONVERTED.value,
                reason="won",
                changed_at=bucharest(2026, 11, 20, 11, 30),
            )
        )
        return phone.id


def _rows(platform: Platform, tid: uuid.UUID) -> dict[date, Any]:
    with platform.db.tenant_session(tid) as s:
        rows = s.execute(text("SELECT * FROM outreach.outreach_daily_stats ORDER BY stat_date")).mappings()
        return {r["stat_date"]: dict(r) for r in rows}


def test_rollup_counts_local_days_and_reruns_refresh(platform: Platform, tenant: Any) -> None:
    _seed(platform, tenant.id)
    with platform.db.tenant_session(tenant.id) as s:
        assert service.rollup(s, tenant.id, None, now=NOW) == date(2026, 11, 20)
    rows = _rows(platform, tenant.id)
    assert set(rows) == {date(2026, 11, 19), date(2026, 11, 20)}
    yesterday, today = rows[date(2026, 11, 19)], rows[date(2026, 11, 20)]
    assert (yesterday["sent_whatsapp"], yesterday["sent_email"], yesterday["new_contacts"]) == (1, 1, 1)
    assert (today["sent_whatsapp"], today["sent_email"], today["new_contacts"]) == (2, 2, 1)
    assert (today["delivered"], today["opened"], today["replies_whatsapp"], today["replies_email"]) == (
        1,
        1,
        1,
        0,
    )
    assert (today["bounced"], today["failed"], today["converted"]) == (1, 1, 1)
    assert today["bounce_rate"] == Decimal("0.5000")  # one of the day's two e-mails
    assert today["reply_rate"] == Decimal("0.2500")  # one reply for four messages sent
    assert yesterday["bounce_rate"] == Decimal("0") and yesterday["replies_whatsapp"] == 0
    first = today["computed_at"]
    with platform.db.tenant_session(tenant.id) as s:
        service.rollup(s, tenant.id, None, now=NOW + timedelta(minutes=5))
    again = _rows(platform, tenant.id)
    assert len(again) == 2
    assert {k: v for k, v in again[date(2026, 11, 20)].items() if k not in ("computed_at", "id")} == {
        k: v for k, v in today.items() if k not in ("computed_at", "id")
    }
    assert again[date(2026, 11, 20)]["computed_at"] >= first


def test_usage_copied_from_the_guardian(platform: Platform, tenant: Any, rds: redis.Redis) -> None:
    phone = _seed(platform, tenant.id)
    usage = keys(tenant.id)[1]
    ghost = uuid.uuid4()  # a phone deleted since: its counters are left out
    rds.hset(
        usage, mapping={f"n|{phone}|2026-11-20": 7, f"f|{phone}|2026-11-20": 3, f"n|{ghost}|2026-11-20": 2}
    )
    try:
        with platform.db.tenant_session(tenant.id) as s:
            service.rollup(s, tenant.id, rds, now=NOW)
        rds.hset(usage, f"n|{phone}|2026-11-20", 5)  # an older copy never lowers the audit row
        with platform.db.tenant_session(tenant.id) as s:
            service.rollup(s, tenant.id, rds, now=NOW)
            rows = s.execute(
                text(
                    "SELECT phone_id, usage_date, new_contacts_count, followup_count"
                    " FROM outreach.wa_quota_usage"
                )
            ).all()
    finally:
        rds.delete(usage)
    assert [tuple(r) for r in rows] == [(phone, date(2026, 11, 20), 7, 3)]


def test_daily_stats_api(client: TestClient, platform: Platform, tenant: Any) -> None:
    _seed(platform, tenant.id)
    now = datetime.now(UTC)
    with platform.db.tenant_session(tenant.id) as s:
        service.rollup(s, tenant.id, None, days=3, now=now)
    r = client.get("/v1/outreach/stats/daily", params={"days": 3}, headers=tenant.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 3 and [i["sent_email"] for i in body["items"]] == [0, 0, 0]
    assert body["items"][0]["stat_date"] < body["items"][-1]["stat_date"]
    assert body["items"][-1]["bounce_rate"] is None  # nothing sent: no rate, not zero
    assert (
        client.get("/v1/outreach/stats/daily", params={"days": 0}, headers=tenant.headers).status_code == 422
    )
    assert (
        client.get("/v1/outreach/stats/daily", params={"days": 91}, headers=tenant.headers).status_code == 422
    )


def test_health_gauges_for_the_alert_rules(platform: Platform, tenant: Any, rds: redis.Redis) -> None:
    from prometheus_client import REGISTRY

    from genius.outreach.overview import metrics

    phone = _seed(platform, tenant.id)
    with platform.db.tenant_session(tenant.id) as s:
        s.add(
            WaPhoneNumber(
                tid=tenant.id, phone_number="+40722000002", timelinesai_account_id="acc-2", status="BANNED"
            )
        )
        s.execute(
            text("UPDATE outreach.wa_phone_numbers SET daily_quota_limit = 5 WHERE id = :p"), {"p": phone}
        )
    day = datetime.now(UTC).astimezone(BUCHAREST_ZONE).date().isoformat()
    usage = keys(tenant.id)[1]
    rds.hset(usage, f"n|{phone}|{day}", 5)
    try:
        with platform.db.tenant_session(tenant.id) as s:
            service.rollup(s, tenant.id, rds)
            health = service.health(s, tenant.id, rds)
    finally:
        rds.delete(usage)
    assert health.phones == {"ACTIVE": 1, "BANNED": 1} and health.quota_exhausted == 1
    metrics.export(tenant.id, health)
    t = str(tenant.id)
    value = REGISTRY.get_sample_value
    assert value("genius_outreach_phones", {"tenant": t, "status": "BANNED"}) == 1
    assert value("genius_outreach_phones", {"tenant": t, "status": "OFFLINE"}) == 0
    assert value("genius_outreach_quota_exhausted_phones", {"tenant": t}) == 1
    assert value("genius_outreach_review_sla_breached", {"tenant": t}) == 0
