"""Segment routes under ``/v1/crm/segments``: list (search, pages), the record routes (ETag,
If-Match), the live count and preview of a saved segment, and the preview of an unsaved filter."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from genius.core.auth.deps import TenantDB
from genius.core.kit.pagination import Page
from genius.vettify.api import PROBLEMS, CrmRead, Filter, ListParams, RecordRoutes, listing, page_response
from genius.vettify.segments import service
from genius.vettify.segments.repository import SEGMENTS
from genius.vettify.segments.schemas import (
    PREVIEW_MAX,
    CountOut,
    Entity,
    PreviewIn,
    PreviewOut,
    SegmentCreate,
    SegmentOut,
    SegmentUpdate,
)

router = APIRouter(prefix="/v1/crm/segments", tags=["crm"])

PreviewLimit = Annotated[int, Query(ge=1, le=PREVIEW_MAX, description="How many matches to show")]


@router.get("", response_model=Page[SegmentOut], summary="Segments (search, filter, pages)")
def list_segments(
    principal: CrmRead,
    db: TenantDB,
    params: Annotated[ListParams, Depends(listing(SEGMENTS))],
    entity: Entity | None = None,
    owner: Filter = None,
) -> Any:
    return page_response(db, SEGMENTS, params, SegmentOut, entity=entity, owner=owner)


@router.post(
    "/preview",
    response_model=PreviewOut,
    responses=PROBLEMS,
    summary="Live count and first matches of an unsaved filter (the editor, as the rules change)",
)
def preview_filter(body: PreviewIn, principal: CrmRead, db: TenantDB) -> Any:
    return service.preview_filter(db, body)


@router.get(
    "/{segment_id}/count", response_model=CountOut, responses=PROBLEMS, summary="A segment's live count"
)
def segment_count(segment_id: uuid.UUID, principal: CrmRead, db: TenantDB) -> Any:
    return service.count(db, segment_id)


@router.get(
    "/{segment_id}/preview",
    response_model=PreviewOut,
    responses=PROBLEMS,
    summary="A segment's live count and its first matches (newest first)",
)
def segment_preview(segment_id: uuid.UUID, principal: CrmRead, db: TenantDB, limit: PreviewLimit = 10) -> Any:
    return service.preview(db, segment_id, limit)


RecordRoutes(
    "",
    "segment",
    "segment_id",
    SEGMENTS,
    SegmentOut,
    SegmentCreate,
    service.create_segment,
    SegmentUpdate,
    (
        "Create a segment (a typed filter over contacts or leads)",
        "One segment",
        "Change a segment (If-Match required)",
        "Delete (soft) a segment",
    ),
    update=service.update_segment,
    delete=service.delete_segment,
).add_to(router)
