"""Signed tracking URLs and the message one recipient gets.

A token is ``<payload>.<mac>``: the payload is the tenant and recipient ids (base64url, 43 characters),
the MAC the first 16 bytes of HMAC-SHA256 over the kind (open, click, unsubscribe), the payload and, for
a click, the target URL, under a key derived from ``GENIUS_SECRET_KEY``. A forged or altered token (or a
click whose target was changed) does not verify, and the endpoints answer 404 without recording anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import re
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, Literal
from urllib.parse import quote

Kind = Literal["open", "click", "unsubscribe"]
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{22}$"
_TOKEN = re.compile(TOKEN_PATTERN)
_HREF = re.compile(r"""href\s*=\s*(["'])(https?://[^"'\s>]+)\1""", re.IGNORECASE)
TRACK_PATH = "/v1/crm/track"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"genius.crm.tracking.v1", hashlib.sha256).digest()


def _mac(secret: str, kind: Kind, payload: str, url: str) -> str:
    message = f"{kind}|{payload}|{url}".encode()
    return _b64(hmac.new(_key(secret), message, hashlib.sha256).digest()[:16])


def sign(secret: str, kind: Kind, tid: uuid.UUID, recipient_id: uuid.UUID, url: str = "") -> str:
    payload = _b64(tid.bytes + recipient_id.bytes)
    return f"{payload}.{_mac(secret, kind, payload, url)}"


def verify(secret: str, kind: Kind, token: str, url: str = "") -> tuple[uuid.UUID, uuid.UUID] | None:
    """The (tenant, recipient) of a genuine token, else ``None``."""
    if not _TOKEN.match(token):
        return None
    payload, mac = token.split(".")
    if not hmac.compare_digest(mac, _mac(secret, kind, payload, url)):
        return None
    raw = _unb64(payload)
    return uuid.UUID(bytes=raw[:16]), uuid.UUID(bytes=raw[16:])


@dataclass(frozen=True)
class Links:
    base_url: str
    secret: str
    tid: uuid.UUID
    recipient_id: uuid.UUID

    def open(self) -> str:
        return f"{self.base_url}{TRACK_PATH}/open/{sign(self.secret, 'open', self.tid, self.recipient_id)}"

    def click(self, url: str) -> str:
        token = sign(self.secret, "click", self.tid, self.recipient_id, url)
        return f"{self.base_url}{TRACK_PATH}/click/{token}?u={quote(url, safe='')}"

    def unsubscribe(self) -> str:
        token = sign(self.secret, "unsubscribe", self.tid, self.recipient_id)
        return f"{self.base_url}{TRACK_PATH}/unsubscribe/{token}"


class _Text(HTMLParser):
    BREAKS = frozenset({"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """The plain-text part of an HTML body: its text, one block per line."""
    parser = _Text()
    parser.feed(markup)
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line).strip()


def idempotency_key(campaign_id: uuid.UUID, recipient_id: uuid.UUID) -> str:
    """One key per recipient of a campaign: the worker derives the Message-ID from it."""
    return f"crm-campaign:{campaign_id}:{recipient_id}"


@dataclass(frozen=True)
class Sender:
    """The sender company of the footer (tenant settings) and the From address."""

    company: str
    cui: str
    address: str
    from_address: str


def _footer_lines(sender: Sender) -> list[str]:
    company = sender.company + (f", CUI {sender.cui}" if sender.cui else "")
    return [line for line in (company, sender.address) if line]


def compose(
    *,
    links: Links,
    sender: Sender,
    campaign_id: uuid.UUID,
    to: str,
    subject: str,
    body_html: str,
    body_text: str,
) -> dict[str, Any]:
    """The ``email.send`` message of one recipient: tracked links and pixel, the footer with the
    unsubscribe link and the company's details, RFC 8058 one-click headers, a deterministic
    Message-ID (from the idempotency key: campaign + recipient)."""
    unsubscribe = links.unsubscribe()
    tracked = _HREF.sub(
        lambda m: f"href={m.group(1)}{html.escape(links.click(html.unescape(m.group(2))))}{m.group(1)}",
        body_html,
    )
    footer_html = "<br>".join(html.escape(line) for line in _footer_lines(sender))
    markup = (
        f'{tracked}\n<hr>\n<p style="font-size:12px;color:#555">{footer_html}<br>'
        f'Nu mai doriți aceste mesaje? <a href="{html.escape(unsubscribe)}">Dezabonare</a></p>\n'
        f'<img src="{html.escape(links.open())}" width="1" height="1" alt="">'
    )
    text = "\n".join([body_text, "", "--", *_footer_lines(sender), f"Dezabonare: {unsubscribe}"])
    domain = sender.from_address.rsplit("@", 1)[-1].strip("> ") or "genius.local"
    mailto = f"mailto:unsubscribe@{domain}?subject=unsubscribe-{unsubscribe.rsplit('/', 1)[-1]}"
    return {
        "to": [to],
        "subject": subject,
        "html": markup,
        "text": text,
        "from_address": sender.from_address,
        "list_unsubscribe": f"<{unsubscribe}>, <{mailto}>",
        "list_unsubscribe_post": True,
        # The tenant it was sent for: bounces map back to it, the demo mailbox shows it to its admins.
        "headers": {"X-Genius-Tenant": str(links.tid)},
        "idempotency_key": idempotency_key(campaign_id, links.recipient_id),
    }


def compose_test(*, sender: Sender, to: str, subject: str, body_html: str, body_text: str) -> dict[str, Any]:
    """A test copy for the author: the same body and footer, marked ``[Test]``, with its links left
    as written (no tracking, no unsubscribe header: it records nothing and suppresses no one)."""
    footer_html = "<br>".join(html.escape(line) for line in _footer_lines(sender))
    note = "Mesaj de test: linkul de dezabonare apare aici în trimiterea reală."
    return {
        "to": [to],
        "subject": f"[Test] {subject}",
        "html": f'{body_html}\n<hr>\n<p style="font-size:12px;color:#555">{footer_html}<br>{note}</p>',
        "text": "\n".join([body_text, "", "--", *_footer_lines(sender), note]),
        "from_address": sender.from_address,
    }
