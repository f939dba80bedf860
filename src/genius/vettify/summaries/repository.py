"""The summaries' SQL: one row per subject, and the activities a summary reads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from genius.vettify.models import Activity
from genius.vettify.summaries.models import Summary


def summary_of(
    session: Session, subject_type: str, subject_id: uuid.UUID, *, lock: bool = False
) -> Summary | None:
    stmt = select(Summary).where(Summary.subject_type == subject_type, Summary.subject_id == subject_id)
    return session.scalars(stmt.with_for_update() if lock else stmt).first()


def ensure(session: Session, tid: uuid.UUID, subject_type: str, subject_id: uuid.UUID) -> Summary:
    """The subject's row, created (pending) if it has none; locked for the caller's transaction."""
    session.execute(
        pg_insert(Summary)
        .values(id=uuid.uuid4(), tid=tid, subject_type=subject_type, subject_id=subject_id, status="pending")
        .on_conflict_do_nothing(constraint="uq_summaries_subject")
    )
    row = summary_of(session, subject_type, subject_id, lock=True)
    assert row is not None
    session.refresh(row)
    return row


def activities_of(
    session: Session, subject_type: str, subject_id: uuid.UUID, *, limit: int = 200
) -> Sequence[Activity]:
    """The subject's live activities (notes, calls, meetings, e-mails, tasks), the newest ``limit``,
    oldest first."""
    column = Activity.lead_id if subject_type == "lead" else Activity.opportunity_id
    stmt = (
        select(Activity)
        .where(column == subject_id, Activity.deleted_at.is_(None))
        .order_by(Activity.occurred_at.desc(), Activity.id.desc())
        .limit(limit)
    )
    return list(reversed(session.scalars(stmt).all()))


def any_summary(session: Session) -> bool:
    return session.scalar(select(Summary.id).limit(1)) is not None
