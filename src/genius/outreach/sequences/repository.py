"""Every SQL statement of outreach sequences and templates (services never write SQL)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence as Seq
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, exists, select, update
from sqlalchemy.orm import Session

from genius.core.kit.pagination import Page, cursor_after, decode_cursor, page_of
from genius.outreach.models import CommunicationLog, MessageDirection, WaPhoneNumber
from genius.outreach.sequences.models import (
    Enrollment,
    EnrollmentStatus,
    Sequence,
    SequenceStep,
    Template,
    TemplateVersion,
)

OLDEST_FIRST = "created"
R = TypeVar("R")


# --- templates ---------------------------------------------------------------------------------------
def template(session: Session, template_id: uuid.UUID) -> Template | None:
    return session.get(Template, template_id)


def _oldest_first(
    session: Session, query: Select[Any], when: Any, ident: Any, cursor: str | None, limit: int
) -> Page[R]:
    """A keyset page of ``query`` ordered by (``when``, ``ident``), oldest first."""
    if cursor:
        key = decode_cursor(cursor, OLDEST_FIRST, (datetime, uuid.UUID))
        query = query.where(cursor_after((when, ident), key, desc=False))
    rows: Seq[R] = session.scalars(query.order_by(when, ident).limit(limit + 1)).all()
    return page_of(rows, limit, OLDEST_FIRST, key=lambda r: (getattr(r, when.key), r.id))  # type: ignore[attr-defined]


def template_page(session: Session, *, cursor: str | None, limit: int) -> Page[Template]:
    return _oldest_first(session, select(Template), Template.created_at, Template.id, cursor, limit)


def versions(session: Session, template_id: uuid.UUID) -> Seq[TemplateVersion]:
    stmt = (
        select(TemplateVersion)
        .where(TemplateVersion.template_id == template_id)
        .order_by(TemplateVersion.label, TemplateVersion.id)
    )
    return session.scalars(stmt).all()


def count_sent(session: Session, version_id: uuid.UUID) -> None:
    session.execute(
        update(TemplateVersion)
        .where(TemplateVersion.id == version_id)
        .values(sent_count=TemplateVersion.sent_count + 1)
    )


# --- sequences and steps -----------------------------------------------------------------------------
def sequence(session: Session, sequence_id: uuid.UUID) -> Sequence | None:
    return session.get(Sequence, sequence_id)


def sequence_page(session: Session, *, cursor: str | None, limit: int) -> Page[Sequence]:
    return _oldest_first(session, select(Sequence), Sequence.created_at, Sequence.id, cursor, limit)


def steps(session: Session, sequence_id: uuid.UUID) -> Seq[SequenceStep]:
    stmt = (
        select(SequenceStep).where(SequenceStep.sequence_id == sequence_id).order_by(SequenceStep.step_number)
    )
    return session.scalars(stmt).all()


def step(session: Session, sequence_id: uuid.UUID, number: int) -> SequenceStep | None:
    stmt = select(SequenceStep).where(
        SequenceStep.sequence_id == sequence_id, SequenceStep.step_number == number
    )
    return session.scalars(stmt).one_or_none()


# --- enrollments -------------------------------------------------------------------------------------
def enrollment(session: Session, enrollment_id: uuid.UUID) -> Enrollment | None:
    return session.get(Enrollment, enrollment_id)


def enrollment_of(session: Session, sequence_id: uuid.UUID, journey_id: uuid.UUID) -> Enrollment | None:
    stmt = select(Enrollment).where(
        Enrollment.sequence_id == sequence_id, Enrollment.journey_id == journey_id
    )
    return session.scalars(stmt).one_or_none()


def enrollment_page(
    session: Session, sequence_id: uuid.UUID, *, cursor: str | None, limit: int
) -> Page[Enrollment]:
    query = select(Enrollment).where(Enrollment.sequence_id == sequence_id)
    return _oldest_first(session, query, Enrollment.enrolled_at, Enrollment.id, cursor, limit)


def active_enrollments(session: Session, journey_id: uuid.UUID) -> Seq[Enrollment]:
    stmt = (
        select(Enrollment)
        .where(Enrollment.journey_id == journey_id, Enrollment.status == EnrollmentStatus.ACTIVE.value)
        .with_for_update()
    )
    return session.scalars(stmt).all()


def due_locked(session: Session, now: datetime, limit: int) -> Seq[Enrollment]:
    """Up to ``limit`` active enrollments due at ``now``, earliest first, locked for this transaction;
    rows another scheduler holds are skipped (``SKIP LOCKED``), so each due action has one taker."""
    stmt = (
        select(Enrollment)
        .where(Enrollment.status == EnrollmentStatus.ACTIVE.value, Enrollment.next_action_at <= now)
        .order_by(Enrollment.next_action_at, Enrollment.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return session.scalars(stmt).all()


def replied_since(session: Session, journey_id: uuid.UUID, since: datetime) -> bool:
    """Whether an inbound message of the journey was logged at or after ``since``."""
    stmt = select(
        exists().where(
            CommunicationLog.journey_id == journey_id,
            CommunicationLog.direction == MessageDirection.INBOUND.value,
            CommunicationLog.created_at >= since,
        )
    )
    return bool(session.scalar(stmt))


def template_by_name(session: Session, name: str) -> Template | None:
    return session.scalars(select(Template).where(Template.name == name)).one_or_none()


def sequence_by_name(session: Session, name: str) -> Sequence | None:
    return session.scalars(select(Sequence).where(Sequence.name == name)).one_or_none()


# --- sends (the channel tasks) ------------------------------------------------------------------------
def communication(session: Session, communication_id: uuid.UUID) -> CommunicationLog | None:
    return session.get(CommunicationLog, communication_id)


def communication_locked(session: Session, communication_id: uuid.UUID) -> CommunicationLog | None:
    stmt = select(CommunicationLog).where(CommunicationLog.id == communication_id).with_for_update()
    return session.scalars(stmt).one_or_none()


def phone(session: Session, phone_id: uuid.UUID) -> WaPhoneNumber | None:
    return session.get(WaPhoneNumber, phone_id)


def last_sequence_message(session: Session, journey_id: uuid.UUID) -> CommunicationLog | None:
    """The journey's latest outbound message sent by a sequence (what a reply or an open answers)."""
    stmt = (
        select(CommunicationLog)
        .where(
            CommunicationLog.journey_id == journey_id,
            CommunicationLog.direction == MessageDirection.OUTBOUND.value,
            CommunicationLog.sequence_id.is_not(None),
        )
        .order_by(CommunicationLog.created_at.desc(), CommunicationLog.id.desc())
        .limit(1)
    )
    return session.scalars(stmt).one_or_none()


def count_version(session: Session, version_id: uuid.UUID, *, opened: int = 0, replied: int = 0) -> None:
    session.execute(
        update(TemplateVersion)
        .where(TemplateVersion.id == version_id)
        .values(
            open_count=TemplateVersion.open_count + opened,
            reply_count=TemplateVersion.reply_count + replied,
        )
    )
