"""The quota guardian (F2.5): whether a WhatsApp message may go out now, decided atomically in Redis.

One Lua script (``quota.lua``) checks the phone is ACTIVE, that it is business hours in the tenant's
zone (clocked by Redis ``TIME``), admits a new contact (cost 1) only under the phone's daily limit and
the optional portfolio cap (unique new contacts over a moving 24 hours, across every number), always
lets a follow-up (cost 0) through, and counts only what it allows. The script is called by SHA
(``EVALSHA``) and loaded again when Redis answers ``NOSCRIPT`` (a restart or ``SCRIPT FLUSH``).

Time zones: Lua has no zone database, so the caller sends the zone's UTC offsets around now (from
``zoneinfo``: every change from three days before to ten days after) and the script picks the one in
force at its own clock's instant. That keeps the decision on Redis' clock and right across DST.
"""

from __future__ import annotations

import json
import time as _time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import redis

from genius.outreach.models import PhoneStatus

SCRIPT = (Path(__file__).parent / "quota.lua").read_text(encoding="utf-8")
TTL_MS = 48 * 3600 * 1000
DEFAULT_ZONE = "Europe/Bucharest"


@dataclass(frozen=True)
class BusinessHours:
    """When messages may go out: ``start`` ≤ local time < ``end`` on the ISO ``weekdays`` (1 = Monday)."""

    zone: str = DEFAULT_ZONE
    start: dtime = dtime(9, 0)
    end: dtime = dtime(18, 0)
    weekdays: frozenset[int] = field(default_factory=lambda: frozenset(range(1, 8)))

    def __post_init__(self) -> None:
        ZoneInfo(self.zone)  # an unknown zone fails here, not in Redis
        if self.end <= self.start:
            raise ValueError("business hours must end after they start")
        if not self.weekdays or not self.weekdays <= set(range(1, 8)):
            raise ValueError("weekdays are ISO numbers 1..7")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # OK | OUTSIDE_BUSINESS_HOURS | QUOTA_EXHAUSTED | PHONE_NOT_ACTIVE | PORTFOLIO_CAP
    phone_id: str | None
    now_ms: int
    date: str | None = None
    used: int | None = None
    limit: int | None = None
    reassigned: bool = False
    retry_after_ms: int | None = None
    next_allowed_at_ms: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, payload: str | bytes) -> Decision:
        data = json.loads(payload)
        return cls(
            allowed=bool(data["allowed"]),
            reason=str(data["reason"]),
            phone_id=data.get("phone_id"),
            now_ms=int(data["now_ms"]),
            date=data.get("date"),
            used=data.get("used"),
            limit=data.get("limit"),
            reassigned=bool(data.get("reassigned", False)),
            retry_after_ms=data.get("retry_after_ms"),
            next_allowed_at_ms=data.get("next_allowed_at_ms"),
            raw=data,
        )


@lru_cache(maxsize=256)
def _hours_arg(hours: BusinessHours, hour: int) -> str:
    """The script's hours argument for ``hours`` around ``hour`` (hours since the epoch)."""
    return "|".join(
        [
            str(hours.start.hour * 60 + hours.start.minute),
            str(hours.end.hour * 60 + hours.end.minute),
            "".join(str(d) for d in sorted(hours.weekdays)),
            str(TTL_MS),
            _offsets(hours.zone, hour),
        ]
    )


@lru_cache(maxsize=256)
def _offsets(zone: str, hour: int) -> str:
    """The zone's UTC offsets from three days before ``hour`` (hours since the epoch) to ten days after,
    as ``start_ms:minutes`` pairs; the first pair starts at minus infinity."""
    tz = ZoneInfo(zone)
    start = datetime.fromtimestamp(hour * 3600, UTC) - timedelta(days=3)

    def minutes(at: datetime) -> int:
        off = at.astimezone(tz).utcoffset()
        return int(off.total_seconds() // 60) if off else 0

    pairs = [f"-9999999999999:{minutes(start)}"]
    last = minutes(start)
    for step in range(1, 13 * 24 * 4 + 1):  # quarter hours: every zone changes on one
        at = start + timedelta(minutes=15 * step)
        current = minutes(at)
        if current != last:
            pairs.append(f"{int(at.timestamp() * 1000)}:{current}")
            last = current
    return ",".join(pairs)


def keys(tid: uuid.UUID | str) -> list[str]:
    """The guardian's keys for one tenant (its portfolio); the ``{…}`` hash tag keeps them on one slot."""
    tag = f"{{outreach:{tid}}}"
    return [f"{tag}:phones", f"{tag}:usage", f"{tag}:assign", f"{tag}:portfolio"]


class QuotaGuardian:
    """Admission decisions for one Redis. ``clock`` (seconds since the epoch) replaces Redis' clock in
    tests; in production it is None and the script reads ``TIME``."""

    def __init__(self, client: redis.Redis, *, clock: Callable[[], float] | None = None) -> None:
        self.redis = client
        self.clock = clock
        self.sha = self._load()

    def _load(self) -> str:
        sha: str = self.redis.script_load(SCRIPT)
        return sha

    def sync_phones(self, tid: uuid.UUID | str, phones: Iterable[tuple[str, str, int]]) -> None:
        """Mirror the tenant's numbers (id, status, daily limit) into Redis; numbers not listed go."""
        key = keys(tid)[0]
        mapping: dict[str | bytes, str | bytes] = {
            str(pid): f"{PhoneStatus(status).value}|{int(limit)}" for pid, status, limit in phones
        }
        pipe = self.redis.pipeline(transaction=True)
        pipe.delete(key)
        if mapping:
            pipe.hset(key, mapping=mapping)  # type: ignore[arg-type]
        pipe.execute()

    def set_phone(self, tid: uuid.UUID | str, phone_id: str, status: str, limit: int) -> None:
        self.redis.hset(keys(tid)[0], str(phone_id), f"{PhoneStatus(status).value}|{int(limit)}")

    def check(
        self,
        tid: uuid.UUID | str,
        lead_id: uuid.UUID | str,
        *,
        new_contact: bool,
        hours: BusinessHours | None = None,
        portfolio_cap: int = 0,
        phone_id: str | None = None,
    ) -> Decision:
        """Decide (and, when allowed, count) one message to ``lead_id``: a new contact costs 1 of its
        phone's daily quota, a follow-up costs nothing. Without ``phone_id`` the lead's sticky phone is
        used, or, when it is full or not active, the least used active phone (which becomes sticky)."""
        hours = hours or BusinessHours()
        now = self.clock() if self.clock is not None else _time.time()
        args = [
            str(lead_id),
            "1" if new_contact else "0",
            str(int(now * 1000)) if self.clock is not None else "",
            _hours_arg(hours, int(now // 3600)),
            str(max(0, int(portfolio_cap))),
            phone_id or "",
        ]
        k = keys(tid)
        try:
            out = self.redis.evalsha(self.sha, len(k), *k, *args)
        except redis.exceptions.NoScriptError:
            self.sha = self._load()
            out = self.redis.evalsha(self.sha, len(k), *k, *args)
        return Decision.parse(out)

    def usage(self, tid: uuid.UUID | str) -> dict[str, int]:
        """Today's new contacts per phone (the day the guardian last decided in)."""
        raw: dict[bytes, bytes] = self.redis.hgetall(keys(tid)[1])  # type: ignore[assignment]
        day = raw.get(b"day", b"").decode()
        out: dict[str, int] = {}
        for f, v in raw.items():
            name = f.decode()
            if name.startswith("n|") and name.endswith(day):
                out[name.split("|")[1]] = int(v)
        return out
