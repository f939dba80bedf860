"""SPV status of issued documents through the real path, against the fake ANAF: the demo tenant connects
through the fake's OAuth, the demo's documents are uploaded by e-Factura's service (the worker's code),
followed to their final state, and the compliance events reach the sales consumer, which records
uploaded → accepted (index, signed ZIP) or rejected (ANAF's errors mapped to fields) and publishes
``sales.invoice.efactura_accepted|rejected``."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from genius.compliance import demo as compliance_demo
from genius.compliance.efactura import service as efactura
from genius.compliance.fakes.app import FakeStates, create_fake_app
from genius.config import Settings
from genius.core.events.models import OutboxEvent
from genius.core.events.schemas import Envelope
from genius.core.platform import Platform
from genius.sales import demo as sales_demo
from genius.sales import spv
from genius.sales.consumers import consumers
from tests.compliance.conftest import FakeAnaf
from tests.compliance.efactura.test_client import fake_settings
from tests.conftest import LiveServer, free_port
from tests.sales.conftest import Sales, add_customer, relay, set_up_company


@pytest.fixture
def fake_anaf() -> Iterator[FakeAnaf]:
    """A fresh fake ANAF per test (as compliance's fixture of the same name)."""
    states = FakeStates()
    with LiveServer(create_fake_app(states), free_port()) as server:
        yield FakeAnaf(server.url, states)


@pytest.fixture
def spv_platform(
    platform: Platform,
    fake_anaf: FakeAnaf,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
) -> Iterator[Platform]:
    port = int(fake_anaf.url.rsplit(":", 1)[1])
    demo_settings = fake_settings(fake_anaf, settings).model_copy(
        update={"storage_url": f"file://{tmp_path}", "demo_fakes": True, "demo_fakes_port": port}
    )
    monkeypatch.setattr(platform, "settings", demo_settings)
    fake_anaf.states.efactura.in_progress_polls = 1
    # Every fake SPV numbers its messages from the same id, and ANAF allows 10 downloads of a message a
    # day: the earlier tests' downloads on this worker's Redis must not count against this one's.
    if platform.redis is not None:
        for key in list(platform.redis.scan_iter(match="*anaf:efactura:descarcare:*")):
            platform.redis.delete(key)
    yield platform


def run_uploads(platform: Platform, tid: uuid.UUID) -> list[dict[str, Any]]:
    """What the worker does for each queued upload: upload once, then follow the status to the end."""
    ctx = efactura.context_for(platform)
    ctx.sleep = lambda seconds: None
    with platform.db.tenant_session(tid) as s:
        tasks = s.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.topic == "anaf.efactura.upload", OutboxEvent.published_at.is_(None))
            .order_by(OutboxEvent.seq)
        ).all()
        for task in tasks:
            task.published_at = task.occurred_at
        submissions = [uuid.UUID(t.data["args"][1]) for t in tasks]
    results = []
    for sub in submissions:
        efactura.upload(ctx, tid, sub)
        results.append(efactura.follow(ctx, tid, sub, initial=0.0))
    return results


def relay_to_sales(platform: Platform, tid: uuid.UUID) -> list[str]:
    """Each unpublished e-Factura event to the sales consumer, as the relay and ``genius consume`` do."""
    return relay(platform, tid, OutboxEvent.topic.like("anaf.efactura.%"), consumers()[0])


def sales_events(platform: Platform, tid: uuid.UUID, topic: str) -> list[dict[str, Any]]:
    with platform.db.tenant_session(tid) as s:
        return [
            r.data
            for r in s.scalars(
                select(OutboxEvent).where(OutboxEvent.topic == topic).order_by(OutboxEvent.seq)
            )
        ]


def test_demo_tenant_connects_to_the_fake_spv_and_its_documents_end_accepted(
    spv_platform: Platform, fake_anaf: FakeAnaf, tenant: Any, client: TestClient
) -> None:
    platform = spv_platform
    with platform.db.tenant_session(tenant.id) as s:
        set_up_company(s, tenant.id)
    assert compliance_demo.seed_demo(platform, tenant.id) is True
    assert fake_anaf.states.efactura.token_requests[0]["grant_type"] == "authorization_code"
    sales_demo.seed_demo(platform, tenant.id)
    results = run_uploads(platform, tenant.id)
    # three invoices, the credit note and the invoice to a person (B2C)
    assert [r["state"] for r in results] == ["ok"] * 5
    assert len(fake_anaf.states.efactura.uploads) == 5  # each document uploaded once
    # the invoice to Ionescu Maria (a person, by her CNP) went to ANAF's B2C endpoint, the rest to upload
    b2c = [m for m in fake_anaf.states.efactura.uploads if m.endpoint == "uploadb2c"]
    assert len(b2c) == 1 and b"Ionescu Maria" in b2c[0].xml and sales_demo.PERSON_CNP.encode() in b2c[0].xml
    assert sum(m.endpoint == "upload" for m in fake_anaf.states.efactura.uploads) == 4
    topics = relay_to_sales(platform, tenant.id)
    assert topics.count("anaf.efactura.submitted") == 5 and topics.count("anaf.efactura.accepted") == 5

    page = client.get("/v1/sales/invoices?status=issued", headers=tenant.headers).json()["items"]
    assert len(page) == 5
    for doc in page:
        status = doc["efactura"]
        assert status["state"] == "accepted" and status["index_incarcare"] and status["id_descarcare"]
    accepted = sales_events(platform, tenant.id, "sales.invoice.efactura_accepted")
    assert sorted(e["invoice_id"] for e in accepted) == sorted(d["id"] for d in page)
    credit = next(d for d in page if d["type"] == "credit_note")
    r = client.get(f"/v1/sales/invoices/{credit['id']}/efactura.zip", headers=tenant.headers)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert any(n.startswith("semnatura_") for n in names)
    # A partially paid invoice shows it.
    paid = [d for d in page if d["payment_status"] == "partially_paid"]
    assert len(paid) == 1 and paid[0]["paid_total"] == "1000.00"


