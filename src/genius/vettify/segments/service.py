"""Segment rules: a filter's rules must exist for the segment's entity; the live count and preview of a
saved or an unsaved filter. Services flush and never commit."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from genius.vettify import service
from genius.vettify.segments import repository as repo
from genius.vettify.segments.models import Segment
from genius.vettify.segments.repository import SEGMENTS
from genius.vettify.segments.schemas import (
    ONLY_FOR,
    CountOut,
    Entity,
    Match,
    PreviewIn,
    PreviewOut,
    SegmentCreate,
    SegmentFilter,
    SegmentUpdate,
)


def check_filter(entity: Entity, flt: SegmentFilter, where: str = "filter") -> None:
    """422 on the first rule whose field the entity does not have (a lead has no consent, ...)."""
    for i, rule in enumerate(flt.rules):
        only = ONLY_FOR.get(rule.field)
        if only is not None and only != entity:
            raise service.field_error(
                f"{where}.rules.{i}.field",
                f"{rule.field} is a rule for {only.value}s only, not {entity.value}s",
            )


def create_segment(session: Session, who: service.Actor, body: SegmentCreate) -> Segment:
    check_filter(body.entity, body.filter)
    values = body.model_dump()
    values["filter"] = body.filter.model_dump(mode="json")
    return service.create_record(session, SEGMENTS, who, values)


def update_segment(
    session: Session, who: service.Actor, segment_id: uuid.UUID, patch: SegmentUpdate, if_match: str | None
) -> Segment:
    row = service.get_record(session, SEGMENTS, segment_id, lock=True)
    service.check_if_match(row, if_match, required=True)
    entity = patch.entity or Entity(row.entity)
    flt = patch.filter or SegmentFilter.model_validate(row.filter)
    check_filter(entity, flt)
    return service.update_record(session, SEGMENTS, who, segment_id, patch, if_match)


def delete_segment(session: Session, who: service.Actor, segment_id: uuid.UUID, if_match: str | None) -> None:
    service.delete_record(session, SEGMENTS, who, segment_id, if_match)


def get_segment(session: Session, segment_id: uuid.UUID) -> Segment:
    return service.get_record(session, SEGMENTS, segment_id)


def filter_of(row: Segment) -> SegmentFilter:
    return SegmentFilter.model_validate(row.filter)


def count(session: Session, segment_id: uuid.UUID) -> CountOut:
    row = get_segment(session, segment_id)
    return CountOut(entity=Entity(row.entity), count=repo.count(session, row.entity, filter_of(row)))


def preview(session: Session, segment_id: uuid.UUID, limit: int) -> PreviewOut:
    row = get_segment(session, segment_id)
    return preview_filter(session, PreviewIn(entity=Entity(row.entity), filter=filter_of(row), limit=limit))


def preview_filter(session: Session, body: PreviewIn) -> PreviewOut:
    """Count and first matches of a filter, saved or not (the editor's live preview)."""
    check_filter(body.entity, body.filter)
    entity = body.entity.value
    return PreviewOut(
        entity=body.entity,
        count=repo.count(session, entity, body.filter),
        items=[Match.model_validate(m) for m in repo.preview(session, entity, body.filter, body.limit)],
    )


def audience_segment(session: Session, segment_id: uuid.UUID) -> Segment:
    """A segment a campaign may target: 404 when unknown, 422 for a segment of leads."""
    row = get_segment(session, segment_id)
    if row.entity != Entity.contact.value:
        raise service.field_error("segment_id", "a campaign's segment must be a segment of contacts")
    return row


def audience(session: Session, segment_id: uuid.UUID) -> list[uuid.UUID]:
    """The contacts a segment matches now (a campaign send's audience)."""
    return repo.contact_ids(session, filter_of(audience_segment(session, segment_id)))


def segments_for_picker(session: Session) -> list[Segment]:
    return repo.live_segments(session, Entity.contact.value)
