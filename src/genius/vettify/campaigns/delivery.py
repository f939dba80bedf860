"""One batch of a campaign's send, as the ``email.send.campaign`` task runs it (queue ``email.send``).

The batch keeps one message in flight on each of its SMTP connections (``GENIUS_CAMPAIGN_SMTP_CONNECTIONS``,
default 10): it claims a chunk of that many recipients, sends them concurrently, and stores their outcomes
in the transaction that claims the next chunk. The server's round trips overlap and a commit serves the
whole chunk (``bench --suite marketing``: 2 connections 403 msgs/s, 4: 694, 8: 853, 12: 980).

Exactly once per recipient, whatever happens to the task:

* each recipient moves pending → sending in a committed, conditional UPDATE (the claim, with the task's
  id as owner), then sending → sent | failed | pending (temporary refusal) in the next transaction, which
  also claims the next chunk: one commit per chunk;
* a recipient is claimed only while ``pending``: a retried batch, a second copy of the task or a second
  start of the send finds the sent ones sent and skips them;
* after ``kill -9`` the same task is redelivered (``acks_late``, same task id): the recipients it had
  claimed (at most one per connection) may or may not have been accepted by the server, so they are
  failed with that reason instead of being sent a second time;
* a paused or cancelled send is never claimed from (the claim reads the send's status): the batch stops
  after the chunk in hand, and a resume queues it again;
* a send with a window (``window.Window``) claims only while it is open: outside, the batch stops before
  its next claim and reports ``waiting_until``, and the task is sent again for that time;
* the Message-ID is derived from campaign + recipient, so even a copy the server saw twice is one message.

The transport is the worker's: one ``send(message) -> (status, code, text)`` per SMTP connection.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from genius.config import Settings
from genius.core.db.base import utcnow
from genius.core.db.session import Database
from genius.core.directory import repository as directory
from genius.core.kit.ratelimit import Limit, RateLimiter
from genius.vettify.campaigns import bounces, lifecycle, marketing, templates
from genius.vettify.campaigns import repository as repo
from genius.vettify.campaigns.tracking import Links, compose, idempotency_key
from genius.vettify.campaigns.window import Window
from genius.workers.email_send.mime import message_id_for

Send = Callable[[dict[str, Any]], Awaitable[tuple[str, int | None, str]]]
MAX_ATTEMPTS = 5


@dataclass
class Throttle:
    """The per-tenant cap on campaign messages (``GENIUS_CAMPAIGN_TENANT_RATE_LIMIT``): one token of the
    tenant's Redis bucket per message, shared by every worker and batch; without one, the batch sleeps
    for the bucket's ``retry_after`` (fails open when Redis is down, like every limiter)."""

    limiter: RateLimiter
    limit: Limit
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def take(self, tid: uuid.UUID) -> int:
        """Wait for a token; the number of waits."""
        waits = 0
        while True:
            decision = self.limiter.hit(f"campaign-mail:{tid}", self.limit, "campaign_mail")
            if decision.allowed:
                return waits
            waits += 1
            await self.sleep(float(decision.retry_after))


@dataclass
class BatchResult:
    sent: int = 0
    failed: int = 0
    pending: int = 0
    interrupted: int = 0
    completed: bool = False
    halted: bool = False  # the send was paused or cancelled: the rest waits for a resume (or never goes)
    waiting_until: datetime | None = None  # outside the sending window: when it opens (UTC)
    throttled: int = 0  # waits for the tenant's throughput cap
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "failed": self.failed,
            "pending": self.pending,
            "interrupted": self.interrupted,
            "completed": self.completed,
            "halted": self.halted,
        }


def _outcome(status: str, code: int | None, text: str, attempts: int) -> tuple[str, str | None]:
    reason = f"{code or ''} {text}".strip()[:500] or None
    if status == "sent":
        return "sent", None
    if status == "temporary_failure" and attempts < MAX_ATTEMPTS:
        return "pending", f"temporary: {reason}"
    return "failed", reason


def pending_count(db: Database, tid: uuid.UUID, campaign_id: uuid.UUID, batch: int) -> int:
    """How many of the batch's recipients are still to send (the worker opens no more connections)."""
    with db.tenant_session(tid) as s:
        return len(repo.pending_ids(s, campaign_id, batch))


