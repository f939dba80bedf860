"""SMTP delivery with aiosmtplib: one connection per batch, a result per recipient.

4xx replies are temporary (retried with backoff), 5xx permanent (reported, never retried), as RFC
5321 §4.2.1 defines them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import aiosmtplib
from pydantic import ValidationError

from genius.config import Settings
from genius.workers.email_send import mime
from genius.workers.email_send.schemas import EmailIn, EmailResult, RecipientResult


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


async def _send_one(
    smtp: aiosmtplib.SMTP, mail: EmailIn, default_from: str, timeout: float | None = None
) -> EmailResult:
    recipients = [str(a) for a in (*mail.to, *mail.cc, *mail.bcc)]
    try:
        message_id, data = mime.render(mail, default_from)
    except ValueError as exc:  # a header that would break the message: never sendable
        return EmailResult(
            message_id="",
            recipients=[
                RecipientResult(recipient=r, status="permanent_failure", message=f"invalid message: {exc}")
                for r in recipients
            ],
        )
    try:
        # One deadline for the whole transaction (MAIL, RCPT, DATA) instead of aiosmtplib's one per
        # command: each of those is an ``asyncio.wait_for``, a task per reply, and the bulk of the
        # client's own CPU on a campaign. A timeout is a ``TimeoutError``, retried like a lost connection.
        async with asyncio.timeout(timeout):
            refused, _ = await smtp.sendmail(
                mime.envelope_sender(mail, default_from), recipients, data, timeout=None
            )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        results = [
            RecipientResult(recipient=r.recipient, status=_classify(r.code), code=r.code, message=r.message)
            for r in exc.recipients
        ]
        return EmailResult(message_id=message_id, recipients=results)
    except aiosmtplib.SMTPResponseException as exc:
        status = _classify(exc.code)
        return EmailResult(
            message_id=message_id,
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
    return EmailResult(message_id=message_id, recipients=results)


async def send_batch(mails: list[EmailIn], settings: Settings) -> list[EmailResult]:
    smtp = _client(settings)
    await smtp.connect()
    try:
        out = []
        for mail in mails:
            result = await _send_one(smtp, mail, settings.smtp_from, settings.smtp_timeout)
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
        result = await _send_one(smtp, mail, settings.smtp_from, settings.smtp_timeout)
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


@asynccontextmanager
async def connections(
    settings: Settings, count: int
) -> AsyncIterator[list[Callable[[dict[str, Any]], Awaitable[tuple[str, int | None, str]]]]]:
    """``count`` connections opened together, each as ``connection``'s ``send``: a campaign batch keeps
    one message in flight on each, so the server's round trips (MAIL, RCPT, DATA, the final 250)
    overlap instead of adding up."""
    async with AsyncExitStack() as stack:
        opened = await asyncio.gather(
            *(stack.enter_async_context(connection(settings)) for _ in range(max(1, count)))
        )
        yield list(opened)
