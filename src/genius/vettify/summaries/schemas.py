"""The summaries' API models."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SummaryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    subject_type: Literal["lead", "opportunity"]
    subject_id: uuid.UUID
    status: Literal["pending", "ready", "failed"] = Field(
        description="pending: being made (GET answers 202); ready; failed (error says why; POST again)"
    )
    text: str | None = Field(None, description="The summary (kept while a newer one is made or failed)")
    language: Literal["ro", "en"] | None = None
    provider: str | None = Field(None, description="extractive (offline) or openai (chat completions)")
    model: str | None = None
    prompt_version: str | None = None
    input_hash: str | None = Field(None, description="SHA-256 of the input the text summarises")
    sources: int = Field(0, description="Notes and activities summarised")
    error: str | None = None
    requested_by: str
    requested_at: datetime
    summarized_at: datetime | None = None
    stale: bool = Field(False, description="The notes or activities changed since the text was made")
