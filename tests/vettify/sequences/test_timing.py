"""When a step is due: the delay on the local clock of Europe/Bucharest, then the sending window, across
both DST changes of 2026 (29 March: 03:00 EET → 04:00 EEST; 25 October: 04:00 EEST → 03:00 EET)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from genius.vettify.campaigns.window import Window
from genius.vettify.sequences.timing import due_after

BUCHAREST = ZoneInfo("Europe/Bucharest")
EVERY_DAY = Window(start_hour=0, end_hour=24, weekdays=frozenset(range(1, 8)))
OFFICE = Window()  # 09:00-18:00, Monday to Friday


def test_a_day_across_the_spring_change_keeps_the_local_hour() -> None:
    saturday_10 = datetime(2026, 3, 28, 8, 0, tzinfo=UTC)  # 10:00 EET (UTC+2)
    due = due_after(saturday_10, 24 * 60, EVERY_DAY)
    assert due == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # 10:00 EEST (UTC+3), not 11:00
    assert due.astimezone(BUCHAREST).hour == 10


def test_a_day_across_the_autumn_change_keeps_the_local_hour() -> None:
    saturday_10 = datetime(2026, 10, 24, 7, 0, tzinfo=UTC)  # 10:00 EEST
    due = due_after(saturday_10, 24 * 60, EVERY_DAY)
    assert due == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)  # 10:00 EET, not 09:00
    assert due.astimezone(BUCHAREST).hour == 10


def test_past_closing_on_friday_waits_for_monday_09_on_the_new_clock() -> None:
    friday_1730 = datetime(2026, 3, 27, 15, 30, tzinfo=UTC)  # 17:30 EET
    due = due_after(friday_1730, 60, OFFICE)  # 18:30: closed, then the weekend, then the change
    assert due == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)  # Monday 09:00 EEST
    autumn = due_after(datetime(2026, 10, 23, 14, 30, tzinfo=UTC), 60, OFFICE)  # Fri 17:30 EEST
    assert autumn == datetime(2026, 10, 26, 7, 0, tzinfo=UTC)  # Monday 09:00 EET


def test_two_days_from_friday_morning_lands_on_monday_opening() -> None:
    friday_10 = datetime(2026, 3, 27, 8, 0, tzinfo=UTC)
    assert due_after(friday_10, 2 * 1440, OFFICE) == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
    assert due_after(friday_10, 3 * 1440, OFFICE) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # Mon 10:00


def test_the_skipped_hour_reads_as_one_hour_later() -> None:
    saturday_0330 = datetime(2026, 3, 28, 1, 30, tzinfo=UTC)  # 03:30 EET
    due = due_after(saturday_0330, 24 * 60, EVERY_DAY)  # 03:30 on the 29th does not exist
    assert due == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert due.astimezone(BUCHAREST).strftime("%H:%M") == "04:30"


def test_within_the_window_a_short_delay_is_exact() -> None:
    tuesday_10 = datetime(2026, 12, 8, 8, 0, tzinfo=UTC)
    assert due_after(tuesday_10, 90, OFFICE) == datetime(2026, 12, 8, 9, 30, tzinfo=UTC)
    assert due_after(tuesday_10, 0, OFFICE) == tuesday_10
