"""The send through real ``genius worker`` processes: the outbox's task rows go to the ``email.send``
queue, the worker's ``email.send.campaign`` batches deliver to aiosmtpd; a worker killed with -9 in the
middle of a campaign (RabbitMQ redelivers its unacknowledged batches) sends no recipient twice."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy.engine import URL

from genius.config import Settings
from genius.core.events.relay import wait_until
from genius.core.platform import Platform
from genius.vettify import service
from genius.vettify.campaigns import marketing
from genius.vettify.campaigns.schemas import CampaignCreate, ConsentIn, SendIn
from genius.vettify.campaigns.service import create_campaign
from genius.vettify.schemas import ContactCreate
from genius.workers.outbox import CeleryTaskPublisher
from tests.conftest import SECRET, make_settings, send_deferred_tasks
from tests.vettify.marketing.conftest import SEND_BODY, FlakyInbox
from tests.workers.conftest import kill_group, rabbit_vhost


class SlowInbox(FlakyInbox):
    """A little latency per message, so a kill lands in the middle of a batch."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        await asyncio.sleep(0.01)
        return await super().handle_DATA(server, session, envelope)


def _campaign(platform: Platform, tid: uuid.UUID, n: int) -> uuid.UUID:
    who = service.Actor(tid=tid, name="test")
    settings = platform.settings.model_copy(update={"feature_campaign_send_v2": True})
    with platform.db.tenant_session(tid) as s:
        for i in range(n):
            c = service.create_contact(s, who, ContactCreate(first_name="Ana", email=f"w{i:04}@client.ro"))
            marketing.add_consent(s, who, c.id, ConsentIn(basis="consent", source="test"))
        campaign = create_campaign(s, who, CampaignCreate(name="Campanie reală"))
        out = marketing.start_send(s, who, settings, campaign.id, SendIn(**SEND_BODY))
        assert out.recipients == n
        return campaign.id


def _metrics(platform: Platform, tid: uuid.UUID, campaign_id: uuid.UUID) -> Any:
    with platform.db.tenant_session(tid) as s:
        return marketing.metrics(s, campaign_id)


def _env(owner_url: URL, port: int) -> dict[str, str]:
    return {
        "GENIUS_SMTP_PORT": str(port),
        "GENIUS_DATABASE_URL": owner_url.render_as_string(hide_password=False),
        "GENIUS_SECRET_KEY": SECRET,
        "GENIUS_PUBLIC_URL": "http://127.0.0.1:8000",
    }


def test_campaign_through_a_real_worker(
    platform: Platform, committed_tenant: Any, owner_url: URL, redis_url: str, start_worker: Any, sink: Any
) -> None:
    inbox, port = sink
    tid = committed_tenant.id
    campaign_id = _campaign(platform, tid, 120)
    start_worker("email.send", **_env(owner_url, port))
    sent = send_deferred_tasks(
        platform, tid, CeleryTaskPublisher(make_settings(redis_url=redis_url), redis_url)
    )
    assert len(sent) == 2  # batches of 100
    assert wait_until(lambda: _metrics(platform, tid, campaign_id).status == "completed", 120)
    m = _metrics(platform, tid, campaign_id)
    assert (m.sent, m.failed, m.pending) == (120, 0, 0)
    addresses = [rcpts[0] for rcpts, _ in inbox.messages]
    assert len(addresses) == len(set(addresses)) == 120
    _, msg = inbox.messages[0]
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg.get_body(("plain",)) is not None and msg.get_body(("html",)) is not None


def test_kill_9_mid_campaign_sends_no_recipient_twice(
    platform: Platform,
    committed_tenant: Any,
    owner_url: URL,
    redis_url: str,
    rabbitmq_url: str,
    start_worker: Any,
) -> None:
    from aiosmtpd.controller import Controller

    from tests.conftest import free_port

    inbox = SlowInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        broker = rabbit_vhost(rabbitmq_url)
        tid = committed_tenant.id
        total = 400
        campaign_id = _campaign(platform, tid, total)
        first = start_worker("email.send", broker=broker, **_env(owner_url, port))
        send_deferred_tasks(platform, tid, CeleryTaskPublisher(make_settings(redis_url=redis_url), broker))
        assert wait_until(lambda: len(inbox.messages) >= 60, 120), len(inbox.messages)
        assert first.process is not None
        kill_group(first.process)  # kill -9 the worker and its pool in the middle of the batches
        at_kill = len(inbox.messages)
        start_worker("email.send", broker=broker, **_env(owner_url, port))
        assert wait_until(lambda: _metrics(platform, tid, campaign_id).status == "completed", 180)
        m = _metrics(platform, tid, campaign_id)
        addresses = [rcpts[0] for rcpts, _ in inbox.messages]
        print(f"killed after {at_kill} mails; sent {m.sent}, failed (interrupted) {m.failed}")
        assert len(addresses) == len(set(addresses))  # no recipient twice
        # Every sent recipient arrived; an interrupted one arrived at most once (if the server took it).
        assert m.sent <= len(addresses) <= m.sent + m.failed
        assert m.sent + m.failed == total and m.pending == 0
        # At most the messages in flight at the kill: one per SMTP connection of each pool process.
        in_flight = Settings.model_fields["campaign_smtp_connections"].default
        assert m.failed <= 2 * in_flight
    finally:
        controller.stop()
