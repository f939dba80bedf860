"""A failed SPV upload shows as failed with its reason (never "queued" forever), and a rejected (or
failed) document is corrected and resent under the same number, against the fake ANAF, never uploaded
twice: a double click or a resend while the earlier upload is not final at ANAF is a 409."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from genius.compliance import demo as compliance_demo
from genius.compliance.common.errors import OAuthError
from genius.compliance.efactura import service as efactura
from genius.core.platform import Platform
from genius.sales import repository
from tests.compliance.conftest import FakeAnaf
from tests.core.test_admin_pages import login
from tests.sales.conftest import Sales
from tests.sales.test_spv import fake_anaf, relay_to_sales, run_uploads, sales_events, spv_platform

__all__ = ["fake_anaf", "spv_platform"]  # fixtures shared with the SPV tests


def _issue(sales: Sales, customer_id: Any, notes: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "invoice",
        "customer_id": str(customer_id),
        "lines": [{"description": "Servicii", "quantity": 1, "unit_price": "100"}],
    }
    if notes:
        body["notes"] = notes
    draft = sales.ok("POST", "/invoices", body, status=201)
    return sales.issue(draft["id"])


def test_rejected_invoice_is_corrected_and_resent_under_its_number(
    spv_platform: Platform, fake_anaf: FakeAnaf, tenant: Any, sales: Sales, customer_id: Any
) -> None:
    platform = spv_platform
    assert compliance_demo.seed_demo(platform, tenant.id) is True
    issued = _issue(sales, customer_id, notes="FAKE-REJECT")
    # Before SPV said anything: not resendable, not editable.
    assert sales.call("POST", f"/invoices/{issued['id']}/resend").status_code == 409
    [result] = run_uploads(platform, tenant.id)
    assert result["state"] == "nok"
    relay_to_sales(platform, tenant.id)
    doc = sales.ok("GET", f"/invoices/{issued['id']}")
    assert doc["efactura"]["state"] == "rejected" and doc["efactura_deadline"]
    # Correct it: the number and the issue date stay.
    etag = sales.call("GET", f"/invoices/{issued['id']}").headers["ETag"]
    r = sales.call("PATCH", f"/invoices/{issued['id']}", {"issue_date": "2026-01-05"}, if_match=etag)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "issue_date"
    fixed = sales.ok("PATCH", f"/invoices/{issued['id']}", {"notes": "Corectată"}, if_match=etag)
    assert fixed["number"] == issued["number"] and fixed["status"] == "issued"
    resent = sales.ok("POST", f"/invoices/{issued['id']}/resend")
    assert resent["number"] == issued["number"] and resent["issue_date"] == issued["issue_date"]
    assert resent["efactura"]["state"] == "queued"
    assert resent["efactura_submission_id"] != issued["efactura_submission_id"]
    assert b"FAKE-REJECT" not in sales.call("GET", f"/invoices/{issued['id']}/ubl").content
    # A double click: the second resend finds the upload queued and sends nothing.
    again = sales.call("POST", f"/invoices/{issued['id']}/resend")
    assert again.status_code == 409 and again.json()["type"].endswith("efactura-not-rejected")
    # An old ETag (the page before the resend) is stale.
    assert sales.call("POST", f"/invoices/{issued['id']}/resend", if_match=etag).status_code == 412
    # Issued and not rejected any more: editing is refused again once the resend is queued.
    etag = sales.call("GET", f"/invoices/{issued['id']}").headers["ETag"]
    assert sales.call("PATCH", f"/invoices/{issued['id']}", {"notes": "x"}, if_match=etag).status_code == 409
    [result] = run_uploads(platform, tenant.id)
    assert result["state"] == "ok"
    relay_to_sales(platform, tenant.id)
    done = sales.ok("GET", f"/invoices/{issued['id']}")
    assert done["efactura"]["state"] == "accepted" and done["number"] == issued["number"]
    assert len(fake_anaf.states.efactura.uploads) == 2  # the rejected one and its correction, once each
    accepted = sales_events(platform, tenant.id, "sales.invoice.efactura_accepted")
    assert [e["invoice_id"] for e in accepted] == [issued["id"]]


def test_no_resend_while_the_earlier_upload_is_not_final_at_anaf(
    spv_platform: Platform, tenant: Any, sales: Sales, customer_id: Any
) -> None:
    """A slow ANAF reply: sales was told "rejected" but compliance's submission is still ``unknown``
    (the upload timed out and is being reconciled): the resend checks the submission itself."""
    platform = spv_platform
    issued = _issue(sales, customer_id)
    with platform.db.tenant_session(tenant.id) as s:
        doc = repository.document(s, uuid.UUID(issued["id"]))
        assert doc is not None
        from genius.sales.spv import _status

        row = _status(s, doc, uuid.UUID(issued["efactura_submission_id"]))
        row.state = "rejected"
        sub = efactura.get_submission(s, tenant.id, uuid.UUID(issued["efactura_submission_id"]))
        sub.state = "unknown"
    r = sales.call("POST", f"/invoices/{issued['id']}/resend")
    assert r.status_code == 409 and r.json()["type"].endswith("efactura-in-progress"), r.text
    assert (
        sales.ok("GET", f"/invoices/{issued['id']}")["efactura_submission_id"]
        == issued["efactura_submission_id"]
    )


def test_a_permanently_failed_upload_shows_failed_then_resends(
    spv_platform: Platform,
    fake_anaf: FakeAnaf,
    tenant: Any,
    sales: Sales,
    customer_id: Any,
    client: TestClient,
) -> None:
    platform = spv_platform
    issued = _issue(sales, customer_id)  # the tenant has not connected its ANAF account
    with pytest.raises(OAuthError):
        run_uploads(platform, tenant.id)
    assert relay_to_sales(platform, tenant.id) == ["anaf.efactura.failed"]
    doc = sales.ok("GET", f"/invoices/{issued['id']}")
    assert doc["efactura"]["state"] == "failed"
    assert doc["efactura"]["messages"] and "ANAF" in doc["efactura"]["messages"][0]
    assert login(client, tenant.slug, tenant.admin_email).status_code == 303
    page = client.get(f"/sales/invoices/{issued['id']}").text
    assert "Încărcarea în SPV a eșuat" in page and "Retrimite în SPV" in page and "Termen SPV" in page
    # Connected now: resent from the page, then accepted.
    assert compliance_demo.seed_demo(platform, tenant.id) is True
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = client.post(
        f"/sales/invoices/{issued['id']}/resend", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    twice = client.post(
        f"/sales/invoices/{issued['id']}/resend", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert twice.status_code == 303  # a double click: told, nothing sent
    [result] = run_uploads(platform, tenant.id)
    assert result["state"] == "ok"
    relay_to_sales(platform, tenant.id)
    assert sales.ok("GET", f"/invoices/{issued['id']}")["efactura"]["state"] == "accepted"
    assert len(fake_anaf.states.efactura.uploads) == 1


def test_the_upload_task_gives_up_after_its_last_retry(
    platform: Platform, tenant: Any, sales: Sales, customer_id: Any
) -> None:
    issued = _issue(sales, customer_id)
    sub_id = uuid.UUID(issued["efactura_submission_id"])
    ctx = efactura.context_for(platform)
    out = efactura.give_up(ctx, tenant.id, sub_id, "ANAF 503 after every retry")
    assert out["state"] == "failed"
    assert efactura.give_up(ctx, tenant.id, sub_id, "again")["errors"] == ["ANAF 503 after every retry"]
    [event] = sales_events(platform, tenant.id, "anaf.efactura.failed")
    assert event["reason"] == "ANAF 503 after every retry" and event["stage"] == "upload"


def test_a_rejected_credit_note_of_the_whole_invoice_is_resent(
    spv_platform: Platform, fake_anaf: FakeAnaf, tenant: Any, sales: Sales, customer_id: Any
) -> None:
    """Its own earlier total does not count against what is left to correct."""
    platform = spv_platform
    assert compliance_demo.seed_demo(platform, tenant.id) is True
    invoice = _issue(sales, customer_id)
    note = sales.ok(
        "POST",
        "/invoices",
        {
            "type": "credit_note",
            "customer_id": str(customer_id),
            "corrects_id": invoice["id"],
            "notes": "FAKE-REJECT",
            "lines": [{"description": "Storno", "quantity": 1, "unit_price": "100"}],
        },
        status=201,
    )
    sales.issue(note["id"])
    assert [r["state"] for r in run_uploads(platform, tenant.id)] == ["ok", "nok"]
    relay_to_sales(platform, tenant.id)
    etag = sales.call("GET", f"/invoices/{note['id']}").headers["ETag"]
    sales.ok("PATCH", f"/invoices/{note['id']}", {"notes": "Storno integral"}, if_match=etag)
    assert sales.ok("POST", f"/invoices/{note['id']}/resend")["efactura"]["state"] == "queued"
    assert sales.ok("GET", f"/invoices/{invoice['id']}")["balance"] == "0.00"
