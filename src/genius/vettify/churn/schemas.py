"""The churn API models."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Contribution(BaseModel):
    feature: str
    value: float = Field(description="The feature's value (days, counts, rates, log RON)")
    impact: float = Field(description="Its contribution to the log-odds: > 0 raises the risk")


class ChurnOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, protected_namespaces=())

    account_id: uuid.UUID
    score: float = Field(ge=0, le=1, description="Probability of no order in the next 90 days")
    bucket: Literal["low", "medium", "high"] = Field(description="low < 0.35 ≤ medium < 0.65 ≤ high")
    top_features: list[Contribution]
    model_version: str
    scored_at: datetime


class TrainOut(BaseModel):
    status: Literal["queued"] = "queued"
    task: str = Field(description="The ai.churn.train task id (the outbox row)")
