"""BNR reference rates: the feed parsed as BNR writes it (multiplier included), the rule (the last fixing
published before the document's date: weekends and holidays take the previous banking day's), the
durable cache (a settled date is never fetched again), BNR down (4xx naming the field, never 5xx), and a
EUR invoice issued without a rate taking BNR's, against the fake BNR served over HTTP."""

from __future__ import annotations

import os
import re
import uuid
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import select

from genius.compliance.fakes import bnr as fake
from genius.core.platform import Platform
from genius.sales import bnr
from genius.sales.models import BnrRate, BnrRateDay
from genius.web.formats import money
from tests.core.test_admin_pages import login
from tests.sales.conftest import FakeBnr, Sales

NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}

# Two fixings as BNR's ten-day feed lists them (newest first), HUF per 100 units, a currency without a rate.
REAL_FORMAT = b"""<?xml version="1.0" encoding="utf-8"?>
<DataSet xmlns="http://www.bnr.ro/xsd" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://www.bnr.ro/xsd nbrfxrates.xsd">
  <Header>
    <Publisher>National Bank of Romania</Publisher>
    <PublishingDate>2026-12-03</PublishingDate>
    <MessageType>DR</MessageType>
  </Header>
  <Body>
    <Subject>Reference rates</Subject>
    <OrigCurrency>RON</OrigCurrency>
    <Cube date="2026-12-03">
      <Rate currency="AED">1.1734</Rate>
      <Rate currency="EUR">4.9764</Rate>
      <Rate currency="HUF" multiplier="100">1.3205</Rate>
      <Rate currency="JPY" multiplier="100">2.8512</Rate>
      <Rate currency="XYZ">0.0000</Rate>
    </Cube>
    <Cube date="2026-12-02">
      <Rate currency="EUR">4.9771</Rate>
      <Rate currency="HUF" multiplier="100">1.3190</Rate>
    </Cube>
  </Body>
</DataSet>"""


def test_parses_the_real_format_with_multipliers() -> None:
    fixings = bnr.parse(REAL_FORMAT)
    assert [f.day for f in fixings] == [date(2026, 12, 2), date(2026, 12, 3)]  # oldest first
    latest = fixings[-1].rates
    assert latest["EUR"] == bnr.Published(Decimal("4.9764"), 1)
    assert latest["HUF"] == bnr.Published(Decimal("1.3205"), 100)
    assert latest["HUF"].per_unit == Decimal("0.013205")
    assert "XYZ" not in latest  # a currency listed without a rate
    # BNR's newer host writes the namespace with https: the same document
    https = REAL_FORMAT.replace(b'xmlns="http://www.bnr.ro/xsd"', b'xmlns="https://www.bnr.ro/xsd"')
    assert bnr.parse(https) == fixings
    # what the fake serves is the same format
    served = bnr.parse(fake.document([date(2026, 12, 2), date(2026, 12, 3)]))
    assert [f.day for f in served] == [date(2026, 12, 2), date(2026, 12, 3)]
    assert served[0].rates["JPY"] == bnr.Published(fake.rate("JPY", date(2026, 12, 2)), 100)


@pytest.mark.parametrize(
    "xml",
    [
        b"<html><body>Mentenanta</body></html>",
        b'<DataSet xmlns="http://www.bnr.ro/xsd"><Body><Cube date="2026-12-0',
        b'<DataSet xmlns="http://example.com/other"><Body/></DataSet>',
        b'<DataSet xmlns="http://www.bnr.ro/xsd"><Body><OrigCurrency>EUR</OrigCurrency></Body></DataSet>',
        b'<DataSet xmlns="http://www.bnr.ro/xsd"><Body><Cube date="2026-12-03">'
        b'<Rate currency="EUR">4,97</Rate></Cube></Body></DataSet>',
        # an external entity is never resolved: the rate stays unreadable instead of holding a file
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
        b'<DataSet xmlns="http://www.bnr.ro/xsd"><Body><Cube date="2026-12-03">'
        b'<Rate currency="EUR">&x;</Rate></Cube></Body></DataSet>',
    ],
)
def test_what_is_not_bnrs_feed_is_refused(xml: bytes) -> None:
    with pytest.raises(bnr.FeedError):
        bnr.parse(xml)


