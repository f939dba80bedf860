"""The bounce mailbox, read over IMAP with the stdlib ``imaplib`` (``GENIUS_BOUNCE_IMAP_*``).

``Mailbox(config)`` is a context manager: it connects (implicit TLS on 993, ``STARTTLS`` on 143, or plain
for a local server), logs in and selects the folder read-write; leaving it logs out (and closes the
socket whatever happened). Only UIDs are used, so nothing depends on sequence numbers moving under an
expunge by another client. Bodies are read with ``BODY.PEEK[]``, which leaves ``\\Seen`` alone: a message
is marked read only once its bounce is committed (``mark_done``), so a connection lost in between leaves
it unread for the next poll.
"""

from __future__ import annotations

import imaplib
import re
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Literal

from genius.config import Settings

Security = Literal["tls", "starttls", "none"]
# What a lost or refused connection raises: the poll stops and the next one starts over.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (imaplib.IMAP4.error, OSError, EOFError)
_UID = re.compile(rb"\bUID (\d+)")


class MailboxError(imaplib.IMAP4.error):
    """The server refused a command (``NO`` / ``BAD``)."""


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    username: str
    password: str
    folder: str = "INBOX"
    processed_folder: str | None = None
    security: Security = "tls"
    timeout: float = 30.0

    @classmethod
    def of(cls, settings: Settings) -> ImapConfig | None:
        """The configured bounce mailbox; None when ``GENIUS_BOUNCE_IMAP_HOST`` is unset."""
        if not settings.bounce_imap_host:
            return None
        return cls(
            host=settings.bounce_imap_host,
            port=settings.bounce_imap_port,
            username=settings.bounce_imap_username or "",
            password=settings.bounce_imap_password or "",
            folder=settings.bounce_imap_folder,
            processed_folder=settings.bounce_imap_processed_folder or None,
            security=settings.bounce_imap_security,
            timeout=settings.bounce_imap_timeout,
        )


def _quoted(name: str) -> str:
    """A mailbox name as an IMAP quoted string (imaplib sends arguments as given)."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Mailbox:
    def __init__(self, config: ImapConfig, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self.config = config
        self.ssl_context = ssl_context or ssl.create_default_context()
        self._conn: imaplib.IMAP4 | None = None

    def __enter__(self) -> Mailbox:
        c = self.config
        if c.security == "tls":
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                c.host, c.port, ssl_context=self.ssl_context, timeout=c.timeout
            )
        else:
            conn = imaplib.IMAP4(c.host, c.port, timeout=c.timeout)
        self._conn = conn
        try:
            if c.security == "starttls":
                conn.starttls(self.ssl_context)
            conn.login(c.username, c.password)
            self._ok(conn.select(_quoted(c.folder)), "SELECT")
        except BaseException:
            self._shutdown()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._conn is not None and kind is None:
            try:
                self._conn.logout()  # LOGOUT, then imaplib closes the socket itself
                self._conn = None
            except CONNECTION_ERRORS:
                pass
        self._shutdown()

    def _shutdown(self) -> None:
        if self._conn is not None:
            try:
                self._conn.shutdown()
            except OSError:
                pass
            self._conn = None

    @property
    def conn(self) -> imaplib.IMAP4:
        if self._conn is None:
            raise MailboxError("the mailbox is not open")
        return self._conn

    @staticmethod
    def _ok(answer: tuple[str, Sequence[object]], what: str) -> Sequence[object]:
        status, data = answer
        if status != "OK":
            detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
            raise MailboxError(f"{what} refused: {status} {detail}".strip())
        return data

    def waiting(self) -> list[int]:
        """The UIDs of the unread, unflagged messages, oldest first (flagged ones were looked at and set
        aside: not bounces, or nobody's)."""
        data = self._ok(self.conn.uid("SEARCH", "UNSEEN", "UNFLAGGED"), "UID SEARCH")
        found = b" ".join(d for d in data if isinstance(d, bytes))
        return sorted(int(x) for x in found.split())

    def fetch(self, uid: int) -> bytes | None:
        """The message's bytes (None: it is gone — expunged by another client)."""
        data = self._ok(self.conn.uid("FETCH", str(uid), "(BODY.PEEK[])"), "UID FETCH")
        for item in data:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
                found = _UID.search(item[0]) if isinstance(item[0], bytes) else None
                if found is None or int(found.group(1)) == uid:
                    return item[1]
        return None

    def mark_done(self, uid: int) -> None:
        """``\\Seen``, then into the processed folder when one is configured (COPY, ``\\Deleted``, UID
        EXPUNGE of that one message: another client's deleted messages are not touched)."""
        self._ok(self.conn.uid("STORE", str(uid), "+FLAGS.SILENT", "(\\Seen)"), "UID STORE")
        target = self.config.processed_folder
        if target:
            self._ok(self.conn.uid("COPY", str(uid), _quoted(target)), "UID COPY")
            self._ok(self.conn.uid("STORE", str(uid), "+FLAGS.SILENT", "(\\Deleted)"), "UID STORE")
            self._ok(self.conn.uid("EXPUNGE", str(uid)), "UID EXPUNGE")

    def set_aside(self, uid: int) -> None:
        """``\\Flagged`` and left unread: a person sees it in the mailbox, the poll skips it."""
        self._ok(self.conn.uid("STORE", str(uid), "+FLAGS.SILENT", "(\\Flagged)"), "UID STORE")
