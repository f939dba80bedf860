"""The churn badge of Account 360 (``ai.churn``): bucket, score, top features and the model version.

``badge(db, account_id)`` is the badge's context for the account page; the labels are translated in the
template (``_()`` over the ``N_`` ids below).
"""

from __future__ import annotations

import math
import uuid
from typing import Any

from sqlalchemy.orm import Session

from genius.core.kit.manifest import N_
from genius.vettify.churn import heuristic
from genius.vettify.churn import repository as churn

BUCKETS = {
    "low": (N_("Low risk"), "ok"),
    "medium": (N_("Medium risk"), "warn"),
    "high": (N_("High risk"), "err"),
}
FEATURE_LABELS = {
    "recency_days": N_("Days since the last order"),
    "orders_90d": N_("Orders in the last 90 days"),
    "orders_trend": N_("Orders versus the previous 90 days"),
    "orders_total": N_("Orders in total"),
    "monetary_log": N_("Value of all orders"),
    "avg_order_log": N_("Average order value"),
    "activities_90d": N_("Activities in the last 90 days"),
    "days_since_activity": N_("Days since the last activity"),
    "open_rate": N_("Campaign open rate"),
    "click_rate": N_("Campaign click rate"),
    "tenure_days": N_("Days as an account"),
    "compliance_risk": N_("ANAF problem (inactive or invalid)"),
}
RATES = {"open_rate", "click_rate"}
MONEY = {"monetary_log", "avg_order_log"}


def shown_value(feature: str, value: float) -> str:
    """The feature's value as the badge shows it (rates in %, money back from its log, days rounded)."""
    if feature in RATES:
        return f"{value * 100:.0f}\u00a0%"
    if feature in MONEY:
        return f"{math.expm1(value):,.0f} RON".replace(",", ".")
    if feature == "compliance_risk":
        return "✓" if value else "—"
    return f"{value:.0f}"


def badge(db: Session, account_id: uuid.UUID) -> dict[str, Any]:
    row = churn.churn_of(db, account_id)
    if row is None:
        return {"churn": None}
    label, kind = BUCKETS[row.bucket]
    return {
        "churn": row,
        "churn_label": label,
        "churn_kind": kind,
        "churn_percent": round(row.score * 100),
        "churn_heuristic": row.model_version == heuristic.VERSION,
        "churn_features": [
            {
                "label": FEATURE_LABELS.get(t["feature"], t["feature"]),
                "value": shown_value(t["feature"], float(t["value"])),
                "raises": float(t["impact"]) > 0,
            }
            for t in row.top_features
        ],
    }
