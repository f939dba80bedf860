"""Every SQL statement of the outreach module (services never write SQL)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from genius.outreach.models import LeadJourney, StateTransition, WaPhoneNumber


def journey_by_lead(session: Session, lead_id: uuid.UUID) -> LeadJourney | None:
    return session.scalars(select(LeadJourney).where(LeadJourney.lead_id == lead_id)).one_or_none()


def journey(session: Session, journey_id: uuid.UUID) -> LeadJourney | None:
    return session.get(LeadJourney, journey_id)


def journey_locked(session: Session, journey_id: uuid.UUID) -> LeadJourney | None:
    """The journey, locked for the rest of the transaction (one state change at a time)."""
    stmt = select(LeadJourney).where(LeadJourney.id == journey_id).with_for_update()
    return session.scalars(stmt).one_or_none()


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
