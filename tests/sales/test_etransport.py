"""e-Transport from orders (issue 17): the notification built from the order's lines of high fiscal risk,
validated and queued to the ``anaf.etransport`` worker through the outbox; 422 naming the field when no
line is risky (or a weight is missing); idempotent (a second start returns the declaration the order
has, unless ANAF rejected it); the worker's run against the fake ANAF puts the UIT and its validity on
the order through compliance's events; the order page, the desk's countdown page and the delivery note
PDF with the UIT and its QR code."""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from pypdf import PdfReader
from sqlalchemy import select

from genius.compliance.common import oauth
from genius.compliance.etransport import service as etransport
from genius.compliance.etransport.models import Declaration as DeclarationRow
from genius.core.events.models import OutboxEvent
from genius.core.events.schemas import Envelope
from genius.core.platform import Platform
from genius.sales import delivery_note, transport
from genius.sales import demo as sales_demo
from genius.sales.consumers import consumers
from genius.sales.schemas import OrderTransportOut
from tests.compliance.conftest import FakeAnaf
from tests.core.test_admin_pages import login
from tests.sales.conftest import Sales, add_customer, relay, set_up_company
from tests.sales.test_spv import fake_anaf, spv_platform  # noqa: F401

NS = {"e": "mfp:anaf:dgti:eTransport:declaratie:v2"}
FLOUR = {"code": "FAINA-000", "name": "Făină albă de grâu tip 000", "unit_code": "KGM", "price": "3.20"}
OIL = {
    "code": "ULEI-5L",
    "name": "Ulei de floarea-soarelui 5 l",
    "unit_code": "H87",
    "price": "42.00",
    "cod_tarifar": "15121191",
    "unit_weight_kg": "4.650",
}
TRANSPORT = {"vehicle": "cj-12-abc", "transport_date": "2026-12-07"}


def product(sales: Sales, **fields: Any) -> str:
    return str(sales.ok("POST", "/products", fields, status=201)["id"])


def risky_order(sales: Sales, customer_id: uuid.UUID) -> dict[str, Any]:
    """A confirmed order: 4,000 kg of flour (CN 1101, high risk), 200 cans of oil (CN 1512, high risk)
    and a service line (no tariff code)."""
    flour = product(sales, **FLOUR, cod_tarifar="11010015")
    oil = product(sales, **OIL)
    lines = [
        {"product_id": flour, "quantity": 4000},
        {"product_id": oil, "quantity": 200},
        {"description": "Transport și manipulare", "quantity": 1, "unit_price": "350"},
    ]
    draft = sales.ok("POST", "/orders", {"customer_id": str(customer_id), "lines": lines}, status=201)
    return dict(sales.ok("POST", f"/orders/{draft['id']}/confirm"))


def outbox(platform: Platform, tid: uuid.UUID, topic: str) -> list[OutboxEvent]:
    with platform.db.tenant_session(tid) as s:
        rows = s.scalars(select(OutboxEvent).where(OutboxEvent.topic == topic).order_by(OutboxEvent.seq))
        return list(rows)


def declaration_xml(platform: Platform, tid: uuid.UUID, declaration_id: str) -> etree._Element:
    with platform.db.tenant_session(tid) as s:
        row = s.get(DeclarationRow, uuid.UUID(declaration_id))
        assert row is not None
        return etree.fromstring(row.xml.encode())


