"""E-mail sequence rules: build a sequence (its steps compiled once, like a campaign's message), move it
draft → active ⇄ paused, enrol contacts (by hand or from a segment), stop enrolments (reply,
unsubscribe, conversion) and show a contact's enrolments. Services flush and never commit; the step
sends are the scheduler's (``scheduler``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from genius.core.audit import service as audit
from genius.core.db.base import utcnow
from genius.core.events.schemas import Envelope
from genius.core.kit.errors import Conflict, field_error
from genius.vettify import service
from genius.vettify.campaigns import marketing, templates
from genius.vettify.campaigns import repository as campaigns_repo
from genius.vettify.campaigns.window import Window
from genius.vettify.repository.records import CONTACTS
from genius.vettify.segments import service as segments
from genius.vettify.sequences import repository as repo
from genius.vettify.sequences.models import EmailSequence, EmailSequenceEnrolment, EmailSequenceStep
from genius.vettify.sequences.schemas import (
    EnrolIn,
    EnrolmentOut,
    EnrolOut,
    ReplyIn,
    SequenceCreate,
    SequenceOut,
    SequenceStatus,
    SequenceSummary,
    StepOut,
    StopOut,
    StopReason,
)
from genius.vettify.sequences.timing import due_after

MOVES: dict[SequenceStatus, frozenset[SequenceStatus]] = {
    SequenceStatus.draft: frozenset({SequenceStatus.active}),
    SequenceStatus.active: frozenset({SequenceStatus.paused}),
    SequenceStatus.paused: frozenset({SequenceStatus.active}),
}


def _audit(session: Session, who: service.Actor, action: str, sequence_id: uuid.UUID, **data: Any) -> None:
    audit.record(
        session,
        who.tid,
        f"crm.email_sequence.{action}",
        actor=who.name,
        target=f"email_sequence:{sequence_id}",
        data=data,
        request_id=who.request_id,
    )


def window_of(session: Session, tid: uuid.UUID, row: EmailSequence) -> Window:
    """The sequence's sending window in the tenant's time zone (company settings; Europe/Bucharest)."""
    return Window.of(row.window, marketing.tenant_zone(session, tid))


# --- building -----------------------------------------------------------------------------------------
def create_sequence(session: Session, who: service.Actor, body: SequenceCreate) -> EmailSequence:
    """A draft sequence with its steps; each step's template is compiled now, so a bad placeholder or
    MJML is a 422 on ``steps.<i>.<field>`` today, not a failure at its send."""
    compiled: list[templates.Message] = []
    for i, step in enumerate(body.steps):
        try:
            compiled.append(templates.compile_message(step.subject, step.html, step.format, None))
        except templates.TemplateRefused as exc:
            raise field_error(f"steps.{i}.{exc.field}", str(exc)) from exc
    now = utcnow()
    row = EmailSequence(
        id=uuid.uuid4(),
        tid=who.tid,
        name=body.name,
        status=SequenceStatus.draft.value,
        window=body.window.model_dump(),
        created_by=who.name,
        created_at=now,
        updated_at=now,
    )
    repo.add(session, row)
    for i, (step, message) in enumerate(zip(body.steps, compiled, strict=True), start=1):
        session.add(
            EmailSequenceStep(
                id=uuid.uuid4(),
                tid=who.tid,
                sequence_id=row.id,
                position=i,
                delay_minutes=step.delay_minutes,
                condition=step.condition.value,
                subject=step.subject,
                body=step.html,
                format=step.format,
                html=message.html,
                text=message.text,
            )
        )
    session.flush()
    _audit(session, who, "created", row.id, steps=len(body.steps))
    return row


def get_sequence(session: Session, sequence_id: uuid.UUID, *, lock: bool = False) -> EmailSequence:
    row = repo.sequence(session, sequence_id, lock=lock)
    if row is None:
        raise service.NotFound(f"E-mail sequence {sequence_id} not found.")
    return row


def sequence_out(session: Session, row: EmailSequence) -> SequenceOut:
    return SequenceOut(
        id=row.id,
        name=row.name,
        status=SequenceStatus(row.status),
        window=row.window,
        steps=[StepOut.of(s) for s in repo.steps_of(session, row.id)],
        enrolments=repo.enrolment_counts(session, [row.id]).get(row.id, {}),
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def list_sequences(session: Session) -> list[SequenceSummary]:
    rows = repo.sequences(session)
    ids = [r.id for r in rows]
    steps = repo.step_counts(session, ids)
    counts = repo.enrolment_counts(session, ids)
    return [
        SequenceSummary(
            id=r.id,
            name=r.name,
            status=SequenceStatus(r.status),
            steps=steps.get(r.id, 0),
            enrolments=counts.get(r.id, {}),
            created_at=r.created_at,
        )
        for r in rows
    ]


def set_status(
    session: Session, who: service.Actor, sequence_id: uuid.UUID, target: SequenceStatus
) -> EmailSequence:
    """Activate (draft or paused) or pause (active); anything else is a 409 naming the allowed moves.
    A paused sequence keeps its enrolments; the scheduler claims none of them until it is active."""
    row = get_sequence(session, sequence_id, lock=True)
    current = SequenceStatus(row.status)
    if target == current:
        return row
    if target not in MOVES[current]:
        raise Conflict(
            f"A {current} sequence cannot become {target}.",
            code="sequence-status",
            allowed=sorted(m.value for m in MOVES[current]),
        )
    row.status = target.value
    row.updated_at = utcnow()
    session.flush()
    _audit(session, who, "activated" if target == SequenceStatus.active else "paused", sequence_id)
    return row


# --- enrolling ----------------------------------------------------------------------------------------
def enrol(
    session: Session,
    who: service.Actor,
    sequence_id: uuid.UUID,
    body: EnrolIn,
    *,
    now: datetime | None = None,
) -> EnrolOut:
    """Enrol contacts by hand or a segment's matches now; each is due for step 1 after its delay, at
    the next opening of the window. A contact already in the sequence (in any state) stays as it is."""
    now = now or utcnow()
    row = get_sequence(session, sequence_id, lock=True)
    if body.segment_id is not None:
        try:
            given = segments.audience(session, body.segment_id)
        except service.NotFound:
            raise field_error("segment_id", "no segment with this id") from None
        source = "segment"
    else:
        given = list(dict.fromkeys(body.contact_ids or []))
        source = "manual"
    live = repo.live_contact_ids(session, given)
    first = repo.steps_of(session, sequence_id)[0]
    due = due_after(now, first.delay_minutes, window_of(session, who.tid, row))
    enrolled = repo.enrol(
        session, who.tid, sequence_id, live, next_due_at=due, source=source, enrolled_by=who.name, now=now
    )
    _audit(session, who, "enrolled", sequence_id, source=source, enrolled=enrolled)
    return EnrolOut(enrolled=enrolled, already=len(live) - enrolled, unknown=len(given) - len(live))


def enrolments(
    session: Session, sequence_id: uuid.UUID, *, state: str | None = None, limit: int = 500
) -> list[EnrolmentOut]:
    row = get_sequence(session, sequence_id)
    steps = len(repo.steps_of(session, sequence_id))
    return [
        _enrolment_out(e, sequence_name=row.name, contact_name=name, steps=steps)
        for e, name in repo.enrolments_of_sequence(session, sequence_id, state=state, limit=limit)
    ]


def check_contact(session: Session, contact_id: uuid.UUID) -> None:
    """404 when the contact is unknown or another tenant's."""
    service.get_record(session, CONTACTS, contact_id)


