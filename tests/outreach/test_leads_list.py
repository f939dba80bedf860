"""``GET /v1/outreach/leads``: filters, sorting, pages with the total in ``meta``, the CRM company."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from genius.outreach.models import STATE_CODES
from tests.core.test_rls import as_tenant

COMPANIES = ["Brutăria Ionescu SRL", "Construcții Vest SA", "Farmacia Lotus SRL", "Transport Rapid SRL"]


def seed(client: TestClient, db: Connection, tenant: Any, n: int = 25) -> list[dict[str, Any]]:
    h = tenant.headers
    journeys = []
    base = datetime(2026, 12, 1, 9, tzinfo=UTC)
    for i in range(n):
        lead = client.post(
            "/v1/crm/leads",
            json={"first_name": f"Ana{i}", "company_name": COMPANIES[i % 4], "cui": None},
            headers=h,
        )
        assert lead.status_code == 201, lead.text
        j = client.post("/v1/outreach/journeys", json={"lead_id": lead.json()["id"]}, headers=h).json()
        as_tenant(db, tenant.id)
        db.execute(
            text(
                "UPDATE outreach.gold_lead_journey SET next_action_at = :n, last_contact_at = :c,"
                " sentiment_score = :s, reply_count = :r, requires_human_review = :rv,"
                " last_channel_used = CAST(:ch AS outreach.channel_enum), assigned_to_user = :u"
                " WHERE id = :id"
            ),
            {
                "n": base + timedelta(hours=i) if i % 5 else None,
                "c": base - timedelta(hours=i),
                "s": (i * 9) % 201 - 100,
                "r": i % 3,
                "rv": i % 4 == 0,
                "ch": "WHATSAPP" if i % 2 else "EMAIL_COLD",
                "u": tenant.admin_id if i < 10 else None,
                "id": j["id"],
            },
        )
        journeys.append(j)
    return journeys


def get(client: TestClient, tenant: Any, **params: Any) -> Any:
    r = client.get("/v1/outreach/leads", params=params, headers=tenant.headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_pages_sorting_and_company(client: TestClient, tenant: Any, db: Connection) -> None:
    seed(client, db, tenant)
    first = get(client, tenant)
    assert first["meta"] == {"total": 25, "page": 1, "limit": 20, "pages": 2, "sort": "nextActionAt"}
    assert len(first["items"]) == 20
    second = get(client, tenant, page=2)
    assert len(second["items"]) == 5
    ids = [j["id"] for j in first["items"] + second["items"]]
    assert len(set(ids)) == 25
    times = [j["next_action_at"] for j in first["items"] + second["items"]]
    present = [t for t in times if t]
    assert present == sorted(present) and times[len(present) :] == [None] * (25 - len(present))
    scores = [j["sentiment_score"] for j in get(client, tenant, sort="-sentimentScore", limit=100)["items"]]
    assert scores == sorted(scores, reverse=True)
    contacts = [j["last_contact_at"] for j in get(client, tenant, sort="-lastContactAt", limit=100)["items"]]
    assert contacts == sorted(contacts, reverse=True)
    company = first["items"][0]["company"]
    assert company["name"] in COMPANIES and company["contact_name"].startswith("Ana")
    assert get(client, tenant, limit=100)["meta"]["pages"] == 1
    assert client.get("/v1/outreach/leads?limit=101", headers=tenant.headers).status_code == 422
    assert client.get("/v1/outreach/leads?sort=name", headers=tenant.headers).status_code == 422


def test_filters(client: TestClient, tenant: Any, db: Connection) -> None:
    seed(client, db, tenant)
    assert get(client, tenant, hasReply="true")["meta"]["total"] == sum(1 for i in range(25) if i % 3)
    assert get(client, tenant, hasReply="false")["meta"]["total"] == sum(1 for i in range(25) if not i % 3)
    assert get(client, tenant, needsReview="true")["meta"]["total"] == 7
    assert get(client, tenant, channel="WHATSAPP")["meta"]["total"] == 12
    assert get(client, tenant, assignedTo=str(tenant.admin_id))["meta"]["total"] == 10
    assert get(client, tenant, stage="COLD")["meta"]["total"] == 25
    assert get(client, tenant, stage="DEAD")["meta"]["total"] == 0
    found = get(client, tenant, search="farmacia")
    assert found["meta"]["total"] == 6
    assert {j["company"]["name"] for j in found["items"]} == {"Farmacia Lotus SRL"}
    both = get(client, tenant, search="construcții", channel="WHATSAPP")
    assert {j["company"]["name"] for j in both["items"]} == {"Construcții Vest SA"}
    assert all(j["last_channel_used"] == "WHATSAPP" for j in both["items"])
    assert get(client, tenant, search="zzzqqq")["meta"]["total"] == 0


def test_tenants_see_only_their_journeys(client: TestClient, make_tenant: Any, db: Connection) -> None:
    a, b = make_tenant(), make_tenant()
    seed(client, db, a, n=3)
    assert get(client, b)["meta"]["total"] == 0
    assert get(client, a)["meta"]["total"] == 3
    assert client.get("/v1/outreach/leads").status_code == 401


def test_state_code_follows_every_state(client: TestClient, tenant: Any, db: Connection) -> None:
    """``state_code`` (what the state filter reads, leakproof under RLS) is PostgreSQL's, generated from
    ``current_state`` by the migration's own CASE: it must agree with the Python mapping for every state."""
    journeys = seed(client, db, tenant, n=len(STATE_CODES))
    as_tenant(db, tenant.id)
    for j, state in zip(journeys, STATE_CODES, strict=True):
        db.execute(
            text(
                "UPDATE outreach.gold_lead_journey"
                " SET current_state = CAST(:s AS outreach.current_state_enum),"
                " previous_state = 'COLD'"  # PAUSED remembers where it came from
                " WHERE id = :id"
            ),
            {"s": state, "id": j["id"]},
        )
    found = dict(
        db.execute(text("SELECT current_state::text, state_code FROM outreach.gold_lead_journey")).all()
    )
    assert found == STATE_CODES
    for state in STATE_CODES:
        listed = get(client, tenant, stage=state)
        assert listed["meta"]["total"] == 1 and listed["items"][0]["current_state"] == state


