"""The event bus's signal for the Shell's health widget: how long the tenant's oldest unsent work waits."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from genius.core.events import repository
from genius.core.kit.manifest import N_, HealthSignal


def signals(db: Session, platform: Any) -> list[HealthSignal]:
    # The page's tenant transaction: RLS limits the backlog to the user's own organisation.
    age, _pending, _dead = repository.backlog(db.connection())
    return [HealthSignal("relay", N_("Event bus"), age, "s", warn_at=30, fail_at=120)]
