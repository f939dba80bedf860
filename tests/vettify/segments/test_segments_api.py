"""Segments: a typed filter (unknown field or operator: 422 naming it), compiled to parameterised SQL
under RLS; CRUD with ETag / If-Match, live count and preview, the preview of an unsaved filter."""

from __future__ import annotations

from typing import Any

from tests.vettify.conftest import Crm
from tests.vettify.marketing.conftest import contact

BUCHAREST = {"field": "city", "op": "eq", "value": "bucuresti"}


def _segment(crm: Crm, rules: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return crm.create(
        "segments", name=extra.pop("name", "Clienți din București"), filter={"rules": rules}, **extra
    )


def _count(crm: Crm, segment: dict[str, Any]) -> int:
    r = crm.call("GET", f"/segments/{segment['id']}/count")
    assert r.status_code == 200, r.text
    return int(r.json()["count"])


def _preview(crm: Crm, rules: list[dict[str, Any]], entity: str = "contact", match: str = "all") -> Any:
    r = crm.call("POST", "/segments/preview", {"entity": entity, "filter": {"match": match, "rules": rules}})
    assert r.status_code == 200, r.text
    return r.json()


def test_text_rules_ignore_case_and_diacritics(crm: Crm) -> None:
    contact(crm, "a@x.ro", city="București", first_name="Ana")
    contact(crm, "b@x.ro", city="BUCURESTI", first_name="Bogdan")
    contact(crm, "c@x.ro", city="Cluj-Napoca", first_name="Cezar")
    contact(crm, "d@x.ro", city=None, first_name="Dan")
    seg = _segment(crm, [BUCHAREST])
    assert _count(crm, seg) == 2
    r = crm.call("GET", f"/segments/{seg['id']}/preview?limit=1")
    assert r.status_code == 200 and r.json()["count"] == 2 and len(r.json()["items"]) == 1
    assert _preview(crm, [{"field": "city", "op": "in", "value": ["Cluj-Napoca", "Iași"]}])["count"] == 1
    assert _preview(crm, [{"field": "city", "op": "contains", "value": "napo"}])["count"] == 1
    assert _preview(crm, [{"field": "city", "op": "starts_with", "value": "buc"}])["count"] == 2
    assert _preview(crm, [{"field": "city", "op": "ne", "value": "București"}])["count"] == 2
    assert _preview(crm, [{"field": "city", "op": "is_not_set"}])["count"] == 1
    both = [BUCHAREST, {"field": "first_name", "op": "eq", "value": "cezar"}]
    assert _preview(crm, both, match="any")["count"] == 3
    assert _preview(crm, both, match="all")["count"] == 0
    names = {m["name"] for m in _preview(crm, [BUCHAREST])["items"]}
    assert names == {"Ana Pop", "Bogdan Pop"}


def test_values_are_parameters_not_sql(crm: Crm) -> None:
    contact(crm, "a@x.ro", city="București")
    hostile = "x' OR '1'='1"
    assert _preview(crm, [{"field": "city", "op": "eq", "value": hostile}])["count"] == 0
    assert _preview(crm, [{"field": "city", "op": "contains", "value": "%"}])["count"] == 0


def test_tags_consent_stage_compliance_and_engagement(crm: Crm) -> None:
    acc = crm.create("accounts", name="Alfa SRL")
    vip = contact(crm, "vip@x.ro", tags=["VIP", "b2b"], account_id=acc["id"])
    contact(crm, "b2b@x.ro", tags=["b2b"])
    contact(crm, "nobody@x.ro", basis=None)
    assert vip["tags"] == ["vip", "b2b"]
    tags = {"field": "tags", "op": "has_any", "value": ["vip", "b2b"]}
    assert _preview(crm, [tags])["count"] == 2
    assert _preview(crm, [{**tags, "op": "has_all"}])["count"] == 1
    assert _preview(crm, [{**tags, "op": "has_none"}])["count"] == 1
    assert _preview(crm, [{"field": "consent", "op": "given"}])["count"] == 2
    assert _preview(crm, [{"field": "consent", "op": "missing"}])["count"] == 1
    compliance = {"field": "compliance_status", "op": "in", "value": ["unchecked"]}
    assert _preview(crm, [compliance])["count"] == 1
    crm.create("opportunities", name="Licențe", account_id=acc["id"], contact_id=vip["id"], stage="proposal")
    assert _preview(crm, [{"field": "stage", "op": "in", "value": ["proposal"]}])["count"] == 1
    assert _preview(crm, [{"field": "stage", "op": "not_in", "value": ["proposal"]}])["count"] == 2
    assert _preview(crm, [{"field": "engagement", "op": "received"}])["count"] == 0


def test_leads(crm: Crm) -> None:
    crm.create("leads", company_name="Beta SRL", city="Iași", source="web", tags=["expo"])
    crm.create("leads", company_name="Gama SA", city="Iasi", source="expo")
    rules = [{"field": "city", "op": "eq", "value": "IAȘI"}, {"field": "source", "op": "eq", "value": "web"}]
    assert _preview(crm, rules, entity="lead")["count"] == 1
    assert _preview(crm, rules[:1], entity="lead")["count"] == 2
    assert _preview(crm, [{"field": "status", "op": "in", "value": ["new"]}], entity="lead")["count"] == 2
    assert _preview(crm, [{"field": "tags", "op": "has_any", "value": ["expo"]}], entity="lead")["count"] == 1


def test_unknown_field_operator_or_value_is_a_field_error(crm: Crm) -> None:
    cases = [
        {"field": "churn_bucket", "op": "eq", "value": "high"},
        {"field": "city", "op": "like", "value": "x"},
        {"field": "city", "op": "eq"},
        {"field": "city", "op": "is_set", "value": "x"},
        {"field": "stage", "op": "in", "value": ["dreaming"]},
    ]
    for rule in cases:
        r = crm.call("POST", "/segments", {"name": "x", "filter": {"rules": [rule]}})
        assert r.status_code == 422, (rule, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert any(
            e["field"].startswith("body.filter.rules.0") or "rules" in e["field"] for e in r.json()["errors"]
        )
    # A rule of the other entity: 422 on its field.
    r = crm.call(
        "POST",
        "/segments",
        {"name": "x", "entity": "lead", "filter": {"rules": [{"field": "consent", "op": "given"}]}},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "filter.rules.0.field"


def test_crud_with_etag_and_if_match(crm: Crm) -> None:
    seg = _segment(crm, [BUCHAREST], description="Clienții activi")
    r = crm.call("GET", f"/segments/{seg['id']}")
    assert r.status_code == 200 and r.headers["etag"] == '"1"'
    assert r.json()["filter"]["rules"][0] == {"field": "city", "op": "eq", "value": "bucuresti"}
    change = {"filter": {"match": "any", "rules": [BUCHAREST, {"field": "engagement", "op": "opened"}]}}
    assert crm.call("PATCH", f"/segments/{seg['id']}", change).status_code == 428
    assert crm.call("PATCH", f"/segments/{seg['id']}", change, if_match='"9"').status_code == 412
    r = crm.call("PATCH", f"/segments/{seg['id']}", change, if_match='"1"')
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.json()["filter"]["match"] == "any"
    r = crm.call("PATCH", f"/segments/{seg['id']}", {"entity": "lead"}, if_match='"2"')
    assert r.status_code == 422  # its engagement rule is for contacts only
    page = crm.call("GET", "/segments?search=bucuresti").json()
    assert [s["id"] for s in page["items"]] == [seg["id"]]
    assert crm.call("DELETE", f"/segments/{seg['id']}").status_code == 204
    assert crm.call("GET", f"/segments/{seg['id']}").status_code == 404
    assert crm.call("GET", f"/segments/{seg['id']}/count").status_code == 404


def test_tenants_see_only_their_segments_and_rows(crm: Crm, client: Any, make_tenant: Any) -> None:
    contact(crm, "a@x.ro", city="București")
    seg = _segment(crm, [BUCHAREST])
    other = Crm(client, make_tenant().headers)
    contact(other, "o@y.ro", city="București")
    assert other.call("GET", f"/segments/{seg['id']}").status_code == 404
    assert other.call("GET", f"/segments/{seg['id']}/count").status_code == 404
    assert _count(crm, seg) == 1