def contact_enrolments(session: Session, contact_id: uuid.UUID) -> list[EnrolmentOut]:
    """The contact's sequences and where it stands in each (the contact page)."""
    rows = repo.enrolments_of_contact(session, contact_id)
    counts = repo.step_counts(session, list({e.sequence_id for e, _ in rows}))
    return [
        _enrolment_out(e, sequence_name=name, contact_name=None, steps=counts.get(e.sequence_id, 0))
        for e, name in rows
    ]


def _enrolment_out(
    e: EmailSequenceEnrolment, *, sequence_name: str | None, contact_name: str | None, steps: int
) -> EnrolmentOut:
    out = EnrolmentOut.model_validate(e)
    out.sequence_name = sequence_name
    out.contact_name = contact_name
    out.steps = steps
    return out


# --- stopping -----------------------------------------------------------------------------------------
def stop(e: EmailSequenceEnrolment, reason: StopReason, now: datetime) -> None:
    """An active enrolment stops for good, with its reason: nothing more is sent to it."""
    e.state = "stopped"
    e.stop_reason = reason.value
    e.next_due_at = None
    e.ended_at = now
    e.updated_at = now


def stop_contacts(
    session: Session, contact_ids: list[uuid.UUID], reason: StopReason, *, now: datetime | None = None
) -> int:
    """Stop the contacts' active enrolments (all their sequences); how many stopped."""
    now = now or utcnow()
    rows = repo.active_enrolments_of_contacts(session, contact_ids)
    for e in rows:
        if reason == StopReason.replied:
            e.replied_at = now
        stop(e, reason, now)
    session.flush()
    return len(rows)


def stop_address(session: Session, address: str, reason: StopReason) -> int:
    """An address was suppressed (unsubscribed, bounced, complained): the active enrolments of every
    contact with it stop now with that reason (the scheduler would stop them at their next step)."""
    return stop_contacts(session, repo.contact_ids_by_address(session, address), reason)


def record_reply(
    session: Session, who: service.Actor, body: ReplyIn, *, now: datetime | None = None
) -> StopOut:
    """A reply of a contact (or of every contact with an address): its enrolments stop (``replied``)."""
    if body.contact_id is not None:
        check_contact(session, body.contact_id)
        ids = [body.contact_id]
    else:
        ids = repo.contact_ids_by_address(session, str(body.address))
    stopped = stop_contacts(session, ids, StopReason.replied, now=now)
    audit.record(
        session,
        who.tid,
        "crm.email_sequence.reply_recorded",
        actor=who.name,
        target=f"contact:{body.contact_id}" if body.contact_id else "address",
        data={"contacts": len(ids), "stopped": stopped},
        request_id=who.request_id,
    )
    return StopOut(stopped=stopped)


def on_lead_converted(session: Session, envelope: Envelope) -> None:
    """``crm.lead.converted``: the contact converted, its sequences stop (``converted``)."""
    contact_id = uuid.UUID(str(envelope.data["contact_id"]))
    stop_contacts(session, [contact_id], StopReason.converted)


# --- tracking -------------------------------------------------------------------------------------------
def track(session: Session, send_id: uuid.UUID, kind: str) -> bool:
    """An open or click of a step's message (``False``: no such message)."""
    return repo.track(session, send_id, kind)


def unsubscribe(session: Session, tid: uuid.UUID, send_id: uuid.UUID) -> str | None:
    """One-click unsubscribe from a step's message: the address is suppressed and the contact's
    enrolments stop (``unsubscribed``); the address, or ``None`` when there is no such message."""
    row = repo.send(session, send_id)
    if row is None or row.address is None or row.state != "queued":
        return None
    campaigns_repo.suppress(session, tid, row.address, "unsubscribed", created_by="unsubscribe link")
    e = repo.enrolment(session, row.enrolment_id)
    if e is not None:
        stop_contacts(session, [e.contact_id], StopReason.unsubscribed)
    return row.address
