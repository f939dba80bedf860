"""BNR (Banca Națională a României) reference rates: the feed client, its parser, the rule that picks
the rate of a document's date, and the durable cache.

**Feed.** ``GET {GENIUS_BNR_URL}/nbrfxrates.xml`` (the latest fixing), ``/nbrfxrates10days.xml`` (the
last ten) and ``/files/xml/years/nbrfxrates{YEAR}.xml`` (a whole year): a ``DataSet`` in the
``http://www.bnr.ro/xsd`` namespace whose ``Body`` holds one ``Cube date="YYYY-MM-DD"`` per banking day
with ``Rate currency="EUR"`` elements: RON per unit, or per ``multiplier`` units (``HUF``, ``JPY`` … are
quoted per 100). BNR fixes the rates on banking days only, around 13:00 Bucharest time.

**Rule** (Codul fiscal, Legea 227/2015, art. 290 alin. (2); Normele metodologice, HG 1/2016, titlul VII
pct. 35 alin. (1)): an operation in a foreign currency is converted at "the last exchange rate
communicated by BNR", which the Norms define as the rate BNR communicated *the day before*, valid for the
operations of the following day. So a document dated D takes the rate of the last fixing published
**before** D: a Tuesday's invoice Monday's rate, a Monday's (or a weekend's) Friday's, the day after a
holiday the last banking day's. That answer is known from the moment D begins (it never depends on
whether today's fixing is out yet), and for tomorrow once today's fixing is out.

**Cache.** ``sales.bnr_rates`` keeps every rate of every fixing read, ``sales.bnr_rate_days`` the
answer for each date a feed settled for good; both are platform tables (public data, the same for every
tenant). A date already answered is read from the database and BNR is not asked again; otherwise the
ten-day feed is read (recent dates), else the date's yearly file (and the year before, for the first
days of January), and every date those settle is stored, so a day is fetched at most once. The rows are
written in the caller's transaction: a request that fails rolls back what it cached, and the next one
fetches again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

import httpx
from lxml import etree
from sqlalchemy.orm import Session

from genius.config import Settings
from genius.core.kit.errors import Unprocessable
from genius.sales import repository

FEED_LATEST = "/nbrfxrates.xml"
FEED_TEN_DAYS = "/nbrfxrates10days.xml"
NAMESPACES = frozenset({"http://www.bnr.ro/xsd", "https://www.bnr.ro/xsd"})  # BNR serves both spellings
BUCHAREST = ZoneInfo("Europe/Bucharest")
MAX_FEED_BYTES = 8 * 1024 * 1024  # a yearly file is well under 1 MB
TEN_DAYS_REACH = 9  # calendar days back the ten-day feed always covers (ten fixings span at least 12 days)
DOCUMENT_RATE = Decimal("0.0001")  # documents keep 4 decimals, as BNR publishes EUR
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def year_feed(year: int) -> str:
    return f"/files/xml/years/nbrfxrates{year}.xml"


def bucharest_today(now: datetime | None = None) -> date:
    """BNR's calendar day (Europe/Bucharest)."""
    return (now or datetime.now(BUCHAREST)).astimezone(BUCHAREST).date()


# --- the feed -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Published:
    """One rate as BNR publishes it: RON per ``multiplier`` units."""

    value: Decimal
    multiplier: int = 1

    @property
    def per_unit(self) -> Decimal:
        return self.value / self.multiplier


@dataclass(frozen=True)
class Fixing:
    """One ``Cube``: the rates BNR fixed on ``day``."""

    day: date
    rates: dict[str, Published]


class FeedError(Exception):
    """The feed could not be read: BNR unreachable, an HTTP error, or not BNR's XML."""


class FeedMissing(FeedError):
    """BNR answered 404 (a yearly file that does not exist)."""


def _local(tag: object) -> tuple[str | None, str]:
    if not isinstance(tag, str):
        return None, ""
    q = etree.QName(tag)
    return q.namespace, q.localname


