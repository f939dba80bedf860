"""Order to cash, end to end against the fake ANAF: a CRM opportunity is won → the sales consumer drafts
its quote → sent, accepted → the order, confirmed → the CRM's consumer puts it in Account 360 → invoiced
in EUR at the BNR rate → issued → uploaded and accepted by the fake SPV → a payment is recorded → the
invoice is paid. Events travel the way the relay and ``genius consume`` carry them: outbox row →
envelope → the consuming module's handler (its inbox refusing a redelivery)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fastapi.testclient import TestClient

from genius.compliance import demo as compliance_demo
from genius.compliance.fakes import bnr as fake_bnr_feed
from genius.core.events.consumer import EventConsumer
from genius.core.events.models import OutboxEvent
from genius.core.platform import Platform
from genius.sales.consumers import consumers as sales_consumers
from genius.vettify.consumers import consumers as crm_consumers
from tests.compliance.conftest import FakeAnaf
from tests.sales.conftest import Sales, add_customer, relay, set_up_company
from tests.sales.test_spv import fake_anaf, relay_to_sales, run_uploads, spv_platform  # noqa: F401


def deliver(platform: Platform, tid: uuid.UUID, topic: str, consumer: EventConsumer) -> int:
    """Each unpublished ``topic`` event of the tenant to ``consumer``, once, then once more (a duplicate)."""
    return len(relay(platform, tid, OutboxEvent.topic == topic, consumer))


def test_order_to_cash(
    spv_platform: Platform,  # noqa: F811 (the fixture imported above)
    fake_anaf: FakeAnaf,  # noqa: F811
    tenant: Any,
    client: TestClient,
) -> None:
    platform = spv_platform
    with platform.db.tenant_session(tenant.id) as s:
        set_up_company(s, tenant.id)
        account = add_customer(s, tenant.id, name="Client Export SRL", cui="18547290")
    assert compliance_demo.seed_demo(platform, tenant.id) is True  # connected to the fake SPV (OAuth)
    crm_call = lambda method, path, body=None: client.request(  # noqa: E731
        method, "/v1/crm" + path, json=body, headers=tenant.headers
    )
    sales = Sales(client, tenant.headers)

    # 1. the CRM opportunity is won: the sales consumer drafts one quote for it
    r = crm_call(
        "POST",
        "/opportunities",
        {"name": "Licențe 2027", "account_id": str(account), "amount": "4000.00", "currency": "EUR"},
    )
    assert r.status_code == 201, r.text
    opportunity = r.json()
    r = crm_call("POST", f"/opportunities/{opportunity['id']}/stage", {"stage": "won", "reason": "Semnat"})
    assert r.status_code == 200, r.text
    [sales_consumer] = sales_consumers()
    assert deliver(platform, tenant.id, "crm.opportunity.stage_changed", sales_consumer) == 1
    [quote] = sales.ok("GET", "/quotes")["items"]
    assert (quote["opportunity_id"], quote["currency"], quote["net_total"]) == (
        opportunity["id"],
        "EUR",
        "4000.00",
    )

    # 2. the quote is sent and accepted; its order is confirmed and shows in Account 360
    assert sales.ok("POST", f"/quotes/{quote['id']}/send")["number"].startswith("OF-")
    order = sales.ok("POST", f"/quotes/{quote['id']}/accept", status=201)
    order = sales.ok("POST", f"/orders/{order['id']}/confirm")
    assert order["number"].startswith("CMD-") and order["opportunity_id"] == opportunity["id"]
    [crm_consumer] = crm_consumers()
    assert deliver(platform, tenant.id, "sales.order.created", crm_consumer) == 1
    r = crm_call("GET", f"/accounts/{account}/timeline")
    assert r.status_code == 200, r.text
    shown = [item for item in r.json()["items"] if item["kind"] == "sales_order"]
    assert len(shown) == 1 and order["number"] in shown[0]["title"]

    # 3. invoiced in EUR at the BNR rate (no rate given: BNR's fake feed, beside the fake ANAF, has it),
    # issued (official CIUS-RO check in Sales.issue)
    draft = sales.ok("POST", f"/orders/{order['id']}/invoices", {}, status=201)
    assert (draft["currency"], draft["exchange_rate"], draft["order_id"]) == ("EUR", None, order["id"])
    assert sales.ok("GET", f"/orders/{order['id']}")["status"] == "invoiced"
    issued = sales.issue(draft["id"])
    assert issued["gross_total"] == "4840.00"  # 4000 + 21 % VAT
    fixed_on = date.fromisoformat(issued["issue_date"]) - timedelta(days=1)
    while not fake_bnr_feed.is_banking_day(fixed_on):  # the last fixing before the issue date
        fixed_on -= timedelta(days=1)
    assert Decimal(issued["exchange_rate"]) == fake_bnr_feed.rate("EUR", fixed_on)
    assert fake_anaf.states.bnr.requests == ["/nbrfxrates10days.xml"]
    xml = sales.call("GET", f"/invoices/{draft['id']}/ubl").text
    vat_ron = (Decimal("840") * fake_bnr_feed.rate("EUR", fixed_on)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert f'<cbc:TaxAmount currencyID="RON">{vat_ron}</cbc:TaxAmount>' in xml

    # 4. uploaded once and accepted by the fake SPV
    assert [r["state"] for r in run_uploads(platform, tenant.id)] == ["ok"]
    assert len(fake_anaf.states.efactura.uploads) == 1
    relay_to_sales(platform, tenant.id)
    invoice = sales.ok("GET", f"/invoices/{draft['id']}")
    assert invoice["efactura"]["state"] == "accepted" and invoice["payment_status"] == "unpaid"

    # 5. a payment is recorded: the invoice is paid
    sales.ok(
        "POST",
        "/payments",
        {
            "received_on": invoice["issue_date"],
            "amount": "4840.00",
            "currency": "EUR",
            "reference": "SWIFT 2027-001",
            "allocations": [{"invoice_id": draft["id"], "amount": "4840.00"}],
        },
        status=201,
    )
    paid = sales.ok("GET", f"/invoices/{draft['id']}")
    assert (paid["payment_status"], paid["balance"]) == ("paid", "0.00")