def test_the_rate_of_a_day_is_the_last_fixing_before_it() -> None:
    """Codul fiscal art. 290 (2) with its Norms: the rate communicated the day before. Fixings on
    Fri 27.11, none on Mon 30.11 and Tue 01.12 (public holidays), Wed 02.12, Thu 03.12."""
    fixed = [date(2026, 11, 26), date(2026, 11, 27), date(2026, 12, 2), date(2026, 12, 3)]
    span = bnr._Span([bnr.Fixing(d, {}) for d in fixed], date(2026, 11, 26), date(2026, 12, 3))
    settled = bnr.settled_days([span])
    assert settled[date(2026, 11, 27)] == date(2026, 11, 26)  # a Friday: Thursday's
    for weekend_or_holiday in (28, 29, 30):
        assert settled[date(2026, 11, weekend_or_holiday)] == date(2026, 11, 27)
    assert settled[date(2026, 12, 1)] == settled[date(2026, 12, 2)] == date(2026, 11, 27)
    assert settled[date(2026, 12, 3)] == date(2026, 12, 2)
    assert settled[date(2026, 12, 4)] == date(2026, 12, 3)  # the day after the last fixing: known
    assert date(2026, 12, 5) not in settled and date(2026, 11, 26) not in settled


def _banking_day_before(day: date) -> date:
    day -= timedelta(days=1)
    while not fake.is_banking_day(day):
        day -= timedelta(days=1)
    return day


def test_rates_are_fetched_once_and_served_from_the_cache(sales: Sales, fake_bnr: FakeBnr) -> None:
    r = sales.ok("GET", "/exchange-rates?currency=EUR&date=2026-11-24")  # a Tuesday
    assert r == {
        "currency": "EUR",
        "date": "2026-11-24",
        "rate_date": "2026-11-23",
        "rate": str(fake.rate("EUR", date(2026, 11, 23))),
        "value": str(fake.rate("EUR", date(2026, 11, 23))),
        "multiplier": 1,
        "source": "BNR",
    }
    assert fake_bnr.state.requests == ["/files/xml/years/nbrfxrates2026.xml"]
    # the same day again, another currency, other days of that year: all from the cache
    assert sales.ok("GET", "/exchange-rates?currency=EUR&date=2026-11-24")["rate_date"] == "2026-11-23"
    huf = sales.ok("GET", "/exchange-rates?currency=HUF&date=2026-11-24")
    assert (huf["multiplier"], Decimal(huf["rate"])) == (100, fake.rate("HUF", date(2026, 11, 23)) / 100)
    # weekend and holidays: the last banking day before (Fri 27.11; Mon 30.11 and Tue 01.12 are holidays)
    for day in ("2026-11-28", "2026-11-29", "2026-11-30", "2026-12-01", "2026-12-02"):
        assert sales.ok("GET", f"/exchange-rates?date={day}")["rate_date"] == "2026-11-27", day
    assert sales.ok("GET", "/exchange-rates?date=2026-11-23")["rate_date"] == "2026-11-20"  # Monday: Friday's
    assert sales.ok("GET", "/exchange-rates?currency=USD&date=2026-03-10")["rate_date"] == "2026-03-09"
    assert fake_bnr.state.requests == ["/files/xml/years/nbrfxrates2026.xml"]
    # a currency BNR does not publish: 422 on the currency
    r = sales.call("GET", "/exchange-rates?currency=XAU&date=2026-11-24")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "currency"
    assert fake_bnr.state.requests == ["/files/xml/years/nbrfxrates2026.xml"]


def test_recent_days_come_from_the_ten_day_feed(
    sales: Sales, fake_bnr: FakeBnr, platform: Platform, tenant: Any
) -> None:
    today = bnr.bucharest_today()
    # the fake's clock: today, 09:00 in Bucharest, before the day's fixing
    fake_bnr.state.now = lambda: datetime.combine(today, time(9, 0), tzinfo=fake.BUCHAREST)
    r = sales.ok("GET", f"/exchange-rates?currency=EUR&date={today}")
    assert r["rate_date"] == _banking_day_before(today).isoformat()
    assert Decimal(r["rate"]) == fake.rate("EUR", _banking_day_before(today))
    assert fake_bnr.state.requests == ["/nbrfxrates10days.xml"]
    # tomorrow's rate is fixed at 13:00 today: not yet (422 on the date), and asked again later
    r = sales.call("GET", f"/exchange-rates?date={today + timedelta(days=1)}")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "date"
    assert r.json()["type"].endswith("bnr-not-published")
    assert fake_bnr.state.requests == ["/nbrfxrates10days.xml"] * 2
    # further ahead: refused without asking BNR
    assert sales.call("GET", f"/exchange-rates?date={today + timedelta(days=5)}").status_code == 422
    assert len(fake_bnr.state.requests) == 2
    # the cache is durable and shared: rows in the platform tables, read by any tenant's session
    with platform.db.tenant_session(tenant.id) as s:
        assert s.scalar(select(BnrRateDay.rate_date).where(BnrRateDay.day == today)) == _banking_day_before(
            today
        )
        assert s.scalar(
            select(BnrRate.value).where(
                BnrRate.rate_date == _banking_day_before(today), BnrRate.currency == "EUR"
            )
        ) == fake.rate("EUR", _banking_day_before(today))


