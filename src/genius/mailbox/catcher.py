"""The demo's SMTP sink (``genius mail-catcher``): accepts every message for every recipient and keeps
it in the mailbox folder (``store``). ``genius demo`` runs it unless ``GENIUS_SMTP_HOST`` is set, so
``email.send`` has a server to deliver to and a user can read what the product sent."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Any

import structlog
from aiosmtpd.controller import Controller

from genius.mailbox import store

log = structlog.get_logger("genius.mailbox")

MAX_MESSAGE_BYTES = 25 * 1024 * 1024


class Sink:
    """aiosmtpd handler: every message is stored as received (its headers and body, unchanged)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode()
        message_id = store.save(self.folder, raw)
        log.info("mail_caught", id=message_id, rcpt=len(envelope.rcpt_tos), bytes=len(raw))
        return "250 Message accepted for delivery"


def controller(folder: Path, host: str = "127.0.0.1", port: int = 1025) -> Controller:
    return Controller(Sink(folder), hostname=host, port=port, data_size_limit=MAX_MESSAGE_BYTES)


def run(folder: Path, host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT."""
    server = controller(folder, host, port)
    server.start()
    log.info("mail_catcher_started", host=host, port=port, folder=str(folder))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        server.stop()