def test_a_rejected_invoice_shows_anafs_errors_on_its_fields(
    spv_platform: Platform,
    fake_anaf: FakeAnaf,
    tenant: Any,
    client: TestClient,
    sales: Sales,
    customer_id: Any,
) -> None:
    platform = spv_platform
    assert compliance_demo.seed_demo(platform, tenant.id) is True
    draft = sales.ok(
        "POST",
        "/invoices",
        {
            "type": "invoice",
            "customer_id": str(customer_id),
            "notes": "FAKE-REJECT",
            "lines": [{"description": "Servicii", "quantity": 1, "unit_price": "100"}],
        },
        status=201,
    )
    issued = sales.issue(draft["id"])
    assert issued["efactura"] == {
        "state": "queued",
        "submission_id": issued["efactura_submission_id"],
        "index_incarcare": None,
        "id_descarcare": None,
        "messages": [],
        "errors": [],
        "updated_at": None,
    }
    [result] = run_uploads(platform, tenant.id)
    assert result["state"] == "nok"
    relay_to_sales(platform, tenant.id)
    doc = sales.ok("GET", f"/invoices/{draft['id']}")
    assert doc["efactura"]["state"] == "rejected"
    assert [e["field"] for e in doc["efactura"]["errors"]] == ["supplier"]
    assert "CIF-ul vanzatorului" in doc["efactura"]["messages"][0]
    [event] = sales_events(platform, tenant.id, "sales.invoice.efactura_rejected")
    assert event["invoice_id"] == draft["id"] and event["errors"][0]["field"] == "supplier"
    r = sales.call("GET", f"/invoices/{draft['id']}/efactura.zip")
    assert r.status_code == 409 and r.json()["type"].endswith("efactura-not-accepted")


def test_an_invoice_to_a_person_goes_to_uploadb2c_and_one_to_a_company_to_upload(
    spv_platform: Platform,
    fake_anaf: FakeAnaf,
    tenant: Any,
    client: TestClient,
    sales: Sales,
    customer_id: Any,
) -> None:
    platform = spv_platform
    assert compliance_demo.seed_demo(platform, tenant.id) is True
    with platform.db.tenant_session(tenant.id) as s:
        person = add_customer(s, tenant.id, name="Popescu Ion", cui=None, city="Brașov", county="Brașov")
        anonymous = add_customer(
            s, tenant.id, name="Client anonim", cui=None, city="Cluj-Napoca", county="Cluj"
        )
    sales.ok("PUT", f"/customers/{person}/cnp", {"cnp": "1800101080016"})
    submissions, drafts = {}, {}
    for name, customer in (("company", customer_id), ("person", person), ("anonymous", anonymous)):
        draft = sales.ok(
            "POST",
            "/invoices",
            {
                "type": "invoice",
                "customer_id": str(customer),
                "lines": [{"description": "Servicii", "quantity": 1, "unit_price": "100"}],
            },
            status=201,
        )
        drafts[name] = draft["id"]
        submissions[name] = sales.issue(draft["id"])["efactura_submission_id"]
    sales.issue(drafts["person"])  # issued again: nothing is queued again
    results = run_uploads(platform, tenant.id)
    assert [r["state"] for r in results] == ["ok"] * 3
    assert len(fake_anaf.states.efactura.uploads) == 3  # one upload per invoice, whichever endpoint
    by_index = {m.index: m for m in fake_anaf.states.efactura.uploads}
    sent = {
        name: by_index[next(r["index_incarcare"] for r in results if r["id"] == sid)]
        for name, sid in submissions.items()
    }
    # BR-RO-120: a person by their CNP, or by ANAF's thirteen zeros without one: both are B2C
    assert {name: m.endpoint for name, m in sent.items()} == {
        "company": "upload",
        "person": "uploadb2c",
        "anonymous": "uploadb2c",
    }
    assert b"1800101080016" in sent["person"].xml and b"0000000000000" in sent["anonymous"].xml
    assert relay_to_sales(platform, tenant.id).count("anaf.efactura.accepted") == 3
    for draft_id in drafts.values():
        assert sales.ok("GET", f"/invoices/{draft_id}")["efactura"]["state"] == "accepted"


def test_anaf_messages_map_to_fields() -> None:
    mapped = spv.map_messages(
        [
            "[BR-RO-100] Adresa cumpărătorului (BT-50) trebuie să aibă maxim 150 caractere",
            "E: eroare regula: R6.1: CIF-ul vanzatorului nu figureaza in baza de date",
            "Eroare necunoscută",
        ]
    )
    assert [m.field for m in mapped] == ["customer.address", "supplier", "document"]


def test_a_submission_sales_did_not_make_is_ignored(platform: Platform, tenant: Any) -> None:
    env = Envelope(
        id=uuid.uuid4(),
        topic="anaf.efactura.accepted",
        tid=tenant.id,
        occurred_at="2026-12-03T10:00:00Z",  # type: ignore[arg-type]
        data={"submission_id": str(uuid.uuid4()), "cif": "14399840", "index_incarcare": "1"},
    ).model_dump(mode="json")
    assert consumers()[0].handle(platform.db, env) == "handled"
    assert sales_events(platform, tenant.id, "sales.invoice.efactura_accepted") == []
