"""The sequence scheduler (F2.6, F2.10): sends each due step of each enrollment exactly once.

``run_due`` works in the caller's tenant transaction (it flushes, never commits). It takes up to
``limit`` active enrollments whose ``next_action_at`` has come, ``FOR UPDATE SKIP LOCKED``: several
schedulers (threads, processes, hosts) share the due rows without waiting on each other, and a row is
held by one of them until its transaction ends. For each enrollment it:

1. stops it when the lead answered (an inbound message since the enrollment, a reply counted on the
   journey, or a state past contact) and the step says ``stop_on_reply``; when the lead opted out of
   the step's channel or the journey is closed; it completes it when no step is left;
2. waits (moves ``next_action_at``) while the journey is paused or handled by a person, or the
   sequence is inactive;
3. renders the step's template: the A/B version is picked per lead (weights), spintax is spun with a
   seed fixed per lead and step (a retry renders the same text), required variables are checked (the
   enrollment stops naming the missing ones);
4. asks permission: WhatsApp asks the quota guardian (phone ACTIVE, business hours, daily quota, the
   portfolio cap; a refusal moves ``next_action_at`` to when it may pass); e-mail steps that
   ``respect_business_hours`` wait for the tenant's next opening;
5. writes the communication-log row (QUEUED) and the channel's send task through the outbox (``defer``)
   in the same transaction, counts the send on the version, moves a COLD journey to CONTACTED_* and
   advances the enrollment to its next step (or completes it).

A commit publishes all of it; a rollback leaves the enrollment due and sends nothing. The send tasks are
at-least-once (the outbox): their idempotency key is the communication-log id they carry.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.orm import Session

from genius.core.events.service import defer
from genius.core.storage import TenantStorage
from genius.outreach import content, states
from genius.outreach import repository as journeys
from genius.outreach import service as outreach
from genius.outreach.models import (
    Channel,
    CommunicationLog,
    LeadJourney,
    LeadState,
    MessageDirection,
    MessageStatus,
)
from genius.outreach.quota import BusinessHours, QuotaGuardian
from genius.outreach.sequences import repository
from genius.outreach.sequences.models import (
    Enrollment,
    EnrollmentStatus,
    SequenceStep,
    Template,
    TemplateVersion,
)
from genius.outreach.sequences.service import delay, finish, variables_of
from genius.outreach.spintax import MissingVariables, render, seed_for
from genius.vettify import service as crm

log = structlog.get_logger("genius.outreach.scheduler")

RECHECK = timedelta(minutes=15)  # a paused journey or inactive sequence is looked at again after this
ACTOR = "outreach-scheduler"
REPLIED_STATES = frozenset({LeadState.WARM_REPLY, LeadState.NEGOTIATION})


@dataclass(frozen=True)
class Route:
    task: str
    queue: str
    contacted: LeadState


ROUTES: dict[str, Route] = {
    Channel.WHATSAPP.value: Route("outreach.whatsapp.send", "outreach.whatsapp", LeadState.CONTACTED_WA),
    Channel.EMAIL_COLD.value: Route("outreach.email.send", "outreach.email", LeadState.CONTACTED_EMAIL),
    Channel.EMAIL_WARM.value: Route("outreach.email.send", "outreach.email", LeadState.CONTACTED_EMAIL),
}


@dataclass
class Outcome:
    picked: int = 0
    sent: int = 0
    stopped: int = 0
    completed: int = 0
    waiting: int = 0
    sent_ids: list[uuid.UUID] = field(default_factory=list)  # communication-log ids


# --- business hours (Python side; the guardian decides WhatsApp's in Redis) ----------------------------
def next_opening(hours: BusinessHours, at: datetime) -> datetime:
    """``at`` when it is within business hours, else the next opening (in UTC)."""
    zone = ZoneInfo(hours.zone)
    local = at.astimezone(zone)
    for days in range(8):
        day = local.date() + timedelta(days=days)
        if day.isoweekday() not in hours.weekdays:
            continue
        start = datetime.combine(day, hours.start, zone)
        end = datetime.combine(day, hours.end, zone)
        if start <= local < end:
            return at
        if local < start:
            return start.astimezone(UTC)
    raise ValueError("business hours never open")  # unreachable: weekdays is never empty


ALWAYS = BusinessHours(zone="UTC", start=dtime(0, 0), end=dtime(23, 59, 59, 999999))


# --- rendering ----------------------------------------------------------------------------------------
def lead_values(lead: Any | None, journey: LeadJourney) -> dict[str, Any]:
    """The variables a template may use: the CRM lead's fields, then the journey's custom fields."""
    values: dict[str, Any] = {}
    if lead is not None:
        names = (
            "first_name",
            "last_name",
            "email",
            "phone",
            "company_name",
            "cui",
            "job_title",
            "city",
            "county",
        )
        values = {n: getattr(lead, n, None) for n in names}
        values["company"] = values["company_name"]
        values["full_name"] = " ".join(p for p in (values["first_name"], values["last_name"]) if p) or None
    for key, value in (journey.custom_fields or {}).items():
        if isinstance(value, str | int | float):
            values[str(key)] = value
    return values


def pick_version(
    template: Template, versions: list[TemplateVersion], lead_id: uuid.UUID
) -> TemplateVersion | None:
    """The lead's A/B version: a stable weighted draw per lead and template (None: the template itself)."""
    live = [v for v in versions if v.is_active and v.weight > 0]
    if not live:
        return None
    point = seed_for("ab", lead_id, template.id) % sum(v.weight for v in live)
    for v in live:
        if point < v.weight:
            return v
        point -= v.weight
    return live[-1]


