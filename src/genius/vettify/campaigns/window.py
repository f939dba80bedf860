"""A campaign's sending window: the hours and weekdays, in the tenant's time zone (company settings,
Europe/Bucharest by default), in which its batches may send. Outside it a batch waits for the next
opening. Computed on the local calendar of each day, so 09:00 stays 09:00 across the DST changes (07:00
UTC in winter, 06:00 UTC in summer). ``end_hour <= start_hour`` is a window across midnight."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Europe/Bucharest"


@dataclass(frozen=True)
class Window:
    start_hour: int = 9
    end_hour: int = 18
    weekdays: frozenset[int] = frozenset(range(1, 6))  # ISO: 1 = Monday
    zone: str = DEFAULT_ZONE

    @classmethod
    def of(cls, stored: dict[str, Any], zone: str) -> Window:
        return cls(
            start_hour=int(stored.get("start_hour", 9)),
            end_hour=int(stored.get("end_hour", 18)),
            weekdays=frozenset(int(d) for d in stored.get("weekdays") or range(1, 6)),
            zone=zone,
        )

    def _span(self, day: Any, tz: ZoneInfo) -> tuple[datetime, datetime]:
        start = datetime.combine(day, time(self.start_hour), tz)
        end_day = day if self.end_hour > self.start_hour else day + timedelta(days=1)
        if self.end_hour == 24:
            end = datetime.combine(end_day + timedelta(days=1), time(0), tz)
        else:
            end = datetime.combine(end_day, time(self.end_hour), tz)
        return start, end

    def next_opening(self, at: datetime) -> datetime:
        """``at`` when the window is open then, else when it next opens (UTC)."""
        tz = ZoneInfo(self.zone)
        local = at.astimezone(tz)
        for days in range(-1, 9):  # from yesterday: a window across midnight may still be open
            day = local.date() + timedelta(days=days)
            if day.isoweekday() not in self.weekdays:
                continue
            start, end = self._span(day, tz)
            if start <= local < end:
                return at
            if local < start:
                return start.astimezone(UTC)
        raise ValueError("the sending window never opens")  # unreachable: weekdays is never empty
