"""Delivery status notifications (RFC 3464) read with the stdlib ``email`` parser.

A DSN is a ``multipart/report; report-type=delivery-status`` mail: a human-readable part, a
``message/delivery-status`` part (one block of per-message fields, then one block per recipient:
``Final-Recipient``, ``Original-Recipient``, ``Action``, ``Status``, ``Diagnostic-Code``) and the
returned message or its headers (``message/rfc822`` or ``text/rfc822-headers``), where the original
``Message-ID`` is found. ``Action: failed`` with a ``5.x.x`` status is a hard bounce, ``4.x.x`` (or
``Action: delayed``) a soft one; ``delivered``, ``relayed`` and ``expanded`` are deliveries.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import Message
from typing import Literal

Outcome = Literal["delivered", "hard", "soft"]
TENANT_HEADER = "X-Genius-Tenant"  # stamped by email.send on every mail it sends for a tenant


@dataclass(frozen=True)
class DsnRecipient:
    address: str  # the original recipient when given, else the final one (lower case)
    action: str
    status: str
    outcome: Outcome
    diagnostic: str | None


@dataclass(frozen=True)
class Dsn:
    dsn_id: str | None  # the notification's own Message-ID
    message_id: str | None  # the returned message's Message-ID (without angle brackets)
    recipients: tuple[DsnRecipient, ...]
    tenant: str | None = None  # the returned message's X-Genius-Tenant (a claim, checked by the reader)


class NotADsn(ValueError):
    """The bytes are not a delivery status notification."""


def _address(value: str | None) -> str | None:
    """``rfc822; a@b`` (address type; address) → ``a@b``."""
    if not value:
        return None
    kind, _, address = value.partition(";")
    address = (address if _ else kind).strip().strip("<>").strip()
    return address.lower() or None


def _outcome(action: str, status: str) -> Outcome | None:
    if action in ("delivered", "relayed", "expanded"):
        return "delivered"
    if action == "delayed":
        return "soft"
    if action == "failed":
        return "soft" if status.startswith("4") else "hard"
    return None


def _blocks(part: Message) -> list[Message]:
    """The field blocks of a ``message/delivery-status`` part: the stdlib gives them as sub-messages;
    a part it did not split (a text payload) is parsed block by block here."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, Message)]
    text = payload if isinstance(payload, str) else ""
    blocks = [b for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    return [email.message_from_string(b + "\n") for b in blocks]


def _returned_headers(report: Message) -> Message | None:
    """The returned message's headers (the first returned message or headers part that has a
    Message-ID)."""
    for part in report.walk():
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            inner = part.get_payload()
            headers = inner[0] if isinstance(inner, list) and inner else None
        elif ctype == "text/rfc822-headers":
            raw = part.get_payload(decode=True)
            headers = email.message_from_bytes(raw) if isinstance(raw, bytes) else None
        else:
            continue
        if isinstance(headers, Message) and headers.get("Message-ID"):
            return headers
    return None


def _returned_message_id(headers: Message | None) -> str | None:
    if headers is None:
        return None
    return str(headers["Message-ID"]).strip().strip("<>").strip() or None


def parse(raw: bytes) -> Dsn:
    """The recipients and original Message-ID of a DSN; ``NotADsn`` for any other mail."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    if message.get_content_type() != "multipart/report" or (
        (message.get_param("report-type") or "").lower() != "delivery-status"  # type: ignore[union-attr]
    ):
        raise NotADsn("not a multipart/report; report-type=delivery-status mail")
    status_part = next((p for p in message.walk() if p.get_content_type() == "message/delivery-status"), None)
    if status_part is None:
        raise NotADsn("no message/delivery-status part")
    recipients: list[DsnRecipient] = []
    for block in _blocks(status_part):
        final = _address(block.get("Final-Recipient"))
        if final is None:
            continue  # the per-message block
        action = str(block.get("Action", "")).strip().lower()
        status = str(block.get("Status", "")).strip().split(" ")[0]
        outcome = _outcome(action, status)
        if outcome is None:
            continue
        diagnostic = block.get("Diagnostic-Code")
        recipients.append(
            DsnRecipient(
                address=_address(block.get("Original-Recipient")) or final,
                action=action,
                status=status,
                outcome=outcome,
                diagnostic=" ".join(str(diagnostic).split())[:1000] if diagnostic else None,
            )
        )
    dsn_id = message.get("Message-ID")
    return Dsn(
        dsn_id=str(dsn_id).strip().strip("<>").strip() or None if dsn_id else None,
        message_id=_returned_message_id(returned := _returned_headers(message)),
        recipients=tuple(recipients),
        tenant=str(returned[TENANT_HEADER]).strip() or None
        if returned is not None and returned[TENANT_HEADER]
        else None,
    )
