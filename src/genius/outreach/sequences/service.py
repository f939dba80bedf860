"""Rules for templates, sequences and enrollments (flush, never commit)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from genius.core.db.base import utcnow
from genius.core.kit.errors import Conflict, NotFound, field_error
from genius.core.kit.etag import check_if_match
from genius.outreach import repository as journeys
from genius.outreach import states
from genius.outreach.models import LeadState
from genius.outreach.sequences import repository
from genius.outreach.sequences import schemas as s
from genius.outreach.sequences.models import (
    Enrollment,
    EnrollmentStatus,
    Sequence,
    SequenceStep,
    Template,
    TemplateVersion,
)
from genius.outreach.spintax import SpintaxError, Variable, validate


# --- templates ---------------------------------------------------------------------------------------
def _spintax(field: str, text: str | None) -> None:
    if text is None:
        return
    try:
        validate(text)
    except SpintaxError as exc:
        raise field_error(field, f"not valid spintax: {exc}") from exc


def declared(raw: Iterable[s.VariableIn]) -> list[dict[str, object]]:
    """The declarations as stored (a name declared twice keeps its first declaration)."""
    seen: dict[str, dict[str, object]] = {}
    for v in raw:
        seen.setdefault(v.name, {"name": v.name, "required": v.required, "default": v.default})
    return list(seen.values())


def variables_of(template: Template) -> list[Variable]:
    return [Variable.parse(v) for v in template.variables]


def create_template(session: Session, tid: uuid.UUID, body: s.TemplateIn) -> Template:
    _spintax("content", body.content)
    _spintax("subject", body.subject)
    if repository.template_by_name(session, body.name) is not None:
        raise Conflict(f"a template named {body.name!r} exists", code="template-exists")
    row = Template(
        tid=tid,
        name=body.name,
        channel=body.channel.value,
        subject=body.subject,
        content=body.content,
        variables=declared(body.variables),
        has_media=body.has_media,
        media_url=body.media_url,
    )
    session.add(row)
    session.flush()
    return row


def get_template(session: Session, template_id: uuid.UUID) -> Template:
    row = repository.template(session, template_id)
    if row is None:
        raise NotFound(f"no template {template_id}")
    return row


def add_version(
    session: Session, tid: uuid.UUID, template_id: uuid.UUID, body: s.VersionIn
) -> TemplateVersion:
    template = get_template(session, template_id)
    _spintax("content", body.content)
    _spintax("subject", body.subject)
    if any(v.label == body.label for v in repository.versions(session, template.id)):
        raise Conflict(f"the template has a version {body.label!r}", code="version-exists")
    row = TemplateVersion(
        tid=tid,
        template_id=template.id,
        label=body.label,
        subject=body.subject,
        content=body.content,
        has_media=body.has_media,
        media_url=body.media_url,
        weight=body.weight,
    )
    session.add(row)
    template.version += 1
    template.updated_at = utcnow()
    session.flush()
    return row


def version_out(row: TemplateVersion) -> s.VersionOut:
    out = s.VersionOut.model_validate(row)
    if row.sent_count:
        out.open_rate = round(row.open_count / row.sent_count, 4)
        out.reply_rate = round(row.reply_count / row.sent_count, 4)
    return out


def template_detail(session: Session, row: Template) -> s.TemplateDetail:
    versions = [version_out(v) for v in repository.versions(session, row.id)]
    return s.TemplateDetail.model_validate(
        {**s.TemplateOut.model_validate(row).model_dump(), "versions": versions}
    )


# --- sequences ---------------------------------------------------------------------------------------
def create_sequence(session: Session, tid: uuid.UUID, body: s.SequenceIn) -> Sequence:
    if repository.sequence_by_name(session, body.name) is not None:
        raise Conflict(f"a sequence named {body.name!r} exists", code="sequence-exists")
    templates = []
    for i, step in enumerate(body.steps):
        template = repository.template(session, step.template_id)
        if template is None:
            raise field_error(f"steps.{i}.template_id", "no template with this id")
        templates.append(template)
    row = Sequence(tid=tid, name=body.name, description=body.description)
    session.add(row)
    session.flush()
    for number, (step, template) in enumerate(zip(body.steps, templates, strict=True), start=1):
        session.add(
            SequenceStep(
                tid=tid,
                sequence_id=row.id,
                step_number=number,
                delay_hours=step.delay_hours,
                delay_minutes=step.delay_minutes,
                channel=template.channel,
                template_id=template.id,
                stop_on_reply=step.stop_on_reply,
                respect_business_hours=step.respect_business_hours,
            )
        )
    session.flush()
    return row


def get_sequence(session: Session, sequence_id: uuid.UUID) -> Sequence:
    row = repository.sequence(session, sequence_id)
    if row is None:
        raise NotFound(f"no sequence {sequence_id}")
    return row


def sequence_detail(session: Session, row: Sequence) -> s.SequenceDetail:
    steps = [s.StepOut.model_validate(st) for st in repository.steps(session, row.id)]
    return s.SequenceDetail.model_validate({**s.SequenceOut.model_validate(row).model_dump(), "steps": steps})


def update_sequence(
    session: Session, sequence_id: uuid.UUID, body: s.SequencePatch, if_match: str | None
) -> Sequence:
    row = get_sequence(session, sequence_id)
    check_if_match(row.version, if_match)
    if body.name is not None and body.name != row.name:
        if repository.sequence_by_name(session, body.name) is not None:
            raise Conflict(f"a sequence named {body.name!r} exists", code="sequence-exists")
        row.name = body.name
    if body.description is not None:
        row.description = body.description
    if body.is_active is not None:
        row.is_active = body.is_active
    row.version += 1
    row.updated_at = utcnow()
    session.flush()
    return row


def add_step(session: Session, tid: uuid.UUID, sequence_id: uuid.UUID, body: s.StepIn) -> SequenceStep:
    """Append a step to a sequence (enrollments that completed stay completed)."""
    row = get_sequence(session, sequence_id)
    template = repository.template(session, body.template_id)
    if template is None:
        raise field_error("template_id", "no template with this id")
    existing = repository.steps(session, row.id)
    step = SequenceStep(
        tid=tid,
        sequence_id=row.id,
        step_number=len(existing) + 1,
        delay_hours=body.delay_hours,
        delay_minutes=body.delay_minutes,
        channel=template.channel,
        template_id=template.id,
        stop_on_reply=body.stop_on_reply,
        respect_business_hours=body.respect_business_hours,
    )
    session.add(step)
    row.version += 1
    row.updated_at = utcnow()
    session.flush()
    return step


# --- enrollments -------------------------------------------------------------------------------------
def delay(step: SequenceStep) -> timedelta:
    return timedelta(hours=step.delay_hours, minutes=step.delay_minutes)


def enroll(
    session: Session,
    tid: uuid.UUID,
    sequence_id: uuid.UUID,
    journey_id: uuid.UUID,
    *,
    at: datetime | None = None,
) -> Enrollment:
    """Enroll a live journey: its first step is due after the step's delay."""
    seq = get_sequence(session, sequence_id)
    journey = journeys.journey(session, journey_id)
    if journey is None:
        raise field_error("journey_id", "no journey with this id")
    if LeadState(journey.current_state) in states.FINAL:
        raise Conflict(f"the journey is {journey.current_state}", code="journey-closed")
    if repository.enrollment_of(session, seq.id, journey.id) is not None:
        raise Conflict("the journey is already enrolled in this sequence", code="already-enrolled")
    first = repository.step(session, seq.id, 1)
    if first is None:  # sequences are created with a step at least
        raise Conflict("the sequence has no steps", code="no-steps")
    now = at or utcnow()
    row = Enrollment(
        tid=tid,
        sequence_id=seq.id,
        journey_id=journey.id,
        lead_id=journey.lead_id,
        status=EnrollmentStatus.ACTIVE.value,
        current_step=0,
        next_action_at=now + delay(first),
        enrolled_at=now,
        updated_at=now,
    )
    session.add(row)
    journey.current_sequence_id = seq.id
    journey.sequence_step = 0
    journey.sequence_started_at = now
    journey.next_action_at = row.next_action_at
    session.flush()
    return row