def parse(xml: bytes) -> list[Fixing]:
    """BNR's ``DataSet`` → its fixings, oldest first. No DTD, entities or network are ever resolved.
    Rates that are not positive are left out (a currency BNR lists without a fixing)."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
    )
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"not XML ({exc.msg})") from None
    namespace, name = _local(root.tag)
    if name != "DataSet" or namespace not in NAMESPACES:
        raise FeedError(f"not BNR's rate feed (root element {root.tag!r})")
    ns = {"b": namespace}
    origin = root.findtext("b:Body/b:OrigCurrency", namespaces=ns)
    if origin is not None and origin.strip() != "RON":
        raise FeedError(f"rates against {origin.strip()!r}, not RON")
    fixings: dict[date, Fixing] = {}
    for cube in root.iterfind("b:Body/b:Cube", namespaces=ns):
        try:
            day = date.fromisoformat(cube.get("date") or "")
        except ValueError:
            raise FeedError(f"a Cube without a valid date ({cube.get('date')!r})") from None
        rates: dict[str, Published] = {}
        for element in cube.iterfind("b:Rate", namespaces=ns):
            currency = (element.get("currency") or "").strip().upper()
            if not _CURRENCY.match(currency):
                raise FeedError(f"a Rate with the currency {element.get('currency')!r} on {day}")
            try:
                value = Decimal((element.text or "").strip())
                multiplier = int(element.get("multiplier") or 1)
            except (InvalidOperation, ValueError):
                raise FeedError(f"the {currency} rate of {day} is not a number") from None
            if multiplier < 1:
                raise FeedError(f"the {currency} rate of {day} has the multiplier {multiplier}")
            if value.is_finite() and value > 0:
                rates[currency] = Published(value, multiplier)
        fixings[day] = Fixing(day, rates)
    return [fixings[d] for d in sorted(fixings)]


class RateSource(Protocol):
    """Where fixings come from: BNR's feed over HTTP (``BnrClient``)."""

    def fixings(self, path: str) -> list[Fixing]: ...


class BnrClient:
    """BNR's feed over HTTP (httpx), one short-lived connection per fetch: a day is fetched once."""

    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> BnrClient:
        return cls(settings.bnr_url, timeout=settings.bnr_timeout)

    def fixings(self, path: str) -> list[Fixing]:
        url = self.base_url + path
        try:
            with httpx.Client(
                timeout=httpx.Timeout(self.timeout),
                follow_redirects=True,
                max_redirects=3,
                headers={"Accept": "text/xml, application/xml", "User-Agent": "GeniusERP/0.1 (+BNR rates)"},
            ) as client:
                response = client.get(url)
        except httpx.HTTPError as exc:
            raise FeedError(f"{url}: {type(exc).__name__} {exc}".rstrip()) from None
        if response.status_code == 404:
            raise FeedMissing(f"{url}: 404")
        if response.status_code != 200:
            raise FeedError(f"{url}: HTTP {response.status_code}")
        if len(response.content) > MAX_FEED_BYTES:
            raise FeedError(f"{url}: larger than {MAX_FEED_BYTES} bytes")
        try:
            return parse(response.content)
        except FeedError as exc:
            raise FeedError(f"{url}: {exc}") from None


# --- the rule and the cache -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExchangeRate:
    """The BNR rate that applies to documents dated ``day``: the fixing of ``rate_date``."""

    currency: str
    day: date
    rate_date: date
    value: Decimal
    multiplier: int

    @property
    def rate(self) -> Decimal:
        """RON per one unit."""
        return self.value / self.multiplier

    @property
    def document_rate(self) -> Decimal:
        """As a document keeps it (4 decimals)."""
        return self.rate.quantize(DOCUMENT_RATE, rounding=ROUND_HALF_UP)


Reason = Literal["unreachable", "not-published", "unknown-currency"]


