"""Token-bucket rate limiting in Redis: one Lua script, atomic, clocked by the Redis server.

Limits are written ``N/s``, ``N/min`` or ``N/h``: the bucket holds N tokens and refills at N per
period. When Redis is unreachable the limiter fails open (logged and counted): losing the limiter
must not take the API down with it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import redis
import structlog
from prometheus_client import Counter

log = structlog.get_logger("genius.ratelimit")

RATE_LIMITED = Counter("genius_rate_limited_total", "Requests refused by a rate limit", ["limit"])
LIMITER_ERRORS = Counter("genius_rate_limiter_errors_total", "Rate-limiter checks that failed open")

TOKEN_BUCKET_LUA = """
local key = KEYS[1]
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', key, 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil then tokens = capacity; ts = now end
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local allowed = 0
local retry = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  retry = (cost - tokens) / rate
end
redis.call('HSET', key, 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', key, math.ceil(capacity / rate * 1000) + 1000)
return {allowed, tostring(tokens), tostring(retry)}
"""

_PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}
_LIMIT_RE = re.compile(r"^\s*(\d+)\s*/\s*([a-z]+)\s*$")


@dataclass(frozen=True)
class Limit:
    capacity: int
    period_seconds: int

    @property
    def rate(self) -> float:
        return self.capacity / self.period_seconds

    @classmethod
    def parse(cls, text: str) -> Limit:
        m = _LIMIT_RE.match(text.lower())
        if not m or m.group(2) not in _PERIODS or int(m.group(1)) <= 0:
            raise ValueError(f"invalid rate limit {text!r}; expected e.g. '10/s' or '1000/min'")
        return cls(int(m.group(1)), _PERIODS[m.group(2)])


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int
    retry_after: int


class RateLimiter:
    def __init__(self, client: redis.Redis | None, prefix: str = "genius:rl:") -> None:
        self.client = client
        self.prefix = prefix
        self._script = client.register_script(TOKEN_BUCKET_LUA) if client is not None else None

    def hit(self, key: str, limit: Limit, name: str = "custom", cost: int = 1) -> Decision:
        if self._script is None:
            return Decision(True, limit.capacity, 0)
        try:
            allowed, tokens, retry = self._script(
                keys=[self.prefix + key], args=[limit.rate, limit.capacity, cost]
            )
        except redis.RedisError as exc:
            LIMITER_ERRORS.inc()
            log.warning("rate_limiter_unavailable", error=str(exc))
            return Decision(True, limit.capacity, 0)
        decision = Decision(bool(int(allowed)), int(float(tokens)), max(1, math.ceil(float(retry))))
        if not decision.allowed:
            RATE_LIMITED.labels(name).inc()
        return decision
