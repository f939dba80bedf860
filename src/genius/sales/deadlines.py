"""The legal term for uploading an issued invoice to e-Factura (SPV), kept as dated data.

* Until 31 December 2025: **5 calendar days** from the issue date (OUG 120/2021 art. 10 (1), as amended
  by OUG 115/2023).
* From 1 January 2026: **5 working days** from the issue date (OUG 89/2025 amending OUG 120/2021
  art. 10 (1)). The rule applies by the invoice's issue date, so an invoice of 31 December 2025 keeps
  the calendar-day term.

Working days are Monday to Friday less Romania's public holidays (Codul muncii, Legea 53/2003
art. 139 (1), each with the year it was introduced): 1-2 January, 6-7 January (Boboteaza and Sf. Ioan,
Legea 17/2024, from 2024), 24 January, Orthodox Good Friday (from 2018), Orthodox Easter Sunday and
Monday, 1 May, 1 June, Rusalii (Orthodox Pentecost Sunday and Monday, 49 and 50 days after Easter),
15 August, 30 November, 1 December, 25-26 December. Orthodox Easter is computed with
``dateutil.easter`` (``EASTER_ORTHODOX``, the Julian computus mapped to the Gregorian calendar).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from dateutil.easter import EASTER_ORTHODOX, easter


@dataclass(frozen=True)
class TermRule:
    since: date  # for invoices issued on or after this day
    days: int
    working: bool  # working days (else calendar days)
    source: str


TERM_RULES: tuple[TermRule, ...] = (
    TermRule(date(2022, 1, 1), 5, False, "OUG 120/2021 art. 10 (1), OUG 115/2023"),
    TermRule(date(2026, 1, 1), 5, True, "OUG 89/2025"),
)

# (month, day, first year it is a public holiday)
FIXED_HOLIDAYS: tuple[tuple[int, int, int], ...] = (
    (1, 1, 1990),
    (1, 2, 1990),
    (1, 6, 2024),
    (1, 7, 2024),
    (1, 24, 2017),
    (5, 1, 1990),
    (6, 1, 2017),
    (8, 15, 2009),
    (11, 30, 2012),
    (12, 1, 1990),
    (12, 25, 1990),
    (12, 26, 1990),
)
# Offsets from Orthodox Easter Sunday, with the first year each is a holiday.
EASTER_HOLIDAYS: tuple[tuple[int, int], ...] = ((-2, 2018), (0, 1990), (1, 1990), (49, 2008), (50, 2008))


def rule_for(issue_date: date) -> TermRule:
    """The term rule of an invoice issued on ``issue_date`` (the latest rule in force on that day)."""
    in_force = [r for r in TERM_RULES if r.since <= issue_date]
    return in_force[-1] if in_force else TERM_RULES[0]


@cache
def public_holidays(year: int) -> frozenset[date]:
    sunday = easter(year, EASTER_ORTHODOX)
    fixed = {date(year, m, d) for m, d, since in FIXED_HOLIDAYS if year >= since}
    moving = {sunday + timedelta(days=offset) for offset, since in EASTER_HOLIDAYS if year >= since}
    return frozenset(fixed | moving)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def deadline(issue_date: date) -> date:
    """The last day to upload an invoice issued on ``issue_date``."""
    rule = rule_for(issue_date)
    if not rule.working:
        return issue_date + timedelta(days=rule.days)
    day, counted = issue_date, 0
    while counted < rule.days:
        day += timedelta(days=1)
        counted += is_working_day(day)
    return day


def days_left(due: date, today: date) -> int:
    """Calendar days from ``today`` to the deadline (0 on the day itself, negative once overdue)."""
    return (due - today).days


def working_days_left(due: date, today: date) -> int:
    """Working days after ``today`` up to the deadline (0 on the day itself, -1 once overdue)."""
    if due < today:
        return -1
    return sum(is_working_day(today + timedelta(days=i)) for i in range(1, (due - today).days + 1))