def test_start_builds_the_notification_from_the_risky_lines_and_queues_it(
    sales: Sales, customer_id: uuid.UUID, platform: Platform, tenant: Any
) -> None:
    order = risky_order(sales, customer_id)
    r = sales.call("POST", f"/orders/{order['id']}/etransport", TRANSPORT)
    assert r.status_code == 202, r.text
    out = r.json()
    assert (out["state"], out["attempt"], out["queued"], out["uit"]) == ("pending", 1, True, None)
    assert (out["vehicle"], out["operation_type"], out["transport_date"]) == ("CJ12ABC", "30", "2026-12-07")
    # only the two risky lines; the flour's weight is its quantity (KGM), the oil's 200 x 4.65 kg
    assert [(g["position"], g["cod_tarifar"], g["gross_weight_kg"]) for g in out["goods"]] == [
        (1, "11010015", "4000.00"),
        (2, "15121191", "930.00"),
    ]
    assert out["required"] is True and any("over 2500" in r for r in out["reasons"])
    assert out["start"].startswith("Str. Memorandumului 28") and "Bd. Unirii 10" in out["end"]

    # queued to the existing worker: an outbox task of the same transaction
    [task] = outbox(platform, tenant.id, "anaf.etransport.submit")
    assert task.data["args"] == [str(tenant.id), out["declaration_id"]]

    root = declaration_xml(platform, tenant.id, out["declaration_id"])
    assert root.get("codDeclarant") == "18547290" and root.get("refDeclarant") == order["number"]
    goods = root.findall("e:notificare/e:bunuriTransportate", NS)
    assert [(g.get("codTarifar"), g.get("valoareLeiFaraTva"), g.get("codScopOperatiune")) for g in goods] == [
        ("11010015", "12800.00", "101"),
        ("15121191", "8400.00", "101"),
    ]
    partner = root.find("e:notificare/e:partenerComercial", NS)
    assert partner is not None and (partner.get("codTara"), partner.get("cod")) == ("RO", "14399840")
    end = root.find("e:notificare/e:locFinalTraseuRutier/e:locatie", NS)
    assert end is not None and end.get("codJudet") == "40"  # the customer's county: București
    [doc] = root.findall("e:notificare/e:documenteTransport", NS)
    assert (doc.get("tipDocument"), doc.get("numarDocument")) == ("30", order["number"])

    # the order shows it too
    got = sales.ok("GET", f"/orders/{order['id']}")
    assert got["etransport"]["declaration_id"] == out["declaration_id"]
    assert sales.ok("GET", f"/orders/{order['id']}/etransport")["state"] == "pending"


def test_no_risky_line_is_a_422_naming_the_lines(sales: Sales, customer_id: uuid.UUID) -> None:
    flour_without_code = product(sales, **FLOUR)
    lines = [
        {"product_id": flour_without_code, "quantity": 100},
        {"description": "Consultanță", "quantity": 1, "unit_price": "10"},
    ]
    draft = sales.ok("POST", "/orders", {"customer_id": str(customer_id), "lines": lines}, status=201)
    r = sales.call("POST", f"/orders/{draft['id']}/etransport", TRANSPORT)
    assert r.status_code == 409  # a draft ships nothing
    sales.ok("POST", f"/orders/{draft['id']}/confirm")
    r = sales.call("POST", f"/orders/{draft['id']}/etransport", TRANSPORT)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    [error] = r.json()["errors"]
    assert error["field"] == "lines" and "high fiscal risk" in error["message"]
    assert sales.call("GET", f"/orders/{draft['id']}/etransport").status_code == 404
    # bad transport data is refused by the schema
    bad = sales.call("POST", f"/orders/{draft['id']}/etransport", {"vehicle": "!"})
    assert bad.status_code == 422


def test_a_missing_weight_names_the_line_and_given_weights_are_used(
    sales: Sales, customer_id: uuid.UUID
) -> None:
    oil = product(sales, **{**OIL, "code": "ULEI-X", "unit_weight_kg": None})
    draft = sales.ok(
        "POST",
        "/orders",
        {"customer_id": str(customer_id), "lines": [{"product_id": oil, "quantity": 10}]},
        status=201,
    )
    sales.ok("POST", f"/orders/{draft['id']}/confirm")
    r = sales.call("POST", f"/orders/{draft['id']}/etransport", TRANSPORT)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "lines" and "line 1" in r.json()["errors"][0]["message"]
    body = {**TRANSPORT, "lines": [{"position": 1, "gross_weight_kg": "48.5", "net_weight_kg": "46"}]}
    out = sales.ok("POST", f"/orders/{draft['id']}/etransport", body, status=202)
    assert (out["goods"][0]["net_weight_kg"], out["goods"][0]["gross_weight_kg"]) == ("46.00", "48.50")
    assert out["required"] is False  # 420 RON and 48.5 kg: under both thresholds, declared anyway
    r = sales.call("POST", f"/orders/{draft['id']}/etransport", {**TRANSPORT, "lines": [{"position": 9}]})
    assert r.status_code == 200  # the order has its declaration: returned as it is


