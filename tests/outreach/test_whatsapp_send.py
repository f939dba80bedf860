"""The WhatsApp channel task end to end: the scheduler's outbox task is delivered through TimelinesAI
(the local fake over HTTP), the communication log records the outcome, a redelivered task sends nothing
twice, a refused number fails and a rate limit is retried."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import redis
from sqlalchemy import text

from genius.core.platform import Platform
from genius.outreach.channels.tasks import Temporary, deliver
from genius.outreach.channels.timelinesai import TimelinesClient
from genius.outreach.fakes.timelinesai import State, create_app
from genius.outreach.models import Channel
from genius.outreach.quota import QuotaGuardian
from genius.outreach.sequences import service
from genius.outreach.sequences.scheduler import Scheduler
from tests.conftest import LiveServer, free_port
from tests.outreach.conftest import Clock, files_of
from tests.outreach.test_scheduler import HOURS, NOW, build_sequence, journey, phone

ACCOUNT = "+40700000001"


@pytest.fixture
def fake() -> Iterator[tuple[str, State]]:
    state = State()
    with LiveServer(create_app(state), free_port()) as server:
        yield server.url + "/v1", state


def test_scheduled_whatsapp_messages_are_delivered_once(
    platform: Platform, committed_tenant: Any, rds: redis.Redis, fake: tuple[str, State]
) -> None:
    url, state = fake
    tid = committed_tenant.id
    guardian = QuotaGuardian(rds, clock=Clock(NOW))
    numbers = ["+40722000001", "0722 000 002", "+40722000003"]
    with platform.db.tenant_session(tid) as session:
        wa = phone(session, tid, guardian)
        wa.phone_number = ACCOUNT  # the TimelinesAI account is the phone's own number
        seq = build_sequence(session, tid, [Channel.WHATSAPP])
        for i, number in enumerate(numbers):
            j = journey(session, tid, first_name=f"Ana{i}", phone=number)
            service.enroll(session, tid, seq.id, j.id, at=NOW - timedelta(hours=1))
        assert Scheduler(tid, HOURS, guardian, files=files_of(tid)).run_due(session, now=NOW).sent == 3
        tasks = session.execute(
            text(
                "SELECT data FROM core.outbox WHERE kind = 'task' AND topic = 'outreach.whatsapp.send'"
                " AND tid = :t"
            ),
            {"t": tid},
        ).scalars()
        kwargs = [row["kwargs"] for row in tasks]
    try:
        timelines = TimelinesClient(state.api_key, base_url=url, sleep=lambda _s: None, max_retries=0)
        by_to = {k["to"]: k for k in kwargs}
        ok = by_to[numbers[0]]
        assert (
            deliver(
                platform.db, tid, uuid.UUID(ok["communication_id"]), ok["to"], ok["text"], lambda: timelines
            )
            == "SENT"
        )
        # A redelivered task finds the row SENT and sends nothing.
        assert (
            deliver(
                platform.db, tid, uuid.UUID(ok["communication_id"]), ok["to"], ok["text"], lambda: timelines
            )
            == "SENT"
        )
        bad = by_to[numbers[1]]
        assert (
            deliver(
                platform.db,
                tid,
                uuid.UUID(bad["communication_id"]),
                bad["to"],
                bad["text"],
                lambda: timelines,
            )
            == "FAILED"
        )
        later = by_to[numbers[2]]
        state.faults.append(429)
        with pytest.raises(Temporary):
            deliver(
                platform.db,
                tid,
                uuid.UUID(later["communication_id"]),
                later["to"],
                later["text"],
                lambda: timelines,
            )
        assert (
            deliver(
                platform.db,
                tid,
                uuid.UUID(later["communication_id"]),
                later["to"],
                later["text"],
                lambda: timelines,
            )
            == "SENT"
        )

        sent_texts = [m["text"] for msgs in state.messages.values() for m in msgs]
        assert sorted(sent_texts) == sorted([ok["text"], later["text"]])  # each once
        with platform.db.tenant_session(tid) as session:
            rows = {
                r.id: r
                for r in session.execute(
                    text(
                        "SELECT id::text, status::text, provider, external_message_id, external_thread_id, "
                        "error_message, sent_at FROM outreach.gold_communication_log"
                    )
                )
            }
            total = session.scalar(text("SELECT total_messages_sent FROM outreach.wa_phone_numbers"))
        sent = rows[ok["communication_id"]]
        assert (sent.status, sent.provider) == ("SENT", "timelinesai") and sent.sent_at is not None
        assert sent.external_message_id in {m["uid"] for msgs in state.messages.values() for m in msgs}
        assert sent.external_thread_id in state.chats
        failed = rows[bad["communication_id"]]
        assert failed.status == "FAILED" and "Invalid phone number" in failed.error_message
        assert total == 2
    finally:
        with platform.db.tenant_session(tid) as session:
            for table in (
                "sequence_enrollments",
                "gold_communication_log",
                "gold_lead_journey",
                "outreach_sequences",
                "outreach_templates",
                "wa_phone_numbers",
            ):
                session.execute(text(f"DELETE FROM outreach.{table}"))
