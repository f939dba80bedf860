"""Tenants never see each other's catalogue or documents; the issued event matches its contract."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from genius.core.events.models import OutboxEvent
from genius.core.platform import Platform
from genius.sales.models import Document, Product
from tests.sales.conftest import Sales

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts" / "events"


def test_another_tenant_sees_nothing(
    sales: Sales,
    customer_id: uuid.UUID,
    client: TestClient,
    make_tenant: Any,
    platform: Platform,
    tenant: Any,
) -> None:
    product = sales.ok("POST", "/products", {"code": "A-1", "name": "Licență", "price": 10}, status=201)
    doc = sales.ok(
        "POST",
        "/invoices",
        {
            "type": "invoice",
            "customer_id": str(customer_id),
            "lines": [{"product_id": product["id"], "quantity": 1}],
        },
        status=201,
    )
    other = Sales(client, make_tenant().headers)
    assert other.call("GET", f"/products/{product['id']}").status_code == 404
    assert other.call("GET", f"/invoices/{doc['id']}").status_code == 404
    assert other.call("POST", f"/invoices/{doc['id']}/issue").status_code == 404
    assert other.call("PATCH", f"/products/{product['id']}", {"price": 1}, if_match='"1"').status_code == 404
    assert other.ok("GET", "/products")["items"] == [] and other.ok("GET", "/invoices")["items"] == []
    # the other tenant's customer id and product id are unknown references here
    r = other.call("POST", "/invoices", {"type": "invoice", "customer_id": str(customer_id)})
    assert r.status_code == 422 and "with this id" in r.text
    assert other.call("POST", "/products", {"code": "A-1", "name": "x", "price": 1}).status_code == 201
    with platform.db.tenant_session(tenant.id) as s:
        assert s.scalars(select(Product.code)).all() == ["A-1"]
        assert s.scalars(select(Document.id)).all() == [uuid.UUID(doc["id"])]


def test_tables_fail_closed_without_a_tenant(platform: Platform, db: Any) -> None:
    for table in (
        "products",
        "documents",
        "document_lines",
        "series_counters",
        "efactura_status",
        "payments",
        "payment_allocations",
    ):
        with pytest.raises(DBAPIError):
            with db.begin_nested():
                db.execute(text(f"SELECT count(*) FROM sales.{table}"))


def test_an_issued_row_is_refused_any_change_by_the_database(
    sales: Sales, customer_id: uuid.UUID, platform: Platform, tenant: Any
) -> None:
    doc = sales.ok(
        "POST",
        "/invoices",
        {
            "type": "invoice",
            "customer_id": str(customer_id),
            "lines": [{"description": "x", "quantity": 1, "unit_price": 1}],
        },
        status=201,
    )
    sales.issue(doc["id"])
    with pytest.raises(DBAPIError, match="is issued and cannot change"):
        with platform.db.tenant_session(tenant.id) as s:
            s.execute(text("UPDATE sales.documents SET gross_total = 0 WHERE id = :i"), {"i": doc["id"]})


def test_issued_event_matches_its_contract(
    sales: Sales, customer_id: uuid.UUID, platform: Platform, tenant: Any
) -> None:
    doc = sales.ok(
        "POST",
        "/invoices",
        {
            "type": "invoice",
            "customer_id": str(customer_id),
            "lines": [{"description": "x", "quantity": 2, "unit_price": "9.99"}],
        },
        status=201,
    )
    issued = sales.issue(doc["id"])
    with platform.db.tenant_session(tenant.id) as s:
        [row] = s.scalars(select(OutboxEvent).where(OutboxEvent.topic == "sales.invoice.issued")).all()
    contract = json.loads((CONTRACTS / "sales.invoice.issued.v1.json").read_text())
    jsonschema.validate(row.data, contract["data"])
    assert row.aggregate_id == doc["id"] and row.correlation_id
    assert row.data["number"] == issued["number"] and row.data["gross_total"] == "24.18"
    assert row.data["customer_cui"] == "14399840"


def test_payment_and_spv_events_match_their_contracts(
    sales: Sales,
    customer_id: uuid.UUID,
    platform: Platform,
    tenant: Any,
    client: TestClient,
    make_tenant: Any,
) -> None:
    from datetime import UTC, datetime

    from genius.core.events.schemas import Envelope
    from genius.sales.consumers import consumers

    lines = [{"description": "x", "quantity": 1, "unit_price": "100"}]
    docs = [
        sales.issue(
            sales.ok(
                "POST",
                "/invoices",
                {"type": "invoice", "customer_id": str(customer_id), "lines": lines},
                status=201,
            )["id"]
        )
        for _ in range(2)
    ]
    payment = sales.ok(
        "POST",
        "/payments",
        {
            "received_on": "2026-12-03",
            "amount": "121",
            "allocations": [{"invoice_id": docs[0]["id"], "amount": "121"}],
        },
        status=201,
    )
    for topic, submission, data in (
        (
            "anaf.efactura.accepted",
            docs[0]["efactura_submission_id"],
            {"index_incarcare": "1", "id_descarcare": "2"},
        ),
        (
            "anaf.efactura.rejected",
            docs[1]["efactura_submission_id"],
            {"stage": "upload", "messages": ["E: BT-48"]},
        ),
    ):
        env = Envelope(
            id=uuid.uuid4(),
            topic=topic,
            tid=tenant.id,
            occurred_at=datetime.now(UTC),
            data={"submission_id": submission, "cif": "18547290", **data},
        )
        assert consumers()[0].handle(platform.db, env.model_dump(mode="json")) == "handled"
    expected = {
        "sales.payment.recorded": payment["id"],
        "sales.invoice.paid": docs[0]["id"],
        "sales.invoice.efactura_accepted": docs[0]["id"],
        "sales.invoice.efactura_rejected": docs[1]["id"],
    }
    with platform.db.tenant_session(tenant.id) as s:
        for topic, aggregate in expected.items():
            [row] = s.scalars(select(OutboxEvent).where(OutboxEvent.topic == topic)).all()
            contract = json.loads((CONTRACTS / f"{topic}.v1.json").read_text())
            jsonschema.validate(row.data, contract["data"])
            assert row.aggregate_id == aggregate, topic
    # Another tenant sees neither the payment nor the SPV status.
    other = Sales(client, make_tenant().headers)
    assert other.call("GET", f"/payments/{payment['id']}").status_code == 404
    assert other.ok("GET", "/payments")["items"] == []
    assert other.call("GET", f"/invoices/{docs[0]['id']}/efactura.zip").status_code == 404
    r = other.call(
        "POST",
        "/payments",
        {
            "received_on": "2026-12-03",
            "amount": "1",
            "allocations": [{"invoice_id": docs[1]["id"], "amount": "1"}],
        },
    )
    assert r.status_code == 422
