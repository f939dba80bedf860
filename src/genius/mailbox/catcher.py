"""The demo's SMTP sink (``genius mail-catcher``): accepts every message for every recipient and keeps
it in the mailbox folder (``store``). ``genius demo`` runs it unless ``GENIUS_SMTP_HOST`` is set, so
``email.send`` has a server to deliver to and a user can read what the product sent.

Mail for the demo's undeliverable domain (``bounces.UNDELIVERABLE_DOMAIN``) is accepted, as a relay
accepts mail it cannot deliver yet, and answered with an RFC 3464 DSN to the envelope sender: into the
bounce mailbox (``--imap-port``: a fake IMAP server in this process, the one ``GENIUS_BOUNCE_IMAP_*``
points at in the demo) and, stamped with the returned mail's ``X-Genius-Tenant``, into the folder, so
the tenant's Demo mailbox page shows it too. The fake IMAP server keeps its mail in memory: a DSN not
polled before the demo stops is lost with it."""

from __future__ import annotations

import signal
import threading
from contextlib import ExitStack
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import structlog
from aiosmtpd.controller import Controller

from genius.mailbox import bounces, store
from genius.workers.email_send.fake_imap import FakeImap, serve

log = structlog.get_logger("genius.mailbox")

MAX_MESSAGE_BYTES = 25 * 1024 * 1024


class Sink:
    """aiosmtpd handler: every message is stored as received (its headers and body, unchanged); one for
    the undeliverable domain is returned to its sender as a DSN instead (into ``bounce_mailbox`` when
    there is one, and into the folder)."""

    def __init__(self, folder: Path, bounce_mailbox: FakeImap | None = None) -> None:
        self.folder = folder
        self.bounce_mailbox = bounce_mailbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode()
        rcpts = [str(r) for r in envelope.rcpt_tos]
        failed = [r for r in rcpts if bounces.undeliverable(r)]
        if len(failed) < len(rcpts):
            message_id = store.save(self.folder, raw)
            log.info("mail_caught", id=message_id, rcpt=len(rcpts) - len(failed), bytes=len(raw))
        if failed:
            self.bounce(raw, failed, str(envelope.mail_from or "").strip().strip("<>").strip())
        return "250 Message accepted for delivery"

    def bounce(self, raw: bytes, failed: list[str], sender: str) -> None:
        """The DSN of a message that could not reach ``failed``. A null sender (``<>``: itself a
        notification) gets none, as RFC 5321 asks, so two servers never bounce mail to each other."""
        if not sender:
            log.info("mail_undeliverable", rcpt=len(failed), dsn=False)
            return
        report = bounces.dsn_for(raw, failed, sender=sender)
        uid = self.bounce_mailbox.append(report) if self.bounce_mailbox is not None else None
        tenant = BytesHeaderParser(policy=policy.default).parsebytes(raw).get(store.TENANT_HEADER)
        stamped = f"{store.TENANT_HEADER}: {str(tenant).strip()}\r\n".encode() + report if tenant else report
        message_id = store.save(self.folder, stamped)
        log.info("mail_undeliverable", rcpt=len(failed), dsn=True, id=message_id, imap_uid=uid)


def controller(
    folder: Path, host: str = "127.0.0.1", port: int = 1025, *, bounce_mailbox: FakeImap | None = None
) -> Controller:
    return Controller(
        Sink(folder, bounce_mailbox), hostname=host, port=port, data_size_limit=MAX_MESSAGE_BYTES
    )


def run(
    folder: Path,
    host: str,
    port: int,
    *,
    imap_port: int | None = None,
    imap_user: str = "",
    imap_password: str = "",
) -> None:
    """Serve until SIGTERM or SIGINT; with ``imap_port``, the bounce mailbox (fake IMAP, plain: it
    listens on ``host`` only, a local address) runs beside it."""
    with ExitStack() as stack:
        mailbox: FakeImap | None = None
        if imap_port is not None:
            mailbox = FakeImap(user=imap_user, password=imap_password)
            stack.enter_context(serve(mailbox, host, imap_port))
        server = controller(folder, host, port, bounce_mailbox=mailbox)
        server.start()
        stack.callback(server.stop)
        log.info("mail_catcher_started", host=host, port=port, folder=str(folder), imap_port=imap_port)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        stop.wait()
