"""``/v1/outreach/templates|sequences|enrollments``: create, pages, ETag/If-Match, problem+json, tenants
kept apart."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

TEMPLATE = {
    "name": "Prima atingere",
    "channel": "WHATSAPP",
    "content": "{Bună|Salut} {{first_name}}, {am văzut|am observat} {{company}}.",
    "variables": [{"name": "first_name"}, {"name": "company", "required": False, "default": "firma dvs."}],
}


def post(client: TestClient, tenant: Any, url: str, body: dict[str, Any], status: int = 201) -> Any:
    r = client.post(url, json=body, headers=tenant.headers)
    assert r.status_code == status, r.text
    return r.json()


def test_templates_sequences_and_enrollments(client: TestClient, tenant: Any, make_tenant: Any) -> None:
    h = tenant.headers
    tpl = post(client, tenant, "/v1/outreach/templates", TEMPLATE)
    assert tpl["variables"][1] == {"name": "company", "required": False, "default": "firma dvs."}
    post(client, tenant, "/v1/outreach/templates", TEMPLATE, 409)
    bad = client.post("/v1/outreach/templates", json={**TEMPLATE, "name": "x", "content": "{a|b"}, headers=h)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["errors"][0]["field"] == "content" and "not valid spintax" in bad.text
    url = f"/v1/outreach/templates/{tpl['id']}"
    post(client, tenant, url + "/versions", {"label": "A", "content": "Varianta A {{first_name}}"})
    post(client, tenant, url + "/versions", {"label": "B", "content": "Varianta B", "weight": 3})
    post(client, tenant, url + "/versions", {"label": "B", "content": "din nou"}, 409)
    detail = client.get(url, headers=h)
    assert detail.headers["ETag"] == '"3"'
    assert [
        (v["label"], v["weight"], v["sent_count"], v["reply_rate"]) for v in detail.json()["versions"]
    ] == [
        ("A", 1, 0, None),
        ("B", 3, 0, None),
    ]

    missing = {"name": "S0", "steps": [{"template_id": "00000000-0000-4000-8000-000000000000"}]}
    r = client.post("/v1/outreach/sequences", json=missing, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "steps.0.template_id"
    seq = post(
        client,
        tenant,
        "/v1/outreach/sequences",
        {
            "name": "Secvența de bază",
            "steps": [
                {"template_id": tpl["id"]},
                {"template_id": tpl["id"], "delay_hours": 48, "delay_minutes": 30, "stop_on_reply": False},
            ],
        },
    )
    assert [
        (st["step_number"], st["channel"], st["delay_hours"], st["stop_on_reply"]) for st in seq["steps"]
    ] == [
        (1, "WHATSAPP", 0, True),
        (2, "WHATSAPP", 48, False),
    ]
    assert all(st["respect_business_hours"] for st in seq["steps"])
    surl = f"/v1/outreach/sequences/{seq['id']}"
    step = post(client, tenant, surl + "/steps", {"template_id": tpl["id"], "delay_hours": 24})
    assert step["step_number"] == 3
    got = client.get(surl, headers=h)
    tag = got.headers["ETag"]
    assert tag == '"2"' and len(got.json()["steps"]) == 3
    assert client.patch(surl, json={"is_active": False}, headers=h).status_code == 428
    assert client.patch(surl, json={"is_active": False}, headers={**h, "If-Match": '"1"'}).status_code == 412
    r = client.patch(surl, json={"is_active": False, "name": "Redenumită"}, headers={**h, "If-Match": tag})
    assert r.status_code == 200 and r.headers["ETag"] == '"3"' and r.json()["name"] == "Redenumită"

    lead = post(
        client, tenant, "/v1/crm/leads", {"first_name": "Ana", "company_name": "Lotus SRL", "cui": None}
    )
    journey = post(client, tenant, "/v1/outreach/journeys", {"lead_id": lead["id"]})
    e = post(client, tenant, surl + "/enrollments", {"journey_id": journey["id"]})
    assert (e["status"], e["current_step"], e["lead_id"]) == ("ACTIVE", 0, lead["id"])
    post(client, tenant, surl + "/enrollments", {"journey_id": journey["id"]}, 409)
    r = client.post(surl + "/enrollments", json={"journey_id": lead["id"]}, headers=h)
    assert r.status_code == 422 and "no journey with this id" in r.text
    page = client.get(surl + "/enrollments", headers=h).json()
    assert [x["id"] for x in page["items"]] == [e["id"]] and page["next"] is None
    stopped = post(
        client, tenant, f"/v1/outreach/enrollments/{e['id']}/stop", {"reason": "cerut de client"}, 200
    )
    assert (stopped["status"], stopped["stop_reason"], stopped["next_action_at"]) == (
        "STOPPED",
        "cerut de client",
        None,
    )
    post(client, tenant, f"/v1/outreach/enrollments/{e['id']}/stop", {"reason": "iar"}, 409)

    # Pages, and another tenant sees nothing of it.
    for i in range(3):
        post(client, tenant, "/v1/outreach/templates", {**TEMPLATE, "name": f"T{i}"})
    first = client.get("/v1/outreach/templates?limit=2", headers=h).json()
    second = client.get(f"/v1/outreach/templates?limit=2&cursor={first['next']}", headers=h).json()
    names = [t["name"] for t in first["items"] + second["items"]]
    assert names == ["Prima atingere", "T0", "T1", "T2"] and second["next"] is None
    other = make_tenant()
    assert client.get(url, headers=other.headers).status_code == 404
    assert client.get(surl, headers=other.headers).status_code == 404
    assert client.get("/v1/outreach/sequences", headers=other.headers).json()["items"] == []


def test_scopes(client: TestClient, make_tenant: Any) -> None:
    viewer = make_tenant(role="viewer")
    r = client.post("/v1/outreach/templates", json=TEMPLATE, headers=viewer.headers)
    assert r.status_code == 403
    assert client.get("/v1/outreach/templates", headers=viewer.headers).status_code == 200
    ops = make_tenant(role="ops")
    assert client.get("/v1/outreach/sequences", headers=ops.headers).status_code == 403
