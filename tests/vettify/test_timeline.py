"""Account 360 timeline and the consumed sales/WMS events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from genius.core.events.schemas import Envelope
from genius.core.platform import Platform
from genius.vettify.consumers import consumers
from tests.vettify.conftest import Crm


def _deliver(platform: Platform, tid: uuid.UUID, topic: str, data: dict[str, Any]) -> str:
    env = Envelope(
        id=uuid.uuid4(), topic=topic, tid=tid, occurred_at=datetime.now(UTC), correlation_id="c-1", data=data
    )
    return consumers()[0].handle(platform.db, env.model_dump(mode="json"))


def test_timeline_merges_every_source_newest_first(crm: Crm, platform: Platform, tenant: Any) -> None:
    account = crm.create("accounts", name="Delta SRL", cui="18547290")
    opp = crm.create(
        "opportunities", name="Proiect", account_id=account["id"], amount="5000.00", currency="RON"
    )
    r = crm.call("POST", f"/opportunities/{opp['id']}/stage", {"stage": "qualification"})
    assert r.status_code == 200, r.text
    crm.create("activities", kind="call", subject="Apel inițial", account_id=account["id"])
    base = datetime.now(UTC) + timedelta(minutes=1)
    order = {
        "order_id": "SO-1",
        "number": "CMD 0001",
        "opportunity_id": opp["id"],
        "customer_cui": "RO18547290",
        "total_amount": "5950.00",
        "currency": "RON",
        "ordered_at": base.isoformat(),
    }
    assert _deliver(platform, tenant.id, "sales.order.created", order) == "handled"
    shipment = {
        "shipment_id": "SH-9",
        "order_id": "SO-1",
        "delivered_at": (base + timedelta(minutes=1)).isoformat(),
        "carrier": "Fan Courier",
        "uit": "8TX9L2V3M4N5P6Q7",
    }
    assert _deliver(platform, tenant.id, "wms.shipment.delivered", shipment) == "handled"
    items = crm.call("GET", f"/accounts/{account['id']}/timeline").json()["items"]
    kinds = [i["kind"] for i in items]
    assert kinds[:2] == ["shipment", "sales_order"]
    assert set(kinds) == {"shipment", "sales_order", "activity", "stage_change", "opportunity"}
    assert items[1]["data"]["opportunity_id"] == opp["id"] and items[1]["title"].startswith(
        "Sales order CMD 0001"
    )
    assert items[0]["data"]["uit"] == "8TX9L2V3M4N5P6Q7"
    # Keyset pages walk the same feed without gaps or repeats.
    seen: list[str] = []
    cursor = None
    while True:
        url = f"/accounts/{account['id']}/timeline?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = crm.call("GET", url).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next"]
        if not cursor:
            break
    assert seen == [i["id"] for i in items]


def test_unknown_customer_and_bad_cursor(crm: Crm, platform: Platform, tenant: Any, make_tenant: Any) -> None:
    order = {"order_id": "SO-2", "customer_cui": "RO14399840", "ordered_at": datetime.now(UTC).isoformat()}
    assert _deliver(platform, tenant.id, "sales.order.created", order) == "handled"  # kept, not linked
    account = crm.create("accounts", name="Epsilon")
    r = crm.call("GET", f"/accounts/{account['id']}/timeline?cursor=not-a-cursor")
    assert r.status_code == 400
    r = crm.call("GET", f"/accounts/{account['id']}/timeline?kind=nope")
    assert r.status_code == 422
    other = make_tenant()
    r = crm.client.get(f"/v1/crm/accounts/{account['id']}/timeline", headers=other.headers)
    assert r.status_code == 404


def test_order_for_another_tenants_account_is_not_linked(
    crm: Crm, platform: Platform, make_tenant: Any
) -> None:
    account = crm.create("accounts", name="Zeta")
    other = make_tenant()
    order = {"order_id": "SO-3", "account_id": account["id"], "ordered_at": datetime.now(UTC).isoformat()}
    assert _deliver(platform, other.id, "sales.order.created", order) == "handled"
    items = crm.call("GET", f"/accounts/{account['id']}/timeline").json()["items"]
    assert items == []
