"""Queue ``email.send``: ``email.send`` (one message) and ``email.send.batch`` (up to 100)."""

from __future__ import annotations

import asyncio
from typing import Any

import aiosmtplib
from celery import Task
from pydantic import ValidationError

from genius.config import get_settings
from genius.workers import idempotency
from genius.workers.celery_app import celery_app
from genius.workers.email_send import smtp
from genius.workers.email_send.schemas import EmailIn

MAX_RETRIES = 5
BATCH_LIMIT = 100


class InvalidMessage(ValueError):
    """The message can never be sent as given (bad address, no body): not retried."""


TENANT_HEADER = "X-Genius-Tenant"


def parse(message: dict[str, Any], tenant: str | None = None) -> EmailIn:
    """The message, with ``X-Genius-Tenant`` set to the task's tenant when it has one (over any value
    in the message): bounces and the demo mailbox find the tenant a mail was sent for through it. A
    re-queued remainder keeps the header its first attempt was given."""
    try:
        mail = EmailIn.model_validate(message)
    except ValidationError as exc:
        fields = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InvalidMessage(f"invalid email message: {fields}") from None
    if not tenant:
        return mail
    headers = {k: v for k, v in mail.headers.items() if k.lower() != TENANT_HEADER.lower()}
    headers[TENANT_HEADER] = tenant
    return mail.model_copy(update={"headers": headers})


def _task_tenant(task: Task) -> str | None:
    """The ``genius_tid`` header the outbox relay stamps on a task (None when sent without one)."""
    request = task.request
    tid = (getattr(request, "headers", None) or {}).get("genius_tid") or getattr(request, "genius_tid", None)
    return str(tid) if tid else None


def backoff(retries: int) -> float:
    return float(min(2**retries * get_settings().email_retry_base_seconds, 600))


@celery_app.task(
    name="email.send",
    bind=True,
    acks_late=True,
    max_retries=MAX_RETRIES,
    autoretry_for=(idempotency.InProgress,),
    retry_backoff=1,
)
def send_email(self: Task, message: dict[str, Any]) -> dict[str, Any]:
    """Send one message. Temporary (4xx) refusals are retried with backoff; permanent ones reported."""
    mail = parse(message, _task_tenant(self))

    def deliver() -> dict[str, Any]:
        try:
            result = smtp.send_batch_sync([mail], get_settings())[0]
        except (
            TimeoutError,
            aiosmtplib.SMTPConnectError,
            aiosmtplib.SMTPServerDisconnected,
            aiosmtplib.SMTPTimeoutError,
            OSError,
        ) as exc:
            raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
        temporary = [r for r in result.recipients if r.status == "temporary_failure"]
        if temporary and len(temporary) == len(result.recipients) and self.request.retries < MAX_RETRIES:
            raise self.retry(countdown=backoff(self.request.retries))
        if temporary and len(temporary) < len(result.recipients):
            # Some went out: retry only the others, as a new message, never the delivered ones.
            retry_mail = mail.model_copy(
                update={
                    "to": [r.recipient for r in temporary if r.recipient in {str(a) for a in mail.to}]
                    or mail.to[:0],
                    "cc": [],
                    "bcc": [r.recipient for r in temporary if r.recipient not in {str(a) for a in mail.to}],
                    "idempotency_key": f"{mail.idempotency_key}:r{self.request.retries + 1}"
                    if mail.idempotency_key
                    else None,
                }
            )
            if retry_mail.to or retry_mail.bcc:
                send_email.apply_async(
                    args=[retry_mail.model_dump(mode="json")], countdown=backoff(self.request.retries)
                )
        return result.model_copy(update={"attempts": self.request.retries + 1}).model_dump(mode="json")

    return idempotency.once("email.send", mail.idempotency_key, deliver, owner=self.request.id)


@celery_app.task(name="email.send.batch", bind=True, acks_late=True, max_retries=MAX_RETRIES)
def send_email_batch(self: Task, messages: list[dict[str, Any]], attempt: int = 1) -> list[dict[str, Any]]:
    """Up to 100 messages on one SMTP connection; returns a result per message and recipient.

    Messages refused temporarily are re-queued as a smaller batch with backoff; the delivered ones
    are never sent twice.
    """
    if len(messages) > BATCH_LIMIT:
        raise ValueError(f"a batch holds at most {BATCH_LIMIT} messages, got {len(messages)}")
    tenant = _task_tenant(self)
    mails = [parse(m, tenant) for m in messages]
    try:
        results = smtp.send_batch_sync(mails, get_settings())
    except (
        TimeoutError,
        aiosmtplib.SMTPConnectError,
        aiosmtplib.SMTPServerDisconnected,
        aiosmtplib.SMTPTimeoutError,
        OSError,
    ) as exc:
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
    again = [
        m
        for m, r in zip(messages, results, strict=True)
        if any(x.status == "temporary_failure" for x in r.recipients)
        and all(x.status != "sent" for x in r.recipients)
    ]
    if again and attempt < MAX_RETRIES:
        send_email_batch.apply_async(
            args=[again], kwargs={"attempt": attempt + 1}, countdown=backoff(attempt)
        )
    return [r.model_dump(mode="json") for r in results]


def health() -> str:
    """Deep check: the SMTP server answers NOOP."""
    return asyncio.run(smtp.probe(get_settings()))
