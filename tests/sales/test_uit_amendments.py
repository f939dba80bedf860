"""An order's UIT corrected (``corectie``: the same UIT, the corrected data) or cancelled (``stergere``,
behind a confirmation) from the order's page: queued through the outbox under the order's keys,
idempotent, uploaded by the ``anaf.etransport`` worker to the fake ANAF, and the outcome back on the
order through compliance's events (``wms.shipment.etransport_code`` for a correction,
``anaf.etransport.deleted`` for a deletion, ``anaf.etransport.rejected`` when ANAF refuses either)."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from genius.compliance.etransport import service as etransport
from genius.core.events.models import OutboxEvent
from genius.core.platform import Platform
from genius.sales import transport
from genius.sales.consumers import consumers
from tests.compliance.conftest import FakeAnaf
from tests.core.test_admin_pages import login
from tests.sales.conftest import Sales, add_customer, relay, set_up_company
from tests.sales.test_etransport import connect_to_anaf, outbox, risky_order, run_etransport_worker
from tests.sales.test_spv import fake_anaf, spv_platform  # noqa: F401

TOPICS = ("wms.shipment.etransport_code", "anaf.etransport.rejected", "anaf.etransport.deleted")


def relay_etransport(platform: Platform, tid: uuid.UUID) -> list[str]:
    return relay(platform, tid, OutboxEvent.topic.in_(TOPICS), consumers()[0])


def _csrf(text: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert m
    return m.group(1)


def _row(platform: Platform, tid: uuid.UUID, order_id: str) -> Any:
    with platform.db.tenant_session(tid) as s:
        row = transport.get(s, uuid.UUID(order_id))
        assert row is not None
        s.expunge(row)
        return row


def _keys(platform: Platform, tid: uuid.UUID) -> list[str]:
    with platform.db.tenant_session(tid) as s:
        return sorted(s.scalars(select(etransport.repository.declarations.model.idempotency_key)))


def test_correct_then_cancel_the_uit_from_the_order_page(
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
    oid, today = order["id"], date.today().isoformat()
    url = f"/sales/orders/{oid}"
    sales.ok("POST", f"/orders/{oid}/etransport", {"vehicle": "CJ12ABC", "transport_date": today}, status=202)
    [first] = run_etransport_worker(platform, tenant.id)
    uit = first["uit"]
    assert first["state"] == "valid" and relay_etransport(platform, tenant.id) == [TOPICS[0]]

    assert login(client, tenant.slug, tenant.admin_email).status_code == 303
    page = client.get(url)
    assert (
        f'action="{url}/etransport/cancel"' in page.text and f'action="{url}/etransport/correct"' in page.text
    )
    assert "data-confirm=" in page.text and 'value="CJ12ABC"' in page.text  # the form starts at the declared
    csrf = _csrf(page.text)
    form = {"csrf_token": csrf, "transport_date": today, "operation_type": "30"}

    # --- correct: inline errors first, then the same UIT with the new vehicle
    bad = client.post(f"{url}/etransport/correct", data={**form, "vehicle": "?"})
    assert bad.status_code == 422 and 'id="f-vehicle-error"' in bad.text
    assert '<details class="etr-fix" open>' in bad.text
    fixed = client.post(
        f"{url}/etransport/correct", data={**form, "vehicle": "B 77 NEW"}, follow_redirects=False
    )
    assert fixed.status_code == 303
    twice = client.post(
        f"{url}/etransport/correct", data={**form, "vehicle": "B 77 NEW"}, follow_redirects=False
    )
    assert twice.status_code == 303  # the same correction under way: nothing more queued
    assert len(outbox(platform, tenant.id, "anaf.etransport.submit")) == 2
    waiting = client.get(url)
    assert f'action="{url}/etransport/cancel"' not in waiting.text  # no second amendment meanwhile
    assert "etr-amendment" in waiting.text
    [corrected] = run_etransport_worker(platform, tenant.id)
    assert corrected["state"] == "valid" and corrected["uit"] == uit and corrected["target_uit"] == uit
    assert relay_etransport(platform, tenant.id) == [TOPICS[0]]
    row = _row(platform, tenant.id, oid)
    assert row.declaration_id == uuid.UUID(corrected["id"]) and row.uit == uit
    assert row.transport["vehicle"] == "B77NEW" and (row.amend_kind, row.amend_state) == ("corectie", "valid")
    assert "B77NEW" in client.get(url).text
    corrections = [u for u in fake_anaf.states.etransport.uploads.values() if b"corectie" in u.xml]
    assert len(corrections) == 1 and f'uit="{uit}"'.encode() in corrections[0].xml

    # --- cancel, refused by ANAF first (the fake already deleted that UIT), then taken
    fake_anaf.states.etransport.deleted.add(uit)
    refused = client.post(f"{url}/etransport/cancel", data={"csrf_token": csrf}, follow_redirects=False)
    assert refused.status_code == 303
    [nok] = run_etransport_worker(platform, tenant.id)
    assert nok["state"] == "nok" and nok["kind"] == "stergere"
    assert relay_etransport(platform, tenant.id) == [TOPICS[1]]
    row = _row(platform, tenant.id, oid)
    assert (row.state, row.amend_state) == ("valid", "rejected") and row.amend_messages
    shown = client.get(url)
    assert row.amend_messages[0] in shown.text and f'action="{url}/etransport/cancel"' in shown.text

    fake_anaf.states.etransport.deleted.discard(uit)
    done = client.post(f"{url}/etransport/cancel", data={"csrf_token": csrf}, follow_redirects=False)
    again = client.post(f"{url}/etransport/cancel", data={"csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == again.status_code == 303
    assert len(outbox(platform, tenant.id, "anaf.etransport.submit")) == 4  # one per amendment
    [deleted] = run_etransport_worker(platform, tenant.id)
    assert deleted["state"] == "valid" and deleted["target_uit"] == uit
    assert relay_etransport(platform, tenant.id) == [TOPICS[2]]
    row = _row(platform, tenant.id, oid)
    assert (row.state, row.amend_kind, row.amend_state) == ("deleted", "stergere", "valid")
    assert uit in fake_anaf.states.etransport.deleted
    key = f"sales-order:{oid}:etransport:1"
    assert _keys(platform, tenant.id) == sorted(
        [key, f"{key}:corectie:1", f"{key}:stergere:2", f"{key}:stergere:3"]
    )
    final = client.get(url)
    assert f'action="{url}/etransport/cancel"' not in final.text
    assert f'action="{url}/etransport"' in final.text  # a new transport can be declared
    assert sales.ok("GET", f"/orders/{oid}/etransport")["state"] == "deleted"
    gone = client.post(f"{url}/etransport/cancel", data={"csrf_token": csrf})
    assert gone.status_code == 409  # nothing left to cancel

    # a new notification after the deletion is the next attempt, with a new UIT
    sales.ok("POST", f"/orders/{oid}/etransport", {"vehicle": "CJ12ABC", "transport_date": today}, status=202)
    [new] = run_etransport_worker(platform, tenant.id)
    assert new["state"] == "valid" and new["uit"] != uit
    relay_etransport(platform, tenant.id)
    row = _row(platform, tenant.id, oid)
    assert (row.state, row.attempt, row.uit, row.amend_kind) == ("valid", 2, new["uit"], None)


def test_an_order_without_a_valid_uit_has_nothing_to_amend(
    sales: Sales, customer_id: uuid.UUID, client: TestClient, tenant: Any, platform: Platform
) -> None:
    order = risky_order(sales, customer_id)
    url = f"/sales/orders/{order['id']}"
    assert login(client, tenant.slug, tenant.admin_email).status_code == 303
    csrf = _csrf(client.get(url).text)
    none = client.post(f"{url}/etransport/cancel", data={"csrf_token": csrf})
    assert none.status_code == 409 and 'class="findings"' in none.text
    sales.ok("POST", f"/orders/{order['id']}/etransport", {"vehicle": "CJ12ABC"}, status=202)
    queued = client.post(f"{url}/etransport/cancel", data={"csrf_token": csrf})
    assert queued.status_code == 409  # not confirmed by ANAF yet
    body = {"csrf_token": csrf, "vehicle": "CJ12ABC", "transport_date": "2026-12-07", "operation_type": "30"}
    assert client.post(f"{url}/etransport/correct", data=body).status_code == 409
    assert len(outbox(platform, tenant.id, "anaf.etransport.submit")) == 1
    assert (
        client.post(f"/sales/orders/{uuid.uuid4()}/etransport/cancel", data={"csrf_token": csrf}).status_code
        == 404
    )
