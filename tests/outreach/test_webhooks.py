"""Provider webhooks over HTTP: Resend's Svix signature (signed here by the ``svix`` library itself),
Instantly's and TimelinesAI's shared secret; a forged or replayed request is refused and changes nothing;
a verified one is kept once with its outbox task, answered 200, then applied: statuses move forward,
replies go through sentiment, the state machine, the sequences and the review queue."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from svix.webhooks import Webhook

from genius.core.db.base import utcnow
from genius.core.platform import Platform
from genius.core.storage import FileStorage, is_sealed, tenant_files_from_settings
from genius.outreach.channels.timelinesai import TimelinesClient
from genius.outreach.fakes.timelinesai import REPLIES
from genius.outreach.fakes.timelinesai import State as FakeTimelines
from genius.outreach.fakes.timelinesai import create_app as create_fake_timelines
from genius.outreach.models import (
    Channel,
    CommunicationLog,
    LeadJourney,
    LeadState,
    MessageDirection,
    MessageStatus,
)
from genius.outreach.sentiment import classify
from genius.outreach.sequences import service as sequences
from genius.outreach.webhooks import service
from tests.outreach.test_scheduler import build_sequence

RESEND_SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SHARED = "s3cret-webhook-token"


@pytest.fixture(autouse=True)
def secrets(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platform.settings, "resend_webhook_secret", RESEND_SECRET)
    monkeypatch.setattr(platform.settings, "instantly_webhook_secret", SHARED)
    monkeypatch.setattr(platform.settings, "timelinesai_webhook_secret", SHARED)


def _journey(platform: Platform, tid: uuid.UUID, channel: Channel, **ids: Any) -> tuple[uuid.UUID, uuid.UUID]:
    """A contacted journey enrolled in a two-step sequence, with one sent outbound message."""
    now = utcnow()
    with platform.db.tenant_session(tid) as s:
        state = LeadState.CONTACTED_WA if channel is Channel.WHATSAPP else LeadState.CONTACTED_EMAIL
        journey = LeadJourney(tid=tid, lead_id=uuid.uuid4(), current_state=state.value, custom_fields={})
        s.add(journey)
        s.flush()
        seq = build_sequence(s, tid, [channel, channel])
        sequences.enroll(s, tid, seq.id, journey.id, at=now - timedelta(days=1))
        message = CommunicationLog(
            tid=tid,
            journey_id=journey.id,
            lead_id=journey.lead_id,
            channel=channel.value,
            direction=MessageDirection.OUTBOUND.value,
            status=MessageStatus.SENT.value,
            content_preview="Bună ziua",
            content_hash="0" * 64,
            sent_at=now - timedelta(hours=1),
            created_at=now - timedelta(hours=1),
            **ids,
        )
        s.add(message)
        s.flush()
        return journey.id, message.id


def _resend(
    client: TestClient,
    tid: uuid.UUID,
    body: dict[str, Any],
    *,
    at: datetime | None = None,
    secret: str = RESEND_SECRET,
) -> Any:
    raw = json.dumps(body)
    msg_id = f"msg_{uuid.uuid4().hex}"
    when = at or datetime.now(UTC)
    signature = Webhook(secret).sign(msg_id, when, raw)
    headers = {"svix-id": msg_id, "svix-timestamp": str(int(when.timestamp())), "svix-signature": signature}
    return client.post(
        f"/webhooks/resend/{tid}", content=raw, headers={**headers, "Content-Type": "application/json"}
    ), headers


def _deliveries(platform: Platform, tid: uuid.UUID) -> list[Any]:
    with platform.db.tenant_session(tid) as s:
        return list(
            s.execute(
                text(
                    "SELECT id, provider, event_type, processed_at, outcome FROM outreach.webhook_deliveries"
                )
            )
        )


def _tasks(platform: Platform, tid: uuid.UUID) -> list[dict[str, Any]]:
    with platform.db.tenant_session(tid) as s:
        rows = s.execute(
            text(
                "SELECT data FROM core.outbox WHERE kind = 'task' AND topic = :t AND tid = :tid ORDER BY seq"
            ),
            {"t": service.TASK, "tid": tid},
        ).scalars()
        return [r["kwargs"] for r in rows]


def _process_all(platform: Platform, tid: uuid.UUID) -> list[str]:
    outcomes = []
    files = tenant_files_from_settings(platform.settings).for_tenant(tid)
    for task in _tasks(platform, tid):
        with platform.db.tenant_session(tid) as s:
            outcomes.append(service.apply(s, uuid.UUID(task["delivery_id"]), files))
    return outcomes


def _message(platform: Platform, tid: uuid.UUID, message_id: uuid.UUID) -> Any:
    with platform.db.tenant_session(tid) as s:
        return s.execute(
            text(
                "SELECT status::text, delivered_at, opened_at, clicked_at, bounced_at, replied_at,"
                " error_message FROM outreach.gold_communication_log WHERE id = :i"
            ),
            {"i": message_id},
        ).one()


def test_resend_signed_events_move_the_message_forward_once(
    client: TestClient, tenant: Any, platform: Platform
) -> None:
    tid = tenant.id
    _, message_id = _journey(platform, tid, Channel.EMAIL_WARM, provider="resend", external_message_id="em_1")
    data = {"email_id": "em_1", "to": ["ana@alfa.ro"], "subject": "Salut"}
    r, _ = _resend(client, tid, {"type": "email.delivered", "created_at": utcnow().isoformat(), "data": data})
    assert r.status_code == 200, r.text
    assert r.json() == {"received": True, "duplicate": False}
    for event in (
        "email.opened",
        "email.clicked",
        "email.delivered",
    ):  # a late "delivered" moves nothing back
        assert (
            _resend(client, tid, {"type": event, "created_at": utcnow().isoformat(), "data": data})[
                0
            ].status_code
            == 200
        )
    assert len(_deliveries(platform, tid)) == 4 and len(_tasks(platform, tid)) == 4
    assert _process_all(platform, tid) == ["delivered", "opened", "clicked", "delivered"]
    assert _process_all(platform, tid) == [
        "delivered",
        "opened",
        "clicked",
        "delivered",
    ]  # re-run: nothing changes
    row = _message(platform, tid, message_id)
    assert row.status == "CLICKED" and row.delivered_at and row.opened_at and row.clicked_at


def test_resend_duplicate_delivery_is_kept_once(client: TestClient, tenant: Any, platform: Platform) -> None:
    tid = tenant.id
    body = json.dumps(
        {"type": "email.delivered", "created_at": utcnow().isoformat(), "data": {"email_id": "x"}}
    )
    when = datetime.now(UTC)
    headers = {
        "svix-id": "msg_dup",
        "svix-timestamp": str(int(when.timestamp())),
        "svix-signature": Webhook(RESEND_SECRET).sign("msg_dup", when, body),
        "Content-Type": "application/json",
    }
    first = client.post(f"/webhooks/resend/{tid}", content=body, headers=headers)
    second = client.post(f"/webhooks/resend/{tid}", content=body, headers=headers)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["duplicate"] is True
    assert len(_deliveries(platform, tid)) == 1 and len(_tasks(platform, tid)) == 1


@pytest.mark.parametrize("attack", ["forged", "replayed", "tampered", "unsigned"])
def test_resend_forged_or_replayed_webhooks_are_refused(
    client: TestClient, tenant: Any, platform: Platform, attack: str
) -> None:
    tid = tenant.id
    body = {"type": "email.bounced", "created_at": utcnow().isoformat(), "data": {"email_id": "em_1"}}
    if attack == "forged":
        r, _ = _resend(client, tid, body, secret="whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY")
    elif attack == "replayed":
        r, _ = _resend(client, tid, body, at=datetime.now(UTC) - timedelta(minutes=6))
    elif attack == "tampered":
        _, headers = _resend(client, tid, body)
        with platform.db.tenant_session(tid) as s:  # forget the genuine one, then send an altered body
            s.execute(text("DELETE FROM outreach.webhook_deliveries"))
            s.execute(text("DELETE FROM core.outbox WHERE tid = :t"), {"t": tid})
        r = client.post(
            f"/webhooks/resend/{tid}",
            content=json.dumps({**body, "type": "email.complained"}),
            headers={**headers, "Content-Type": "application/json"},
        )
    else:
        r = client.post(f"/webhooks/resend/{tid}", json=body)
    assert r.status_code == 401, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert _deliveries(platform, tid) == [] and _tasks(platform, tid) == []


def _timelines(message: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "event_type": "message:received:new",
        "chat": {"chat_id": 4242, "phone": "+40722000001", "full_name": "Ana Pop"},
        "whatsapp_account": {"phone": "+40700000001"},
        "message": {
            "message_uid": uuid.uuid4().hex,
            "direction": "received",
            "timestamp": datetime.now(UTC).astimezone().strftime("%Y-%m-%d %H:%M:%S %z"),
            **message,
        },
        **extra,
    }


def test_timelinesai_reply_goes_to_sentiment_state_and_review(
    client: TestClient, tenant: Any, platform: Platform
) -> None:
    tid = tenant.id
    journey_id, sent_id = _journey(
        platform,
        tid,
        Channel.WHATSAPP,
        provider="timelinesai",
        external_message_id="wa_1",
        external_thread_id="4242",
    )
    url = f"/webhooks/timelinesai/{tid}"
    ours = _timelines({"text": "Bună ziua", "direction": "sent", "from_me": True})
    assert client.post(url, json=ours, headers={"X-Webhook-Secret": SHARED}).status_code == 200
    reply = _timelines({"text": "Nu mă mai contactați, vă rog. Dezabonare."})
    assert client.post(url, json=reply, headers={"X-Webhook-Secret": SHARED}).status_code == 200
    assert client.post(url + f"?secret={SHARED}", json=reply).json()["duplicate"] is True
    assert _process_all(platform, tid) == ["ignored", "replied (negative)"]

    with platform.db.tenant_session(tid) as s:
        journey = s.get(LeadJourney, journey_id)
        assert journey is not None
        assert journey.current_state == LeadState.WARM_REPLY.value and journey.reply_count == 1
        assert journey.whatsapp_opted_out and journey.requires_human_review
        inbound = s.execute(
            text(
                "SELECT status::text, sentiment_score, external_thread_id"
                " FROM outreach.gold_communication_log WHERE direction = 'INBOUND'"
            )
        ).one()
        assert (
            inbound.status == "REPLIED"
            and inbound.sentiment_score < 0
            and inbound.external_thread_id == "4242"
        )
        review = s.execute(text("SELECT reason::text, priority::text FROM outreach.human_review_queue")).one()
        assert (review.reason, review.priority) == ("KEYWORD_TRIGGER", "URGENT")
        stopped = s.execute(text("SELECT status, stop_reason FROM outreach.sequence_enrollments")).one()
        assert (stopped.status, stopped.stop_reason) == ("STOPPED", "opted-out")
        transitions = s.execute(
            text(
                "SELECT topic FROM core.outbox WHERE kind = 'event' AND topic = 'outreach.lead.state_changed'"
            )
        ).all()
        assert transitions
    assert _message(platform, tid, sent_id).status == "REPLIED"


def test_a_long_reply_is_kept_whole_and_encrypted(
    client: TestClient, tenant: Any, platform: Platform, make_tenant: Any
) -> None:
    """The log row holds a 500-character preview; the whole text is in the tenant's encrypted store and
    comes back whole from the journey's conversation."""
    tid = tenant.id
    journey_id, _sent = _journey(
        platform,
        tid,
        Channel.WHATSAPP,
        provider="timelinesai",
        external_message_id="wa_9",
        external_thread_id="4242",
    )
    long_text = "Mulțumim pentru ofertă. " + " ".join(
        f"Punctul {n}: prețul unitar și livrarea." for n in range(40)
    )
    assert len(long_text) > 1000
    reply = _timelines({"text": long_text})
    kept = client.post(f"/webhooks/timelinesai/{tid}", json=reply, headers={"X-Webhook-Secret": SHARED})
    assert kept.status_code == 200
    assert _process_all(platform, tid) == [f"replied ({classify(long_text).label})"]

    with platform.db.tenant_session(tid) as s:
        row = s.execute(
            text(
                "SELECT content_preview, content_storage_key FROM outreach.gold_communication_log"
                " WHERE direction = 'INBOUND'"
            )
        ).one()
    assert row.content_preview == long_text[:500] and str(tid) in row.content_storage_key
    store = tenant_files_from_settings(platform.settings).storage
    assert isinstance(store, FileStorage)
    path = store.root / row.content_storage_key
    assert is_sealed(path) and b"Punctul 39" not in path.read_bytes()

    got = client.get(f"/v1/outreach/journeys/{journey_id}/messages", headers=tenant.headers)
    assert got.status_code == 200, got.text
    inbound, outbound = got.json()
    assert inbound["direction"] == "INBOUND" and inbound["text"] == long_text
    assert (
        outbound["direction"] == "OUTBOUND" and outbound["text"] == "Bună ziua"
    )  # no stored text: the preview
    other = client.get(f"/v1/outreach/journeys/{journey_id}/messages", headers=make_tenant().headers)
    assert other.status_code == 404


