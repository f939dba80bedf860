"""An order's UIT corrected (``corectie``: the same UIT, the corrected data) or cancelled (``stergere``,
behind a confirmation) from the order's page: queued through the outbox under the order's keys,
idempotent, uploaded by the ``anaf.etransport`` worker to the fake ANAF, and the outcome back on the
order through compliance's events (``wms.shipment.etransport_code`` for a correction,
``anaf.etransport.deleted`` for a deletion, ``anaf.etransport.rejected`` when ANAF refuses either)."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, text

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


def _audited(platform: Platform, tid: uuid.UUID) -> list[tuple[str, str, dict[str, Any]]]:
    with platform.db.tenant_session(tid) as s:
        rows = s.execute(
            text(
                "SELECT action, target, data FROM core.audit_log"
                " WHERE action LIKE 'sales.order.etransport%' ORDER BY seq"
            )
        ).all()
    return [(r.action, r.target, r.data) for r in rows]


def test_the_api_corrects_then_cancels_the_uit(
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
    path = f"/orders/{oid}/etransport"
    body = {"vehicle": "CJ12ABC", "transport_date": today}

    # nothing declared yet: a 409 naming why, as problem+json
    none = sales.call("POST", f"{path}/cancel")
    assert none.status_code == 409 and none.headers["content-type"].startswith("application/problem+json")
    assert none.json()["type"].endswith("etransport-none")
    sales.ok("POST", path, body, status=202)
    pending = sales.call("POST", f"{path}/correct", body)
    assert pending.status_code == 409 and pending.json()["type"].endswith(
        "etransport-not-valid"
    )  # no UIT yet
    [first] = run_etransport_worker(platform, tenant.id)
    uit = first["uit"]
    relay_etransport(platform, tenant.id)

    # --- correct: schema errors on the fields, a stale If-Match, then the same UIT with the new vehicle
    bad = sales.call("POST", f"{path}/correct", {**body, "vehicle": "?"})
    assert bad.status_code == 422 and [e["field"] for e in bad.json()["errors"]] == ["vehicle"]
    stale = sales.call("POST", f"{path}/correct", {**body, "vehicle": "B77NEW"}, **{"If-Match": 'W/"0"'})
    assert stale.status_code == 412
    etag = sales.call("GET", f"/orders/{oid}").headers["ETag"]
    queued = sales.ok(
        "POST", f"{path}/correct", {**body, "vehicle": "B 77 NEW"}, status=202, **{"If-Match": etag}
    )
    assert queued["queued"] is True and queued["uit"] == uit and queued["state"] == "valid"
    assert queued["amendment"] == {"kind": "corectie", "state": "queued", "messages": []}
    again = sales.ok("POST", f"{path}/correct", {**body, "vehicle": "B 77 NEW"}, status=200)
    assert again["queued"] is False and again["amendment"]["state"] == "queued"
    other = sales.call("POST", f"{path}/cancel")
    assert other.status_code == 409 and other.json()["type"].endswith("etransport-amendment-pending")
    assert len(outbox(platform, tenant.id, "anaf.etransport.submit")) == 2
    [corrected] = run_etransport_worker(platform, tenant.id)
    assert corrected["state"] == "valid" and corrected["uit"] == uit
    relay_etransport(platform, tenant.id)
    shown = sales.ok("GET", path)
    assert shown["vehicle"] == "B77NEW" and shown["amendment"] == {
        "kind": "corectie",
        "state": "valid",
        "messages": [],
    }

    # --- cancel: queued once, then the UIT is deleted; nothing left to cancel afterwards
    cancelled = sales.ok("POST", f"{path}/cancel", status=202)
    assert cancelled["amendment"] == {"kind": "stergere", "state": "queued", "messages": []}
    assert sales.ok("POST", f"{path}/cancel", status=200)["queued"] is False
    assert len(outbox(platform, tenant.id, "anaf.etransport.submit")) == 3
    [deleted] = run_etransport_worker(platform, tenant.id)
    assert deleted["state"] == "valid" and deleted["target_uit"] == uit
    assert relay_etransport(platform, tenant.id) == [TOPICS[2]]
    assert sales.ok("GET", path)["state"] == "deleted" and uit in fake_anaf.states.etransport.deleted
    gone = sales.call("POST", f"{path}/cancel")
    assert gone.status_code == 409 and gone.json()["type"].endswith("etransport-not-valid")
    key = f"sales-order:{oid}:etransport:1"
    assert _keys(platform, tenant.id) == sorted([key, f"{key}:corectie:1", f"{key}:stergere:2"])
    # audited, each asked-for amendment once (the repeated requests queued nothing)
    assert [(a, t, d["uit"]) for a, t, d in _audited(platform, tenant.id)] == [
        ("sales.order.etransport_corrected", f"sales.order:{oid}", uit),
        ("sales.order.etransport_cancelled", f"sales.order:{oid}", uit),
    ]
    assert sales.call("POST", f"/orders/{uuid.uuid4()}/etransport/cancel").status_code == 404


def test_an_expired_uit_can_no_longer_be_amended(
    spv_platform: Platform,  # noqa: F811
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
    oid = risky_order(sales, customer)["id"]
    sales.ok("POST", f"/orders/{oid}/etransport", {"vehicle": "CJ12ABC"}, status=202)
    [valid] = run_etransport_worker(platform, tenant.id)
    relay_etransport(platform, tenant.id)
    # the transport was long ago: its UIT's validity ended yesterday (compliance's record and sales')
    yesterday = date.today() - timedelta(days=1)
    with platform.db.tenant_session(tenant.id) as s:
        declaration = s.get(etransport.repository.declarations.model, uuid.UUID(valid["id"]))
        assert declaration is not None
        declaration.uit_valid_from, declaration.uit_valid_until = yesterday - timedelta(days=5), yesterday
        row = transport.get(s, uuid.UUID(oid))
        assert row is not None
        row.valid_until = yesterday
    for action, body in (("cancel", None), ("correct", {"vehicle": "B77NEW"})):
        r = sales.call("POST", f"/orders/{oid}/etransport/{action}", body)
        assert r.status_code == 409 and r.json()["type"].endswith("etransport-expired")
        assert yesterday.isoformat() in r.json()["detail"]
    assert len(outbox(platform, tenant.id, "anaf.etransport.submit")) == 1
    assert _audited(platform, tenant.id) == []