def test_bnr_down_is_a_4xx_on_the_field_and_a_cached_day_still_answers(
    sales: Sales, customer_id: uuid.UUID, fake_bnr: FakeBnr
) -> None:
    # BNR answers 503, nothing cached: an invoice cannot be issued without a rate (422 on the field)
    fake_bnr.state.faults = ["503"] * 10
    draft = sales.ok(
        "POST",
        "/invoices",
        {
            "type": "invoice",
            "customer_id": str(customer_id),
            "currency": "EUR",
            "issue_date": str(bnr.bucharest_today()),
            "lines": [{"description": "Consultanță", "quantity": 8, "unit_price": "125"}],
        },
        status=201,
    )
    r = sales.call("POST", f"/invoices/{draft['id']}/issue")
    assert r.status_code == 422, r.text
    assert r.json()["type"].endswith("bnr-unreachable") and "HTTP 503" in r.text
    [error] = r.json()["errors"]
    assert error["field"] == "exchange_rate" and "enter the exchange rate" in error["message"]
    assert sales.ok("GET", f"/invoices/{draft['id']}")["status"] == "draft"
    r = sales.call("GET", "/exchange-rates?date=2026-10-14")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "date"
    # an error page instead of the feed is no better
    fake_bnr.state.faults = ["html"]
    assert sales.call("GET", "/exchange-rates?date=2026-10-14").status_code == 422
    # BNR back: fetched and cached; BNR gone again: the cached day is still answered
    assert sales.ok("GET", "/exchange-rates?date=2026-10-14")["rate_date"] == "2026-10-13"
    fake_bnr.state.faults = ["503"] * 10
    assert sales.ok("GET", "/exchange-rates?date=2026-10-14")["rate_date"] == "2026-10-13"
    # the same invoice now issues: its date was settled by the year's feed read meanwhile
    assert sales.issue(draft["id"])["exchange_rate"] is not None
    assert len(fake_bnr.state.faults) == 10


def test_bnr_unreachable_is_a_4xx(sales: Sales, customer_id: uuid.UUID) -> None:
    """The tests' default ``bnr_url`` is a closed port: nothing cached, nothing reachable."""
    r = sales.call("GET", "/exchange-rates?date=2026-09-15")
    assert r.status_code == 422 and r.json()["type"].endswith("bnr-unreachable")
    assert "ConnectError" in r.json()["errors"][0]["message"]


def test_a_eur_invoice_without_a_rate_is_issued_at_bnrs(
    sales: Sales, customer_id: uuid.UUID, fake_bnr: FakeBnr
) -> None:
    draft = sales.ok(
        "POST",
        "/invoices",
        {
            "type": "invoice",
            "customer_id": str(customer_id),
            "currency": "EUR",
            "issue_date": "2026-11-30",  # a public holiday: Friday 27.11's rate
            "lines": [{"description": "Consultanță", "quantity": 8, "unit_price": "125"}],
        },
        status=201,
    )
    assert draft["exchange_rate"] is None
    issued = sales.issue(draft["id"])
    expected = fake.rate("EUR", date(2026, 11, 27))
    assert Decimal(issued["exchange_rate"]) == expected
    root = etree.fromstring(sales.call("GET", f"/invoices/{draft['id']}/ubl").content)
    assert root.findtext("cbc:TaxCurrencyCode", namespaces=NS) == "RON"
    vat_ron = root.findtext("cac:TaxTotal/cbc:TaxAmount[@currencyID='RON']", namespaces=NS)
    assert Decimal(vat_ron or "0") == (Decimal("210.00") * expected).quantize(Decimal("0.01"), ROUND_HALF_UP)
    # a rate the user gives wins over BNR's
    mine = sales.ok(
        "POST",
        "/invoices",
        {
            "type": "invoice",
            "customer_id": str(customer_id),
            "currency": "EUR",
            "issue_date": "2026-11-30",
            "exchange_rate": "5.0123",
            "lines": [{"description": "Consultanță", "quantity": 1, "unit_price": "10"}],
        },
        status=201,
    )
    assert sales.issue(mine["id"])["exchange_rate"] == "5.0123"
    assert len(fake_bnr.state.requests) == 1  # one feed read (which one depends on how recent the date is)
    # a credit note without a rate takes back the VAT in lei at its invoice's rate, whatever BNR's is now
    note = sales.ok(
        "POST",
        "/invoices",
        {
            "type": "credit_note",
            "customer_id": str(customer_id),
            "corrects_id": draft["id"],
            "currency": "EUR",
            "lines": [{"description": "Consultanță", "quantity": 2, "unit_price": "125"}],
        },
        status=201,
    )
    assert Decimal(sales.issue(note["id"])["exchange_rate"]) == expected


