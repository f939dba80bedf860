"""The e-mail channel task end to end: the scheduler's outbox tasks are delivered through Resend (warm)
and Instantly (cold), the local fakes over HTTP; a redelivered task sends nothing twice, a refused
address fails with its reason and a rate limit is retried."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from genius.core.platform import Platform
from genius.outreach import credentials
from genius.outreach.channels.email import InstantlyClient, ResendClient
from genius.outreach.channels.email_tasks import Providers, deliver_email, providers_for
from genius.outreach.channels.tasks import Temporary
from genius.outreach.fakes.email import DEMO_CAMPAIGN, InstantlyState, ResendState, create_app
from genius.outreach.models import Channel
from genius.outreach.sequences import service
from genius.outreach.sequences.scheduler import Scheduler
from tests.conftest import LiveServer, free_port, make_settings
from tests.outreach.conftest import files_of
from tests.outreach.test_scheduler import HOURS, NOW, build_sequence, journey

TABLES = (
    "sequence_enrollments",
    "gold_communication_log",
    "gold_lead_journey",
    "outreach_sequences",
    "outreach_templates",
)


@pytest.fixture
def fakes() -> Iterator[tuple[str, ResendState, InstantlyState]]:
    resend, instantly = ResendState(), InstantlyState()
    with LiveServer(create_app(resend, instantly), free_port()) as server:
        yield server.url, resend, instantly


def _providers(url: str, resend: ResendState, instantly: InstantlyState) -> Providers:
    quick: dict[str, Any] = {"sleep": lambda _s: None, "max_retries": 0}
    return Providers(
        sender="Vânzări Genius <vanzari@genius.test>",
        resend=ResendClient(resend.api_key, base_url=url + "/resend", **quick),
        instantly=InstantlyClient(instantly.api_key, base_url=url + "/instantly", **quick),
        campaign_id=DEMO_CAMPAIGN,
    )


def _queued(platform: Platform, tid: uuid.UUID, channel: Channel, emails: list[str]) -> list[dict[str, Any]]:
    with platform.db.tenant_session(tid) as session:
        seq = build_sequence(session, tid, [channel])
        for i, email in enumerate(emails):
            j = journey(session, tid, first_name=f"Ana{i}", company="Alfa SRL", email=email)
            service.enroll(session, tid, seq.id, j.id, at=NOW - timedelta(hours=1))
        # e-mail steps never ask the WhatsApp quota guardian
        scheduler = Scheduler(tid, HOURS, None, files=files_of(tid))
        assert scheduler.run_due(session, now=NOW).sent == len(emails)
        rows = session.execute(
            text(
                "SELECT data FROM core.outbox WHERE kind = 'task' AND topic = 'outreach.email.send'"
                " AND queue = 'outreach.email' AND tid = :t"
            ),
            {"t": tid},
        ).scalars()
        return [row["kwargs"] for row in rows]


def _rows(platform: Platform, tid: uuid.UUID) -> dict[str, Any]:
    with platform.db.tenant_session(tid) as session:
        return {
            r.id: r
            for r in session.execute(
                text(
                    "SELECT id::text, channel::text, status::text, provider, external_message_id,"
                    " external_lead_id, error_message, sent_at FROM outreach.gold_communication_log"
                )
            )
        }


def _cleanup(platform: Platform, tid: uuid.UUID) -> None:
    with platform.db.tenant_session(tid) as session:
        for table in TABLES:
            session.execute(text(f"DELETE FROM outreach.{table}"))


def _deliver(platform: Platform, tid: uuid.UUID, task: dict[str, Any], p: Providers) -> str:
    return deliver_email(
        platform.db, tid, uuid.UUID(task["communication_id"]), task["to"], task["subject"], task["text"], p
    )


def test_warm_email_goes_through_resend_exactly_once(
    platform: Platform, committed_tenant: Any, fakes: tuple[str, ResendState, InstantlyState]
) -> None:
    url, resend, instantly = fakes
    tid = committed_tenant.id
    emails = ["ana0@alfa.ro", "not-an-address", "ana2@alfa.ro"]
    try:
        tasks = {t["to"]: t for t in _queued(platform, tid, Channel.EMAIL_WARM, emails)}
        p = _providers(url, resend, instantly)
        ok = tasks["ana0@alfa.ro"]
        assert _deliver(platform, tid, ok, p) == "SENT"
        assert _deliver(platform, tid, ok, p) == "SENT"  # redelivered: the row is SENT, nothing goes out
        assert _deliver(platform, tid, tasks["not-an-address"], p) == "FAILED"
        later = tasks["ana2@alfa.ro"]
        resend.faults.append(429)
        with pytest.raises(Temporary):
            _deliver(platform, tid, later, p)
        assert _deliver(platform, tid, later, p) == "SENT"

        assert sorted(m["to"][0] for m in resend.sent) == ["ana0@alfa.ro", "ana2@alfa.ro"]  # each once
        sent = resend.sent[0]
        assert sent["subject"] == ok["subject"] and sent["text"] == ok["text"]
        assert sent["headers"]["X-Genius-Communication"] == ok["communication_id"]
        rows = _rows(platform, tid)
        row = rows[ok["communication_id"]]
        assert (row.status, row.provider, row.channel) == ("SENT", "resend", "EMAIL_WARM")
        assert row.external_message_id == next(m["id"] for m in resend.sent if m["to"] == ["ana0@alfa.ro"])
        failed = rows[tasks["not-an-address"]["communication_id"]]
        assert failed.status == "FAILED" and "Invalid `to` field" in failed.error_message
    finally:
        _cleanup(platform, tid)


def test_resend_idempotency_key_makes_a_repeated_send_harmless(
    fakes: tuple[str, ResendState, InstantlyState],
) -> None:
    """The window between Resend's answer and our commit: a crash there repeats the call, and the
    idempotency key (the communication id) makes Resend answer the same id without sending."""
    url, resend, _ = fakes
    client = ResendClient(resend.api_key, base_url=url + "/resend", sleep=lambda _s: None)
    args: dict[str, Any] = {"sender": "a@genius.test", "to": "b@alfa.ro", "subject": "S", "text": "T"}
    first = client.send(**args, idempotency_key="genius-outreach/1")
    again = client.send(**args, idempotency_key="genius-outreach/1")
    assert first.message_id == again.message_id and len(resend.sent) == 1


def test_cold_email_adds_the_lead_to_the_instantly_campaign_once(
    platform: Platform, committed_tenant: Any, fakes: tuple[str, ResendState, InstantlyState]
) -> None:
    url, resend, instantly = fakes
    tid = committed_tenant.id
    try:
        tasks = _queued(platform, tid, Channel.EMAIL_COLD, ["ion@beta.ro"])
        p = _providers(url, resend, instantly)
        task = tasks[0]
        assert _deliver(platform, tid, task, p) == "SENT"
        # A task retried after Instantly added the lead (a crash before the commit): the row was not yet
        # SENT, so we call again, and skip_if_in_campaign gives back the same lead.
        with platform.db.tenant_session(tid) as session:
            session.execute(text("UPDATE outreach.gold_communication_log SET status = 'QUEUED'"))
        assert _deliver(platform, tid, task, p) == "SENT"
        assert len(instantly.leads) == 1
        lead = next(iter(instantly.leads.values()))
        assert lead["campaign"] == DEMO_CAMPAIGN and lead["email"] == "ion@beta.ro"
        assert lead["payload"]["genius_subject"] == task["subject"]
        assert lead["payload"]["genius_body"] == task["text"]
        assert lead["payload"]["genius_ref"] == task["communication_id"]
        row = _rows(platform, tid)[task["communication_id"]]
        assert (row.status, row.provider, row.external_lead_id) == ("SENT", "instantly", lead["id"])
        assert resend.sent == []
    finally:
        _cleanup(platform, tid)


def test_unconfigured_provider_waits_and_a_wrong_key_fails(
    platform: Platform,
    committed_tenant: Any,
    fakes: tuple[str, ResendState, InstantlyState],
) -> None:
    url = fakes[0]
    tid = committed_tenant.id
    try:
        tasks = _queued(platform, tid, Channel.EMAIL_WARM, ["x@alfa.ro", "y@alfa.ro"])
        with pytest.raises(Temporary):
            _deliver(platform, tid, tasks[0], Providers("a@genius.test", None, None, None))
        wrong = Providers(
            "a@genius.test", ResendClient("re_wrong", base_url=url + "/resend", max_retries=0), None, None
        )
        assert _deliver(platform, tid, tasks[1], wrong) == "FAILED"
        rows = _rows(platform, tid)
        assert rows[tasks[0]["communication_id"]].status == "QUEUED"
        assert "API key is invalid" in rows[tasks[1]["communication_id"]].error_message
    finally:
        _cleanup(platform, tid)


def test_a_tenant_key_saved_in_settings_serves_its_sends(
    platform: Platform, committed_tenant: Any, fakes: tuple[str, ResendState, InstantlyState]
) -> None:
    """No key in the environment: the message waits; the tenant saves its own Resend key (encrypted) and
    the next try goes out with it."""
    url, resend, _instantly = fakes
    tid = committed_tenant.id
    settings = make_settings(resend_base_url=url + "/resend")
    unconfigured = Providers("a@genius.test", None, None, None)
    try:
        [task] = _queued(platform, tid, Channel.EMAIL_WARM, ["ana@alfa.ro"])
        with pytest.raises(Temporary, match="save the tenant's key"):
            _deliver(platform, tid, task, providers_for(platform.db, tid, settings, unconfigured))
        with platform.db.tenant_session(tid) as session:
            credentials.save(session, tid, "resend", resend.api_key, settings=settings, actor="admin@test")
        p = providers_for(platform.db, tid, settings, unconfigured)
        assert p.resend is not None and p.instantly is None
        assert _deliver(platform, tid, task, p) == "SENT"
        assert [m["to"] for m in resend.sent] == [["ana@alfa.ro"]]
    finally:
        with platform.db.tenant_session(tid) as session:
            credentials.remove(session, tid, "resend", actor="admin@test")
        _cleanup(platform, tid)
