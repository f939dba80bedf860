"""Every SQL statement of the outreach overview."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, distinct, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from genius.core.db.base import new_id, utcnow
from genius.outreach.models import (
    Channel,
    CommunicationLog,
    DailyStat,
    LeadJourney,
    LeadState,
    MessageDirection,
    MessageStatus,
    ReviewItem,
    StateTransition,
    WaPhoneNumber,
    WaQuotaUsage,
)

EMAIL_CHANNELS = (Channel.EMAIL_COLD.value, Channel.EMAIL_WARM.value)


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


def day_figures(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """The day's counts from the communication log, the state transitions and the review queue.

    A message counts on the day its event happened (sent, delivered, opened, …), whenever it was
    created; every such row was updated that day or later, hence the ``updated_at`` bound."""
    c = CommunicationLog
    out = c.direction == MessageDirection.OUTBOUND.value
    inbound = c.direction == MessageDirection.INBOUND.value

    def during(column: Any) -> Any:
        return and_(column >= start, column < end)

    row = session.execute(
        select(
            func.count().filter(out, during(c.sent_at), c.channel == Channel.WHATSAPP.value),
            func.count().filter(out, during(c.sent_at), c.channel.in_(EMAIL_CHANNELS)),
            func.coalesce(func.sum(c.quota_cost).filter(out, during(c.sent_at)), 0),
            func.count().filter(out, during(c.delivered_at)),
            func.count().filter(out, during(c.opened_at)),
            func.count().filter(out, during(c.clicked_at)),
            func.count().filter(inbound, during(c.created_at), c.channel == Channel.WHATSAPP.value),
            func.count().filter(inbound, during(c.created_at), c.channel.in_(EMAIL_CHANNELS)),
            func.count().filter(out, during(c.bounced_at)),
            func.count().filter(out, c.status == MessageStatus.FAILED.value, during(c.updated_at)),
        ).where(c.updated_at >= start)
    ).one()
    names = (
        "sent_whatsapp",
        "sent_email",
        "new_contacts",
        "delivered",
        "opened",
        "clicked",
        "replies_whatsapp",
        "replies_email",
        "bounced",
        "failed",
    )
    figures = {name: int(v or 0) for name, v in zip(names, row, strict=True)}
    figures["converted"] = int(
        session.scalar(
            select(func.count())
            .select_from(StateTransition)
            .where(StateTransition.to_state == LeadState.CONVERTED.value, during(StateTransition.changed_at))
        )
        or 0
    )
    figures["review_items"] = int(
        session.scalar(select(func.count()).select_from(ReviewItem).where(during(ReviewItem.created_at))) or 0
    )
    return figures


def save_day(session: Session, tid: uuid.UUID, day: date, values: dict[str, Any]) -> None:
    """Insert or refresh the tenant's row for ``day``."""
    stmt = insert(DailyStat).values(id=new_id(), tid=tid, stat_date=day, computed_at=utcnow(), **values)
    stmt = stmt.on_conflict_do_update(
        constraint="uq_outreach_daily_stats_day",
        set_={**{k: stmt.excluded[k] for k in values}, "computed_at": stmt.excluded.computed_at},
    )
    session.execute(stmt)


def days(session: Session, since: date) -> Sequence[DailyStat]:
    stmt = select(DailyStat).where(DailyStat.stat_date >= since).order_by(DailyStat.stat_date)
    return session.scalars(stmt).all()


def record_usage(
    session: Session,
    tid: uuid.UUID,
    day: date,
    counts: dict[uuid.UUID, tuple[int, int]],
    limits: dict[uuid.UUID, int],
) -> None:
    """Copy the guardian's counters (new contacts, follow-ups) for ``day`` into the audit table.

    Counters only grow within a day, so an older copy never lowers a newer one (``GREATEST``)."""
    if not counts:
        return
    now = utcnow()
    rows = [
        {
            "id": new_id(),
            "tid": tid,
            "phone_id": phone,
            "usage_date": day,
            "new_contacts_count": n,
            "followup_count": f,
            "quota_limit": limits.get(phone, 200),
            "updated_at": now,
        }
        for phone, (n, f) in counts.items()
    ]
    stmt = insert(WaQuotaUsage).values(rows)
    stmt = stmt.on_conflict_do_update(
        constraint="uq_wa_quota_usage_phone_id",
        set_={
            "new_contacts_count": func.greatest(
                WaQuotaUsage.new_contacts_count, stmt.excluded.new_contacts_count
            ),
            "followup_count": func.greatest(WaQuotaUsage.followup_count, stmt.excluded.followup_count),
            "quota_limit": stmt.excluded.quota_limit,
            "updated_at": stmt.excluded.updated_at,
        },
    )
    session.execute(stmt)
