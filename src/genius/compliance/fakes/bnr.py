"""Fake BNR (Banca Națională a României) reference-rate feed: the real paths and XML.

* ``GET /nbrfxrates.xml``: the latest fixing (one ``Cube``);
* ``GET /nbrfxrates10days.xml``: the last ten fixings;
* ``GET /files/xml/years/nbrfxrates{YEAR}.xml``: every fixing of a year (404 for a year not begun).

The document is BNR's ``DataSet`` in the ``http://www.bnr.ro/xsd`` namespace: a ``Header``
(``Publisher``, ``PublishingDate``, ``MessageType`` ``DR``) and a ``Body`` with ``Subject``
("Reference rates"), ``OrigCurrency`` (RON) and one ``Cube date="YYYY-MM-DD"`` per fixing, each holding
``Rate currency="EUR"`` elements, with ``multiplier="100"`` on the currencies quoted per 100 units (HUF,
JPY). BNR fixes rates on banking days only, around 13:00 Bucharest time: no ``Cube`` on a Saturday, a
Sunday or a public holiday (the fixed-date ones are known here), and today's ``Cube`` appears only after
``publish_at``.

The rates are deterministic and plausible (``rate(currency, day)``: a slow wave around a base value),
so a test can compute the rate it expects. ``State.requests`` records every path asked (a test proves
a cached rate is not fetched again); ``State.faults`` (consumed one per request, FIFO): ``"503"``,
``"html"`` (an error page instead of XML), ``"truncated"`` (XML cut short).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, Response
from lxml import etree

NS = "http://www.bnr.ro/xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
BUCHAREST = ZoneInfo("Europe/Bucharest")
XML_TYPE = "text/xml; charset=utf-8"

Fault = Literal["503", "html", "truncated"]

# RON per unit (per ``multiplier`` units), around which the fake's rates move.
BASES: dict[str, tuple[Decimal, int]] = {
    "EUR": (Decimal("4.9750"), 1),
    "USD": (Decimal("4.2800"), 1),
    "GBP": (Decimal("5.7400"), 1),
    "CHF": (Decimal("5.3300"), 1),
    "HUF": (Decimal("1.3100"), 100),
    "JPY": (Decimal("2.8700"), 100),
}
# Romania's fixed-date public holidays (Codul muncii art. 139): no fixing on these days.
FIXED_HOLIDAYS = frozenset({(1, 1), (1, 2), (1, 6), (1, 7), (1, 24), (5, 1), (6, 1), (8, 15), (11, 30)})
FIXED_HOLIDAYS |= frozenset({(12, 1), (12, 25), (12, 26)})
FIRST_YEAR = 2005  # the yearly files start with the leu's redenomination


def rate(currency: str, day: date) -> Decimal:
    """The fake's rate of ``currency`` fixed on ``day`` (RON per ``multiplier`` units, 4 decimals)."""
    base, _multiplier = BASES[currency]
    wave = Decimal(str(round(math.sin(day.toordinal() / 9 + len(currency)) * 0.004, 6)))
    return (base * (1 + wave)).quantize(Decimal("0.0001"))


def is_banking_day(day: date) -> bool:
    return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS


def _bucharest_now() -> datetime:
    return datetime.now(BUCHAREST)


@dataclass
class State:
    now: Callable[[], datetime] = _bucharest_now
    publish_at: time = time(13, 0)
    requests: list[str] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_fault(self) -> Fault | None:
        with self.lock:
            return self.faults.pop(0) if self.faults else None

    def last_published(self) -> date:
        """The last day whose fixing is out: today after ``publish_at`` (Bucharest), else yesterday."""
        now = self.now().astimezone(BUCHAREST)
        return now.date() if now.time() >= self.publish_at else now.date() - timedelta(days=1)

    def fixings(self, first: date, last: date) -> list[date]:
        last = min(last, self.last_published())
        days = (last - first).days + 1
        return [
            first + timedelta(days=i) for i in range(max(days, 0)) if is_banking_day(first + timedelta(i))
        ]

    def latest(self, count: int) -> list[date]:
        found: list[date] = []
        day = self.last_published()
        while len(found) < count and day.year >= FIRST_YEAR:
            if is_banking_day(day):
                found.append(day)
            day -= timedelta(days=1)
        return sorted(found)


def document(days: list[date]) -> bytes:
    """BNR's ``DataSet`` holding one ``Cube`` per day, newest first as BNR lists them."""
    root = etree.Element(
        f"{{{NS}}}DataSet",
        nsmap={None: NS, "xsi": XSI},
        attrib={f"{{{XSI}}}schemaLocation": f"{NS} nbrfxrates.xsd"},
    )
    header = etree.SubElement(root, f"{{{NS}}}Header")
    etree.SubElement(header, f"{{{NS}}}Publisher").text = "National Bank of Romania"
    etree.SubElement(header, f"{{{NS}}}PublishingDate").text = (
        max(days) if days else date.today()
    ).isoformat()
    etree.SubElement(header, f"{{{NS}}}MessageType").text = "DR"
    body = etree.SubElement(root, f"{{{NS}}}Body")
    etree.SubElement(body, f"{{{NS}}}Subject").text = "Reference rates"
    etree.SubElement(body, f"{{{NS}}}OrigCurrency").text = "RON"
    for day in sorted(days, reverse=True):
        cube = etree.SubElement(body, f"{{{NS}}}Cube", date=day.isoformat())
        for currency, (_base, multiplier) in sorted(BASES.items()):
            element = etree.SubElement(cube, f"{{{NS}}}Rate", currency=currency)
            if multiplier != 1:
                element.set("multiplier", str(multiplier))
            element.text = f"{rate(currency, day)}"
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


def make_router(state: State) -> APIRouter:
    router = APIRouter(tags=["fake-bnr"])

    def answer(path: str, days: Callable[[], list[date]]) -> Response:
        state.requests.append(path)
        fault = state.next_fault()
        if fault == "503":
            return HTMLResponse("<html><body>Service Unavailable</body></html>", status_code=503)
        if fault == "html":
            return HTMLResponse("<html><head><title>BNR</title></head><body>Mentenanță</body></html>")
        xml = document(days())
        if fault == "truncated":
            xml = xml[: len(xml) // 2]
        return Response(xml, media_type=XML_TYPE)

    @router.get("/nbrfxrates.xml", include_in_schema=False)
    def today() -> Response:
        return answer("/nbrfxrates.xml", lambda: state.latest(1))

    @router.get("/nbrfxrates10days.xml", include_in_schema=False)
    def ten_days() -> Response:
        return answer("/nbrfxrates10days.xml", lambda: state.latest(10))

    @router.get("/files/xml/years/nbrfxrates{year}.xml", include_in_schema=False)
    def year(year: int) -> Response:
        path = f"/files/xml/years/nbrfxrates{year}.xml"
        if year < FIRST_YEAR or year > state.last_published().year:
            state.requests.append(path)
            return HTMLResponse("<html><body>404 - File not found</body></html>", status_code=404)
        return answer(path, lambda: state.fixings(date(year, 1, 1), date(year, 12, 31)))

    return router


def create_app(state: State | None = None) -> FastAPI:
    """The BNR feed alone (tests that need no ANAF); ``genius demo`` serves it in the fake ANAF."""
    app = FastAPI(title="Fake BNR", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(make_router(state or State()))
    return app
