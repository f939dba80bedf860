"""SMTP delivery with aiosmtplib: one connection per batch, a result per recipient.

4xx replies are temporary (retried with backoff), 5xx permanent (reported, never retried), as RFC
5321 §4.2.1 defines them.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import aiosmtplib
from pydantic import ValidationError

from genius.config import Settings
from genius.workers.email_send.schemas import EmailIn, EmailResult, RecipientResult


def build_message(mail: EmailIn, default_from: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = mail.from_address or default_from
    msg["To"] = ", ".join(str(a) for a in mail.to)
    if mail.cc:
        msg["Cc"] = ", ".join(str(a) for a in mail.cc)
    if mail.reply_to:
        msg["Reply-To"] = str(mail.reply_to)
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(usegmt=True)  # RFC 5322 §3.6: every message has an origination date
    domain = (mail.from_address or default_from).rsplit("@", 1)[-1].strip("> ") or "genius.local"
    # One idempotency key, one Message-ID: a copy re-sent after a crash is recognisably the same mail.
    msg["Message-ID"] = (
        f"<{hashlib.sha256(mail.idempotency_key.encode()).hexdigest()[:40]}@{domain}>"
        if mail.idempotency_key
        else make_msgid(domain=domain)
    )
    if mail.list_unsubscribe:
        msg["List-Unsubscribe"] = mail.list_unsubscribe
        if mail.list_unsubscribe_post:
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    for name, value in mail.headers.items():
        if name.lower() not in {"from", "to", "cc", "bcc", "subject", "message-id"}:
            msg[name] = value
    if mail.text:
        msg.set_content(mail.text)
    if mail.html:
        if mail.text:
            msg.add_alternative(mail.html, subtype="html")
        else:
            msg.set_content(mail.html, subtype="html")
    return msg


def _client(settings: Settings) -> aiosmtplib.SMTP:
    return aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        use_tls=settings.smtp_security == "tls",
        start_tls=settings.smtp_security == "starttls",
        timeout=settings.smtp_timeout,
    )


def _classify(code: int | None) -> str:
    if code is not None and 400 <= code < 500:
        return "temporary_failure"
    return "permanent_failure"


async def _send_one(smtp: aiosmtplib.SMTP, mail: EmailIn, default_from: str) -> EmailResult:
    msg = build_message(mail, default_from)
    recipients = [str(a) for a in (*mail.to, *mail.cc, *mail.bcc)]
    try:
        refused, _ = await smtp.send_message(msg, recipients=recipients)
    except aiosmtplib.SMTPRecipientsRefused as exc:
        results = [
            RecipientResult(recipient=r.recipient, status=_classify(r.code), code=r.code, message=r.message)
            for r in exc.recipients
        ]
        return EmailResult(message_id=str(msg["Message-ID"]), recipients=results)
    except aiosmtplib.SMTPResponseException as exc:
        status = _classify(exc.code)
        return EmailResult(
            message_id=str(msg["Message-ID"]),
            recipients=[
                RecipientResult(recipient=r, status=status, code=exc.code, message=exc.message)
                for r in recipients
            ],
        )
    results = []
    for r in recipients:
        if r in refused:
            code, text = refused[r].code, refused[r].message
            results.append(RecipientResult(recipient=r, status=_classify(code), code=code, message=text))
        else:
            results.append(RecipientResult(recipient=r, status="sent", code=250))
    return EmailResult(message_id=str(msg["Message-ID"]), recipients=results)


async def send_batch(mails: list[EmailIn], settings: Settings) -> list[EmailResult]:
    smtp = _client(settings)
    await smtp.connect()
    try:
        out = []
        for mail in mails:
            result = await _send_one(smtp, mail, settings.smtp_from)
            out.append(result)
            if any(r.status != "sent" for r in result.recipients):
                await smtp.rset()  # a refused transaction must not leak into the next message
        return out
    finally:
        try:
            await smtp.quit()
        except aiosmtplib.SMTPException:
            smtp.close()


def send_batch_sync(mails: list[EmailIn], settings: Settings) -> list[EmailResult]:
    return asyncio.run(send_batch(mails, settings))


async def probe(settings: Settings) -> str:
    smtp = _client(settings)
    await smtp.connect()
    try:
        code, _message = await smtp.noop()
        return f"{settings.smtp_host}:{settings.smtp_port} {code}"
    finally:
        await smtp.quit()


@asynccontextmanager
async def connection(
    settings: Settings,
) -> AsyncIterator[Callable[[dict[str, Any]], Awaitable[tuple[str, int | None, str]]]]:
    """One SMTP connection whose ``send(message)`` delivers one ``EmailIn`` message to its single
    recipient and answers ``(status, code, text)``; an invalid message is a permanent failure."""
    smtp = _client(settings)
    await smtp.connect()

    async def send(message: dict[str, Any]) -> tuple[str, int | None, str]:
        try:
            mail = EmailIn.model_validate(message)
        except ValidationError as exc:
            return "permanent_failure", None, f"invalid message: {exc.errors()[0]['msg']}"
        result = await _send_one(smtp, mail, settings.smtp_from)
        first = result.recipients[0]
        if first.status != "sent":
            await smtp.rset()
        return first.status, first.code, first.message

    try:
        yield send
    finally:
        try:
            await smtp.quit()
        except aiosmtplib.SMTPException:
            smtp.close()
