"""An account's churn features, computed as of a day from its facts (pure: no SQL, no Redis).

**Facts** are what the CRM knows about an account before ``as_of``: the orders seen on
``sales.order.created`` (count, RON value, first and last day, count in the last 90 days and in the 90
before), its live activities (count in the last 90 days, last day), its campaign engagement (messages
sent, opened, clicked), when it was created (tenure) and its ANAF compliance status. The repository
aggregates them in SQL; the synthetic generator builds them from simulated histories.

**Features** (all floats, in ``FEATURES`` order) are derived from the facts and are what the heuristic,
the model and the Redis feature store hold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

WINDOW_DAYS = 90
# ANAF statuses that make a customer a risk: struck off / inactive for VAT, or an invalid CUI.
RISKY_COMPLIANCE = frozenset({"inactive", "invalid"})

FEATURES: tuple[str, ...] = (
    "recency_days",
    "orders_90d",
    "orders_trend",
    "orders_total",
    "monetary_log",
    "avg_order_log",
    "activities_90d",
    "days_since_activity",
    "open_rate",
    "click_rate",
    "tenure_days",
    "compliance_risk",
)


@dataclass(frozen=True)
class Facts:
    account_id: str
    created_at: datetime
    compliance_status: str = "unchecked"
    orders_total: int = 0
    orders_90d: int = 0
    orders_prev_90d: int = 0
    monetary: float = 0.0
    first_order_at: datetime | None = None
    last_order_at: datetime | None = None
    activities_90d: int = 0
    last_activity_at: datetime | None = None
    sent: int = 0
    opened: int = 0
    clicked: int = 0


def _days(later: datetime, earlier: datetime | None, default: float) -> float:
    if earlier is None:
        return default
    return max(0.0, (later - earlier).total_seconds() / 86400.0)


def vector(facts: Facts, as_of: datetime) -> dict[str, float]:
    """The account's features as of ``as_of`` (days are capped at 3 years: "never" is "very long")."""
    cap = 3 * 365.0
    tenure = min(cap, _days(as_of, facts.created_at, 0.0))
    return {
        "recency_days": min(cap, _days(as_of, facts.last_order_at, cap)),
        "orders_90d": float(facts.orders_90d),
        # > 0: ordering more than in the previous 90 days; < 0: less (the strongest churn signal).
        "orders_trend": float(facts.orders_90d - facts.orders_prev_90d),
        "orders_total": float(facts.orders_total),
        "monetary_log": math.log1p(max(0.0, facts.monetary)),
        "avg_order_log": math.log1p(max(0.0, facts.monetary) / facts.orders_total)
        if facts.orders_total
        else 0.0,
        "activities_90d": float(facts.activities_90d),
        "days_since_activity": min(cap, _days(as_of, facts.last_activity_at, cap)),
        "open_rate": facts.opened / facts.sent if facts.sent else 0.0,
        "click_rate": facts.clicked / facts.sent if facts.sent else 0.0,
        "tenure_days": tenure,
        "compliance_risk": 1.0 if facts.compliance_status in RISKY_COMPLIANCE else 0.0,
    }


def row(features: dict[str, float]) -> list[float]:
    """The features in ``FEATURES`` order (missing ones as 0)."""
    return [float(features.get(name, 0.0)) for name in FEATURES]
