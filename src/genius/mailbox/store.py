"""The mailbox folder: one ``.eml`` file a message, named ``<nanoseconds>-<uuid hex>.eml`` so names sort
by arrival. The catcher writes a file under a temporary name and renames it, so a reader never sees
half a message. A message belongs to the tenant its ``X-Genius-Tenant`` header names (``email.send``
stamps it from the task's tenant); a message without one is shown to nobody."""

from __future__ import annotations

import os
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from pathlib import Path

TENANT_HEADER = "X-Genius-Tenant"
MESSAGE_ID = re.compile(r"^[0-9]{19}-[0-9a-f]{32}$")
KEEP = 5_000  # the oldest messages beyond this many are deleted as new ones arrive


def save(folder: Path, raw: bytes, *, keep: int = KEEP) -> str:
    """Stores one message; returns its id. Prunes the oldest beyond ``keep``."""
    folder.mkdir(parents=True, exist_ok=True)
    message_id = f"{time.time_ns():019d}-{uuid.uuid4().hex}"
    partial = folder / f".{message_id}.part"
    partial.write_bytes(raw)
    os.replace(partial, folder / f"{message_id}.eml")
    names = sorted(p.name for p in folder.glob("*.eml"))
    for name in names[: max(0, len(names) - keep)]:
        (folder / name).unlink(missing_ok=True)
    return message_id


@dataclass(frozen=True)
class Summary:
    id: str
    received_at: datetime
    sender: str
    to: str
    subject: str
    size: int


@dataclass(frozen=True)
class Message:
    summary: Summary
    headers: list[tuple[str, str]]
    text: str | None
    html: str | None
    attachments: list[str]


def _received(message_id: str) -> datetime:
    return datetime.fromtimestamp(int(message_id.split("-", 1)[0]) / 1e9, tz=UTC)


def _summary(message_id: str, headers: EmailMessage | object, size: int) -> Summary:
    get = getattr(headers, "get", lambda name, default="": default)
    return Summary(
        id=message_id,
        received_at=_received(message_id),
        sender=str(get("From", "") or ""),
        to=str(get("To", "") or ""),
        subject=str(get("Subject", "") or ""),
        size=size,
    )


def _tenant_of(headers: object) -> str:
    get = getattr(headers, "get", lambda name, default="": default)
    return str(get(TENANT_HEADER, "") or "").strip()


def messages(folder: Path, tid: uuid.UUID, *, limit: int = 50, before: str | None = None) -> list[Summary]:
    """The tenant's messages, newest first; ``before`` (an id) pages on."""
    if not folder.is_dir():
        return []
    parser = BytesHeaderParser(policy=policy.default)
    out: list[Summary] = []
    for path in sorted(folder.glob("*.eml"), reverse=True):
        message_id = path.stem
        if before and message_id >= before:
            continue
        try:
            with path.open("rb") as handle:
                headers = parser.parse(handle)
            size = path.stat().st_size
        except FileNotFoundError:  # pruned meanwhile
            continue
        if _tenant_of(headers) != str(tid):
            continue
        out.append(_summary(message_id, headers, size))
        if len(out) >= limit:
            break
    return out


def message(folder: Path, tid: uuid.UUID, message_id: str) -> Message | None:
    """One message of the tenant's, parsed; None when it is not there or not theirs."""
    if not MESSAGE_ID.match(message_id):
        return None
    path = folder / f"{message_id}.eml"
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        return None
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(parsed, EmailMessage)
    if _tenant_of(parsed) != str(tid):
        return None
    text_part = parsed.get_body(preferencelist=("plain",))
    html_part = parsed.get_body(preferencelist=("html",))
    attachments = [part.get_filename() or "—" for part in parsed.iter_attachments()]
    return Message(
        summary=_summary(message_id, parsed, len(raw)),
        headers=[(name, str(value)) for name, value in parsed.items()],
        text=text_part.get_content() if isinstance(text_part, EmailMessage) else None,
        html=html_part.get_content() if isinstance(html_part, EmailMessage) else None,
        attachments=attachments,
    )
