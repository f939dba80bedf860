"""The e-mail send task on the ``outreach.email`` queue (``outreach.email.send``), deferred by the
sequence scheduler with the communication-log row it wrote (``channel`` EMAIL_WARM or EMAIL_COLD).

* **Warm** (Resend): one message now. Its idempotency key is the row's id, so a task redelivered after
  Resend accepted it but before the commit gets the same e-mail id back and nothing is sent again.
* **Cold** (Instantly): the lead is added to the configured Instantly campaign with the rendered subject
  and body as custom variables; the campaign's inboxes send it. ``skip_if_in_campaign`` keeps a retried
  add from mailing twice. The e-mail's own id arrives later by webhook (``email_sent``).

As for WhatsApp: the row is read first (nothing to do unless QUEUED), the provider is called with no
transaction open, the outcome is recorded; a missing key, a rate limit or an outage is retried with
exponential backoff, and a refusal fails the row with its reason.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, replace
from typing import Any

from celery import Task

from genius.config import Settings, get_settings
from genius.core.db.base import utcnow
from genius.core.db.session import Database
from genius.core.kit.crypto import platform_secret
from genius.outreach import credentials
from genius.outreach.channels.email import (
    EmailProviderError,
    InstantlyClient,
    RateLimited,
    ResendClient,
    SentEmail,
    Unavailable,
)
from genius.outreach.channels.tasks import MAX_RETRIES, Temporary, record_outcome, run_send
from genius.outreach.models import Channel, MessageStatus
from genius.outreach.sequences import repository
from genius.workers.celery_app import celery_app
from genius.workers.context import ProcessContext, worker_database


@dataclass(frozen=True)
class Providers:
    sender: str
    resend: ResendClient | None
    instantly: InstantlyClient | None
    campaign_id: str | None


def _providers(settings: Settings) -> Providers:
    return Providers(
        sender=settings.outreach_email_from,
        resend=ResendClient(settings.resend_api_key, base_url=settings.resend_base_url)
        if settings.resend_api_key
        else None,
        instantly=InstantlyClient(settings.instantly_api_key, base_url=settings.instantly_base_url)
        if settings.instantly_api_key
        else None,
        campaign_id=settings.instantly_campaign_id,
    )


providers = ProcessContext(_providers)


@functools.lru_cache(maxsize=256)
def _resend(api_key: str, base_url: str) -> ResendClient:
    return ResendClient(api_key, base_url=base_url)


@functools.lru_cache(maxsize=256)
def _instantly(api_key: str, base_url: str) -> InstantlyClient:
    return InstantlyClient(api_key, base_url=base_url)


def providers_for(db: Database, tid: uuid.UUID, settings: Settings, base: Providers) -> Providers:
    """``base`` (the environment's clients) with the tenant's own Resend/Instantly keys where it saved
    them in its settings (encrypted)."""
    secret = platform_secret(settings)
    if not secret:
        return base
    with db.tenant_session(tid) as session:
        resend_key = credentials.tenant_key(session, tid, "resend", secret)
        instantly_key = credentials.tenant_key(session, tid, "instantly", secret)
    return replace(
        base,
        resend=_resend(resend_key, settings.resend_base_url) if resend_key else base.resend,
        instantly=_instantly(instantly_key, settings.instantly_base_url) if instantly_key else base.instantly,
    )


def _send(
    p: Providers, tid: uuid.UUID, communication_id: uuid.UUID, channel: str, to: str, subject: str, text: str
) -> SentEmail:
    if channel == Channel.EMAIL_COLD.value:
        if p.instantly is None or not p.campaign_id:
            raise Temporary(
                "no Instantly API key or campaign: set GENIUS_INSTANTLY_API_KEY (or save the tenant's key in "
                "the outreach settings) and GENIUS_INSTANTLY_CAMPAIGN_ID"
            )
        return p.instantly.add_lead(
            p.campaign_id, email=to, subject=subject, text=text, reference=str(communication_id)
        )
    if p.resend is None:
        raise Temporary(
            "no Resend API key: set GENIUS_RESEND_API_KEY or save the tenant's key in the outreach settings"
        )
    return p.resend.send(
        sender=p.sender,
        to=to,
        subject=subject,
        text=text,
        idempotency_key=f"genius-outreach/{communication_id}",
        headers={"X-Genius-Communication": str(communication_id)},
        tags={"communication": str(communication_id), "tenant": str(tid)},
    )


def deliver_email(
    db: Database,
    tid: uuid.UUID,
    communication_id: uuid.UUID,
    to: str,
    subject: str | None,
    text: str,
    p: Providers,
) -> str:
    """Send one queued e-mail; the row's final status (or ``Temporary`` to retry)."""
    with db.tenant_session(tid) as session:
        row = repository.communication(session, communication_id)
        if row is None:
            return "missing"
        if row.status != MessageStatus.QUEUED.value:
            return row.status
        channel = row.channel
    try:
        sent = _send(p, tid, communication_id, channel, to, subject or "", text)
    except (RateLimited, Unavailable) as exc:
        raise Temporary(str(exc)) from exc
    except EmailProviderError as exc:  # refused: a bad address, a wrong key, an unknown campaign
        record_outcome(
            db, tid, communication_id, status=MessageStatus.FAILED.value, error_message=str(exc)[:2000]
        )
        return MessageStatus.FAILED.value
    record_outcome(
        db,
        tid,
        communication_id,
        status=MessageStatus.SENT.value,
        provider=sent.provider,
        external_message_id=sent.message_id if sent.provider == "resend" else None,
        external_lead_id=sent.lead_id,
        raw_response={"id": sent.message_id},
        sent_at=utcnow(),
    )
    return MessageStatus.SENT.value


@celery_app.task(name="outreach.email.send", bind=True, acks_late=True, max_retries=MAX_RETRIES)
def email_send(
    self: Task,
    communication_id: str,
    to: str,
    text: str,
    subject: str | None = None,
    tid: str | None = None,
    **_: Any,  # channel, media_url, phone_id: what the scheduler tells every channel
) -> str:
    return run_send(
        self,
        tid,
        communication_id,
        lambda db, tenant, row: deliver_email(
            db, tenant, row, to, subject, text, providers_for(db, tenant, get_settings(), providers())
        ),
    )


def health() -> str:
    """Deep check: the database answers and at least one e-mail provider is configured."""
    settings = get_settings()
    worker_database(settings).ping()
    p = providers()
    configured = [name for name, client in (("Resend", p.resend), ("Instantly", p.instantly)) if client]
    if not configured:
        raise RuntimeError("neither GENIUS_RESEND_API_KEY nor GENIUS_INSTANTLY_API_KEY is set")
    return ", ".join(configured) + " configured"
