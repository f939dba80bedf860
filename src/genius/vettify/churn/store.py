"""The churn feature store: one Redis hash per account, ``genius:crm:churn:{tid}:{account_id}``, with
the ``FEATURES`` and the day they were computed as of (``as_of``). The database is the source: a missing
hash (an empty or flushed Redis, a new account) is rebuilt from it on read, and a refresh (new order,
retrain) rewrites it. Without Redis (or with Redis down) the features are computed from the database.
"""

from __future__ import annotations

from collections.abc import Sequence

import redis
import structlog

from genius.vettify.churn.features import FEATURES

log = structlog.get_logger("genius.crm.churn")
TTL_SECONDS = 3 * 86400  # the daily retrain rewrites every hash


def key(tid: str, account_id: str) -> str:
    return f"genius:crm:churn:{tid}:{account_id}"


class FeatureStore:
    def __init__(self, client: redis.Redis | None) -> None:
        self.client = client

    def get_many(self, tid: str, account_ids: Sequence[str]) -> dict[str, dict[str, float]]:
        """The stored features of those accounts that have a complete hash."""
        if self.client is None or not account_ids:
            return {}
        try:
            pipe = self.client.pipeline(transaction=False)
            for account_id in account_ids:
                pipe.hgetall(key(tid, account_id))
            raw = pipe.execute()
        except redis.RedisError as exc:
            log.warning("churn_store_unavailable", error=str(exc))
            return {}
        out: dict[str, dict[str, float]] = {}
        for account_id, values in zip(account_ids, raw, strict=True):
            decoded = {k.decode(): float(v) for k, v in values.items() if k != b"as_of"}
            if all(name in decoded for name in FEATURES):
                out[account_id] = decoded
        return out

    def put_many(self, tid: str, as_of: str, features: dict[str, dict[str, float]]) -> None:
        if self.client is None or not features:
            return
        try:
            pipe = self.client.pipeline(transaction=False)
            for account_id, values in features.items():
                name = key(tid, account_id)
                pipe.hset(name, mapping={**{k: repr(float(v)) for k, v in values.items()}, "as_of": as_of})
                pipe.expire(name, TTL_SECONDS)
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("churn_store_unavailable", error=str(exc))
