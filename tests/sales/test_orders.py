"""Quotes and orders: states, gapless numbering (own series), quote → order → partial invoices (never
more than ordered, also under concurrency), ``sales.order.created`` as the CRM's contract wants it, and
a won CRM opportunity starting one quote."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, text

from genius.core.events.models import OutboxEvent
from genius.core.events.registry import spec
from genius.core.events.schemas import Envelope
from genius.core.kit.errors import Problem
from genius.core.platform import Platform
from genius.sales import orders, service
from genius.sales.schemas import InvoiceLineIn, LineIn, OrderCreate, OrderInvoiceCreate
from tests.conftest import TenantCtx
from tests.sales.conftest import Sales, add_customer, set_up_company

LINES = [
    {"description": "Licență GeniusERP", "quantity": 10, "unit_price": "100", "discount": "50"},
    {"description": "Implementare", "quantity": "4.5", "unit_code": "HUR", "unit_price": "200"},
]


def quote_body(customer_id: Any, **extra: Any) -> dict[str, Any]:
    return {"customer_id": str(customer_id), "lines": LINES, **extra}


def confirmed_order(sales: Sales, customer_id: Any, **extra: Any) -> dict[str, Any]:
    draft = sales.ok("POST", "/orders", quote_body(customer_id, **extra), status=201)
    return sales.ok("POST", f"/orders/{draft['id']}/confirm")


def outbox(platform: Platform, tid: uuid.UUID, topic: str) -> list[dict[str, Any]]:
    with platform.db.tenant_session(tid) as s:
        rows = s.scalars(select(OutboxEvent).where(OutboxEvent.topic == topic).order_by(OutboxEvent.seq))
        return [r.data for r in rows]


def test_quote_lifecycle_numbering_and_conversion(sales: Sales, customer_id: Any) -> None:
    draft = sales.ok("POST", "/quotes", quote_body(customer_id, valid_until="2099-12-31"), status=201)
    assert (draft["status"], draft["number"]) == ("draft", None)
    # the invoice totals: 10 x 100 - 50 + 4.5 x 200 = 1850 net, 21 % VAT
    assert (draft["net_total"], draft["vat_total"], draft["gross_total"]) == ("1850.00", "388.50", "2238.50")
    r = sales.call("PATCH", f"/quotes/{draft['id']}", {"notes": "Valabilă 30 de zile"})
    assert r.status_code == 428
    etag = sales.call("GET", f"/quotes/{draft['id']}").headers["ETag"]
    patched = sales.ok("PATCH", f"/quotes/{draft['id']}", {"notes": "Valabilă 30 de zile"}, if_match=etag)
    assert patched["notes"] == "Valabilă 30 de zile" and patched["version"] == 2
    assert sales.call("PATCH", f"/quotes/{draft['id']}", {"notes": "x"}, if_match=etag).status_code == 412
    assert sales.call("POST", f"/quotes/{draft['id']}/accept").status_code == 409  # not sent yet

    sent = sales.ok("POST", f"/quotes/{draft['id']}/send")
    year = date.today().year
    assert (sent["status"], sent["number"]) == ("sent", f"OF-{year}-000001")
    assert sales.call(
        "PATCH", f"/quotes/{draft['id']}", {"notes": "y"}, if_match=sent and "*"
    ).status_code in (
        409,
        412,
    )
    second = sales.ok("POST", "/quotes", quote_body(customer_id), status=201)
    assert sales.ok("POST", f"/quotes/{second['id']}/send")["number"] == f"OF-{year}-000002"
    assert sales.ok("POST", f"/quotes/{second['id']}/decline")["status"] == "declined"
    assert sales.call("POST", f"/quotes/{second['id']}/accept").status_code == 409

    order = sales.ok("POST", f"/quotes/{draft['id']}/accept", status=201)
    assert (order["status"], order["quote_id"], order["number"]) == ("draft", draft["id"], None)
    assert [(li["description"], li["quantity"]) for li in order["lines"]] == [
        ("Licență GeniusERP", "10.000"),
        ("Implementare", "4.500"),
    ]
    assert order["gross_total"] == "2238.50"
    quote = sales.ok("GET", f"/quotes/{draft['id']}")
    assert (quote["status"], quote["order_id"]) == ("accepted", order["id"])
    assert sales.call("POST", f"/quotes/{draft['id']}/accept").status_code == 409  # once

    listed = sales.ok("GET", "/quotes?status=accepted")
    assert [q["id"] for q in listed["items"]] == [draft["id"]]
    assert sales.ok("GET", f"/quotes?customer_id={uuid.uuid4()}")["items"] == []
    assert sales.call("GET", f"/orders/{draft['id']}").status_code == 404  # a quote is not an order


def test_an_expired_quote_cannot_be_accepted(sales: Sales, customer_id: Any) -> None:
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    draft = sales.ok("POST", "/quotes", quote_body(customer_id, valid_until=yesterday), status=201)
    sent = sales.ok("POST", f"/quotes/{draft['id']}/send")
    assert sent["status"] == "expired"
    r = sales.call("POST", f"/quotes/{draft['id']}/accept")
    assert r.status_code == 409 and r.json()["type"].endswith("/quote-expired")
    assert [q["id"] for q in sales.ok("GET", "/quotes?status=expired")["items"]] == [draft["id"]]
    assert sales.ok("GET", "/quotes?status=sent")["items"] == []
    assert sales.ok("POST", f"/quotes/{draft['id']}/decline")["status"] == "declined"


def test_order_partial_invoices_never_exceed_what_was_ordered(
    sales: Sales, customer_id: Any, platform: Platform, tenant: Any
) -> None:
    draft = sales.ok("POST", "/orders", quote_body(customer_id), status=201)
    r = sales.call("POST", f"/orders/{draft['id']}/invoices", {})
    assert r.status_code == 409  # a draft order is confirmed first
    order = sales.ok("POST", f"/orders/{draft['id']}/confirm")
    assert (order["status"], order["number"]) == ("confirmed", f"CMD-{date.today().year}-000001")

    first = sales.ok(
        "POST", f"/orders/{order['id']}/invoices", {"lines": [{"position": 1, "quantity": 4}]}, status=201
    )
    assert (first["status"], first["order_id"], first["type"]) == ("draft", order["id"], "invoice")
    assert [(Decimal(li["quantity"]), li["discount"]) for li in first["lines"]] == [(4, "20.00")]
    assert first["net_total"] == "380.00"

    too_much = sales.call(
        "POST",
        f"/orders/{order['id']}/invoices",
        {"lines": [{"position": 1, "quantity": "6.001"}, {"position": 3, "quantity": 1}]},
    )
    assert too_much.status_code == 422
    assert {e["field"] for e in too_much.json()["errors"]} == {"lines.0.quantity", "lines.1.position"}
    twice = sales.call(
        "POST",
        f"/orders/{order['id']}/invoices",
        {"lines": [{"position": 2, "quantity": 1}, {"position": 2, "quantity": 1}]},
    )
    assert twice.status_code == 422 and twice.json()["errors"][0]["field"] == "lines.1.position"

    now = sales.ok("GET", f"/orders/{order['id']}")
    assert now["status"] == "partially_invoiced"
    assert [li["invoiced"] for li in now["lines"]] == ["4.000", "0.000"]
    rest = sales.ok("POST", f"/orders/{order['id']}/invoices", {}, status=201)  # all that is left
    assert [(Decimal(li["quantity"]), Decimal(li["discount"])) for li in rest["lines"]] == [
        (6, 30),
        (Decimal("4.5"), 0),
    ]
    assert Decimal(first["net_total"]) + Decimal(rest["net_total"]) == Decimal(order["net_total"])
    done = sales.ok("GET", f"/orders/{order['id']}")
    assert done["status"] == "invoiced"
    assert [i["id"] for i in done["invoices"]] == [first["id"], rest["id"]]
    assert sales.call("POST", f"/orders/{order['id']}/invoices", {}).status_code == 409
    assert sales.call("POST", f"/orders/{order['id']}/cancel").status_code == 409
    issued = sales.issue(first["id"])  # a normal invoice, issued through the usual path
    assert issued["number"].startswith("GEN-")

    [created] = outbox(platform, tenant.id, "sales.order.created")
    spec("sales.order.created").model.model_validate(created)  # the CRM consumer's contract
    assert created["order_id"] == order["id"] and created["number"] == order["number"]
    assert created["account_id"] == str(customer_id) and created["total_amount"] == order["gross_total"]

    other = confirmed_order(sales, customer_id)
    assert sales.ok("POST", f"/orders/{other['id']}/cancel")["status"] == "cancelled"
    assert sales.call("POST", f"/orders/{other['id']}/confirm").status_code == 409
    assert [o["id"] for o in sales.ok("GET", "/orders?status=cancelled")["items"]] == [other["id"]]


@pytest.fixture
def confirmed(platform: Platform, committed_tenant: TenantCtx) -> Iterator[uuid.UUID]:
    tid = committed_tenant.id
    actor = service.Actor(tid, "test")
    with platform.db.tenant_session(tid) as s:
        set_up_company(s, tid)
        customer = add_customer(s, tid)
        line = LineIn(description="Laptop", quantity=Decimal(10), unit_price=Decimal(3000))
        order = orders.create_order(s, actor, OrderCreate(customer_id=customer, lines=[line]))
        orders.confirm_order(s, actor, order.id, None)
        order_id = order.id
    yield order_id
    with platform.db.tenant_session(tid) as s:
        for table in (
            "sales.document_lines",
            "sales.documents",
            "sales.order_lines",
            "sales.orders",
            "sales.series_counters",
            "core.tenant_settings",
            "crm.accounts",
        ):
            s.execute(text(f"DELETE FROM {table} WHERE tid = :t"), {"t": tid})


def test_concurrent_partial_invoices_never_over_invoice(
    platform: Platform, committed_tenant: TenantCtx, confirmed: uuid.UUID
) -> None:
    """Eight invoicers at once, each for 3 of the 10 ordered: three get their invoice, the others a 422."""
    assert platform.db.bound_connection is None
    tid = committed_tenant.id
    actor = service.Actor(tid, "test")
    invoicers = 8
    start = threading.Barrier(invoicers)

    def invoice(_: int) -> str:
        start.wait()
        try:
            with platform.db.tenant_session(tid) as s:
                body = OrderInvoiceCreate(lines=[InvoiceLineIn(position=1, quantity=Decimal(3))])
                orders.invoice_order(s, actor, confirmed, body)
                return "invoiced"
        except Problem as exc:
            return str(exc.status)

    with ThreadPoolExecutor(invoicers) as pool:
        results = list(pool.map(invoice, range(invoicers)))
    assert sorted(results) == ["422"] * 5 + ["invoiced"] * 3
    with platform.db.tenant_session(tid) as s:
        billed = s.execute(
            text(
                "SELECT sum(l.quantity) FROM sales.document_lines l JOIN sales.documents d "
                "ON d.id = l.document_id WHERE d.order_id = :o"
            ),
            {"o": confirmed},
        ).scalar_one()
        order = orders.get(s, "order", confirmed)
        assert (order.status, order.lines[0].invoiced, billed) == ("partially_invoiced", 9, 9)


def _stage_changed(tid: uuid.UUID, opportunity: uuid.UUID, account: uuid.UUID, stage: str) -> Envelope:
    return Envelope(
        id=uuid.uuid4(),
        topic="crm.opportunity.stage_changed",
        tid=tid,
        occurred_at=datetime.now(UTC),
        data={
            "opportunity_id": str(opportunity),
            "account_id": str(account),
            "from_stage": "negotiation",
            "to_stage": stage,
            "amount": "5000.00",
            "currency": "EUR",
            "changed_by": "ana@test",
            "changed_at": datetime.now(UTC).isoformat(),
        },
    )


def test_a_won_opportunity_starts_one_quote(
    sales: Sales, customer_id: Any, platform: Platform, tenant: Any
) -> None:
    opportunity = uuid.uuid4()
    with platform.db.tenant_session(tenant.id) as s:
        assert (
            orders.on_opportunity_stage_changed(
                s, _stage_changed(tenant.id, opportunity, customer_id, "proposal")
            )
            is None
        )
        quote = orders.on_opportunity_stage_changed(
            s, _stage_changed(tenant.id, opportunity, customer_id, "won")
        )
        assert quote is not None
        again = orders.on_opportunity_stage_changed(
            s, _stage_changed(tenant.id, opportunity, customer_id, "won")
        )
        assert again is None  # one quote per opportunity
        gone = orders.on_opportunity_stage_changed(
            s, _stage_changed(tenant.id, uuid.uuid4(), uuid.uuid4(), "won")
        )
        assert gone is None  # no such account: nothing to quote
    [listed] = sales.ok("GET", "/quotes")["items"]
    assert (listed["opportunity_id"], listed["currency"], listed["status"]) == (
        str(opportunity),
        "EUR",
        "draft",
    )
    assert listed["net_total"] == "5000.00" and listed["customer_id"] == str(customer_id)
    r = sales.call("POST", "/quotes", quote_body(customer_id, opportunity_id=str(opportunity)))
    assert r.status_code == 409


def test_bad_quote_and_order_input_is_a_422(sales: Sales, customer_id: Any) -> None:
    r = sales.call("POST", "/quotes", quote_body(uuid.uuid4()))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "customer_id"
    r = sales.call("POST", "/orders", {"customer_id": str(customer_id), "lines": [{"quantity": 1}]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lines.0"
    empty = sales.ok("POST", "/orders", {"customer_id": str(customer_id)}, status=201)
    r = sales.call("POST", f"/orders/{empty['id']}/confirm")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lines"
