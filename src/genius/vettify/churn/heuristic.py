"""The documented churn heuristic, used until a tenant has enough labelled history to train a model.

    z = -1.0
        + 0.9 · min(recency_days / 60, 4)      long since the last order
        - 0.35 · min(orders_90d, 6)            recent orders
        + 1.2 · (1 - min(open_rate / 0.3, 1))  does not open campaigns (30 % opens counts as engaged)
        - 0.25 · min(activities_90d, 6)        recent calls, meetings, e-mails, notes
        + 1.5 · compliance_risk                inactive or invalid at ANAF
    score = 1 / (1 + e^-z)

Each term is the feature's contribution (in log-odds), so the top features of a heuristic score are the
terms with the largest absolute value. The weights are a judgement, not learned: RFM recency dominates,
engagement and activity pull the score down, an ANAF problem pushes it up.
"""

from __future__ import annotations

import math

VERSION = "heuristic-v1"
INTERCEPT = -1.0


def terms(f: dict[str, float]) -> dict[str, float]:
    """Each feature's contribution to the log-odds."""
    return {
        "recency_days": 0.9 * min(f["recency_days"] / 60.0, 4.0),
        "orders_90d": -0.35 * min(f["orders_90d"], 6.0),
        "open_rate": 1.2 * (1.0 - min(f["open_rate"] / 0.3, 1.0)),
        "activities_90d": -0.25 * min(f["activities_90d"], 6.0),
        "compliance_risk": 1.5 * f["compliance_risk"],
    }


def score(f: dict[str, float]) -> tuple[float, dict[str, float]]:
    """(score in 0 to 1, contributions)."""
    parts = terms(f)
    z = INTERCEPT + sum(parts.values())
    return 1.0 / (1.0 + math.exp(-z)), parts
