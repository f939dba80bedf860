"""Campaign rules: the status moves and the date order, on top of the shared record services."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from genius.core.kit.errors import Conflict
from genius.vettify import service
from genius.vettify.campaigns.models import Campaign
from genius.vettify.campaigns.repository import CAMPAIGNS
from genius.vettify.campaigns.schemas import CampaignCreate, CampaignStatus, CampaignUpdate
from genius.vettify.segments import service as segments

STATUS_MOVES: dict[CampaignStatus, frozenset[CampaignStatus]] = {
    CampaignStatus.draft: frozenset(
        {CampaignStatus.scheduled, CampaignStatus.running, CampaignStatus.completed}
    ),
    CampaignStatus.scheduled: frozenset(
        {CampaignStatus.draft, CampaignStatus.running, CampaignStatus.paused, CampaignStatus.completed}
    ),
    CampaignStatus.running: frozenset({CampaignStatus.paused, CampaignStatus.completed}),
    CampaignStatus.paused: frozenset({CampaignStatus.running, CampaignStatus.completed}),
    CampaignStatus.completed: frozenset(),
}


def _check_segment(session: Session, segment_id: uuid.UUID | None) -> None:
    """A campaign's segment must be one of the tenant's live segments of contacts (else 422)."""
    if segment_id is not None:
        try:
            segments.audience_segment(session, segment_id)
        except service.NotFound:
            raise service.field_error("segment_id", "no segment with this id") from None


def create_campaign(session: Session, who: service.Actor, body: CampaignCreate) -> Campaign:
    _check_segment(session, body.segment_id)
    return service.create_record(session, CAMPAIGNS, who, body.model_dump())


def update_campaign(
    session: Session,
    who: service.Actor,
    campaign_id: uuid.UUID,
    patch: CampaignUpdate,
    if_match: str | None,
) -> Campaign:
    # Locked first, so the date order and the status move are checked against the row being changed.
    row = service.get_record(session, CAMPAIGNS, campaign_id, lock=True)
    service.check_if_match(row, if_match, required=True)
    changes = patch.changes()
    starts_on = changes.get("starts_on", row.starts_on)
    ends_on = changes.get("ends_on", row.ends_on)
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        raise service.field_error("ends_on", f"must not be before starts_on ({starts_on.isoformat()})")
    if changes.get("segment_id") is not None:
        _check_segment(session, changes["segment_id"])
    status = changes.get("status")
    if status is not None and status != row.status:
        current = CampaignStatus(row.status)
        allowed = STATUS_MOVES[current]
        if CampaignStatus(status) not in allowed:
            raise Conflict(
                f"A {current} campaign cannot become {status}.",
                code="campaign-status",
                allowed=sorted(a.value for a in allowed),
            )
    row = service.update_record(session, CAMPAIGNS, who, campaign_id, patch, if_match)
    session.refresh(row)  # the stored values (e.g. the budget at 2 decimals), as a GET would return them
    return row


def delete_campaign(
    session: Session, who: service.Actor, campaign_id: uuid.UUID, if_match: str | None
) -> None:
    service.delete_record(session, CAMPAIGNS, who, campaign_id, if_match)
