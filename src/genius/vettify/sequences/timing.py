"""When a sequence's step is due: the delay counted on the tenant's local clock (zoneinfo), then the
next opening of the sequence's sending window (``campaigns.window.Window``).

The delay is added to the *local* wall time, so "2 days" after Friday 10:00 is Sunday 10:00 whether or
not the clocks changed in between (Europe/Bucharest: 10:00 is 08:00 UTC in winter, 07:00 UTC in summer).
A local time that does not exist (the hour skipped on the last Sunday of March) is read with the offset
before the change, i.e. one hour later on the new clock; an ambiguous one (the hour repeated on the last
Sunday of October) as its first occurrence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from genius.vettify.campaigns.window import Window


def due_after(base: datetime, delay_minutes: int, window: Window) -> datetime:
    """The UTC time a step waiting ``delay_minutes`` after ``base`` goes out."""
    local = base.astimezone(ZoneInfo(window.zone))
    # Aware arithmetic with one tzinfo is wall-clock arithmetic; the offset is re-read for the result.
    wall = (local + timedelta(minutes=delay_minutes)).replace(fold=0)
    return window.next_opening(wall.astimezone(UTC))
