"""The sending window: the next opening in the tenant's time zone across both DST changes, and a batch
that waits outside it, sends inside it, and stops when the window closes mid-batch (a controllable
clock drives the worker's batch code against a real SMTP server)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from genius.core.kit.ratelimit import Limit
from genius.core.platform import Platform
from genius.vettify.campaigns import delivery
from genius.vettify.campaigns.window import Window
from genius.workers.email_send import smtp
from tests.vettify.conftest import Crm
from tests.vettify.marketing.conftest import SEND_BODY, FlakyInbox, campaign, contact

WEEKDAYS = Window()  # 09:00-18:00 Monday to Friday, Europe/Bucharest


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_next_opening_keeps_local_hours_across_dst() -> None:
    # Autumn: summer time (UTC+3) ends on Sunday 25 October 2026; Monday opens at 09:00 UTC+2.
    friday_evening = utc(2026, 10, 23, 15, 30)  # 18:30 local, summer time
    assert WEEKDAYS.next_opening(friday_evening) == utc(2026, 10, 26, 7, 0)
    assert WEEKDAYS.next_opening(utc(2026, 10, 23, 14, 59)) == utc(2026, 10, 23, 14, 59)  # 17:59: open
    # Spring: summer time starts on Sunday 28 March 2027; Monday opens at 09:00 UTC+3.
    assert WEEKDAYS.next_opening(utc(2027, 3, 26, 16, 0)) == utc(2027, 3, 29, 6, 0)
    assert WEEKDAYS.next_opening(utc(2027, 3, 29, 5, 59)) == utc(2027, 3, 29, 6, 0)  # 08:59 local
    assert WEEKDAYS.next_opening(utc(2027, 3, 29, 6, 0)) == utc(2027, 3, 29, 6, 0)
    # Across midnight: 22:00-06:00 every day, the night of the autumn change (25 hours long).
    night = Window(start_hour=22, end_hour=6, weekdays=frozenset(range(1, 8)))
    assert night.next_opening(utc(2026, 10, 25, 2, 0)) == utc(2026, 10, 25, 2, 0)  # 04:00 UTC+2: open
    assert night.next_opening(utc(2026, 10, 25, 4, 0)) == utc(2026, 10, 25, 20, 0)  # 06:00: next 22:00
    # Another zone from the company settings.
    assert Window(zone="Europe/London").next_opening(utc(2027, 1, 2, 12, 0)) == utc(2027, 1, 4, 9, 0)


def _run(
    platform: Platform, port: int, tid: uuid.UUID, cid: str, owner: str, clock: Callable[[], datetime]
) -> Any:
    settings = platform.settings.model_copy(update={"smtp_port": port})

    async def go() -> delivery.BatchResult:
        async with smtp.connection(settings) as send:
            return await delivery.deliver_batch(
                platform.db, settings, tid, uuid.UUID(cid), 0, owner=owner, send=send, clock=clock
            )

    return asyncio.run(go())


def test_a_batch_waits_for_the_window_and_stops_when_it_closes(
    crm: Crm, send_on: Platform, tenant: Any, sink: tuple[FlakyInbox, int]
) -> None:
    inbox, port = sink
    for i in range(5):
        contact(crm, f"dest{i}@client.ro")
    c = campaign(crm)
    window = {"start_hour": 9, "end_hour": 18, "weekdays": [1, 2, 3, 4, 5]}
    r = crm.call("POST", f"/campaigns/{c['id']}/send", {**SEND_BODY, "window": window})
    assert r.status_code == 202, r.text

    saturday = utc(2026, 10, 24, 9, 0)  # 12:00 local, a Saturday
    result = _run(send_on, port, tenant.id, c["id"], "task-1", lambda: saturday)
    assert (result.sent, result.pending, result.waiting_until) == (0, 5, utc(2026, 10, 26, 7, 0))
    assert inbox.messages == []

    # Monday 17:59:59 local: two messages go out, then the clock passes 18:00 and the batch waits.
    ticks = iter([utc(2026, 10, 26, 15, 59, 58), utc(2026, 10, 26, 15, 59, 59)])
    late = utc(2026, 10, 26, 16, 0)
    result = _run(send_on, port, tenant.id, c["id"], "task-2", lambda: next(ticks, late))
    assert (result.sent, result.pending, result.waiting_until) == (2, 3, utc(2026, 10, 27, 7, 0))
    result = _run(
        send_on, port, tenant.id, c["id"], "task-3", lambda: utc(2026, 10, 27, 7, 0) + timedelta(hours=1)
    )
    assert (result.sent, result.completed, result.waiting_until) == (3, True, None)
    assert sorted(rcpts[0] for rcpts, _ in inbox.messages) == [f"dest{i}@client.ro" for i in range(5)]


def test_window_rules_are_in_the_schema(crm: Crm, send_on: Platform) -> None:
    c = campaign(crm)
    for bad in ({"start_hour": 24}, {"end_hour": 0}, {"weekdays": [0]}, {"weekdays": []}):
        r = crm.call("POST", f"/campaigns/{c['id']}/send", {**SEND_BODY, "window": bad})
        assert r.status_code == 422, bad


def test_the_tenant_cap_holds_messages_back_and_sends_each_once(
    crm: Crm, send_on: Platform, tenant: Any, sink: tuple[FlakyInbox, int]
) -> None:
    """2 messages a second for the tenant (its Redis bucket): the batch of 5 waits for tokens between
    sends; the waits are counted by the bucket's answers, not by measuring time."""
    inbox, port = sink
    for i in range(5):
        contact(crm, f"cap{i}@client.ro")
    c = campaign(crm)
    assert crm.call("POST", f"/campaigns/{c['id']}/send", SEND_BODY).status_code == 202
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(seconds)

    throttle = delivery.Throttle(send_on.limiter, Limit.parse("2/s"), sleep=sleep)
    settings = send_on.settings.model_copy(update={"smtp_port": port})

    async def go() -> delivery.BatchResult:
        async with smtp.connection(settings) as send:
            return await delivery.deliver_batch(
                send_on.db,
                settings,
                tenant.id,
                uuid.UUID(c["id"]),
                0,
                owner="t",
                send=send,
                throttle=throttle,
            )

    result = asyncio.run(go())
    assert (result.sent, result.completed) == (5, True)
    assert result.throttled == len(waits) >= 1 and all(w >= 1 for w in waits)
    assert sorted(rcpts[0] for rcpts, _ in inbox.messages) == [f"cap{i}@client.ro" for i in range(5)]
