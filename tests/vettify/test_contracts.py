"""CRM event contracts, published and consumed: real payloads validate against the committed schemas.

Published: the payloads the CRM wrote to the outbox in a real flow. Consumed: the payloads a producer
(sales, iWMS, the anaf.taxpayer worker) sends, validated against the same committed files.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
from sqlalchemy import select

from genius.core.events.models import OutboxEvent
from genius.core.platform import Platform
from tests.vettify.conftest import Crm

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts" / "events"


def _validate(topic: str, data: dict[str, Any]) -> None:
    contract = json.loads((CONTRACTS / f"{topic}.v1.json").read_text())
    jsonschema.validate(data, contract["data"])


def test_published_crm_events_match_their_contracts(crm: Crm, platform: Platform, tenant: Any) -> None:
    a = crm.create("accounts", name="Alfa", cui="18547290")
    b = crm.create("accounts", name="Alfa 2")
    lead = crm.create("leads", first_name="Ion", last_name="Pop", company_name="Beta")
    crm.call("POST", f"/leads/{lead['id']}/qualify")
    converted = crm.call("POST", f"/leads/{lead['id']}/convert", {}).json()
    opp = crm.call("GET", f"/opportunities/{converted['opportunity_id']}").json()
    crm.call("POST", f"/opportunities/{opp['id']}/stage", {"stage": "qualification"})
    crm.call("POST", "/accounts/merge", {"survivor_id": a["id"], "merged_ids": [b["id"]]})
    with platform.db.tenant_session(tenant.id) as s:
        rows = s.scalars(select(OutboxEvent).order_by(OutboxEvent.seq)).all()
    topics = {r.topic for r in rows}
    assert {
        "crm.lead.created",
        "crm.lead.converted",
        "crm.opportunity.stage_changed",
        "crm.account.merged",
        "crm.account.verification_requested",
    } <= topics
    for row in rows:
        if row.topic.startswith("crm."):
            _validate(row.topic, row.data)
            assert row.correlation_id


def test_consumed_payloads_match_their_contracts() -> None:
    now = datetime.now(UTC).isoformat()
    samples = {
        "sales.order.created": {
            "order_id": "SO-1",
            "number": "CMD 1",
            "customer_cui": "RO18547290",
            "total_amount": "1190.00",
            "currency": "RON",
            "ordered_at": now,
        },
        "wms.shipment.delivered": {"shipment_id": "SH-1", "order_id": "SO-1", "delivered_at": now},
        "anaf.taxpayer.validated": {
            "cui": "RO14399840",
            "cui_number": 14399840,
            "valid": True,
            "status": "verified",
            "date": "2026-11-30",
            "checked_at": now,
            "name": "EXEMPLU SA",
            "e_factura": True,
        },
    }
    for topic, data in samples.items():
        _validate(topic, data)
    bad = {"order_id": "", "ordered_at": "yesterday"}
    try:
        _validate("sales.order.created", bad)
    except jsonschema.ValidationError:
        pass
    else:
        raise AssertionError("an invalid order passed the contract")
