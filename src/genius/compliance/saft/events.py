"""Event contracts published by saft (registered with ``@event``; see core/events/topics.py).

Published in the tenant's transaction (transactional outbox) with the report's correlation id (the
caller's, e.g. the accounting module's closing flow, when it gave one).
"""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field

from genius.core.events.registry import event


class SaftSegment(BaseModel):
    index: int = Field(description="SegmentIndex, from 1")
    key: str = Field(description="storage key of the segment's XML (genius.core.storage)")
    sha256: str
    size: int = Field(description="bytes")


class FindingCounts(BaseModel):
    fatal: int = 0
    warning: int = 0


@event("accounting.saft.ready", version=1)
class SaftReady(BaseModel):
    """A D406 report was built and passed validation (ours, and DUKIntegrator's when configured)."""

    report_id: uuid.UUID
    kind: str = Field(description="HeaderComment: L monthly, T quarterly, A annual assets, C on request")
    cui: str
    period_start: date
    period_end: date
    segments: list[SaftSegment]
    findings: FindingCounts


@event("accounting.saft.failed", version=1)
class SaftFailed(BaseModel):
    """A D406 report could not be built, or it has fatal findings (it must not be filed)."""

    report_id: uuid.UUID
    kind: str
    cui: str
    period_start: date
    period_end: date
    stage: str = Field(description="build | validation")
    findings: FindingCounts
    messages: list[str] = Field(default_factory=list, description="the first fatal findings or the error")