class RateUnavailable(Exception):
    """No BNR rate for the date: BNR unreachable with nothing cached, not published yet, or no such
    currency. ``problem(field)`` is the 422 naming the field the caller asked about."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason, self.message = reason, message

    def problem(self, field: str, where: str = "body", hint: str = "") -> Unprocessable:
        return Unprocessable(
            f"No BNR exchange rate: {self.message}",
            code=f"bnr-{self.reason}",
            errors=[
                {"field": field, "in": where, "message": self.message + hint, "type": f"bnr.{self.reason}"}
            ],
        )


@dataclass(frozen=True)
class _Span:
    """A fetched feed: every fixing BNR published from ``first`` to ``last`` is in ``fixings``."""

    fixings: list[Fixing]
    first: date
    last: date


def _span(path: str, fixings: list[Fixing], today: date) -> _Span | None:
    latest_day = fixings[-1].day if fixings else None
    if path.startswith("/files/xml/years/"):
        year = int(path.removeprefix("/files/xml/years/nbrfxrates").removesuffix(".xml"))
        end = date(year, 12, 31)
        if end >= today:  # the running year: complete up to yesterday (today's fixing may follow)
            end = max(latest_day or date.min, today - timedelta(days=1))
        return _Span(fixings, date(year, 1, 1), end)
    if not fixings:
        return None
    # The latest fixings as of now: nothing else was published between the oldest and yesterday.
    return _Span(fixings, fixings[0].day, max(fixings[-1].day, today - timedelta(days=1)))


def settled_days(spans: Iterable[_Span]) -> dict[date, date]:
    """Each date whose rate the spans settle → the day of the fixing that applies (the last one before
    it). A date is settled when the span holding its fixing is complete up to the day before it."""
    ordered = sorted(spans, key=lambda s: s.first)
    merged: list[tuple[date, date, set[date]]] = []
    for span in ordered:
        days = {f.day for f in span.fixings}
        if merged and span.first <= merged[-1][1] + timedelta(days=1):
            first, last, known = merged[-1]
            merged[-1] = (first, max(last, span.last), known | days)
        else:
            merged.append((span.first, span.last, days))
    out: dict[date, date] = {}
    for first, last, known in merged:
        fixed = sorted(d for d in known if first <= d <= last)
        if not fixed:
            continue
        current = fixed[0]
        day, upcoming = fixed[0] + timedelta(days=1), iter(fixed[1:])
        following = next(upcoming, None)
        while day <= last + timedelta(days=1):
            out[day] = current
            if following is not None and following == day:
                current, following = following, next(upcoming, None)
            day += timedelta(days=1)
    return out


def _plan(day: date, today: date) -> list[str]:
    """The feeds to read, in order, for the rate of ``day`` (each read only while ``day`` is unsettled)."""
    if day > today + timedelta(days=1):
        return []
    feeds = [FEED_TEN_DAYS] if day >= today - timedelta(days=TEN_DAYS_REACH) else []
    if day <= today:
        before = day - timedelta(days=1)
        feeds += [year_feed(before.year), year_feed(before.year - 1)]
    return feeds


def _fetch(session: Session, source: RateSource, day: date, today: date) -> None:
    spans: list[_Span] = []
    settled: dict[date, date] = {}
    for path in _plan(day, today):
        try:
            fixings = source.fixings(path)
        except FeedMissing:
            continue
        except FeedError as exc:
            raise RateUnavailable(
                "unreachable", f"BNR cannot be reached ({exc}) and no rate is cached for {day}"
            ) from None
        span = _span(path, fixings, today)
        if span is not None:
            spans.append(span)
        settled = settled_days(spans)
        if day in settled:
            break
    seen: set[date] = set()
    rows: list[dict[str, object]] = []
    for span in spans:
        for fixing in span.fixings:
            if fixing.day in seen:
                continue
            seen.add(fixing.day)
            rows += [
                {"rate_date": fixing.day, "currency": c, "value": p.value, "multiplier": p.multiplier}
                for c, p in fixing.rates.items()
            ]
    if rows or settled:
        repository.add_bnr_rates(session, rows, settled)


def exchange_rate(
    session: Session, source: RateSource | None, currency: str, day: date, *, today: date | None = None
) -> ExchangeRate:
    """BNR's rate of ``currency`` for documents dated ``day``: from the cache, else fetched (and cached)
    through ``source``. ``RateUnavailable`` when there is none."""
    currency = currency.upper()
    cached = repository.bnr_rate_on(session, day, currency)
    if cached is None:
        if source is None:
            raise RateUnavailable("unreachable", f"no BNR rate is cached for {day}")
        _fetch(session, source, day, today or bucharest_today())
        cached = repository.bnr_rate_on(session, day, currency)
    if cached is None:
        raise RateUnavailable(
            "not-published",
            f"BNR has not published the rate for {day} yet (it fixes rates around 13:00 on banking days, "
            "valid from the next day)",
        )
    rate_date, row = cached
    if row is None:
        raise RateUnavailable("unknown-currency", f"BNR published no {currency} rate on {rate_date}")
    return ExchangeRate(currency, day, rate_date, _as_published(row.value), row.multiplier)


def _as_published(value: Decimal) -> Decimal:
    """The stored value (6 decimals) with BNR's 4 when nothing is lost: ``4.976400`` → ``4.9764``."""
    short = value.quantize(DOCUMENT_RATE)
    return short if short == value else value.normalize()