@dataclass(frozen=True)
class Rendered:
    text: str
    subject: str | None
    version: TemplateVersion | None
    media_url: str | None


def render_step(
    template: Template,
    version: TemplateVersion | None,
    values: Mapping[str, Any],
    lead_id: uuid.UUID,
    step_number: int,
) -> Rendered:
    """The step's message for this lead: the same lead and step always give the same text."""
    declared = variables_of(template)
    content = version.content if version is not None else template.content
    subject = version.subject if version is not None and version.subject else template.subject
    seed = seed_for(lead_id, step_number)
    text = render(content, declared, values, seed)
    subj = render(subject, declared, values, seed + 1) if subject else None
    media = (
        version.media_url
        if version is not None and version.has_media
        else (template.media_url if template.has_media else None)
    )
    return Rendered(text, subj, version, media)


# --- the scheduler --------------------------------------------------------------------------------------
@dataclass
class Scheduler:
    """One tenant's scheduler pass: ``guardian`` is the WhatsApp quota guardian (None: WhatsApp steps
    wait), ``hours`` the tenant's business hours, ``portfolio_cap`` Meta's tier (0: none)."""

    tid: uuid.UUID
    hours: BusinessHours
    guardian: QuotaGuardian | None = None
    portfolio_cap: int = 0
    files: TenantStorage = field(kw_only=True)  # where each message's whole text is kept (outreach.content)

    def run_due(self, session: Session, *, now: datetime, limit: int = 100) -> Outcome:
        out = Outcome()
        rows = repository.due_locked(session, now, limit)
        out.picked = len(rows)
        leads = crm.leads_by_id(session, list({r.lead_id for r in rows}))
        for row in rows:
            self._one(session, row, leads.get(row.lead_id), now, out)
        session.flush()
        return out

    def _one(self, session: Session, row: Enrollment, lead: Any | None, now: datetime, out: Outcome) -> None:
        journey = journeys.journey_locked(session, row.journey_id)
        seq = repository.sequence(session, row.sequence_id)
        if journey is None or seq is None:  # cascades remove the enrollment with them; kept for safety
            finish(row, EnrollmentStatus.STOPPED, "journey-or-sequence-deleted", now)
            out.stopped += 1
            return
        step = repository.step(session, seq.id, row.current_step + 1)
        state = LeadState(journey.current_state)
        if step is None:
            self._complete(row, journey, now, out)
            return
        if reason := self._stop_reason(session, row, journey, step, state):
            finish(row, EnrollmentStatus.STOPPED, reason, now)
            journey.next_action_at = None
            out.stopped += 1
            return
        if (
            state is LeadState.PAUSED
            or journey.sequence_paused
            or journey.is_human_controlled
            or not seq.is_active
        ):
            self._wait(row, journey, now + RECHECK, out)
            return
        template = repository.template(session, step.template_id)
        if template is None:  # RESTRICT keeps a step's template; kept for safety
            finish(row, EnrollmentStatus.STOPPED, "template-deleted", now)
            out.stopped += 1
            return
        version = pick_version(template, list(repository.versions(session, template.id)), row.lead_id)
        values = lead_values(lead, journey)
        recipient_field = "phone" if step.channel == Channel.WHATSAPP.value else "email"
        try:
            if not values.get(recipient_field):
                raise MissingVariables([recipient_field])
            message = render_step(template, version, values, row.lead_id, step.step_number)
        except MissingVariables as exc:
            finish(row, EnrollmentStatus.STOPPED, f"missing-variables: {', '.join(exc.names)}", now)
            journey.next_action_at = None
            out.stopped += 1
            return
        phone_id: uuid.UUID | None = None
        quota_cost = 0
        if step.channel == Channel.WHATSAPP.value:
            if self.guardian is None:
                self._wait(row, journey, now + RECHECK, out)
                return
            new_contact = journey.first_contact_at is None or journey.is_new_contact
            decision = self.guardian.check(
                self.tid,
                row.lead_id,
                new_contact=new_contact,
                hours=self.hours if step.respect_business_hours else ALWAYS,
                portfolio_cap=self.portfolio_cap,
                phone_id=str(journey.assigned_phone_id) if journey.assigned_phone_id else None,
            )
            if not decision.allowed:
                wait = timedelta(milliseconds=decision.retry_after_ms) if decision.retry_after_ms else RECHECK
                log.info("outreach_step_refused", reason=decision.reason, enrollment=str(row.id))
                self._wait(row, journey, now + max(wait, timedelta(seconds=1)), out)
                return
            phone_id = _uuid(decision.phone_id)
            quota_cost = 1 if new_contact else 0
            if phone_id is not None and journey.assigned_phone_id != phone_id:
                journey.assigned_phone_id = phone_id
                journey.assigned_at = now
        elif step.respect_business_hours:
            opening = next_opening(self.hours, now)
            if opening > now:
                self._wait(row, journey, opening, out)
                return
        self._send(
            session,
            row,
            journey,
            step,
            template,
            message,
            phone_id,
            quota_cost,
            recipient=str(values[recipient_field]),
            now=now,
            out=out,
        )

    def _stop_reason(
        self, session: Session, row: Enrollment, journey: LeadJourney, step: SequenceStep, state: LeadState
    ) -> str | None:
        if state in states.FINAL:
            return f"journey-{state.value.lower()}"
        if step.channel == Channel.WHATSAPP.value and journey.whatsapp_opted_out:
            return "opted-out"
        if step.channel != Channel.WHATSAPP.value and journey.email_opted_out:
            return "opted-out"
        if step.stop_on_reply:
            answered = state in REPLIED_STATES or (
                journey.last_reply_at is not None and journey.last_reply_at >= row.enrolled_at
            )
            if answered or repository.replied_since(session, journey.id, row.enrolled_at):
                return "replied"
        return None

    def _wait(self, row: Enrollment, journey: LeadJourney, until: datetime, out: Outcome) -> None:
        row.next_action_at = until
        journey.next_action_at = until
        out.waiting += 1

    def _complete(self, row: Enrollment, journey: LeadJourney, now: datetime, out: Outcome) -> None:
        finish(row, EnrollmentStatus.COMPLETED, None, now)
        journey.next_action_at = None
        out.completed += 1

    def _send(
        self,
        session: Session,
        row: Enrollment,
        journey: LeadJourney,
        step: SequenceStep,
        template: Template,
        message: Rendered,
        phone_id: uuid.UUID | None,
        quota_cost: int,
        *,
        recipient: str,
        now: datetime,
        out: Outcome,
    ) -> None:
        route = ROUTES[step.channel]
        comm = CommunicationLog(
            tid=self.tid,
            journey_id=journey.id,
            lead_id=journey.lead_id,
            channel=step.channel,
            direction=MessageDirection.OUTBOUND.value,
            status=MessageStatus.QUEUED.value,
            phone_id=phone_id,
            sequence_id=row.sequence_id,
            sequence_step=step.step_number,
            template_id=template.id,
            subject=message.subject[:300] if message.subject else None,
            content_preview=message.text[:500],
            content_hash=hashlib.sha256(message.text.encode()).hexdigest(),
            quota_cost=quota_cost,
            raw_request={
                "enrollment_id": str(row.id),
                "template_version_id": str(message.version.id) if message.version else None,
            },
            created_at=now,
            updated_at=now,
        )
        session.add(comm)
        session.flush()
        content.keep(self.files, comm, message.text)
        defer(
            session,
            route.task,
            tid=self.tid,
            kwargs={
                "communication_id": str(comm.id),
                "channel": step.channel,
                "to": recipient,
                "text": message.text,
                "subject": message.subject,
                "media_url": message.media_url,
                "phone_id": str(phone_id) if phone_id else None,
            },
            queue=route.queue,
            aggregate_id=journey.id,
        )
        if message.version is not None:
            repository.count_sent(session, message.version.id)
        if journey.first_contact_at is None:
            journey.first_contact_at = now
            journey.first_contact_channel = step.channel
        journey.last_contact_at = now
        journey.last_channel_used = step.channel
        if step.channel == Channel.WHATSAPP.value:
            journey.is_new_contact = False
        if LeadState(journey.current_state) is LeadState.COLD:
            outreach.transition(
                session,
                self.tid,
                journey.id,
                route.contacted,
                reason=f"sequence step {step.step_number}",
                actor=ACTOR,
                at=now,
            )
        row.current_step = step.step_number
        row.last_step_at = now
        row.updated_at = now
        row.version += 1
        journey.sequence_step = step.step_number
        following = repository.step(session, row.sequence_id, step.step_number + 1)
        if following is None:
            finish(row, EnrollmentStatus.COMPLETED, None, now)
            journey.next_action_at = None
            out.completed += 1
        else:
            row.next_action_at = now + delay(following)
            journey.next_action_at = row.next_action_at
        out.sent += 1
        out.sent_ids.append(comm.id)


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None