def test_idempotent_unless_rejected(
    sales: Sales, customer_id: uuid.UUID, platform: Platform, tenant: Any
) -> None:
    order = risky_order(sales, customer_id)
    first = sales.ok("POST", f"/orders/{order['id']}/etransport", TRANSPORT, status=202)
    again = sales.ok(
        "POST", f"/orders/{order['id']}/etransport", {**TRANSPORT, "vehicle": "B99XYZ"}, status=200
    )
    assert again["declaration_id"] == first["declaration_id"] and again["queued"] is False
    assert len(outbox(platform, tenant.id, "anaf.etransport.submit")) == 1

    # ANAF rejects it: the event marks the order's declaration rejected; a new start makes another
    with platform.db.tenant_session(tenant.id) as s:
        row = s.get(DeclarationRow, uuid.UUID(first["declaration_id"]))
        assert row is not None
        row.state, row.errors = "nok", ["E: cod tarifar invalid"]
    deliver(
        platform,
        tenant.id,
        "anaf.etransport.rejected",
        {
            "declaration_id": first["declaration_id"],
            "cif": "18547290",
            "kind": "notificare",
            "stage": "processing",
            "messages": ["E: cod tarifar invalid"],
        },
    )
    rejected = sales.ok("GET", f"/orders/{order['id']}/etransport")
    assert (rejected["state"], rejected["messages"]) == ("nok", ["E: cod tarifar invalid"])
    second = sales.ok(
        "POST", f"/orders/{order['id']}/etransport", {**TRANSPORT, "vehicle": "B99XYZ"}, status=202
    )
    assert second["declaration_id"] != first["declaration_id"] and second["attempt"] == 2
    assert (second["vehicle"], second["messages"]) == ("B99XYZ", [])
    assert len(outbox(platform, tenant.id, "anaf.etransport.submit")) == 2


def deliver(platform: Platform, tid: uuid.UUID, topic: str, data: dict[str, Any]) -> None:
    env = Envelope(id=uuid.uuid4(), topic=topic, tid=tid, occurred_at=datetime.now(UTC), data=data)
    [consumer] = consumers()
    assert consumer.handle(platform.db, env.model_dump(mode="json")) == "handled"


def relay_etransport(platform: Platform, tid: uuid.UUID) -> list[str]:
    """What the relay and ``genius consume`` do with compliance's e-Transport events."""
    topics = ("wms.shipment.etransport_code", "anaf.etransport.rejected")
    return relay(platform, tid, OutboxEvent.topic.in_(topics), consumers()[0])


def connect_to_anaf(platform: Platform, tid: uuid.UUID) -> None:
    """The tenant's ANAF OAuth with the fake (the compliance demo's connection, without its SPV inbox:
    the inbox's downloads count against ANAF's daily limit shared by the session's tests)."""
    status = oauth.connect_without_browser(platform.db, platform.settings, tid)
    assert status["connected"] is True


def run_etransport_worker(platform: Platform, tid: uuid.UUID) -> list[dict[str, Any]]:
    """What the ``anaf.etransport`` worker does with each queued task: upload, then follow the status."""
    ctx = etransport.context_for(platform)
    ctx.sleep = lambda seconds: None
    with platform.db.tenant_session(tid) as s:
        tasks = s.scalars(
            select(OutboxEvent).where(
                OutboxEvent.topic == "anaf.etransport.submit", OutboxEvent.published_at.is_(None)
            )
        ).all()
        for task in tasks:
            task.published_at = task.occurred_at
        ids = [uuid.UUID(t.data["args"][1]) for t in tasks]
    results = []
    for did in ids:
        etransport.upload(ctx, tid, did)
        results.append(etransport.follow(ctx, tid, did, initial=0.0))
    return results


