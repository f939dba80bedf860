"""E-mail sequence rules: build a sequence (its steps compiled once, like a campaign's message), edit it
(``update_sequence``: rename, add, remove, reorder and change steps, under ``If-Match``), move it
draft → active ⇄ paused → archived, enrol contacts (by hand or from a segment), stop enrolments (reply,
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
from genius.core.kit import etag as kit_etag
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
    SequenceUpdate,
    StepIn,
    StepOut,
    StopOut,
    StopReason,
)
from genius.vettify.sequences.timing import due_after

MOVES: dict[SequenceStatus, frozenset[SequenceStatus]] = {
    SequenceStatus.draft: frozenset({SequenceStatus.active, SequenceStatus.archived}),
    SequenceStatus.active: frozenset({SequenceStatus.paused, SequenceStatus.archived}),
    SequenceStatus.paused: frozenset({SequenceStatus.active, SequenceStatus.archived}),
    SequenceStatus.archived: frozenset(),
}
MOVE_ACTIONS = {
    SequenceStatus.active: "activated",
    SequenceStatus.paused: "paused",
    SequenceStatus.archived: "archived",
}
# Offset the live steps' positions pass through while they are renumbered (the partial unique index on
# position is checked per statement; MAX_STEPS is far below it)
RENUMBER_OFFSET = 100


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
    compiled = _compile(body.steps)
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


def _compile(steps: list[StepIn] | list[Any]) -> list[templates.Message]:
    compiled: list[templates.Message] = []
    for i, step in enumerate(steps):
        try:
            compiled.append(templates.compile_message(step.subject, step.html, step.format, None))
        except templates.TemplateRefused as exc:
            raise field_error(f"steps.{i}.{exc.field}", str(exc)) from exc
    return compiled


def etag(row: EmailSequence) -> str:
    return kit_etag.etag(row.version)


def _touch(row: EmailSequence, now: datetime) -> None:
    row.version += 1
    row.updated_at = now


# --- editing --------------------------------------------------------------------------------------------
def update_sequence(
    session: Session,
    who: service.Actor,
    sequence_id: uuid.UUID,
    body: SequenceUpdate,
    if_match: str | None,
    *,
    now: datetime | None = None,
) -> EmailSequence:
    """The sequence as ``body`` says (name, window, steps in order), if nobody changed it since the
    version ``if_match`` names (428 without it, 412 when stale); an archived one is a 409.

    A kept step is changed in place: its id, and so the ledger row of every enrolment it was already
    sent to, stays, so nobody gets it twice and a change reaches only the sends not yet made. A removed
    step keeps its row (``removed_at``) for its sends' history. Each active enrolment then waits on the
    same step at its new position; when its step was removed, on the step that now follows the last
    kept step before it (or it completes, when none does). A step inserted before the one an enrolment
    waits on is behind it: it is not sent to it. The wait is recounted from the enrolment's latest step
    when the step it waits on, its delay or the window changed."""
    now = now or utcnow()
    row = get_sequence(session, sequence_id, lock=True)
    kit_etag.check_if_match(row.version, if_match, required=True)
    if row.status == SequenceStatus.archived.value:
        raise Conflict("An archived sequence cannot be changed.", code="sequence-archived")
    old = list(repo.steps_of(session, sequence_id))
    by_id = {st.id: st for st in old}
    seen: set[uuid.UUID] = set()
    for i, step in enumerate(body.steps):
        if step.id is None:
            continue
        if step.id not in by_id:
            raise field_error(f"steps.{i}.id", "no live step of this sequence has this id")
        if step.id in seen:
            raise field_error(f"steps.{i}.id", "this step is given twice")
        seen.add(step.id)
    compiled = _compile(body.steps)
    changes: dict[str, Any] = {}
    if body.name != row.name:
        changes["name"] = {"from": row.name, "to": body.name}
        row.name = body.name
    window_changed = body.window is not None and body.window.model_dump() != row.window
    if body.window is not None and window_changed:
        changes["window"] = {"from": row.window, "to": body.window.model_dump()}
        row.window = body.window.model_dump()
    old_position = {st.id: st.position for st in old}
    old_delay = {st.id: st.delay_minutes for st in old}
    removed = [st for st in old if st.id not in seen]
    for st in removed:
        st.removed_at = now
    session.flush()  # the removed steps leave the live positions before the kept ones move
    kept = [(i, by_id[step.id]) for i, step in enumerate(body.steps, start=1) if step.id is not None]
    for i, st in kept:
        st.position = RENUMBER_OFFSET + i
    session.flush()
    new_order: list[EmailSequenceStep] = []
    edited: list[str] = []
    for i, (step, message) in enumerate(zip(body.steps, compiled, strict=True), start=1):
        if step.id is None:
            new = EmailSequenceStep(id=uuid.uuid4(), tid=who.tid, sequence_id=row.id, position=i)
            _write_step(new, step, message)
            session.add(new)
            new_order.append(new)
            continue
        st = by_id[step.id]
        st.position = i
        if (st.subject, st.body, st.format, st.condition, st.delay_minutes) != (
            step.subject,
            step.html,
            step.format,
            step.condition.value,
            step.delay_minutes,
        ):
            edited.append(str(st.id))
            _write_step(st, step, message)
        new_order.append(st)
    session.flush()
    added = [str(st.id) for st in new_order if st.id not in old_position]
    moved = [str(st.id) for st in new_order if st.id in old_position and old_position[st.id] != st.position]
    for key, value in (
        ("added", added),
        ("removed", [str(st.id) for st in removed]),
        ("moved", moved),
        ("edited", edited),
    ):
        if value:
            changes[key] = value
    if not changes:
        return row
    moves = _follow(session, row, old, new_order, old_delay, window_changed=window_changed, now=now)
    _touch(row, now)
    session.flush()
    _audit(session, who, "updated", sequence_id, version=row.version, enrolments=moves, **changes)
    return row


def _write_step(st: EmailSequenceStep, step: StepIn, message: templates.Message) -> None:
    st.delay_minutes = step.delay_minutes
    st.condition = step.condition.value
    st.subject = step.subject
    st.body = step.html
    st.format = step.format
    st.html = message.html
    st.text = message.text


def _follow(
    session: Session,
    row: EmailSequence,
    old: list[EmailSequenceStep],
    new_order: list[EmailSequenceStep],
    old_delay: dict[uuid.UUID, int],
    *,
    window_changed: bool,
    now: datetime,
) -> dict[str, int]:
    """Each active enrolment onto the edited steps (see ``update_sequence``); how many moved, completed
    and were re-timed."""
    new_position = {st.id: st.position for st in new_order}
    counts = {"moved": 0, "completed": 0, "retimed": 0}
    enrolments = repo.active_enrolments_of_sequence(session, row.id)
    if not enrolments:
        return counts
    window = window_of(session, row.tid, row)
    last = repo.last_send_at(session, [e.id for e in enrolments])
    for e in enrolments:
        waited = old[e.step - 1] if 1 <= e.step <= len(old) else None
        if waited is not None and waited.id in new_position:
            target = new_position[waited.id]
        else:
            before = [st for st in old[: max(0, e.step - 1)] if st.id in new_position]
            target = new_position[before[-1].id] + 1 if before else 1
        if target > len(new_order):
            e.state = "completed"
            e.next_due_at = None
            e.ended_at = now
            e.updated_at = now
            counts["completed"] += 1
            continue
        step = new_order[target - 1]
        if target != e.step:
            counts["moved"] += 1
        e.step = target
        same_wait = waited is not None and waited.id == step.id and old_delay[step.id] == step.delay_minutes
        if not same_wait or window_changed:
            e.next_due_at = due_after(last.get(e.id, e.enrolled_at), step.delay_minutes, window)
            counts["retimed"] += 1
        e.updated_at = now
    return counts


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
        version=row.version,
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
    session: Session,
    who: service.Actor,
    sequence_id: uuid.UUID,
    target: SequenceStatus,
    if_match: str | None = None,
) -> EmailSequence:
    """Activate (draft or paused), pause (active) or archive (any but archived); anything else is a 409
    naming the allowed moves. A paused sequence keeps its enrolments where they are; the scheduler
    claims none of them until it is active again. Archiving is final: its active enrolments stop now
    (``archived``; locked, so a scheduler pass holding one finishes that step first), audited with their
    count. ``If-Match`` is checked when given (412 when stale)."""
    row = get_sequence(session, sequence_id, lock=True)
    kit_etag.check_if_match(row.version, if_match, required=False)
    current = SequenceStatus(row.status)
    if target == current:
        return row
    if target not in MOVES[current]:
        raise Conflict(
            f"A {current} sequence cannot become {target}.",
            code="sequence-status",
            allowed=sorted(m.value for m in MOVES[current]),
        )
    now = utcnow()
    row.status = target.value
    stopped = 0
    if target == SequenceStatus.archived:
        for e in repo.active_enrolments_of_sequence(session, sequence_id):
            stop(e, StopReason.archived, now)
            stopped += 1
    _touch(row, now)
    session.flush()
    extra = {"enrolments_stopped": stopped} if target == SequenceStatus.archived else {}
    _audit(session, who, MOVE_ACTIONS[target], sequence_id, version=row.version, **extra)
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
    if row.status == SequenceStatus.archived.value:
        raise Conflict("An archived sequence takes no new enrolments.", code="sequence-archived")
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
