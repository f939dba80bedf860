"""Marketing test helpers: the flag, contacts with consent, a real SMTP sink (aiosmtpd) and a batch
run in-process through the worker's own code (``run_campaign_batch``)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from genius.core.platform import Platform
from genius.workers.email_send.tasks import run_campaign_batch
from tests.conftest import free_port
from tests.vettify.conftest import Crm
from tests.workers.conftest import Inbox, start_worker

__all__ = ["start_worker"]  # the real-worker fixture of tests/workers, for test_worker.py


class FlakyInbox(Inbox):
    """An Inbox that can drop the connection instead of answering one message (``drop_at``: the
    1-based count of DATA commands), or answer it with a 5xx (``reject``: addresses)."""

    def __init__(self) -> None:
        super().__init__()
        self.drop_at: int | None = None
        self.data_seen = 0
        self.reject: set[str] = set()

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.reject:
            return "550 5.1.1 Mailbox unavailable"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.data_seen += 1
        if self.drop_at is not None and self.data_seen == self.drop_at:
            self.drop_at = None
            server.transport.close()  # the connection breaks before the server answers
            return "421 closing"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def sink() -> Iterator[tuple[FlakyInbox, int]]:
    inbox = FlakyInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def send_on(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> Platform:
    """The platform with the campaign_send_v2 flag on."""
    monkeypatch.setattr(
        platform, "settings", platform.settings.model_copy(update={"feature_campaign_send_v2": True})
    )
    return platform


def contact(crm: Crm, email: str | None, *, basis: str | None = "consent", **fields: Any) -> dict[str, Any]:
    body = crm.create(
        "contacts", first_name=fields.pop("first_name", "Ana"), last_name="Pop", email=email, **fields
    )
    if basis:
        r = crm.call("POST", f"/contacts/{body['id']}/consents", {"basis": basis, "source": "formular web"})
        assert r.status_code == 201, r.text
    return body


def campaign(crm: Crm, name: str = "Newsletter decembrie") -> dict[str, Any]:
    return crm.create("campaigns", name=name, channel="email")


SEND_BODY = {
    "subject": "Noutăți e-Factura",
    "html": '<h1>Bună ziua</h1><p>Citiți <a href="https://genius.ro/blog?x=1&amp;y=2">articolul</a>.</p>',
}


def run_batch(
    platform: Platform,
    port: int,
    tid: uuid.UUID,
    campaign_id: str,
    batch: int,
    owner: str,
    *,
    connections: int | None = None,
) -> Any:
    """The batch as the worker runs it; ``connections`` overrides ``GENIUS_CAMPAIGN_SMTP_CONNECTIONS``
    (1: one message in flight, so a test can stop the batch at an exact message)."""
    update: dict[str, Any] = {"smtp_port": port}
    if connections is not None:
        update["campaign_smtp_connections"] = connections
    settings = platform.settings.model_copy(update=update)
    return asyncio.run(run_campaign_batch(platform.db, settings, str(tid), campaign_id, batch, owner))


def wrap_sends(send: Any, wrap: Any) -> list[Any]:
    """Each connection's ``send`` of a batch (``deliver_batch`` takes one or a list) wrapped by ``wrap``."""
    return [wrap(one) for one in (send if isinstance(send, list) else [send])]
