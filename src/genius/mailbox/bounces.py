"""The demo's undeliverable address: mail the catcher accepts for an address at ``invalid.example`` (a
name under ``.example``, reserved by RFC 2606, so no real mailbox can ever be reached by it) is not kept
as delivered; the catcher answers it the way a relay answers mail it accepted and then could not
deliver, with an RFC 3464 delivery status notification (``dsn_for``) addressed to the envelope sender.
``genius demo`` puts that DSN into its bounce mailbox (the fake IMAP server the catcher runs beside it),
which the worker polls (``email.send.bounces_poll``): the address is suppressed as bounced and the
campaign's metrics count the bounce.

``DEMO_UNDELIVERABLE`` is the address the demo seeds on a contact of the demo newsletter's audience."""

from __future__ import annotations

import quopri
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime

UNDELIVERABLE_DOMAIN = "invalid.example"
DEMO_UNDELIVERABLE = f"nimeni@{UNDELIVERABLE_DOMAIN}"
REPORTING_MTA = "mail-catcher.genius.local"
STATUS = "5.1.2"  # RFC 3463: bad destination system address (the domain does not exist)


def undeliverable(address: str) -> bool:
    """An address at the demo's undeliverable domain (``nimeni@invalid.example``, any case)."""
    domain = address.strip().strip("<>").rsplit("@", 1)[-1].rstrip(".").lower()
    return domain == UNDELIVERABLE_DOMAIN


def _header_block(raw: bytes) -> bytes:
    """The returned message's header section (up to the first empty line), CRLF line ends."""
    lines = raw.replace(b"\r\n", b"\n").split(b"\n")
    head: list[bytes] = []
    for line in lines:
        if not line.strip():
            break
        head.append(line)
    return b"\r\n".join(head)


def dsn_for(original: bytes, recipients: list[str], *, sender: str, now: datetime | None = None) -> bytes:
    """A ``multipart/report; report-type=delivery-status`` mail (RFC 3464) saying that ``original`` could
    not be delivered to ``recipients`` (hard: ``Action: failed``, ``Status: 5.1.2``): a readable part, the
    delivery-status part (per message, then per recipient) and the returned headers
    (``text/rfc822-headers``: its Message-ID and ``X-Genius-Tenant`` tell the bounce reader whose mail it
    was). ``sender`` is the envelope sender, the DSN's addressee."""
    now = now or datetime.now(UTC)
    boundary = f"=_dsn_{uuid.uuid4().hex}"
    readable = (
        "Acesta este serverul de e-mail local al demo-ului GeniusERP.\n\n"
        "Mesajul dumneavoastră nu a putut fi livrat: domeniul destinatarului nu există "
        f"({UNDELIVERABLE_DOMAIN} este rezervat și nu primește e-mail).\n\n"
        "This is the GeniusERP demo's local mail server. Your message could not be delivered: the "
        f"recipient's domain does not exist ({UNDELIVERABLE_DOMAIN} is reserved and receives no mail).\n\n"
        + "".join(f"<{r}>: host or domain name not found\n" for r in recipients)
    )
    per_recipient = "".join(
        f"Final-Recipient: rfc822; {r}\r\n"
        f"Original-Recipient: rfc822; {r}\r\n"
        "Action: failed\r\n"
        f"Status: {STATUS}\r\n"
        f"Diagnostic-Code: smtp; 550 {STATUS} <{r}>: Host or domain name not found\r\n"
        f"Last-Attempt-Date: {format_datetime(now)}\r\n\r\n"
        for r in recipients
    )
    head = (
        f"From: Mail Delivery System <MAILER-DAEMON@{REPORTING_MTA}>\r\n"
        f"To: <{sender}>\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {format_datetime(now)}\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@{REPORTING_MTA}>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n'
        "\r\n"
        "This is a MIME-encapsulated message.\r\n\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "Content-Description: Notification\r\n\r\n"
    ).encode()
    body = quopri.encodestring(readable.encode()).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    status = (
        f"\r\n--{boundary}\r\n"
        "Content-Type: message/delivery-status\r\n"
        "Content-Description: Delivery report\r\n\r\n"
        f"Reporting-MTA: dns; {REPORTING_MTA}\r\n"
        f"Arrival-Date: {format_datetime(now)}\r\n\r\n" + per_recipient + f"--{boundary}\r\n"
        "Content-Type: text/rfc822-headers\r\n"
        "Content-Description: Undelivered Message Headers\r\n\r\n"
    ).encode()
    return head + body + status + _header_block(original) + f"\r\n\r\n--{boundary}--\r\n".encode()