@pytest.mark.parametrize("case", ["no secret", "wrong secret", "old message"])
def test_timelinesai_refuses_unauthenticated_or_replayed(
    client: TestClient, tenant: Any, platform: Platform, case: str
) -> None:
    tid = tenant.id
    body = _timelines({"text": "Da, sunt interesat"})
    headers = {"X-Webhook-Secret": SHARED}
    if case == "no secret":
        headers = {}
    elif case == "wrong secret":
        headers = {"X-Webhook-Secret": "guess"}
    else:
        old = datetime.now(UTC) - timedelta(minutes=10)
        body["message"]["timestamp"] = old.strftime("%Y-%m-%d %H:%M:%S %z")
    r = client.post(f"/webhooks/timelinesai/{tid}", json=body, headers=headers)
    assert r.status_code == 401, r.text
    assert _deliveries(platform, tid) == []


def test_instantly_events_match_by_our_reference(client: TestClient, tenant: Any, platform: Platform) -> None:
    tid = tenant.id
    journey_id, message_id = _journey(
        platform, tid, Channel.EMAIL_COLD, provider="instantly", external_lead_id="lead-1"
    )
    base = {"workspace": str(uuid.uuid4()), "campaign_id": str(uuid.uuid4()), "lead_email": "ion@beta.ro"}
    sent = {
        **base,
        "event_type": "email_sent",
        "timestamp": utcnow().isoformat(),
        "email_id": "inst-em-1",
        "genius_ref": str(message_id),
    }
    reply = {
        **base,
        "event_type": "reply_received",
        "timestamp": utcnow().isoformat(),
        "email_id": "inst-reply-1",
        "reply_text": "Mulțumesc, sună foarte bine! Putem vorbi mâine la 10?",
    }
    url = f"/webhooks/instantly/{tid}"
    for body in (sent, reply):
        assert client.post(url, json=body, headers={"X-Webhook-Secret": SHARED}).status_code == 200
    # Instantly merges the lead's custom variables into its events: the reply carries our reference.
    reply_with_ref = {**reply, "email_id": "inst-reply-2", "genius_ref": str(message_id)}
    reply_with_ref["reply_text"] = "Da, trimiteți oferta."
    reply_with_ref["timestamp"] = (utcnow() + timedelta(seconds=1)).isoformat()
    assert client.post(url, json=reply_with_ref, headers={"X-Webhook-Secret": SHARED}).status_code == 200
    outcomes = _process_all(platform, tid)
    assert outcomes[0] == "sent" and outcomes[1] == "unmatched" and outcomes[2].startswith("replied (")
    with platform.db.tenant_session(tid) as s:
        journey = s.get(LeadJourney, journey_id)
        assert journey is not None and journey.reply_count == 1
        assert journey.current_state == LeadState.WARM_REPLY.value
        row = s.get(CommunicationLog, message_id)
        assert row is not None and row.external_message_id == "inst-em-1" and row.status == "REPLIED"
    stale = {**sent, "timestamp": (utcnow() - timedelta(minutes=7)).isoformat()}
    assert client.post(url, json=stale, headers={"X-Webhook-Secret": SHARED}).status_code == 401


