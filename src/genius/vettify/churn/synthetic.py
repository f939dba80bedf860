"""Synthetic account histories with a known churn outcome (tests and ``genius demo``).

Each account gets a base order rate (lognormal, orders per 90 days), an order size, a campaign
engagement (open/click rates), an activity level and, rarely, an ANAF problem. Some accounts are
*declining*: more likely when they do not open campaigns, have an ANAF problem, see few activities or
order rarely. A declining account orders at a fraction of its rate in the 90 days before the cut-off and
not at all after it. Orders are a Poisson process from the account's creation to ``as_of + 90 days``;
the label is churned = no order in the 90 days after ``as_of``; the facts are what was known before it.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from genius.vettify.churn.features import WINDOW_DAYS, Facts, vector


@dataclass
class History:
    account_id: str
    created_at: datetime
    compliance_status: str
    orders: list[tuple[datetime, float]] = field(default_factory=list)
    activities: list[datetime] = field(default_factory=list)
    sent: int = 0
    opened: int = 0
    clicked: int = 0

    def facts(self, as_of: datetime) -> Facts:
        before = [(at, amount) for at, amount in self.orders if at < as_of]
        window = as_of - timedelta(days=WINDOW_DAYS)
        previous = window - timedelta(days=WINDOW_DAYS)
        acts = [at for at in self.activities if at < as_of]
        return Facts(
            account_id=self.account_id,
            created_at=self.created_at,
            compliance_status=self.compliance_status,
            orders_total=len(before),
            orders_90d=sum(1 for at, _ in before if at >= window),
            orders_prev_90d=sum(1 for at, _ in before if previous <= at < window),
            monetary=round(sum(amount for _, amount in before), 2),
            first_order_at=min((at for at, _ in before), default=None),
            last_order_at=max((at for at, _ in before), default=None),
            activities_90d=sum(1 for at in acts if at >= window),
            last_activity_at=max(acts, default=None),
            sent=self.sent,
            opened=self.opened,
            clicked=self.clicked,
        )

    def churned(self, as_of: datetime) -> int:
        end = as_of + timedelta(days=WINDOW_DAYS)
        return int(not any(as_of <= at < end for at, _ in self.orders))


def _poisson_times(rng: np.random.Generator, start: float, end: float, rate: float) -> list[float]:
    """Event times (days) of a Poisson process of ``rate`` per 90 days on [start, end)."""
    if end <= start or rate <= 0:
        return []
    n = int(rng.poisson(rate * (end - start) / WINDOW_DAYS))
    return sorted(float(t) for t in rng.uniform(start, end, n))


def histories(n: int, as_of: datetime, *, seed: int = 0) -> list[History]:
    """``n`` account histories around the cut-off ``as_of`` (orders also after it, for the label)."""
    rng = np.random.default_rng(seed)
    out: list[History] = []
    for _ in range(n):
        tenure = float(rng.uniform(120, 1100))
        rate = float(rng.lognormal(0.4, 0.8))  # orders per 90 days
        size = float(rng.lognormal(8.0, 0.9))  # RON
        open_rate = float(rng.beta(2, 4))
        risky = rng.random() < 0.07
        activity = float(rng.gamma(1.5, 1.0))  # activities per 90 days
        z = (
            -1.6
            + 1.5 * (open_rate < 0.15)
            + 1.5 * risky
            - 0.4 * min(activity, 3.0)
            + 2.2 * (rate < 1.0) * (tenure < 400)
            + 2.0 * (size > 5000) * (activity < 1.0)
        )
        declining = rng.random() < 1.0 / (1.0 + math.exp(-z))
        created = as_of - timedelta(days=tenure)
        days: list[float] = []
        decline_start = -float(rng.uniform(30, 120))
        days += _poisson_times(rng, -tenure, decline_start if declining else 0.0, rate)
        if declining:
            days += _poisson_times(rng, decline_start, 0.0, rate * 0.25)
        else:
            days += _poisson_times(rng, 0.0, WINDOW_DAYS, rate)
        orders = [
            (as_of + timedelta(days=d), round(float(size * rng.lognormal(0.0, 0.3)), 2)) for d in sorted(days)
        ]
        act_rate = activity * (0.3 if declining else 1.0)
        activities = [
            as_of + timedelta(days=d) for d in _poisson_times(rng, -min(tenure, 365.0), 0.0, act_rate)
        ]
        sent = int(rng.poisson(8))
        opened = int(rng.binomial(sent, open_rate * (0.5 if declining else 1.0)))
        clicked = int(rng.binomial(opened, 0.3))
        status = "inactive" if risky else str(rng.choice(["verified", "verified", "unchecked"]))
        out.append(
            History(
                str(uuid.UUID(int=int(rng.integers(0, 2**63)))),
                created,
                status,
                orders,
                activities,
                sent,
                opened,
                clicked,
            )
        )
    return out


def dataset(n: int, as_of: datetime, *, seed: int = 0) -> tuple[list[dict[str, float]], list[int]]:
    """Features as of the cut-off and the churn label, for ``n`` synthetic accounts."""
    hs = histories(n, as_of, seed=seed)
    return [vector(h.facts(as_of), as_of) for h in hs], [h.churned(as_of) for h in hs]
