"""The sequence scheduler: one pass over a tenant's due enrolments, in the caller's transaction.

Exactly once, with any number of schedulers running at the same time:

* the due enrolments are claimed ``FOR UPDATE SKIP LOCKED`` (``repository.claim_due``): a row another
  pass holds is skipped, and a row it has already moved on no longer matches once PostgreSQL re-reads it;
* the step's ledger row (unique enrolment + step), the enrolment's move to its next step and the
  ``email.send`` outbox task are written in that one transaction: they commit together or not at all;
* the message's ``idempotency_key`` (enrolment + step) makes the worker's delivery once as well.

Per claimed enrolment, in order: a contact without an address, a suppressed address (unsubscribed,
bounced, complained) or without a lawful basis stops the enrolment with that reason; outside the sending
window it waits for the next opening; a step whose condition does not hold is skipped (ledger row
``skipped`` with the reason); otherwise its message goes out. Then the next step is due after its delay
(``timing.due_after``), or the enrolment is completed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from genius.config import Settings
from genius.core.events.service import defer
from genius.vettify.campaigns import marketing, templates
from genius.vettify.campaigns.tracking import Links, Sender, compose
from genius.vettify.campaigns.window import Window
from genius.vettify.sequences import repository as repo
from genius.vettify.sequences import service
from genius.vettify.sequences.models import EmailSequenceEnrolment, EmailSequenceStep
from genius.vettify.sequences.schemas import Condition, StopReason
from genius.vettify.sequences.timing import due_after

DUE_BATCH = 100
SEND_TASK = "email.send"


@dataclass
class Outcome:
    picked: int = 0
    sent: int = 0
    skipped: int = 0
    stopped: int = 0
    completed: int = 0
    waiting: int = 0


def idempotency_key(enrolment_id: uuid.UUID, step_id: uuid.UUID) -> str:
    return f"crm-sequence:{enrolment_id}:{step_id}"


@dataclass
class _Plan:
    """What one sequence's enrolments share within a pass."""

    steps: dict[int, EmailSequenceStep]
    window: Window
    sequence_id: uuid.UUID


def run_due(
    session: Session, tid: uuid.UUID, settings: Settings, *, now: datetime, limit: int = DUE_BATCH
) -> Outcome:
    """Claim up to ``limit`` due enrolments and advance each by one step (see the module's text)."""
    if not settings.secret_key:
        raise RuntimeError("GENIUS_SECRET_KEY is required to sign tracking links")
    out = Outcome()
    rows = repo.claim_due(session, now, limit)
    out.picked = len(rows)
    if not rows:
        return out
    sender = marketing.sender_of(session, tid, settings)
    plans: dict[uuid.UUID, _Plan] = {}
    for e in rows:
        plan = plans.get(e.sequence_id)
        if plan is None:
            seq = service.get_sequence(session, e.sequence_id)
            plan = _Plan(
                steps={s.position: s for s in repo.steps_of(session, seq.id)},
                window=service.window_of(session, tid, seq),
                sequence_id=seq.id,
            )
            plans[e.sequence_id] = plan
        _advance(session, tid, settings, sender, plan, e, now, out)
    session.flush()
    return out


def _advance(
    session: Session,
    tid: uuid.UUID,
    settings: Settings,
    sender: Sender,
    plan: _Plan,
    e: EmailSequenceEnrolment,
    now: datetime,
    out: Outcome,
) -> None:
    step = plan.steps.get(e.step)
    if step is None:  # no step left (the last one was done before): completed
        _complete(e, now)
        out.completed += 1
        return
    contact = repo.recipient(session, e.contact_id)
    reason = _stop_reason(contact)
    if reason is not None:
        service.stop(e, reason, now)
        out.stopped += 1
        return
    assert contact is not None and contact.address is not None  # _stop_reason checked both
    opening = plan.window.next_opening(now)
    if opening > now:  # claimed outside the window (late pass, a resumed sequence): wait for it
        e.next_due_at = opening
        e.updated_at = now
        out.waiting += 1
        return
    if _holds(session, e, Condition(step.condition)):
        send_id = repo.record_send(
            session, tid, e.id, step, state="queued", reason=None, address=contact.address, now=now
        )
        if send_id is not None:  # None: this step was recorded before, its message already queued
            _queue(session, tid, settings, sender, plan, e, step, send_id, contact.address, contact.variables)
            out.sent += 1
    else:
        repo.record_send(
            session,
            tid,
            e.id,
            step,
            state="skipped",
            reason=f"condition {step.condition} not met",
            address=contact.address,
            now=now,
        )
        out.skipped += 1
    following = plan.steps.get(e.step + 1)
    e.step += 1
    e.updated_at = now
    if following is None:
        _complete(e, now)
        out.completed += 1
    else:
        e.next_due_at = due_after(now, following.delay_minutes, plan.window)


def _stop_reason(contact: repo.Recipient | None) -> StopReason | None:
    if contact is None or contact.address is None:
        return StopReason.no_email
    if contact.suppressed is not None:
        return StopReason(contact.suppressed)  # unsubscribed, bounced or complained
    if not contact.has_basis:
        return StopReason.no_basis
    return None


def _holds(session: Session, e: EmailSequenceEnrolment, condition: Condition) -> bool:
    """A step's condition, on the enrolment's latest message (opened, clicked) or its reply."""
    if condition == Condition.none:
        return True
    if condition == Condition.not_replied:
        return e.replied_at is None
    latest = repo.latest_queued(session, e.id)
    if latest is None:
        return False
    return (latest.opened_at if condition == Condition.opened else latest.clicked_at) is not None


def _complete(e: EmailSequenceEnrolment, now: datetime) -> None:
    e.state = "completed"
    e.next_due_at = None
    e.ended_at = now
    e.updated_at = now


def _queue(
    session: Session,
    tid: uuid.UUID,
    settings: Settings,
    sender: Sender,
    plan: _Plan,
    e: EmailSequenceEnrolment,
    step: EmailSequenceStep,
    send_id: uuid.UUID,
    address: str,
    variables: dict[str, object],
) -> None:
    """The step's message for this contact (tracked links and pixel, footer, one-click unsubscribe:
    the campaign composer, with the ledger row's id as the tracking id) as an ``email.send`` task."""
    copy = templates.personalise(templates.Message(step.subject, step.html, step.text), dict(variables))
    mail = compose(
        links=Links(settings.issuer, settings.secret_key or "", tid, send_id),
        sender=sender,
        campaign_id=plan.sequence_id,
        to=address,
        subject=copy.subject,
        body_html=copy.html,
        body_text=copy.text,
    )
    mail["idempotency_key"] = idempotency_key(e.id, step.id)
    defer(session, SEND_TASK, tid=tid, args=[mail], aggregate_id=e.id)
