"""E-mail sequences' SQL: the sequences and their steps, enrolments (the scheduler's claim with ``FOR
UPDATE SKIP LOCKED``), the send ledger (``ON CONFLICT DO NOTHING`` on enrolment + step), tracking, and
what the scheduler reads of a contact (address, placeholder values, suppression, lawful basis)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from genius.vettify.campaigns.repository import CONTACT_VARIABLES
from genius.vettify.models import Contact
from genius.vettify.sequences.models import (
    EmailSequence,
    EmailSequenceEnrolment,
    EmailSequenceSend,
    EmailSequenceStep,
)


# --- sequences and steps ------------------------------------------------------------------------------
def add(session: Session, row: Any) -> None:
    session.add(row)
    session.flush()


def sequence(session: Session, sequence_id: uuid.UUID, *, lock: bool = False) -> EmailSequence | None:
    stmt = select(EmailSequence).where(EmailSequence.id == sequence_id)
    return session.scalars(stmt.with_for_update() if lock else stmt).first()


def sequences(session: Session, limit: int = 200) -> Sequence[EmailSequence]:
    stmt = select(EmailSequence).order_by(EmailSequence.created_at.desc(), EmailSequence.id).limit(limit)
    return session.scalars(stmt).all()


def steps_of(session: Session, sequence_id: uuid.UUID) -> Sequence[EmailSequenceStep]:
    """The sequence's live steps in order (a removed step is kept for its sends' history only)."""
    stmt = (
        select(EmailSequenceStep)
        .where(EmailSequenceStep.sequence_id == sequence_id, EmailSequenceStep.removed_at.is_(None))
        .order_by(EmailSequenceStep.position)
    )
    return session.scalars(stmt).all()


def step_counts(session: Session, sequence_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not sequence_ids:
        return {}
    rows = session.execute(
        select(EmailSequenceStep.sequence_id, func.count())
        .where(EmailSequenceStep.sequence_id.in_(sequence_ids), EmailSequenceStep.removed_at.is_(None))
        .group_by(EmailSequenceStep.sequence_id)
    ).all()
    return {sid: int(n) for sid, n in rows}


def enrolment_counts(session: Session, sequence_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    """Enrolments per sequence and state, in one grouped query."""
    if not sequence_ids:
        return {}
    e = EmailSequenceEnrolment
    rows = session.execute(
        select(e.sequence_id, e.state, func.count())
        .where(e.sequence_id.in_(sequence_ids))
        .group_by(e.sequence_id, e.state)
    ).all()
    out: dict[uuid.UUID, dict[str, int]] = {}
    for sid, state, n in rows:
        out.setdefault(sid, {})[str(state)] = int(n)
    return out


# --- enrolments -----------------------------------------------------------------------------------------
def live_contact_ids(session: Session, ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    """Those of ``ids`` that are live contacts of the tenant (not deleted, not merged away)."""
    if not ids:
        return []
    stmt = select(Contact.id).where(
        Contact.id.in_(list(ids)), Contact.deleted_at.is_(None), Contact.merged_into_id.is_(None)
    )
    return list(session.scalars(stmt).all())


def contact_ids_by_address(session: Session, address: str) -> list[uuid.UUID]:
    stmt = select(Contact.id).where(
        func.lower(Contact.email) == address.lower(), Contact.deleted_at.is_(None)
    )
    return list(session.scalars(stmt).all())


def enrol(
    session: Session,
    tid: uuid.UUID,
    sequence_id: uuid.UUID,
    contact_ids: Sequence[uuid.UUID],
    *,
    next_due_at: datetime | None,
    source: str,
    enrolled_by: str,
    now: datetime,
) -> int:
    """One active enrolment per contact not yet in the sequence (an existing one is left as it is);
    the number of new enrolments."""
    if not contact_ids:
        return 0
    rows = [
        {
            "id": uuid.uuid4(),
            "tid": tid,
            "sequence_id": sequence_id,
            "contact_id": cid,
            "state": "active",
            "step": 1,
            "next_due_at": next_due_at,
            "source": source,
            "enrolled_by": enrolled_by,
            "enrolled_at": now,
            "updated_at": now,
        }
        for cid in dict.fromkeys(contact_ids)
    ]
    inserted = session.execute(
        pg_insert(EmailSequenceEnrolment)
        .values(rows)
        .on_conflict_do_nothing(constraint="uq_email_sequence_enrolments_contact")
        .returning(EmailSequenceEnrolment.id)
    ).all()
    return len(inserted)


def enrolment(session: Session, enrolment_id: uuid.UUID) -> EmailSequenceEnrolment | None:
    return session.get(EmailSequenceEnrolment, enrolment_id)


def enrolments_of_sequence(
    session: Session, sequence_id: uuid.UUID, *, state: str | None, limit: int
) -> list[tuple[EmailSequenceEnrolment, str]]:
    """A sequence's enrolments, newest first, each with its contact's name."""
    e = EmailSequenceEnrolment
    name = func.btrim(func.concat_ws(" ", Contact.first_name, Contact.last_name))
    stmt = (
        select(e, name)
        .join(Contact, Contact.id == e.contact_id)
        .where(e.sequence_id == sequence_id)
        .order_by(e.enrolled_at.desc(), e.id)
        .limit(limit)
    )
    if state is not None:
        stmt = stmt.where(e.state == state)
    return [(row, str(n or "")) for row, n in session.execute(stmt).all()]


def enrolments_of_contact(
    session: Session, contact_id: uuid.UUID
) -> list[tuple[EmailSequenceEnrolment, str]]:
    """A contact's enrolments, newest first, each with its sequence's name."""
    e = EmailSequenceEnrolment
    stmt = (
        select(e, EmailSequence.name)
        .join(EmailSequence, EmailSequence.id == e.sequence_id)
        .where(e.contact_id == contact_id)
        .order_by(e.enrolled_at.desc(), e.id)
    )
    return [(row, str(n)) for row, n in session.execute(stmt).all()]


def active_enrolments_of_contacts(
    session: Session, contact_ids: Sequence[uuid.UUID]
) -> Sequence[EmailSequenceEnrolment]:
    """The contacts' active enrolments, locked (a stop and the scheduler's claim do not cross)."""
    if not contact_ids:
        return []
    e = EmailSequenceEnrolment
    stmt = (
        select(e)
        .where(e.contact_id.in_(list(contact_ids)), e.state == "active")
        .order_by(e.id)
        .with_for_update()
    )
    return session.scalars(stmt).all()


def active_enrolments_of_sequence(
    session: Session, sequence_id: uuid.UUID
) -> Sequence[EmailSequenceEnrolment]:
    """The sequence's active enrolments, locked: an edit of its steps waits for a scheduler pass that
    holds one of them, so the pass advances it on the steps as they were and the edit then re-reads it."""
    e = EmailSequenceEnrolment
    stmt = select(e).where(e.sequence_id == sequence_id, e.state == "active").order_by(e.id).with_for_update()
    return session.scalars(stmt).all()


def last_send_at(session: Session, enrolment_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """When each enrolment's latest step was done (queued or skipped): the start of its next delay."""
    if not enrolment_ids:
        return {}
    s = EmailSequenceSend
    rows = session.execute(
        select(s.enrolment_id, func.max(s.created_at))
        .where(s.enrolment_id.in_(list(enrolment_ids)))
        .group_by(s.enrolment_id)
    ).all()
    return {eid: at for eid, at in rows}