def test_a_bounce_stops_the_sequences(client: TestClient, tenant: Any, platform: Platform) -> None:
    tid = tenant.id
    _, message_id = _journey(platform, tid, Channel.EMAIL_WARM, provider="resend", external_message_id="em_b")
    body = {
        "type": "email.bounced",
        "created_at": utcnow().isoformat(),
        "data": {"email_id": "em_b", "bounce": {"type": "Permanent"}},
    }
    assert _resend(client, tid, body)[0].status_code == 200
    assert _process_all(platform, tid) == ["bounced"]
    row = _message(platform, tid, message_id)
    assert row.status == "BOUNCED" and row.bounced_at and "Permanent" in row.error_message
    with platform.db.tenant_session(tid) as s:
        stopped = s.execute(text("SELECT status, stop_reason FROM outreach.sequence_enrollments")).one()
    assert (stopped.status, stopped.stop_reason) == ("STOPPED", "bounced")


def test_webhooks_for_an_unknown_tenant_are_404(client: TestClient) -> None:
    body = _timelines({"text": "Salut"})
    r = client.post(f"/webhooks/timelinesai/{uuid.uuid4()}", json=body, headers={"X-Webhook-Secret": SHARED})
    assert r.status_code == 404


def test_the_fake_timelinesai_answers_through_the_subscribed_webhook(
    client: TestClient, tenant: Any, platform: Platform
) -> None:
    """The demo's loop: we subscribe our webhook at the fake, send a WhatsApp message through it, and
    the fake's lead answers by webhook into our endpoint; the reply moves the journey."""
    tid = tenant.id
    go = threading.Event()

    def deliver(url: str, payload: dict[str, Any]) -> None:  # the fake's HTTP POST, into our app
        assert go.wait(10)
        parts = urlsplit(url)
        answer = client.post(f"{parts.path}?{parts.query}", json=payload)
        assert answer.status_code == 200, answer.text

    state = FakeTimelines(reply_rate=1.0, reply_delay=(0.0, 0.0), post=deliver)
    with TestClient(create_fake_timelines(state)) as fake:
        wa = TimelinesClient(state.api_key, base_url="http://testserver/v1", http=fake)
        hook = f"http://testserver/webhooks/timelinesai/{tid}?secret={SHARED}"
        wa.subscribe_webhook("message:received:new", hook)
        assert wa.webhook_urls("message:received:new") == [hook]
        sent = wa.send_message("+40700000001", "+40722000001", "Bună ziua, vă scriu de la Demo SRL")
        journey_id, _ = _journey(
            platform,
            tid,
            Channel.WHATSAPP,
            provider="timelinesai",
            external_message_id=sent.message_id,
            external_thread_id=sent.chat_id,
        )
        go.set()
        for timer in state.timers:
            timer.join(10)
    answer = state.messages[sent.chat_id][-1]
    assert answer["from_me"] is False and answer["text"] in REPLIES
    assert len(_process_all(platform, tid)) == 1
    with platform.db.tenant_session(tid) as s:
        journey = s.get(LeadJourney, journey_id)
        assert journey is not None and journey.reply_count == 1
        assert journey.current_state == LeadState.WARM_REPLY.value


def test_the_fake_timelinesai_answers_for_a_steady_share_of_numbers() -> None:
    state = FakeTimelines(reply_rate=0.3)
    numbers = [f"+4072200{n:04d}" for n in range(2000)]
    answering = [n for n in numbers if state.answers(n)]
    assert 500 <= len(answering) <= 700  # about 30 %
    assert answering == [n for n in numbers if state.answers(n)]  # the same leads every time
    assert not any(FakeTimelines().answers(n) for n in numbers)  # off unless asked for
