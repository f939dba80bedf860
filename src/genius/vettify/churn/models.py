"""``crm.account_churn`` and ``crm.churn_models`` (DDL in migrations/versions/…_0033_crm_churn.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Float, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from genius.core.db.base import Base, new_id, utcnow
from genius.vettify.models import SCHEMA


class AccountChurn(Base):
    """An account's latest churn score."""

    __tablename__ = "account_churn"
    __table_args__ = {"schema": SCHEMA}

    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("crm.accounts.id", ondelete="CASCADE"), primary_key=True
    )
    tid: Mapped[uuid.UUID] = mapped_column()
    score: Mapped[float] = mapped_column(Float, default=0.0)
    bucket: Mapped[str] = mapped_column(String(6), default="low")
    top_features: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    features: Mapped[dict[str, float]] = mapped_column(JSONB, default=dict)
    model_version: Mapped[str] = mapped_column(String(40), default="")
    scored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ChurnModel(Base):
    """One training of a tenant's churn model (``kind`` heuristic: too little labelled history)."""

    __tablename__ = "churn_models"
    __table_args__ = (UniqueConstraint("tid", "version", name="uq_churn_models_version"), {"schema": SCHEMA})

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    version: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(10), default="heuristic")
    algorithm: Mapped[str] = mapped_column(String(60), default="")
    samples: Mapped[int] = mapped_column(Integer, default=0)
    positives: Mapped[int] = mapped_column(Integer, default=0)
    auc: Mapped[float | None] = mapped_column(Float)
    heuristic_auc: Mapped[float | None] = mapped_column(Float)
    payload: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    trained_by: Mapped[str] = mapped_column(String(200), default="")
    trained_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