def test_search_pages_count_in_one_statement(client: TestClient, tenant: Any, db: Connection) -> None:
    seed(client, db, tenant)
    first = get(client, tenant, search="srl", limit=5)  # 3 of the 4 companies: 19 journeys
    assert first["meta"]["total"] == 19 and first["meta"]["pages"] == 4 and len(first["items"]) == 5
    last = get(client, tenant, search="srl", limit=5, page=4)
    assert last["meta"]["total"] == 19 and len(last["items"]) == 4
    beyond = get(client, tenant, search="srl", limit=5, page=9)
    assert beyond["meta"]["total"] == 19 and beyond["items"] == []
    ids = {j["id"] for p in range(1, 5) for j in get(client, tenant, search="srl", limit=5, page=p)["items"]}
    assert len(ids) == 19
    for sort, key, reverse in (
        ("-sentimentScore", "sentiment_score", True),
        ("nextActionAt", "next_action_at", False),
    ):
        seen = [
            j
            for p in range(1, 5)
            for j in get(client, tenant, search="srl", limit=5, page=p, sort=sort)["items"]
        ]
        assert len({j["id"] for j in seen}) == 19
        values = [j[key] for j in seen if j[key] is not None]
        assert values == sorted(values, reverse=reverse)
        assert all(j[key] is None for j in seen[len(values) :])  # empty values last


def test_the_page_is_written_as_fastapi_writes_its_response_model(
    client: TestClient, tenant: Any, db: Connection
) -> None:
    """The list returns its page already validated (``kit.responses.model_json``): the bytes are the
    ones FastAPI's own serialisation of the response model gives."""
    from fastapi.encoders import jsonable_encoder
    from fastapi.responses import JSONResponse

    from genius.outreach.schemas import OutreachLeadPage

    seed(client, db, tenant, n=3)
    r = client.get("/v1/outreach/leads", headers=tenant.headers)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    page = OutreachLeadPage.model_validate_json(r.content)
    assert r.content == JSONResponse(jsonable_encoder(page, by_alias=True)).body
