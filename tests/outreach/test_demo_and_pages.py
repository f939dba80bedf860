"""``genius demo``'s outreach data (20 phones across the grid's bands, usage in the quota guardian's Redis,
300 journeys, ten replies to review), ``GET /v1/outreach/phones`` and the Shell pages."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from genius.core.platform import Platform
from genius.outreach import demo
from genius.outreach.overview.service import band
from genius.vettify import demo as crm_demo
from tests.conftest import PASSWORD
from tests.core.test_rls import as_tenant
from tests.core.test_web import _csrf


def test_bands() -> None:
    assert [band(n, 200, "ACTIVE") for n in (0, 179, 180, 199, 200)] == ["ok", "ok", "warn", "warn", "full"]
    assert band(3, 200, "BANNED") == band(0, 200, "OFFLINE") == "full"
    assert band(0, 0, "ACTIVE") == "full" and band(10, 200, "PAUSED") == "ok"


@pytest.fixture
def seeded(platform: Platform, tenant: Any) -> Any:
    crm_demo.seed_demo(platform, tenant.id)
    demo.seed_demo(platform, tenant.id)
    demo.seed_demo(platform, tenant.id)  # a restart adds nothing
    return tenant


def test_demo_portfolio_usage_and_queue(client: TestClient, db: Connection, seeded: Any) -> None:
    h = seeded.headers
    phones = client.get("/v1/outreach/phones", headers=h).json()
    assert phones["total"] == 20 and phones["next"] is None
    items = phones["items"]
    assert [p["used_today"] for p in items] == list(demo.USAGE)
    assert {p["source"] for p in items} == {"redis"}
    bands = [p["band"] for p in items]
    assert bands.count("ok") == 15 and bands.count("warn") == 2 and bands.count("full") == 3
    assert [p["status"] for p in items if p["band"] == "full"] == ["ACTIVE", "BANNED", "OFFLINE"]
    assert items[17]["percent"] == 100 and items[16]["percent"] == 97
    as_tenant(db, seeded.id)
    states = dict(
        db.execute(text("SELECT current_state, count(*) FROM outreach.gold_lead_journey GROUP BY 1")).all()
    )
    assert sum(states.values()) == 300 and states["COLD"] == 60 and states["CONVERTED"] == 12
    audit_rows = db.execute(text("SELECT count(*) FROM outreach.wa_quota_usage")).scalar()
    assert audit_rows == 20
    queue = client.get("/v1/outreach/review", params={"limit": 100}, headers=h).json()["items"]
    assert len(queue) == 10
    assert any(i["sentiment_label"] == "negative" for i in queue)
    assert any(i["reason"] == "KEYWORD_TRIGGER" and i["priority"] == "URGENT" for i in queue)
    assert sum(1 for i in queue if i["suggested_reply"] is None) == 1
    leads = client.get("/v1/outreach/leads", params={"limit": 1}, headers=h).json()
    assert leads["meta"]["total"] == 300 and leads["items"][0]["company"] is not None
    stats = client.get("/v1/outreach/stats/daily", params={"days": 14}, headers=h).json()["items"]
    assert len(stats) == 14  # the seed rolls up two weeks, the days without messages as zeros
    sent = db.execute(
        text(
            "SELECT count(*) FROM outreach.gold_communication_log WHERE direction = 'OUTBOUND'"
            " AND sent_at >= (SELECT min(stat_date) FROM outreach.outreach_daily_stats)::timestamp"
            " AT TIME ZONE 'Europe/Bucharest'"
        )
    ).scalar()
    assert sum(d["sent_whatsapp"] + d["sent_email"] for d in stats) == sent > 0


def login(client: TestClient, tenant: Any) -> None:
    form = client.get("/login")
    r = client.post(
        "/login",
        data={
            "tenant": tenant.slug,
            "email": tenant.admin_email,
            "password": PASSWORD,
            "csrf_token": _csrf(form.text),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def test_pages(client: TestClient, seeded: Any) -> None:
    login(client, seeded)
    dash = client.get("/outreach")
    assert dash.status_code == 200, dash.text
    body = dash.text
    assert body.count('class="quota-cell band-ok"') == 15
    assert body.count('class="quota-cell band-warn"') == 2
    assert body.count('class="quota-cell band-full"') == 3
    assert 'role="tooltip"' in body and 'role="progressbar"' in body
    assert 'aria-labelledby="channels-h channels-desc"' in body and body.count('class="bar chart-wa"') == 14
    queue = client.get("/outreach/review")
    assert queue.status_code == 200
    assert queue.text.count("data-review-item") == 10
    assert 'aria-keyshortcuts="a"' in queue.text
    csrf = queue.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    first = queue.text.split('data-review-item data-id="', 1)[1].split('"', 1)[0]
    r = client.post(
        f"/outreach/review/{first}/reply",
        data={"csrf_token": csrf, "text": "Vă mulțumim!"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    again = client.post(
        f"/outreach/review/{first}/approve", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert again.status_code == 303  # refused: the flash says someone resolved it
    assert client.get("/outreach/review").text.count("data-review-item") == 9
    assert client.post(f"/outreach/review/{first}/approve", data={}).status_code in (400, 403)


def test_lead_management_pages(client: TestClient, db: Connection, seeded: Any) -> None:
    """The journey list filters like the API; a lead's page shows the conversation whole and its history;
    a refused move shows inline errors and changes nothing; converting reaches the CRM pipeline."""
    login(client, seeded)
    listing = client.get("/outreach/leads")
    assert listing.status_code == 200, listing.text
    assert listing.text.count('href="/outreach/leads/') == 25 and "25 din 300" in listing.text
    negotiating = client.get("/outreach/leads", params={"stage": "NEGOTIATION", "sort": "-sentimentScore"})
    assert negotiating.status_code == 200 and 'aria-sort="descending"' in negotiating.text
    shown = negotiating.text.count('href="/outreach/leads/')
    total = client.get("/v1/outreach/leads", params={"stage": "NEGOTIATION"}, headers=seeded.headers).json()
    assert shown == min(25, total["meta"]["total"]) > 0
    assert (
        client.get("/outreach/leads", params={"stage": "NOPE", "sort": "x", "q": "a\x00b"}).status_code == 200
    )
    # a lead the CRM has not converted yet (the demo's CRM converted some: those link their records)
    journey = next(j["id"] for j in total["items"] if j["company"]["crm_status"] != "converted")
    page = client.get(f"/outreach/leads/{journey}")
    assert page.status_code == 200, page.text
    assert 'class="msg msg-out"' in page.text and 'name="to_state"' in page.text
    assert '<option value="CONVERTED">' in page.text and 'name="amount"' in page.text
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]

    bad = client.post(
        f"/outreach/leads/{journey}/move",
        data={"csrf_token": csrf, "to_state": "CONVERTED", "reason": " ", "amount": "doisprezece"},
    )
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    assert 'id="f-reason-error"' in bad.text and 'id="f-amount-error"' in bad.text
    illegal = client.post(
        f"/outreach/leads/{journey}/move", data={"csrf_token": csrf, "to_state": "COLD", "reason": "înapoi"}
    )
    assert illegal.status_code == 409 and 'id="f-to_state-error"' in illegal.text
    detail = client.get(f"/v1/outreach/journeys/{journey}", headers=seeded.headers).json()
    assert detail["current_state"] == "NEGOTIATION" and detail["crm"] is None

    moved = client.post(
        f"/outreach/leads/{journey}/move",
        data={
            "csrf_token": csrf,
            "to_state": "CONVERTED",
            "reason": "Contract semnat",
            "opportunity_name": "Abonament anual outreach",
            "amount": "18.500,00",
            "expected_close_date": "2027-01-15",
        },
        follow_redirects=False,
    )
    assert moved.status_code == 303 and moved.headers["location"] == f"/outreach/leads/{journey}"
    after = client.get(f"/outreach/leads/{journey}")
    assert 'id="crm-h"' in after.text and "/crm/opportunities/" in after.text
    made = client.get(f"/v1/outreach/journeys/{journey}", headers=seeded.headers).json()["crm"]
    opportunity = client.get(f"/v1/crm/opportunities/{made['opportunity_id']}", headers=seeded.headers).json()
    assert opportunity["name"] == "Abonament anual outreach" and float(opportunity["amount"]) == 18500.0
    assert opportunity["expected_close_date"] == "2027-01-15"
    pipeline = client.get("/crm/opportunities", params={"q": "Abonament anual"})
    assert pipeline.status_code == 200 and "Abonament anual outreach" in pipeline.text
    assert client.get("/outreach/leads/00000000-0000-0000-0000-000000000000").status_code == 404
