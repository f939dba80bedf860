"""Every SQL statement of the review queue (its service never writes SQL)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from genius.core.kit.pagination import Page, cursor_after, page_of
from genius.outreach.models import CommunicationLog, LeadJourney, ReviewItem

PENDING, SNOOZED, RESOLVED = "PENDING", "SNOOZED", "RESOLVED"
ORDER = "sla"
KEY = (ReviewItem.sla_due_at, ReviewItem.id)


def item(session: Session, item_id: uuid.UUID, *, lock: bool = False) -> ReviewItem | None:
    stmt = select(ReviewItem).where(ReviewItem.id == item_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).one_or_none()


def _waiting(now: datetime) -> ColumnElement[bool]:
    """Items a reviewer should see now: pending, or snoozed until a time that has passed."""
    return or_(
        ReviewItem.status == PENDING,
        and_(ReviewItem.status == SNOOZED, ReviewItem.snoozed_until <= now),
    )


def _status(status: str, now: datetime) -> ColumnElement[bool]:
    if status == "open":
        return _waiting(now)
    if status == SNOOZED:
        return and_(ReviewItem.status == SNOOZED, ReviewItem.snoozed_until > now)
    return ReviewItem.status == status


def item_page(
    session: Session, *, status: str, now: datetime, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> Page[ReviewItem]:
    """Review items, the most urgent SLA first (keyset pages on ``(sla_due_at, id)``)."""
    conds = [_status(status, now)]
    if after is not None:
        conds.append(cursor_after(KEY, after, desc=False))
    rows = session.scalars(select(ReviewItem).where(*conds).order_by(*KEY).limit(limit + 1)).all()
    return page_of(rows, limit, ORDER, key=lambda r: (r.sla_due_at, r.id))


def count_waiting(session: Session, now: datetime) -> int:
    return int(session.scalar(select(func.count()).select_from(ReviewItem).where(_waiting(now))) or 0)


def count_breached(session: Session) -> int:
    """Unresolved items past their SLA."""
    stmt = (
        select(func.count())
        .select_from(ReviewItem)
        .where(ReviewItem.status != RESOLVED, ReviewItem.sla_breached.is_(True))
    )
    return int(session.scalar(stmt) or 0)


def mark_breached(session: Session, now: datetime) -> Sequence[uuid.UUID]:
    """Flag every unresolved item past its SLA (once); the ids flagged."""
    stmt = (
        update(ReviewItem)
        .where(ReviewItem.status != RESOLVED, ReviewItem.sla_breached.is_(False), ReviewItem.sla_due_at < now)
        .values(sla_breached=True, sla_breached_at=now, updated_at=now)
        .returning(ReviewItem.id)
    )
    return session.scalars(stmt).all()


def journeys(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, LeadJourney]:
    if not ids:
        return {}
    return {j.id: j for j in session.scalars(select(LeadJourney).where(LeadJourney.id.in_(list(ids))))}


def messages(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, CommunicationLog]:
    if not ids:
        return {}
    rows = session.scalars(select(CommunicationLog).where(CommunicationLog.id.in_(list(ids))))
    return {m.id: m for m in rows}


def message_locked(session: Session, message_id: uuid.UUID) -> CommunicationLog | None:
    stmt = select(CommunicationLog).where(CommunicationLog.id == message_id).with_for_update()
    return session.scalars(stmt).one_or_none()