def claim_due(session: Session, now: datetime, limit: int) -> Sequence[EmailSequenceEnrolment]:
    """Active enrolments of active sequences due by ``now`` (oldest due first), locked; rows another
    scheduler holds are skipped, and a row it has moved on is re-checked against its new due time by
    PostgreSQL before the lock is granted: each due step is claimed by one scheduler only."""
    e = EmailSequenceEnrolment
    stmt = (
        select(e)
        .join(EmailSequence, EmailSequence.id == e.sequence_id)
        .where(e.state == "active", e.next_due_at <= now, EmailSequence.status == "active")
        .order_by(e.next_due_at, e.id)
        .limit(limit)
        .with_for_update(of=e, skip_locked=True)
    )
    return session.scalars(stmt).all()


@dataclass(frozen=True)
class Recipient:
    """What a step's send needs of a contact: its address, placeholder values, the suppression of
    the address (its reason) and whether it has a lawful basis for marketing e-mail."""

    address: str | None
    variables: dict[str, Any]
    suppressed: str | None
    has_basis: bool


_RECIPIENT = text(
    f"""
    SELECT lower(c.email) AS address, {CONTACT_VARIABLES} AS variables, s.reason AS suppressed,
           EXISTS (SELECT 1 FROM crm.consents k WHERE k.contact_id = c.id AND k.channel = 'email'
                   AND k.withdrawn_at IS NULL) AS has_basis
    FROM crm.contacts c
    LEFT JOIN crm.accounts acc ON acc.id = c.account_id
    LEFT JOIN crm.suppressions s ON s.address = lower(c.email)
    WHERE c.id = :id AND c.deleted_at IS NULL
    """  # noqa: S608 (CONTACT_VARIABLES is a constant)
)