def test_the_worker_against_the_fake_puts_the_uit_on_the_order(
    spv_platform: Platform,  # noqa: F811 (the fixture imported above)
    fake_anaf: FakeAnaf,  # noqa: F811
    tenant: Any,
    client: TestClient,
) -> None:
    platform = spv_platform
    with platform.db.tenant_session(tenant.id) as s:
        set_up_company(s, tenant.id)
        customer = add_customer(s, tenant.id)
    connect_to_anaf(platform, tenant.id)
    sales = Sales(client, tenant.headers)
    order = risky_order(sales, customer)
    today = date.today().isoformat()
    started = sales.ok(
        "POST",
        f"/orders/{order['id']}/etransport",
        {"vehicle": "CJ12ABC", "transport_date": today},
        status=202,
    )
    [result] = run_etransport_worker(platform, tenant.id)
    assert result["state"] == "valid" and result["uit"]
    [upload] = fake_anaf.states.etransport.uploads.values()
    assert upload.cif == "18547290" and upload.uit == result["uit"]
    assert relay_etransport(platform, tenant.id) == ["wms.shipment.etransport_code"]

    with platform.db.tenant_session(tenant.id) as s:  # sales' own record holds the UIT now
        row = transport.get(s, uuid.UUID(order["id"]))
        assert row is not None and (row.state, row.uit) == ("valid", result["uit"])
        assert row.declaration_id == uuid.UUID(started["declaration_id"])
        assert (row.valid_from, row.valid_until) == (date.today(), date.today() + timedelta(days=5))
    got = sales.ok("GET", f"/orders/{order['id']}")["etransport"]
    assert (got["state"], got["uit"], got["valid_until"]) == (
        "valid",
        result["uit"],
        row.valid_until.isoformat(),
    )

    # the delivery note prints the UIT, its validity and a QR code of it
    r = sales.call("GET", f"/orders/{order['id']}/delivery-note.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(r.content))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Aviz de însoțire a mărfii" in text and result["uit"] in text and order["number"] in text
    assert row.valid_until.strftime("%d.%m.%Y") in text and "15121191" in text
    # the QR code: the UIT's modules drawn as vector paths (segno's inline SVG)
    with platform.db.tenant_session(tenant.id) as s:
        printed = delivery_note.html(s, tenant.id, uuid.UUID(order["id"]))
    assert str(delivery_note.qr_svg(result["uit"])) in printed

    # the order page shows the UIT, its window and the delivery note's link; the desk its countdown
    assert login(client, tenant.slug, tenant.admin_email).status_code == 303
    page = client.get(f"/sales/orders/{order['id']}")
    assert page.status_code == 200 and result["uit"] in page.text
    assert f"/sales/orders/{order['id']}/delivery-note.pdf" in page.text
    desk = client.get("/sales/etransport")
    assert desk.status_code == 200 and result["uit"] in desk.text and order["number"] in desk.text
    assert re.search(r"countdown-(info|warn)", desk.text)
    note = client.get(f"/sales/orders/{order['id']}/delivery-note.pdf")
    assert note.status_code == 200 and note.content.startswith(b"%PDF")


def test_countdown() -> None:
    now = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # 12:00 in Bucharest
    base = {
        "declaration_id": uuid.uuid4(),
        "attempt": 1,
        "uit": "4C0U0C0J0W3DDQ21",
        "operation_type": "30",
        "transport_date": date(2026, 12, 7),
        "vehicle": "B1X",
        "carrier_name": "x",
        "start": "",
        "end": "",
        "goods": [],
        "created_at": now,
        "updated_at": now,
    }

    def out(state: str, start: date | None, end: date | None) -> OrderTransportOut:
        return OrderTransportOut(**base, state=state, valid_from=start, valid_until=end)  # type: ignore[arg-type]

    assert transport.countdown(out("pending", None, None), now).kind == "pending"
    left = transport.countdown(out("valid", date(2026, 12, 7), date(2026, 12, 12)), now)
    assert (left.kind, left.days, left.hours) == ("active", 5, 12)
    assert transport.countdown(out("valid", date(2026, 12, 1), date(2026, 12, 6)), now).kind == "expired"
    later = transport.countdown(out("valid", date(2026, 12, 9), date(2026, 12, 14)), now)
    assert (later.kind, later.starts) == ("not_yet", date(2026, 12, 9))


@pytest.mark.parametrize(
    ("county", "code"),
    [("Cluj", 12), ("CJ", 12), ("RO-CJ", 12), ("București", 40), ("Sector 3", 40), ("Nowhere", None)],
)
def test_county_codes(county: str, code: int | None) -> None:
    assert etransport.county_code(county) == code


def test_the_order_page_starts_it_with_inline_errors(
    sales: Sales, customer_id: uuid.UUID, client: TestClient, tenant: Any, platform: Platform
) -> None:
    order = risky_order(sales, customer_id)
    assert login(client, tenant.slug, tenant.admin_email).status_code == 303
    url = f"/sales/orders/{order['id']}"
    page = client.get(url)
    assert page.status_code == 200 and f'action="{url}/etransport"' in page.text
    assert "11010015" in page.text and "15121191" in page.text  # the risky lines, with their codes
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    form = {"csrf_token": csrf[1], "transport_date": "2026-12-07", "operation_type": "30"}
    bad = client.post(
        f"{url}/etransport",
        data={
            **form,
            "vehicle": "?",
            "end_county": "Atlantida",
            "end_street": "Str. X 1",
            "end_locality": "Oraș",
        },
    )
    assert bad.status_code == 422
    assert 'id="f-vehicle-error"' in bad.text and 'aria-invalid="true"' in bad.text
    again = client.post(
        f"{url}/etransport",
        data={
            **form,
            "vehicle": "CJ 12 ABC",
            "end_county": "Atlantida",
            "end_street": "Str. X 1",
            "end_locality": "Oraș",
        },
    )
    assert again.status_code == 422 and 'id="f-end_county-error"' in again.text
    assert outbox(platform, tenant.id, "anaf.etransport.submit") == []  # nothing queued on an error
    ok = client.post(f"{url}/etransport", data={**form, "vehicle": "CJ 12 ABC"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == url
    shown = client.get(url)
    assert "CJ12ABC" in shown.text and f'action="{url}/etransport"' not in shown.text  # started: no form
    assert len(outbox(platform, tenant.id, "anaf.etransport.submit")) == 1
    desk = client.get("/sales/etransport")
    assert desk.status_code == 200 and order["number"] in desk.text


def test_the_demo_order_gets_its_uit_from_the_fake(
    spv_platform: Platform,  # noqa: F811 (the fixture imported above)
    fake_anaf: FakeAnaf,  # noqa: F811
    tenant: Any,
    client: TestClient,
) -> None:
    platform = spv_platform
    with platform.db.tenant_session(tenant.id) as s:
        set_up_company(s, tenant.id)
    connect_to_anaf(platform, tenant.id)
    sales_demo.seed_demo(platform, tenant.id)
    sales_demo.seed_demo(platform, tenant.id)  # a restart adds nothing
    [upload] = fake_anaf.states.etransport.uploads.values()
    assert upload.uit and outbox(platform, tenant.id, "anaf.etransport.submit") == []  # uploaded at once
    assert relay_etransport(platform, tenant.id) == ["wms.shipment.etransport_code"]
    orders_page = Sales(client, tenant.headers).ok("GET", "/orders?status=confirmed")["items"]
    [shipped] = [o["etransport"] for o in orders_page if o["etransport"]]
    assert (shipped["state"], shipped["uit"], shipped["vehicle"]) == ("valid", upload.uit, "CJ12GEN")
    assert shipped["valid_until"] == (date.today() + timedelta(days=5)).isoformat()


ODD_BODIES: list[dict[str, Any]] = [
    {"vehicle": "B1X", "operation_type": "20"},  # intra-EU delivery to a Romanian customer
    {"vehicle": "B1X", "operation_type": "50", "end": {"customs_office": 12801}},
    {"vehicle": "B1X", "end": {"border_point": 7}},  # BR-213: national transport cannot end at a border
    {"vehicle": "B1X", "end": {"border_point": 7, "customs_office": 12801}},
    {"vehicle": "B1X", "end": {"customs_office": 999999}},
    {"vehicle": "B1X", "start": {"county": "", "locality": "Cluj", "street": "Str. A 1"}},
    {"vehicle": "B1X", "start": {"county": "Cluj"}},
    {"vehicle": "B1X", "start": {"postal_code": "400000"}},  # nothing of an address: the default
    {"vehicle": "B1X", "carrier_name": "Transport Ion", "carrier_country": "ZZ"},
    {"vehicle": "B1X", "carrier_name": "Transport Ion", "carrier_code": "PF"},
    {"vehicle": "B1X", "transport_date": "0001-01-01"},
    {"vehicle": "B1X", "exchange_rate": "4.97"},  # a RON order: the rate is not used
    {
        "vehicle": "B1X",
        "lines": [{"position": 1, "gross_weight_kg": "0.01", "net_weight_kg": "999999999999.99"}],
    },
    {"vehicle": "B1X", "lines": [{"position": 1, "gross_weight_kg": "999999999999.99"}, {"position": 1}]},
    {"vehicle": "B1X", "lines": [{"position": 200}]},
]


@pytest.mark.parametrize("body", ODD_BODIES)
def test_odd_transport_data_is_refused_or_accepted_never_a_server_error(
    sales: Sales, customer_id: uuid.UUID, body: dict[str, Any]
) -> None:
    order = risky_order(sales, customer_id)
    r = sales.call("POST", f"/orders/{order['id']}/etransport", body)
    assert r.status_code in (202, 422), r.text
    if r.status_code == 422:
        assert r.json()["errors"], r.text


def test_products_carry_an_optional_tariff_code_and_unit_weight(sales: Sales) -> None:
    created = sales.ok("POST", "/products", OIL, status=201)
    assert (created["cod_tarifar"], created["unit_weight_kg"]) == ("15121191", "4.650")
    assert sales.call("POST", "/products", {**OIL, "code": "X1", "cod_tarifar": "1512"}).status_code == 422
    etag = sales.call("GET", f"/products/{created['id']}").headers["ETag"]
    cleared = sales.ok("PATCH", f"/products/{created['id']}", {"cod_tarifar": None}, if_match=etag)
    assert cleared["cod_tarifar"] is None and cleared["unit_weight_kg"] == "4.650"