def finish(row: Enrollment, status: EnrollmentStatus, reason: str | None, at: datetime) -> None:
    row.status = status.value
    row.stop_reason = reason
    row.next_action_at = None
    row.finished_at = at
    row.updated_at = at
    row.version += 1


def stop(session: Session, enrollment_id: uuid.UUID, reason: str) -> Enrollment:
    row = repository.enrollment(session, enrollment_id)
    if row is None:
        raise NotFound(f"no enrollment {enrollment_id}")
    if row.status != EnrollmentStatus.ACTIVE.value:
        raise Conflict(f"the enrollment is {row.status}", code="enrollment-finished")
    finish(row, EnrollmentStatus.STOPPED, reason, utcnow())
    session.flush()
    return row


def stop_for_journey(
    session: Session, journey_id: uuid.UUID, reason: str, *, at: datetime | None = None
) -> int:
    """Stop the journey's active enrollments (a reply, an opt-out); the number stopped."""
    rows = repository.active_enrollments(session, journey_id)
    for row in rows:
        finish(row, EnrollmentStatus.STOPPED, reason, at or utcnow())
    session.flush()
    return len(rows)


# --- replies and opens (the provider webhooks call these) ----------------------------------------------
def _answered_version(session: Session, journey_id: uuid.UUID) -> uuid.UUID | None:
    last = repository.last_sequence_message(session, journey_id)
    raw = (last.raw_request or {}) if last is not None else {}
    value = raw.get("template_version_id")
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def record_reply(session: Session, journey_id: uuid.UUID, *, at: datetime | None = None) -> int:
    """A lead answered: the A/B version of the last sequence message counts a reply, and the journey's
    active enrollments whose next step stops on a reply stop now (the scheduler would at its next pass);
    the number stopped."""
    if version_id := _answered_version(session, journey_id):
        repository.count_version(session, version_id, replied=1)
    when = at or utcnow()
    stopped = 0
    for row in repository.active_enrollments(session, journey_id):
        upcoming = repository.step(session, row.sequence_id, row.current_step + 1)
        if upcoming is None or upcoming.stop_on_reply:
            finish(row, EnrollmentStatus.STOPPED, "replied", when)
            stopped += 1
    session.flush()
    return stopped


def record_open(session: Session, journey_id: uuid.UUID) -> None:
    """A lead opened (e-mail) or read (WhatsApp) the last sequence message: its version counts an open."""
    if version_id := _answered_version(session, journey_id):
        repository.count_version(session, version_id, opened=1)
