"""The e-Factura upload deadline: 5 calendar days before 2026, 5 working days (Romanian public holidays
excluded) from 1 January 2026 (OUG 89/2025); its countdown on the pages and in the API; the daily
notice of documents near or past it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from genius.core.events.schemas import Envelope
from genius.core.platform import Platform
from genius.sales import deadlines, spv
from genius.sales.consumers import consumers
from tests.core.test_admin_pages import login
from tests.sales.conftest import Sales
from tests.sales.test_spv import sales_events


@pytest.mark.parametrize(
    ("issued", "due"),
    [
        (date(2025, 12, 29), date(2026, 1, 3)),  # calendar days before 2026 (the old rule)
        (date(2025, 12, 31), date(2026, 1, 5)),
        (date(2026, 1, 1), date(2026, 1, 13)),  # 2, 6, 7 January are holidays; a weekend
        (date(2026, 4, 8), date(2026, 4, 17)),  # Orthodox Good Friday 10 April and Easter Monday 13 April
        (date(2026, 5, 29), date(2026, 6, 8)),  # Rusalii Monday and Children's Day: 1 June
        (date(2026, 11, 27), date(2026, 12, 8)),  # 30 November and 1 December
        (date(2026, 12, 3), date(2026, 12, 10)),  # a plain week
        (date(2026, 12, 22), date(2026, 12, 30)),  # Christmas (25 Friday, 26 Saturday)
        (date(2027, 4, 28), date(2027, 5, 7)),  # Easter 2 May 2027: Good Friday, 1 May, Monday 3 May
    ],
)
def test_deadline(issued: date, due: date) -> None:
    assert deadlines.deadline(issued) == due


def test_holidays_are_computed_and_dated() -> None:
    assert {date(2026, 4, 10), date(2026, 4, 12), date(2026, 4, 13), date(2026, 5, 31)} <= (
        deadlines.public_holidays(2026)
    )
    assert date(2023, 1, 6) not in deadlines.public_holidays(2023)  # Boboteaza is a holiday from 2024
    assert date(2024, 1, 6) in deadlines.public_holidays(2024)
    assert deadlines.rule_for(date(2025, 12, 31)).working is False
    assert deadlines.rule_for(date(2026, 1, 1)).source == "OUG 89/2025"
    assert deadlines.working_days_left(date(2026, 12, 10), date(2026, 12, 3)) == 5
    assert deadlines.working_days_left(date(2026, 12, 10), date(2026, 12, 11)) == -1


def _deliver(platform: Platform, tid: uuid.UUID, topic: str, data: dict[str, Any]) -> None:
    env = Envelope(id=uuid.uuid4(), topic=topic, tid=tid, occurred_at=datetime.now(UTC), data=data)
    assert consumers()[0].handle(platform.db, env.model_dump(mode="json")) == "handled"


def test_countdown_in_the_api_pages_and_the_daily_notice(
    sales: Sales, customer_id: Any, platform: Platform, tenant: Any, client: TestClient
) -> None:
    def issue(on: str) -> dict[str, Any]:
        lines = [{"description": "Servicii", "quantity": 1, "unit_price": "100"}]
        body = {"type": "invoice", "customer_id": str(customer_id), "issue_date": on, "lines": lines}
        return sales.issue(sales.ok("POST", "/invoices", body, status=201)["id"])

    old, fresh, accepted = issue("2026-11-20"), issue("2026-12-03"), issue("2026-12-02")
    assert (old["efactura_deadline"], fresh["efactura_deadline"]) == ("2026-11-27", "2026-12-10")
    draft = sales.ok(
        "POST",
        "/invoices",
        {"type": "invoice", "customer_id": str(customer_id), "lines": []},
        status=201,
    )
    assert draft["efactura_deadline"] is None
    _deliver(
        platform,
        tenant.id,
        "anaf.efactura.accepted",
        {"submission_id": accepted["efactura_submission_id"], "cif": "18547290", "index_incarcare": "1"},
    )
    today = date(2026, 12, 8)  # fresh: 2 working days left (9, 10); old: overdue; accepted: never listed
    with platform.db.tenant_session(tenant.id) as s:
        assert spv.deadline_sweep(s, tenant.id, today) == 2
    with platform.db.tenant_session(tenant.id) as s:
        assert spv.deadline_sweep(s, tenant.id, today) == 0  # once a day
    [notice] = sales_events(platform, tenant.id, "sales.invoice.efactura_deadline_near")
    listed = {i["number"]: (i["deadline"], i["working_days_left"]) for i in notice["invoices"]}
    assert listed == {old["number"]: ("2026-11-27", -1), fresh["number"]: ("2026-12-10", 2)}
    with platform.db.tenant_session(tenant.id) as s:
        assert spv.deadline_sweep(s, tenant.id, date(2026, 12, 9)) == 2  # the next day again
    # The notice mailed (outbox email.send, once per tenant and day) to the people who may resend.
    notice_env = {"day": "2026-12-08", "within_working_days": notice["within_working_days"]}
    _deliver(platform, tenant.id, "sales.invoice.efactura_deadline_near", {**notice, **notice_env})
    _deliver(platform, tenant.id, "sales.invoice.efactura_deadline_near", {**notice, **notice_env})
    with platform.db.tenant_session(tenant.id) as s:
        mails = [
            row[0]["args"][0]
            for row in s.execute(
                text("SELECT data FROM core.outbox WHERE kind = 'task' AND topic = 'email.send' ORDER BY id")
            )
            if row[0]["args"][0].get("idempotency_key", "").startswith("sales-deadline:")
        ]
    assert len({m["idempotency_key"] for m in mails}) == 1  # redelivered: the same key, one mail sent
    mail = mails[0]
    assert mail["to"] == [tenant.admin_email] and "de încărcat în SPV" in mail["subject"]
    assert "cu termenul depășit" in mail["subject"]
    assert f"{old['number']} din 20.11.2026: termen 27.11.2026, termen depășit" in mail["text"]
    assert f"{fresh['number']} din 03.12.2026: termen 10.12.2026, 2 zile lucrătoare rămase" in mail["text"]
    assert "/sales/efactura" in mail["text"]
    # The pages: the countdown while not accepted (the real today is 2026-12-03 or later).
    assert login(client, tenant.slug, tenant.admin_email).status_code == 303
    listing = client.get("/sales/invoices").text
    assert "termen depășit" in listing
    page = client.get(f"/sales/invoices/{accepted['id']}").text
    assert "Termen SPV" in page and "zile rămase" not in page and "termen depășit" not in page


def test_countdown_labels() -> None:
    from genius.sales.pages import countdown_label

    assert countdown_label(None) is None
    # Romanian first (the default language outside a request)
    assert countdown_label(-1) == ("termen depășit", "err")
    assert countdown_label(0) == ("ultima zi azi", "warn")
    assert countdown_label(1) == ("1 zi rămasă", "warn")
    assert countdown_label(5) == ("5 zile rămase", "info")


def test_the_daily_beat_task_visits_every_tenant(platform: Platform, sales: Sales, customer_id: Any) -> None:
    from genius.sales import tasks
    from genius.sales.manifest import MANIFEST

    assert [b.task for b in MANIFEST.beat] == ["sales.efactura.deadline_sweep"]
    tasks.use_context(platform.db)
    try:
        out = tasks.deadline_sweep()
        assert tasks.health() == "database ok"
    finally:
        tasks.use_context(None)
    assert out["day"] and isinstance(out["listed"], dict)
