"""Queue ``email.send``: ``email.send`` (one message), ``email.send.batch`` (up to 100) and
``email.send.campaign`` (one batch of a CRM campaign's recipients, exactly once each:
``genius.vettify.campaigns.delivery``), ``email.send.campaigns_due`` (beat: scheduled campaigns),
``email.send.sequences_due`` (beat: the CRM e-mail sequences' due steps,
``genius.vettify.sequences.tasks``), ``email.send.dsn`` (one DSN) and ``email.send.bounces_poll`` (beat:
the bounce mailbox over IMAP)."""

from __future__ import annotations

import asyncio
import base64
import uuid
from typing import Any

import aiosmtplib
import redis
import structlog
from celery import Task
from pydantic import ValidationError

from genius.config import Settings, get_settings
from genius.core.db.base import utcnow
from genius.core.db.session import Database
from genius.core.kit.ratelimit import Limit, RateLimiter
from genius.vettify.campaigns import bounce_mailbox, delivery
from genius.vettify.sequences import tasks as sequence_tasks  # noqa: F401  (its beat task runs on this queue)
from genius.workers import idempotency
from genius.workers.celery_app import celery_app
from genius.workers.context import ProcessContext, worker_database, worker_redis
from genius.workers.email_send import imap, smtp
from genius.workers.email_send.schemas import EmailIn

MAX_RETRIES = 5
BATCH_LIMIT = 100


CONNECTION_ERRORS = (
    TimeoutError,
    aiosmtplib.SMTPConnectError,
    aiosmtplib.SMTPServerDisconnected,
    aiosmtplib.SMTPTimeoutError,
    OSError,
)
context = ProcessContext(lambda settings: (worker_database(settings), settings))
limiter = ProcessContext(lambda settings: RateLimiter(worker_redis(settings)))
gate = ProcessContext(worker_redis)
log = structlog.get_logger("genius.workers.email_send")


def use_context(db: Database | None, settings: Settings | None = None) -> None:
    """Point the campaign task at another database and settings (tests, benchmarks); ``None`` resets."""
    context.use((db, settings or get_settings()) if db is not None else None)


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


async def run_campaign_batch(
    db: Database, settings: Settings, tid: str, campaign_id: str, batch: int, owner: str
) -> delivery.BatchResult:
    throttle = (
        delivery.Throttle(limiter(), Limit.parse(settings.campaign_tenant_rate_limit))
        if settings.campaign_tenant_rate_limit
        else None
    )
    # One connection per message in flight, never more than the batch still has to send (the last,
    # short batch of a campaign, or a retry); at least one, for the batch's bookkeeping.
    pending = delivery.pending_count(db, uuid.UUID(tid), uuid.UUID(campaign_id), batch)
    async with smtp.connections(settings, max(1, min(settings.campaign_smtp_connections, pending))) as sends:
        return await delivery.deliver_batch(
            db,
            settings,
            uuid.UUID(tid),
            uuid.UUID(campaign_id),
            batch,
            owner=owner,
            send=sends,
            throttle=throttle,
        )


@celery_app.task(name="email.send.campaign", bind=True, acks_late=True, max_retries=MAX_RETRIES)
def send_campaign_batch(self: Task, tid: str, campaign_id: str, batch: int) -> dict[str, Any]:
    """One batch (≤ 100 recipients) of a campaign on one SMTP connection. Temporary refusals and lost
    connections leave their recipients pending and the task retries with backoff; sent and failed ones
    are final, so no retry or redelivery sends a recipient twice."""
    db, settings = context()
    try:
        result = asyncio.run(
            run_campaign_batch(db, settings, tid, campaign_id, batch, self.request.id or "local")
        )
    except CONNECTION_ERRORS as exc:
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
    except LookupError as exc:  # the send's commit has not landed yet
        raise self.retry(exc=exc, countdown=1) from exc
    if result.waiting_until is not None:  # outside the sending window: again when it opens
        send_campaign_batch.apply_async(args=[tid, campaign_id, batch], eta=result.waiting_until)
        return result.as_dict()
    if result.pending and not result.halted and self.request.retries < MAX_RETRIES:
        raise self.retry(countdown=backoff(self.request.retries))
    return result.as_dict()


@celery_app.task(name="email.send.campaigns_due")
def start_due_campaigns() -> dict[str, int]:
    """Beat (every 30 s): start the CRM campaigns whose scheduled time has come, each exactly once even
    when two passes overlap (``SKIP LOCKED``); the batches then go through the outbox as any send."""
    db, settings = context()
    return delivery.start_due_campaigns(db, settings, now=utcnow())


@celery_app.task(name="email.send.dsn", acks_late=True)
def process_dsn(tid: str, raw_b64: str) -> dict[str, Any]:
    """A delivery status notification (RFC 3464) read from a mailbox, as base64 of its bytes: its hard
    bounces suppress their addresses and mark their recipients; applied once per DSN."""
    db, _settings = context()
    return delivery.process_dsn(db, uuid.UUID(tid), base64.b64decode(raw_b64))


POLL_GATE = "genius:email.send:bounces-poll"


def poll_bounces(db: Database, settings: Settings) -> dict[str, Any]:
    """One pass over the bounce mailbox (``GENIUS_BOUNCE_IMAP_*``); ``{"configured": False}`` without a
    host. A connection that cannot be opened is reported, not raised: the next tick tries again."""
    config = imap.ImapConfig.of(settings)
    if config is None:
        return {"configured": False}
    try:
        with imap.Mailbox(config) as mailbox:
            result = bounce_mailbox.poll(db, mailbox, limit=settings.bounce_imap_batch)
    except imap.CONNECTION_ERRORS as exc:
        log.warning("email.bounces_poll.unreachable", error=f"{type(exc).__name__}: {exc}"[:300])
        return {"configured": True, "error": f"{type(exc).__name__}: {exc}"[:300]}
    log.info("email.bounces_poll", **result.as_dict())
    return {"configured": True, **result.as_dict()}


@celery_app.task(name="email.send.bounces_poll")
def bounces_poll() -> dict[str, Any]:
    """Beat (every 30 s): read the bounce mailbox once per ``GENIUS_BOUNCE_IMAP_POLL_SECONDS``. A Redis
    key (``SET NX EX``) is the interval and keeps two workers from reading the mailbox at once; without
    Redis the poll runs anyway (the DSNs apply once either way)."""
    db, settings = context()
    if not settings.bounce_imap_host:
        return {"configured": False}
    try:
        first = gate().set(POLL_GATE, "1", nx=True, ex=max(1, int(settings.bounce_imap_poll_seconds)))
    except redis.RedisError as exc:  # fail open, like every limiter
        log.warning("email.bounces_poll.gate_unavailable", error=f"{type(exc).__name__}: {exc}"[:200])
        first = True
    if not first:
        return {"configured": True, "skipped": "interval"}
    return poll_bounces(db, settings)


def health() -> str:
    """Deep check: the SMTP server answers NOOP."""
    return asyncio.run(smtp.probe(get_settings()))
