"""A campaign's audience: the given contacts, else its segment's matches now, else every live contact;
and the summary the send confirmation states (recipients, exclusions with their reasons)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from genius.core.kit.errors import Conflict, NotFound
from genius.vettify import service
from genius.vettify.campaigns import repository as repo
from genius.vettify.campaigns.models import Campaign
from genius.vettify.campaigns.repository import CAMPAIGNS
from genius.vettify.campaigns.schemas import AudienceOut, ExclusionReason
from genius.vettify.segments import service as segments


def contact_ids(
    session: Session, campaign: Campaign, given: list[uuid.UUID] | None
) -> list[uuid.UUID] | None:
    """The contacts to snapshot (``None``: every live contact)."""
    if given is not None:
        return given
    if campaign.segment_id is None:
        return None
    try:
        return segments.audience(session, campaign.segment_id)
    except NotFound:
        raise Conflict(
            "The campaign's segment was deleted; choose another audience.", code="segment-deleted"
        ) from None


def segment_name(session: Session, campaign: Campaign) -> str | None:
    if campaign.segment_id is None:
        return None
    try:
        return segments.get_segment(session, campaign.segment_id).name
    except NotFound:
        return None


def preview(
    session: Session, tid: uuid.UUID, campaign: Campaign, given: list[uuid.UUID] | None
) -> dict[str, int]:
    """The snapshot of the send in a savepoint that is rolled back: the counts per state or reason."""
    ids = contact_ids(session, campaign, given)
    savepoint = session.begin_nested()
    try:
        counts = repo.snapshot(session, tid, campaign.id, ids, 100)
    finally:
        savepoint.rollback()
    return counts


def summary(session: Session, tid: uuid.UUID, campaign_id: uuid.UUID) -> AudienceOut:
    """Recipients and exclusions with reasons: the snapshot once sent, else what a send would take now."""
    campaign: Campaign = service.get_record(session, CAMPAIGNS, campaign_id)
    if repo.send_of(session, campaign_id) is not None:
        counts, source = repo.state_counts(session, campaign_id), "sent"
    else:
        counts = preview(session, tid, campaign, None)
        source = "segment" if campaign.segment_id is not None else "all_contacts"
    excluded = {r.value: counts.get(r.value, 0) for r in ExclusionReason}
    recipients = sum(n for k, n in counts.items() if k not in excluded)
    return AudienceOut(
        campaign_id=campaign_id,
        source=source,
        segment_id=campaign.segment_id,
        segment_name=segment_name(session, campaign),
        recipients=recipients,
        excluded=excluded,
        excluded_total=sum(excluded.values()),
    )


def count_for(session: Session, segment_id: uuid.UUID | None) -> dict[str, int]:
    """What a new campaign's send would take now from a segment (or every contact), before the campaign
    exists (the creation wizard's live count): the counts per state or reason, as ``preview`` gives them.
    422 on ``segment_id`` when it is not one of the tenant's segments of contacts."""
    ids: list[uuid.UUID] | None = None
    if segment_id is not None:
        try:
            ids = segments.audience(session, segment_id)
        except NotFound:
            raise service.field_error("segment_id", "no segment with this id") from None
    return repo.audience_counts(session, ids)
