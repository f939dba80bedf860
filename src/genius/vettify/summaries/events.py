"""The summaries' event contract."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from genius.core.events.registry import event


@event("crm.activity.summarized", version=1)
class ActivitySummarized(BaseModel):
    """The notes, activities and e-mails of a lead or an opportunity were summarised (ai.summary).

    Published once per new summary: a request whose input is unchanged publishes nothing."""

    summary_id: uuid.UUID
    subject_type: Literal["lead", "opportunity"]
    subject_id: uuid.UUID
    language: Literal["ro", "en"]
    provider: str = Field(max_length=40)
    model: str = Field(max_length=200)
    prompt_version: str = Field(max_length=40)
    input_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    sources: int = Field(ge=0, description="Notes and activities summarised")
    summarized_at: datetime
