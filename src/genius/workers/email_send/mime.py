"""The bytes of one outgoing message, written directly.

Every message we send has one of three shapes (text, HTML, or both as ``multipart/alternative``), so
it is serialised here rather than through ``email.message``: the stdlib builds and then re-folds each
header through its policy machinery and compiles a fresh regular expression per boundary, about 2 ms a
message, which a campaign pays once per recipient (measured in ``bench --suite marketing``). The
encodings are the stdlib's own: RFC 2047 words from ``email.header``, RFC 2045 quoted-printable from
``binascii`` (C).

* Bodies are quoted-printable UTF-8 (readable in a source view, and safe for any relay: 7-bit).
* The boundary starts with ``=_``, which quoted-printable text can never contain (``=`` is always
  written ``=3D``), so no body can end a part early.
* A header value with CR or LF is refused: a recipient name or subject must never add a header.
"""

from __future__ import annotations

import binascii
import functools
import hashlib
import re
import uuid
from email.header import Header
from email.utils import formataddr, formatdate, getaddresses, make_msgid

from genius.workers.email_send.schemas import EmailIn

_RESERVED = frozenset({"from", "to", "cc", "bcc", "subject", "message-id", "date", "mime-version"})
_ADDRESS_HEADERS = frozenset({"from", "to", "cc", "reply-to", "sender"})
_LINE_LIMIT = 998  # RFC 5322 §2.1.1: a line MUST NOT be longer (78 is only advised)


def _checked(name: str, value: str) -> str:
    if "\r" in value or "\n" in value:
        raise ValueError(f"header {name} must not contain a line break")
    return value


def _text_header(name: str, value: str) -> str:
    """ASCII as is (folding an unbreakable URL would only put a space before it), non-ASCII or
    overlong as RFC 2047 encoded words folded onto continuation lines."""
    _checked(name, value)
    if value.isascii() and len(name) + len(value) + 2 <= _LINE_LIMIT:
        return value
    return _encoded_header(name, value)


@functools.lru_cache(maxsize=1024)  # a campaign's subject, the same on every message
def _encoded_header(name: str, value: str) -> str:
    charset = "us-ascii" if value.isascii() else "utf-8"
    return Header(value, charset, header_name=name).encode(linesep="\r\n")


# A bare address (no display name, comment, quote or list): what a campaign's To holds, written as is
# without the stdlib's address parser, which costs more than the rest of the header block.
_BARE_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


def _address_header(name: str, value: str) -> str:
    """Each address as is; a non-ASCII display name becomes an encoded word."""
    _checked(name, value)
    if _BARE_ADDRESS.fullmatch(value):
        return value
    return _parsed_address_header(value)


@functools.lru_cache(maxsize=1024)  # the same From on every message of a campaign
def _parsed_address_header(value: str) -> str:
    return ",\r\n ".join(formataddr(pair, charset="utf-8") for pair in getaddresses([value]))


def _body(content: str, subtype: str) -> bytes:
    data = content.replace("\r\n", "\n").encode("utf-8")
    # quotetabs keeps trailing whitespace intact; CRLF line ends as SMTP carries them
    encoded = binascii.b2a_qp(data, quotetabs=False, istext=True, header=False).replace(b"\n", b"\r\n")
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'.encode()
        + b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        + encoded
    )


def message_id(mail: EmailIn, default_from: str) -> str:
    """One idempotency key, one Message-ID: a copy re-sent after a crash is recognisably the same mail."""
    if mail.idempotency_key:
        return message_id_for(mail.idempotency_key, mail.from_address or default_from)
    domain = envelope_sender(mail, default_from).rsplit("@", 1)[-1] or "genius.local"
    return make_msgid(domain=domain)


def message_id_for(idempotency_key: str, from_address: str) -> str:
    """The Message-ID of the mail with this idempotency key sent from ``from_address`` (the campaign
    send stores it per recipient before the mail goes out, so bounces and DSNs find their recipient)."""
    domain = _address_of(from_address).rsplit("@", 1)[-1] or "genius.local"
    return f"<{hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]}@{domain}>"


@functools.lru_cache(maxsize=1024)
def _address_of(value: str) -> str:
    pairs = getaddresses([value])
    return pairs[0][1] if pairs and pairs[0][1] else value


def envelope_sender(mail: EmailIn, default_from: str) -> str:
    """The address of the From header (``Name <a@b>`` → ``a@b``): the SMTP ``MAIL FROM``."""
    return _address_of(mail.from_address or default_from)


def render(mail: EmailIn, default_from: str) -> tuple[str, bytes]:
    """``(Message-ID, the message as SMTP DATA)`` for ``mail``; Bcc never appears in it."""
    msgid = message_id(mail, default_from)
    lines = [
        f"From: {_address_header('From', mail.from_address or default_from)}",
        f"To: {_address_header('To', ', '.join(str(a) for a in mail.to))}",
    ]
    if mail.cc:
        lines.append(f"Cc: {_address_header('Cc', ', '.join(str(a) for a in mail.cc))}")
    if mail.reply_to:
        lines.append(f"Reply-To: {_address_header('Reply-To', str(mail.reply_to))}")
    lines += [
        f"Subject: {_text_header('Subject', mail.subject)}",
        f"Date: {formatdate(usegmt=True)}",  # RFC 5322 §3.6: every message has an origination date
        f"Message-ID: {msgid}",
    ]
    if mail.list_unsubscribe:
        lines.append(f"List-Unsubscribe: {_text_header('List-Unsubscribe', mail.list_unsubscribe)}")
        if mail.list_unsubscribe_post:
            lines.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
    for name, value in mail.headers.items():
        _checked("name", name)
        if name.lower() in _RESERVED or not name.isascii() or ":" in name or " " in name:
            continue
        address = name.lower() in _ADDRESS_HEADERS
        lines.append(f"{name}: {_address_header(name, value) if address else _text_header(name, value)}")
    lines.append("MIME-Version: 1.0")
    head = ("\r\n".join(lines) + "\r\n").encode("ascii")
    if mail.text and mail.html:
        boundary = f"=_genius_{uuid.uuid4().hex}"
        return msgid, (
            head
            + f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode()
            + f"--{boundary}\r\n".encode()
            + _body(mail.text, "plain")
            + f"\r\n--{boundary}\r\n".encode()
            + _body(mail.html, "html")
            + f"\r\n--{boundary}--\r\n".encode()
        )
    if mail.html:
        return msgid, head + _body(mail.html, "html")
    return msgid, head + _body(mail.text or "", "plain")