def test_the_editor_shows_the_rate_it_will_use(
    client: TestClient, sales: Sales, customer_id: uuid.UUID, tenant: Any, fake_bnr: FakeBnr
) -> None:
    login(client, tenant.slug, tenant.admin_email)
    page = client.get("/sales/invoices/new")
    m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert m and "fx-rate" not in page.text  # a RON invoice: no exchange rate shown
    headers = {"X-CSRF-Token": m.group(1), "HX-Request": "true"}
    form = {
        "customer_id": str(customer_id),
        "series": "GEN",
        "currency": "EUR",
        "issue_date": "2026-11-24",
        "lines.0.description": "Consultanță",
        "lines.0.quantity": "8",
        "lines.0.unit_price": "125",
        "lines.0.vat": "S/standard",
    }
    r = client.post("/sales/invoices/editor/totals", data=form, headers=headers)
    assert r.status_code == 200
    rate = fake.rate("EUR", date(2026, 11, 23))
    shown = f"{rate:.4f}".replace(".", ",")
    assert f'id="fx-rate">{shown}' in r.text
    assert "Cursul BNR din 23.11.2026, valabil pentru documentele din 24.11.2026" in r.text
    vat_ron = (Decimal("210") * rate).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert money(vat_ron, "RON") in r.text  # the VAT in lei
    # a rate typed by the user is the one used
    r = client.post(
        "/sales/invoices/editor/totals", data={**form, "exchange_rate": "5,0123"}, headers=headers
    )
    assert 'id="fx-rate">5,0123' in r.text and "Se folosește cursul de schimb introdus." in r.text
    # BNR unreachable, nothing cached for the date: the editor says to enter the rate
    fake_bnr.state.faults = ["503"]
    r = client.post(
        "/sales/invoices/editor/totals", data={**form, "issue_date": "2025-03-04"}, headers=headers
    )
    assert r.status_code == 200 and "BNR nu poate fi contactată" in r.text
    # the full editor puts BNR's rate in the field's placeholder; issuing from it takes that rate
    saved = client.post(
        "/sales/invoices/new",
        data={**form, "csrf_token": m.group(1), "action": "issue"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    doc_id = saved.headers["location"].split("/")[3]
    assert Decimal(sales.ok("GET", f"/invoices/{doc_id}")["exchange_rate"]) == rate
    assert "lei/EUR" in client.get(f"/sales/invoices/{doc_id}").text


def test_the_demo_points_the_bnr_client_at_its_fake(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """``genius demo`` sets ``GENIUS_BNR_URL`` to its fake server (one the operator set wins), which
    serves the feed beside the fake ANAF."""
    from genius import cli
    from genius.compliance.fakes.app import create_fake_app

    environment: dict[str, str] = {}
    monkeypatch.setattr(os, "environ", environment)
    demo = settings.model_copy(update={"demo_fakes": True, "demo_fakes_port": 8099})
    assert cli._use_demo_fakes(demo) == "http://127.0.0.1:8099"
    assert environment["GENIUS_BNR_URL"] == "http://127.0.0.1:8099"
    environment.clear()
    environment["GENIUS_BNR_URL"] = "https://curs.bnr.ro"
    cli._use_demo_fakes(demo)
    assert environment["GENIUS_BNR_URL"] == "https://curs.bnr.ro"
    year = bnr.bucharest_today().year
    with TestClient(create_fake_app()) as fake_server:
        for path in (
            "/nbrfxrates.xml",
            "/nbrfxrates10days.xml",
            f"/files/xml/years/nbrfxrates{year - 1}.xml",
        ):
            r = fake_server.get(path)
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/xml"), path
            assert bnr.parse(r.content), path
        assert fake_server.get(f"/files/xml/years/nbrfxrates{year + 1}.xml").status_code == 404
