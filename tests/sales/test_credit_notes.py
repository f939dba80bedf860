"""Credit notes (storno) reduce the balance of the invoice they correct: open balance = gross total -
issued credit notes - allocated payments; a credit note never takes off more than is left to correct,
also when credit notes and payments of one invoice are issued/recorded at the same time."""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal
from typing import Any

from genius.core.kit.errors import Problem
from genius.core.platform import Platform
from genius.sales import payments, service
from genius.sales.schemas import AllocationIn, CreditNoteCreate, LineIn, PaymentCreate
from tests.conftest import TenantCtx
from tests.sales.conftest import Sales
from tests.sales.test_payments import issued_invoice, open_invoice, payment

__all__ = ["open_invoice"]  # the fixture, shared with the payment tests


def credit_note(sales: Sales, customer_id: Any, invoice_id: str, price: str, **fields: Any) -> Any:
    return sales.call(
        "POST",
        "/invoices",
        {
            "type": "credit_note",
            "customer_id": str(customer_id),
            "corrects_id": invoice_id,
            "lines": [{"description": "Retur", "quantity": 1, "unit_price": price}],
            **fields,
        },
    )


def test_credit_note_reduces_the_balance(sales: Sales, customer_id: Any) -> None:
    invoice = issued_invoice(sales, customer_id, "100")  # 121.00
    note = credit_note(sales, customer_id, invoice["id"], "50")  # 60.50
    assert note.status_code == 201, note.text
    # A draft credit note changes nothing yet.
    assert sales.ok("GET", f"/invoices/{invoice['id']}")["balance"] == "121.00"
    sales.issue(note.json()["id"])
    now = sales.ok("GET", f"/invoices/{invoice['id']}")
    assert (now["credited_total"], now["balance"], now["payment_status"]) == ("60.50", "60.50", "unpaid")
    over = sales.call("POST", "/payments", payment("100", (invoice["id"], "60.51")))
    assert over.status_code == 422 and over.json()["errors"][0]["field"] == "allocations.0.amount"
    sales.ok("POST", "/payments", payment("60.50", (invoice["id"], "60.50")), status=201)
    paid = sales.ok("GET", f"/invoices/{invoice['id']}")
    assert (paid["paid_total"], paid["balance"], paid["payment_status"]) == ("60.50", "0.00", "paid")


def test_a_credit_note_never_exceeds_what_is_left(sales: Sales, customer_id: Any) -> None:
    invoice = issued_invoice(sales, customer_id, "100")  # 121.00
    too_big = credit_note(sales, customer_id, invoice["id"], "100.01")
    assert too_big.status_code == 422 and too_big.json()["errors"][0]["field"] == "lines"
    other_currency = credit_note(sales, customer_id, invoice["id"], "1", currency="EUR", exchange_rate="5")
    assert other_currency.status_code == 422 and other_currency.json()["errors"][0]["field"] == "currency"
    first = credit_note(sales, customer_id, invoice["id"], "60").json()  # 72.60
    second = credit_note(sales, customer_id, invoice["id"], "41").json()  # 49.61: fits alone
    sales.issue(first["id"])
    refused = sales.call("POST", f"/invoices/{second['id']}/issue")  # 72.60 + 49.61 > 121.00
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "lines", refused.text
    assert sales.ok("GET", f"/invoices/{second['id']}")["status"] == "draft"
    # Patching the draft down to what is left lets it through; over it is refused on the PATCH too.
    etag = sales.call("GET", f"/invoices/{second['id']}").headers["ETag"]
    lines = [{"description": "Retur", "quantity": 1, "unit_price": "40.01"}]
    r = sales.call("PATCH", f"/invoices/{second['id']}", {"lines": lines}, if_match=etag)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lines"
    lines[0]["unit_price"] = "40"  # 48.40 = 121.00 - 72.60: exactly what is left
    r = sales.call("PATCH", f"/invoices/{second['id']}", {"lines": lines}, if_match=etag)
    assert r.status_code == 200, r.text
    done = sales.issue(second["id"])
    assert done["status"] == "issued"
    final = sales.ok("GET", f"/invoices/{invoice['id']}")
    assert (final["credited_total"], final["balance"], final["payment_status"]) == ("121.00", "0.00", "paid")
    assert credit_note(sales, customer_id, invoice["id"], "0.01").status_code == 422


def test_concurrent_credit_notes_never_exceed_the_invoice(
    platform: Platform, committed_tenant: TenantCtx, open_invoice: uuid.UUID
) -> None:
    """Six credit notes of 36.30 issued at once on an invoice of 121.00, each in its own transaction:
    exactly three fit (3 x 36.30 = 108.90); the others are refused and keep no number; then a payment
    may take only the 12.10 left."""
    tid, invoice_id = committed_tenant.id, open_invoice
    actor = service.Actor(tid, "test")
    with platform.db.tenant_session(tid) as s:
        invoice = service.get_document(s, invoice_id)
        notes = [
            service.create_document(
                s,
                actor,
                CreditNoteCreate(
                    type="credit_note",
                    customer_id=invoice.customer_id,
                    corrects_id=invoice_id,
                    lines=[LineIn(description="Retur", quantity=Decimal(1), unit_price=Decimal(30))],
                ),
            ).id
            for _ in range(6)
        ]
    barrier = threading.Barrier(len(notes))
    outcomes: list[str] = []
    lock = threading.Lock()

    def issue(note_id: uuid.UUID) -> None:
        barrier.wait()
        try:
            with platform.db.tenant_session(tid) as s:
                number = service.issue(s, actor, note_id, None).number
            outcome = f"ok {number}"
        except Problem as exc:
            outcome = f"{exc.status} {exc.errors[0]['field'] if exc.errors else ''}"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=issue, args=(n,)) for n in notes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o for o in outcomes if not o.startswith("ok")) == ["422 lines"] * 3, outcomes
    numbers = sorted(o.split()[1] for o in outcomes if o.startswith("ok"))
    assert [n[-6:] for n in numbers] == ["000002", "000003", "000004"]  # gapless after the invoice's 1
    with platform.db.tenant_session(tid) as s:
        doc = service.get_document(s, invoice_id)
        balance = payments.balances(s, [doc])[invoice_id]
    assert (balance.credited, balance.open) == (Decimal("108.90"), Decimal("12.10"))
    body = PaymentCreate(
        received_on=service.today(),
        amount=Decimal("12.11"),
        allocations=[AllocationIn(invoice_id=invoice_id, amount=Decimal("12.11"))],
    )
    with platform.db.tenant_session(tid) as s:
        try:
            payments.record(s, actor, body)
            raise AssertionError("a payment over the reduced balance was allocated")
        except Problem as exc:
            assert exc.status == 422
