"""Every SQL statement of the outreach module (services never write SQL)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from genius.outreach.models import (
    CommunicationLog,
    LeadJourney,
    MessageDirection,
    ProviderKey,
    StateTransition,
    WaPhoneNumber,
)


def journey_by_lead(session: Session, lead_id: uuid.UUID) -> LeadJourney | None:
    return session.scalars(select(LeadJourney).where(LeadJourney.lead_id == lead_id)).one_or_none()


def journey(session: Session, journey_id: uuid.UUID) -> LeadJourney | None:
    return session.get(LeadJourney, journey_id)


def journey_locked(session: Session, journey_id: uuid.UUID) -> LeadJourney | None:
    """The journey, locked for the rest of the transaction (one state change at a time)."""
    stmt = select(LeadJourney).where(LeadJourney.id == journey_id).with_for_update()
    return session.scalars(stmt).one_or_none()


def last_outbound(session: Session, journey_id: uuid.UUID, channel: str) -> CommunicationLog | None:
    """The journey's latest outbound message on ``channel`` (the one a reply answers)."""
    return session.scalars(
        select(CommunicationLog)
        .where(
            CommunicationLog.journey_id == journey_id,
            CommunicationLog.channel == channel,
            CommunicationLog.direction == MessageDirection.OUTBOUND.value,
        )
        .order_by(CommunicationLog.created_at.desc(), CommunicationLog.id.desc())
        .limit(1)
    ).first()


def provider_key(session: Session, provider: str) -> ProviderKey | None:
    return session.scalars(select(ProviderKey).where(ProviderKey.provider == provider)).one_or_none()


def provider_keys(session: Session) -> Sequence[ProviderKey]:
    return session.scalars(select(ProviderKey).order_by(ProviderKey.provider)).all()


def conversation(session: Session, journey_id: uuid.UUID, limit: int) -> Sequence[CommunicationLog]:
    """The journey's messages in and out, the newest first."""
    return session.scalars(
        select(CommunicationLog)
        .where(CommunicationLog.journey_id == journey_id)
        .order_by(CommunicationLog.created_at.desc(), CommunicationLog.id.desc())
        .limit(limit)
    ).all()


def by_external_id(
    session: Session, provider: str, *, message_id: str | None = None, lead_id: str | None = None
) -> CommunicationLog | None:
    """The outbound message a provider names by its message id (or, for Instantly, its lead id)."""
    query = select(CommunicationLog).where(
        CommunicationLog.provider == provider, CommunicationLog.direction == MessageDirection.OUTBOUND.value
    )
    if message_id is not None:
        query = query.where(CommunicationLog.external_message_id == message_id)
    elif lead_id is not None:
        query = query.where(CommunicationLog.external_lead_id == lead_id)
    else:
        return None
    return session.scalars(query.order_by(CommunicationLog.created_at.desc()).limit(1)).first()


def transitions(session: Session, journey_id: uuid.UUID) -> Sequence[StateTransition]:
    stmt = (
        select(StateTransition)
        .where(StateTransition.journey_id == journey_id)
        .order_by(StateTransition.changed_at, StateTransition.id)
    )
    return session.scalars(stmt).all()


def phones(session: Session) -> Sequence[WaPhoneNumber]:
    """The tenant's WhatsApp numbers, in a stable order."""
    return session.scalars(select(WaPhoneNumber).order_by(WaPhoneNumber.phone_number)).all()


@dataclass(frozen=True)
class JourneyFilter:
    state: str | None = None
    channel: str | None = None
    assigned_to: uuid.UUID | None = None
    has_reply: bool | None = None
    needs_review: bool | None = None
    lead_ids: Sequence[uuid.UUID] | None = None  # None: any lead


SORTS = {
    "nextActionAt": (LeadJourney.next_action_at, False),
    "lastContactAt": (LeadJourney.last_contact_at, True),
    "sentimentScore": (LeadJourney.sentiment_score, True),
}


def _where(f: JourneyFilter) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f.state is not None:
        conds.append(LeadJourney.current_state == f.state)
    if f.channel is not None:
        conds.append(LeadJourney.last_channel_used == f.channel)
    if f.assigned_to is not None:
        conds.append(LeadJourney.assigned_to_user == f.assigned_to)
    if f.has_reply is not None:
        conds.append(LeadJourney.reply_count > 0 if f.has_reply else LeadJourney.reply_count == 0)
    if f.needs_review is not None:
        conds.append(LeadJourney.requires_human_review.is_(f.needs_review))
    if f.lead_ids is not None:
        conds.append(LeadJourney.lead_id.in_(list(f.lead_ids)))
    return conds


def journey_page(
    session: Session, f: JourneyFilter, *, sort: str, descending: bool, offset: int, limit: int
) -> tuple[Sequence[LeadJourney], int]:
    """One page of journeys (empty sort values last) and the number of journeys matching."""
    if f.lead_ids is not None and not f.lead_ids:
        return [], 0
    conds = _where(f)
    column, _ = SORTS[sort]
    order = column.desc().nulls_last() if descending else column.asc().nulls_last()
    tie = LeadJourney.id.desc() if descending else LeadJourney.id.asc()
    rows = session.scalars(
        select(LeadJourney).where(*conds).order_by(order, tie).offset(offset).limit(limit)
    ).all()
    if offset == 0 and len(rows) < limit:  # the first page holds every match: no count to run
        return rows, len(rows)
    total = session.scalar(select(func.count()).select_from(LeadJourney).where(*conds)) or 0
    return rows, int(total)
