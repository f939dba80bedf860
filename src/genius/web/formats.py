"""Romanian formats for the pages, whatever the interface language: ``1.234,56 lei``, ``03.12.2026``,
``14:05``, in the Europe/Bucharest time zone (the users' data is Romanian; UI.md)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal

TIME_ZONE = ZoneInfo("Europe/Bucharest")
_CURRENCY_SUFFIX = {"RON": "lei"}


def number(value: int | float | Decimal | None, decimals: int = 0) -> str:
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale="ro_RO")


def money(value: int | float | Decimal | str | None, currency: str = "RON") -> str:
    """``1.234,56 lei`` / ``1.234,56 EUR``."""
    if value is None or value == "":
        return "—"
    amount = Decimal(str(value))
    return f"{number(amount, 2)}\u00a0{_CURRENCY_SUFFIX.get(currency, currency)}"


def money_short(value: int | float | Decimal | None, currency: str = "RON") -> str:
    """Compact amounts for cards and columns: ``12,5 mii lei``, ``1,2 mil. lei``."""
    if value is None:
        return "—"
    amount = float(value)
    suffix = _CURRENCY_SUFFIX.get(currency, currency)
    for limit, word in ((1e9, "mld."), (1e6, "mil."), (1e3, "mii")):
        if abs(amount) >= limit:
            return f"{format_decimal(amount / limit, format='#,##0.#', locale='ro_RO')}\u00a0{word} {suffix}"
    return f"{number(amount, 0)}\u00a0{suffix}"


def percent(value: float | None, decimals: int = 1) -> str:
    if value is None:
        return "—"
    return f"{number(value * 100, decimals)}\u00a0%"


def local(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(TIME_ZONE)


def day(value: date | datetime | str | None) -> str:
    """``03.12.2026``."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value or " " in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = local(value)
    return value.strftime("%d.%m.%Y")


def moment(value: datetime | str | None) -> str:
    """``03.12.2026 14:05`` in Bucharest time."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return local(value).strftime("%d.%m.%Y %H:%M")


def clock(value: datetime | None) -> str:
    return "—" if value is None else local(value).strftime("%H:%M")


FILTERS = {
    "number": number,
    "money": money,
    "money_short": money_short,
    "percent": percent,
    "day": day,
    "moment": moment,
    "clock": clock,
}


_THOUSANDS_DOTS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")


def parse_decimal(text: str) -> str:
    """A typed amount as a plain decimal string, Romanian first: ``12.500,50`` and ``12 500,5`` (comma
    decimals, dot or space thousands), also ``12500.50`` and ``12,500.50``; anything else is returned
    trimmed for the schema to refuse."""
    raw = text.strip().replace("\u00a0", "").replace(" ", "")
    if "," in raw and "." in raw:
        decimal_mark = "," if raw.rfind(",") > raw.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        return raw.replace(thousands, "").replace(decimal_mark, ".")
    if "," in raw:
        return raw.replace(",", ".") if raw.count(",") == 1 else raw
    if _THOUSANDS_DOTS.match(raw):  # 12.500 is twelve thousand five hundred in Romanian
        return raw.replace(".", "")
    return raw


def nice_max(value: float) -> float:
    """A chart axis' top: the smallest of 1, 2, 2.5, 5 or 10 times a power of ten that is ≥ ``value``."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)
