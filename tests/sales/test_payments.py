"""Payments (încasări): allocation to issued invoices, partially or fully, never over the open balance;
balances and payment status on the invoice; ``sales.payment.recorded`` and ``sales.invoice.paid``; and
concurrent payments on one invoice never over-allocating it."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text

from genius.core.events.models import OutboxEvent
from genius.core.kit.errors import Problem
from genius.core.platform import Platform
from genius.sales import payments, service
from genius.sales.models import PaymentAllocation
from genius.sales.schemas import AllocationIn, InvoiceCreate, LineIn, PaymentCreate
from tests.conftest import TenantCtx
from tests.sales.conftest import Sales, add_customer, set_up_company


def issued_invoice(
    sales: Sales, customer_id: Any, price: str = "100", currency: str = "RON"
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "invoice",
        "customer_id": str(customer_id),
        "currency": currency,
        "lines": [{"description": "Servicii de consultanță", "quantity": 1, "unit_price": price}],
    }
    if currency == "EUR":
        body["exchange_rate"] = "4.9750"
    draft = sales.ok("POST", "/invoices", body, status=201)
    return sales.ok("POST", f"/invoices/{draft['id']}/issue")


def payment(amount: str, *allocations: tuple[str, str], currency: str = "RON") -> dict[str, Any]:
    return {
        "received_on": "2026-12-03",
        "amount": amount,
        "currency": currency,
        "method": "bank_transfer",
        "reference": "OP 17",
        "allocations": [{"invoice_id": i, "amount": a} for i, a in allocations],
    }


def topics(platform: Platform, tid: uuid.UUID, topic: str) -> list[dict[str, Any]]:
    with platform.db.tenant_session(tid) as s:
        rows = s.scalars(select(OutboxEvent).where(OutboxEvent.topic == topic).order_by(OutboxEvent.seq))
        return [r.data for r in rows]


def test_partial_then_full_payment(sales: Sales, customer_id: Any, platform: Platform, tenant: Any) -> None:
    a = issued_invoice(sales, customer_id, "100")  # 121.00 with 21 % VAT
    b = issued_invoice(sales, customer_id, "200")  # 242.00
    assert a["gross_total"] == "121.00" and a["payment_status"] == "unpaid" and a["balance"] == "121.00"
    first = sales.ok("POST", "/payments", payment("200.00", (a["id"], "121.00"), (b["id"], "50")), status=201)
    assert first["allocated"] == "171.00" and first["unallocated"] == "29.00"
    assert first["customer_id"] == str(customer_id)
    assert sales.ok("GET", f"/payments/{first['id']}") == first
    a_now, b_now = sales.ok("GET", f"/invoices/{a['id']}"), sales.ok("GET", f"/invoices/{b['id']}")
    assert (a_now["payment_status"], a_now["balance"]) == ("paid", "0.00")
    assert (b_now["payment_status"], b_now["paid_total"], b_now["balance"]) == (
        "partially_paid",
        "50.00",
        "192.00",
    )
    sales.ok("POST", "/payments", payment("192", (b["id"], "192")), status=201)
    assert sales.ok("GET", f"/invoices/{b['id']}")["payment_status"] == "paid"
    listed = sales.ok("GET", "/payments?limit=1")
    assert len(listed["items"]) == 1 and listed["next"]
    assert sales.ok("GET", f"/payments?cursor={listed['next']}")["items"][0]["id"] == first["id"]
    recorded = topics(platform, tenant.id, "sales.payment.recorded")
    assert [len(e["allocations"]) for e in recorded] == [2, 1]
    paid = topics(platform, tenant.id, "sales.invoice.paid")
    assert [(e["invoice_id"], e["paid_total"]) for e in paid] == [(a["id"], "121.00"), (b["id"], "242.00")]


def test_refusals_name_the_field(sales: Sales, customer_id: Any) -> None:
    a = issued_invoice(sales, customer_id, "100")
    eur = issued_invoice(sales, customer_id, "100", currency="EUR")
    draft = sales.ok(
        "POST",
        "/invoices",
        {
            "type": "invoice",
            "customer_id": str(customer_id),
            "lines": [{"description": "x", "quantity": 1, "unit_price": "1"}],
        },
        status=201,
    )

    def refused(body: dict[str, Any], field: str) -> None:
        r = sales.call("POST", "/payments", body)
        assert r.status_code == 422, r.text
        assert field in [e["field"] for e in r.json()["errors"]], r.json()

    refused(payment("500", (a["id"], "121.01")), "allocations.0.amount")  # over the open balance
    refused(payment("50", (a["id"], "60")), "amount")  # allocations exceed the payment
    refused(payment("500", (a["id"], "10"), (a["id"], "10")), "allocations.1.invoice_id")
    refused(payment("500", (draft["id"], "1")), "allocations.0.invoice_id")  # a draft
    refused(payment("500", (str(uuid.uuid4()), "1")), "allocations.0.invoice_id")
    refused(payment("500", (eur["id"], "1")), "allocations.0.invoice_id")  # another currency
    r = sales.call("POST", "/payments", {**payment("1", (a["id"], "1")), "allocations": []})
    assert r.status_code == 422
    r = sales.call("POST", "/payments", payment("0", (a["id"], "1")))
    assert r.status_code == 422
    assert sales.call("GET", f"/payments/{uuid.uuid4()}").status_code == 404
    # Nothing was recorded by the refusals.
    assert sales.ok("GET", "/payments")["items"] == []
    sales.ok("POST", "/payments", payment("121", (a["id"], "121")), status=201)
    refused(payment("1", (a["id"], "0.01")), "allocations.0.amount")  # nothing left to pay


@pytest.fixture
def open_invoice(platform: Platform, committed_tenant: TenantCtx) -> Iterator[uuid.UUID]:
    """A committed, issued invoice of 121.00 RON (the payers run on their own connections)."""
    tid = committed_tenant.id
    actor = service.Actor(tid, "test")
    with platform.db.tenant_session(tid) as s:
        set_up_company(s, tid)
        draft = service.create_document(
            s,
            actor,
            InvoiceCreate(
                type="invoice",
                customer_id=add_customer(s, tid),
                lines=[LineIn(description="Abonament", quantity=Decimal(1), unit_price=Decimal(100))],
            ),
        )
        invoice_id = service.issue(s, actor, draft.id, None).id
    yield invoice_id
    with platform.db.tenant_session(tid) as s:
        for table in (
            "sales.payment_allocations",
            "sales.payments",
            "sales.document_lines",
            "sales.documents",
            "sales.series_counters",
            "compliance.efactura_submissions",
            "core.tenant_settings",
            "crm.accounts",
        ):
            s.execute(text(f"DELETE FROM {table} WHERE tid = :t"), {"t": tid})


def test_concurrent_payments_never_over_allocate(
    platform: Platform, committed_tenant: TenantCtx, open_invoice: uuid.UUID
) -> None:
    """12 payers of 30.00 at once on an invoice of 121.00, each in its own transaction: exactly four fit."""
    assert platform.db.bound_connection is None
    tid, invoice_id = committed_tenant.id, open_invoice
    workers = 12
    barrier = threading.Barrier(workers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def pay() -> None:
        barrier.wait()
        body = PaymentCreate(
            received_on=service.today(),
            amount=Decimal(30),
            allocations=[AllocationIn(invoice_id=invoice_id, amount=Decimal(30))],
        )
        try:
            with platform.db.tenant_session(tid) as s:
                payments.record(s, service.Actor(tid, "test"), body)
            outcome = "ok"
        except Problem as exc:
            outcome = f"{exc.status} {exc.errors[0]['field'] if exc.errors else ''}"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=pay) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["422 allocations.0.amount"] * 8 + ["ok"] * 4
    with platform.db.tenant_session(tid) as s:
        total = s.scalar(
            select(func.sum(PaymentAllocation.amount)).where(PaymentAllocation.document_id == invoice_id)
        )
        doc = service.get_document(s, invoice_id)
        balance = payments.balances(s, [doc])[invoice_id]
    assert total == Decimal("120.00")
    assert (balance.open, balance.status) == (Decimal("1.00"), "partially_paid")