def recipient(session: Session, contact_id: uuid.UUID) -> Recipient | None:
    row = session.execute(_RECIPIENT, {"id": contact_id}).first()
    if row is None:
        return None
    return Recipient(
        address=row.address, variables=dict(row.variables), suppressed=row.suppressed, has_basis=row.has_basis
    )


# --- the send ledger -----------------------------------------------------------------------------------
def record_send(
    session: Session,
    tid: uuid.UUID,
    enrolment_id: uuid.UUID,
    step: EmailSequenceStep,
    *,
    state: str,
    reason: str | None,
    address: str | None,
    now: datetime,
) -> uuid.UUID | None:
    """The ledger row of this enrolment and step; ``None`` when it exists already (the step was done)."""
    return session.execute(
        pg_insert(EmailSequenceSend)
        .values(
            id=uuid.uuid4(),
            tid=tid,
            enrolment_id=enrolment_id,
            step_id=step.id,
            position=step.position,
            state=state,
            reason=reason,
            address=address,
            created_at=now,
        )
        .on_conflict_do_nothing(constraint="uq_email_sequence_sends_step")
        .returning(EmailSequenceSend.id)
    ).scalar()


def latest_queued(session: Session, enrolment_id: uuid.UUID) -> EmailSequenceSend | None:
    """The enrolment's latest message (what an opened/clicked condition looks at)."""
    s = EmailSequenceSend
    stmt = (
        select(s)
        .where(s.enrolment_id == enrolment_id, s.state == "queued")
        .order_by(s.position.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def sends_of(session: Session, enrolment_ids: Sequence[uuid.UUID]) -> Sequence[EmailSequenceSend]:
    if not enrolment_ids:
        return []
    s = EmailSequenceSend
    stmt = select(s).where(s.enrolment_id.in_(list(enrolment_ids))).order_by(s.enrolment_id, s.position)
    return session.scalars(stmt).all()


def send(session: Session, send_id: uuid.UUID) -> EmailSequenceSend | None:
    return session.get(EmailSequenceSend, send_id)


def track(session: Session, send_id: uuid.UUID, kind: str) -> bool:
    """An open or a click of a queued step message (first time kept, counts added)."""
    s = EmailSequenceSend
    values: dict[str, Any]
    if kind == "open":
        values = {"opens": s.opens + 1, "opened_at": func.coalesce(s.opened_at, func.now())}
    elif kind == "click":
        values = {
            "clicks": s.clicks + 1,
            "clicked_at": func.coalesce(s.clicked_at, func.now()),
            "opened_at": func.coalesce(s.opened_at, func.now()),
        }
    else:
        return send(session, send_id) is not None
    result = session.execute(update(s).where(s.id == send_id, s.state == "queued").values(**values))
    return bool(getattr(result, "rowcount", 0))
