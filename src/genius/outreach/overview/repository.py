"""Every SQL statement of the outreach overview."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from genius.outreach.models import (
    CommunicationLog,
    LeadJourney,
    MessageDirection,
    WaPhoneNumber,
    WaQuotaUsage,
)


def state_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(LeadJourney.current_state, func.count()).group_by(LeadJourney.current_state)
    ).all()
    return {str(state): int(n) for state, n in rows}


def contacted_since(session: Session, since: datetime) -> int:
    """Leads written to (any outbound message) since ``since``."""
    stmt = select(func.count(distinct(CommunicationLog.journey_id))).where(
        CommunicationLog.direction == MessageDirection.OUTBOUND.value, CommunicationLog.created_at >= since
    )
    return int(session.scalar(stmt) or 0)


def inbound_since(session: Session, since: datetime) -> int:
    stmt = (
        select(func.count())
        .select_from(CommunicationLog)
        .where(
            CommunicationLog.direction == MessageDirection.INBOUND.value, CommunicationLog.created_at >= since
        )
    )
    return int(session.scalar(stmt) or 0)


def recent_messages(session: Session, limit: int) -> Sequence[CommunicationLog]:
    stmt = (
        select(CommunicationLog)
        .order_by(CommunicationLog.created_at.desc(), CommunicationLog.id)
        .limit(limit)
    )
    return session.scalars(stmt).all()


def usage_rows(session: Session, day: date) -> dict[uuid.UUID, int]:
    """New contacts per phone recorded in the audit table for ``day``."""
    rows = session.execute(
        select(WaQuotaUsage.phone_id, WaQuotaUsage.new_contacts_count).where(WaQuotaUsage.usage_date == day)
    ).all()
    return {pid: int(n) for pid, n in rows}


def transaction_lock(session: Session, name: str) -> None:
    """An advisory lock on ``name`` until the transaction ends (a second demo seeder waits here)."""
    session.execute(select(func.pg_advisory_xact_lock(func.hashtext(name))))


def any_phone(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(WaPhoneNumber)) != 0


def add_usage(session: Session, rows: Sequence[WaQuotaUsage]) -> None:
    """Today's audit rows (an existing row for a phone and day is left alone)."""
    if not rows:
        return
    days = {r.usage_date for r in rows}
    existing = set(
        session.execute(
            select(WaQuotaUsage.phone_id, WaQuotaUsage.usage_date).where(WaQuotaUsage.usage_date.in_(days))
        ).all()
    )
    session.add_all([r for r in rows if (r.phone_id, r.usage_date) not in existing])
    session.flush()
