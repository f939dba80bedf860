"""The churn event contract."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from genius.core.events.registry import event


@event("crm.account.churn_scored", version=1)
class AccountChurnScored(BaseModel):
    """An account's churn risk was scored (ai.churn).

    Published when an account is scored for the first time, or its bucket or model version changes, or
    its score moves by at least 0.05: a rescoring that changes nothing publishes nothing."""

    account_id: uuid.UUID
    score: float = Field(ge=0, le=1, description="Probability of no order in the next 90 days")
    bucket: Literal["low", "medium", "high"]
    top_features: list[str] = Field(max_length=5, description="The features that raised or lowered it most")
    model_version: str = Field(max_length=40, description="heuristic-v1, or the tenant's trained model")
    scored_at: datetime