async def deliver_batch(
    db: Database,
    settings: Settings,
    tid: uuid.UUID,
    campaign_id: uuid.UUID,
    batch: int,
    *,
    owner: str,
    send: Send | Sequence[Send],
    clock: Callable[[], datetime] = utcnow,
    throttle: Throttle | None = None,
) -> BatchResult:
    if not settings.secret_key:
        raise RuntimeError("GENIUS_SECRET_KEY is required to sign tracking links")
    result = BatchResult()
    with db.tenant_session(tid) as s:
        campaign_send = repo.send_of(s, campaign_id)
        if campaign_send is None:
            raise LookupError(f"campaign {campaign_id} has no send (not committed yet?)")
        result.interrupted = repo.fail_interrupted(s, campaign_id, batch, owner)
        result.halted = campaign_send.status in ("paused", "cancelled")
        hours = (
            Window.of(campaign_send.window, marketing.tenant_zone(s, tid)) if campaign_send.window else None
        )
        ids = [] if result.halted else repo.pending_ids(s, campaign_id, batch)
        message = templates.Message(campaign_send.subject, campaign_send.html, campaign_send.text)
        sender = marketing.sender_of(s, tid, settings)
    sends = [send] if callable(send) else list(send)
    chunk = len(sends)  # one message in flight per connection
    done: list[tuple[uuid.UUID, str, str | None]] = []  # the previous chunk's outcomes, not yet stored
    failure: BaseException | None = None
    try:
        with db.tenant_transactions(tid) as transaction:
            for start in range(0, len(ids), chunk):
                if hours is not None:  # checked before every claim: a window may close mid-batch
                    now = clock()
                    opening = hours.next_opening(now)
                    if opening > now:
                        result.waiting_until = opening
                        break
                wanted = ids[start : start + chunk]
                if throttle is not None:
                    for _ in wanted:
                        result.throttled += await throttle.take(tid)
                with transaction() as s:
                    claims = [
                        (rid, message_id_for(idempotency_key(campaign_id, rid), sender.from_address))
                        for rid in wanted
                    ]
                    claimed = repo.finish_and_claim_many(s, done, claims, owner)
                    if not claimed and repo.send_status(s, campaign_id) != "sending":
                        result.halted = True  # paused or cancelled: the chunk before was the last
                done = []
                if result.halted:
                    break
                mails: list[tuple[uuid.UUID, int, dict[str, Any]]] = []
                for rid in wanted:  # the batch's order, whatever order the claim returned them in
                    if rid not in claimed:
                        continue
                    address, attempts, variables = claimed[rid]
                    try:
                        copy = templates.personalise(message, variables)
                    except Exception as exc:  # checked at send start: only a defect could get here
                        defect = f"personalisation failed: {type(exc).__name__}: {exc}"[:500]
                        done.append((rid, "failed", defect))
                        result.failed += 1
                        continue
                    links = Links(settings.issuer, settings.secret_key, tid, rid)
                    mail = compose(
                        links=links,
                        sender=sender,
                        campaign_id=campaign_id,
                        to=address,
                        subject=copy.subject,
                        body_html=copy.html,
                        body_text=copy.text,
                    )
                    mails.append((rid, attempts, mail))
                outcomes = await asyncio.gather(
                    *(sends[i](mail) for i, (_rid, _attempts, mail) in enumerate(mails)),
                    return_exceptions=True,
                )
                for (rid, attempts, _mail), outcome in zip(mails, outcomes, strict=True):
                    if isinstance(outcome, Exception):
                        # The connection was lost before the server took the message: not sent.
                        done.append((rid, "pending", f"temporary: {type(outcome).__name__}: {outcome}"[:500]))
                        failure = failure or outcome
                        continue
                    if isinstance(outcome, BaseException):  # the process is going down: record nothing
                        failure = outcome
                        continue
                    status, code, text = outcome
                    state, reason = _outcome(status, code, text, attempts)
                    done.append((rid, state, reason))
                    if state == "sent":
                        result.sent += 1
                    elif state == "failed":
                        result.failed += 1
                if failure is not None:
                    raise failure
    finally:
        with db.tenant_session(tid) as s:
            repo.finish_many(s, done, owner)
            result.pending = len(repo.pending_ids(s, campaign_id, batch))
            result.completed = marketing.complete_if_done(s, tid, campaign_id)
    return result


TENANTS_PAGE = 500


def start_due_campaigns(db: Database, settings: Settings, *, now: datetime) -> dict[str, int]:
    """The scheduler pass (beat ``email.send.campaigns_due``): every active tenant's due schedules, a
    short transaction per tenant and group of 20 (``lifecycle.start_due``, ``SKIP LOCKED``)."""
    started = failed = 0
    offset = 0
    while True:
        with db.platform_session() as session:
            tenants = [t.id for t in directory.page(session, TENANTS_PAGE, offset) if t.status == "active"]
            more = directory.count(session) > offset + TENANTS_PAGE
        for tid in tenants:
            while True:
                with db.tenant_session(tid) as session:
                    out = lifecycle.start_due(session, tid, settings, now=now)
                started += len(out.started)
                failed += len(out.failed)
                if len(out.started) + len(out.failed) < lifecycle.DUE_BATCH:
                    break
        if not more:
            return {"started": started, "failed": failed}
        offset += TENANTS_PAGE


def process_dsn(db: Database, tid: uuid.UUID, raw: bytes) -> dict[str, Any]:
    """One delivery status notification (RFC 3464, raw bytes from a mailbox), applied in the tenant's
    transaction (the ``email.send.dsn`` task)."""
    with db.tenant_session(tid) as s:
        return bounces.process_dsn(s, tid, raw).model_dump(mode="json")
