"""The WhatsApp send task on the ``outreach.whatsapp`` queue (``outreach.whatsapp.send``), deferred by
the sequence scheduler with the communication-log row it wrote.

``deliver`` reads the row (nothing to do unless it is still QUEUED: a redelivered task does not send
twice once the first run recorded its outcome), sends through TimelinesAI from the row's phone (the
account's own number) with no transaction open, then records the outcome: SENT with the provider's
message and chat ids, or FAILED with the reason for a refused recipient or key. A rate limit or an
outage is retried by Celery with exponential backoff. The window between TimelinesAI's answer and the
commit is the one place a crash can repeat a message (at-least-once, as every outbox task).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any

import structlog
from celery import Task

from genius.config import Settings, get_settings
from genius.core.db.base import utcnow
from genius.core.db.session import Database
from genius.core.kit.crypto import platform_secret
from genius.core.kit.ratelimit import RateLimiter
from genius.outreach import credentials
from genius.outreach.channels.timelinesai import (
    BadRequest,
    InvalidNumber,
    RateLimited,
    TimelinesClient,
    TimelinesError,
    Unauthorized,
    Unavailable,
)
from genius.outreach.models import MessageStatus
from genius.outreach.sequences import repository
from genius.workers.celery_app import celery_app
from genius.workers.context import ProcessContext, task_tenant, worker_database, worker_redis

log = structlog.get_logger("genius.outreach.whatsapp")
MAX_RETRIES = 8


def backoff(retries: int) -> float:
    """5 s, 10 s, 20 s … at most 15 minutes between tries."""
    return float(min(900, 5 * 2**retries))


def _client(settings: Settings) -> TimelinesClient:
    return TimelinesClient(
        settings.timelinesai_api_key or "",
        base_url=settings.timelinesai_base_url,
        limiter=RateLimiter(worker_redis(settings), prefix="genius:rl:"),
    )


client = ProcessContext(_client)


@functools.lru_cache(maxsize=256)
def _tenant_client(api_key: str) -> TimelinesClient:
    settings = get_settings()
    return TimelinesClient(
        api_key,
        base_url=settings.timelinesai_base_url,
        limiter=RateLimiter(worker_redis(settings), prefix="genius:rl:"),
    )


def timelines_for(db: Database, tid: uuid.UUID, settings: Settings) -> TimelinesClient:
    """The tenant's own TimelinesAI key (saved in its settings, encrypted), else the environment's."""
    secret = platform_secret(settings)
    own = None
    if secret:
        with db.tenant_session(tid) as session:
            own = credentials.tenant_key(session, tid, "timelinesai", secret)
    return _tenant_client(own) if own else client()


class Temporary(Exception):
    """The send may succeed later (rate limit, outage): the task retries."""


def record_outcome(db: Database, tid: uuid.UUID, communication_id: uuid.UUID, **values: Any) -> None:
    """Write a send's outcome on its communication-log row, once: a row no longer QUEUED is left alone."""
    with db.tenant_session(tid) as session:
        row = repository.communication_locked(session, communication_id)
        if row is None or row.status != MessageStatus.QUEUED.value:
            return
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
        if values.get("status") == MessageStatus.SENT.value and row.phone_id is not None:
            phone = repository.phone(session, row.phone_id)
            if phone is not None:
                phone.total_messages_sent += 1
                phone.last_message_at = row.sent_at


def deliver(
    db: Database,
    tid: uuid.UUID,
    communication_id: uuid.UUID,
    to: str,
    text: str,
    timelines: Callable[[], TimelinesClient],
) -> str:
    """Send one queued WhatsApp message; the row's final status (or ``Temporary`` to retry)."""
    with db.tenant_session(tid) as session:
        row = repository.communication(session, communication_id)
        if row is None:
            return "missing"
        if row.status != MessageStatus.QUEUED.value:
            return row.status
        phone = repository.phone(session, row.phone_id) if row.phone_id else None
        account = phone.phone_number if phone is not None else None
    if account is None:
        record_outcome(
            db, tid, communication_id, status=MessageStatus.FAILED.value, error_message="no WhatsApp phone"
        )
        return MessageStatus.FAILED.value
    try:
        sent = timelines().send_message(account, to, text)
    except ValueError as exc:  # no API key configured yet: the message waits
        raise Temporary(str(exc)) from exc
    except (InvalidNumber, BadRequest, Unauthorized) as exc:
        record_outcome(
            db, tid, communication_id, status=MessageStatus.FAILED.value, error_message=str(exc)[:2000]
        )
        return MessageStatus.FAILED.value
    except (RateLimited, Unavailable) as exc:
        raise Temporary(str(exc)) from exc
    except TimelinesError as exc:
        record_outcome(
            db, tid, communication_id, status=MessageStatus.FAILED.value, error_message=str(exc)[:2000]
        )
        return MessageStatus.FAILED.value
    record_outcome(
        db,
        tid,
        communication_id,
        status=MessageStatus.SENT.value,
        provider="timelinesai",
        external_message_id=sent.message_id,
        external_thread_id=sent.chat_id,
        raw_response={"message_uid": sent.message_id, "chat_id": sent.chat_id},
        sent_at=utcnow(),
    )
    return MessageStatus.SENT.value


@celery_app.task(name="outreach.whatsapp.send", bind=True, acks_late=True, max_retries=MAX_RETRIES)
def whatsapp_send(
    self: Task,
    communication_id: str,
    to: str,
    text: str,
    tid: str | None = None,
    **_: Any,  # channel, subject, media_url, phone_id: what the scheduler also tells every channel
) -> str:
    return run_send(
        self,
        tid,
        communication_id,
        lambda db, tenant, row: deliver(
            db, tenant, row, to, text, lambda: timelines_for(db, tenant, get_settings())
        ),
    )


def run_send(
    task: Task,
    tid: str | None,
    communication_id: str,
    send: Callable[[Database, uuid.UUID, uuid.UUID], str],
) -> str:
    """A channel task's body: ``send`` (database, tenant, row id) → the row's status; a ``Temporary``
    failure is retried with backoff, and recorded as FAILED once the retries are spent."""
    tenant = task_tenant(task, tid)
    db = worker_database(get_settings())
    row = uuid.UUID(communication_id)
    try:
        return send(db, tenant, row)
    except Temporary as exc:
        if task.request.retries >= MAX_RETRIES:
            record_outcome(db, tenant, row, status=MessageStatus.FAILED.value, error_message=str(exc))
            return MessageStatus.FAILED.value
        raise task.retry(exc=exc, countdown=backoff(task.request.retries)) from exc


def health() -> str:
    """Deep check: TimelinesAI knows the key and lists the accounts (needs GENIUS_TIMELINESAI_API_KEY)."""
    settings = get_settings()
    if not settings.timelinesai_api_key:
        raise RuntimeError("GENIUS_TIMELINESAI_API_KEY is not set")
    worker_database(settings).ping()
    status = client().account_status("*")
    return f"TimelinesAI reachable ({status.status})"
