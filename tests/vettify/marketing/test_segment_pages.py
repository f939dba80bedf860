"""Segment pages: the list with live counts, the editor whose count follows the rules (htmx preview),
saving (create, then change with the version), and the campaign page's audience picker."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.core.test_admin_pages import login
from tests.vettify.conftest import Crm
from tests.vettify.marketing.conftest import campaign, contact


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, html[:2000]
    return m.group(1)


def _form(csrf: str, **rules: str) -> dict[str, str]:
    return {"csrf_token": csrf, "name": "Clienți din București", "entity": "contact", "match": "all", **rules}


def test_editor_counts_live_then_saves(client: TestClient, tenant: Any, crm: Crm) -> None:
    contact(crm, "ana@firma.ro", city="București")
    contact(crm, "ion@firma.ro", city="Bucuresti", first_name="Ion")
    contact(crm, "dan@firma.ro", city="Iași", first_name="Dan")
    login(client, tenant.slug, tenant.admin_email)

    page = client.get("/crm/segments/new")
    assert page.status_code == 200 and "Segment nou" in page.text and "Potriviri acum" in page.text
    csrf = _csrf(page.text)
    city = {"rule_field_0": "city", "rule_op_0": "eq", "rule_value_0": "bucurești"}
    live = client.post("/crm/segments/preview", data=_form(csrf, **city), headers={"HX-Request": "true"})
    assert live.status_code == 200
    assert re.search(r'class="value">2</strong>\s*înregistrări se potrivesc', live.text), live.text
    assert "ana@firma.ro" in live.text and "dan@firma.ro" not in live.text

    bad = {"rule_field_1": "city", "rule_op_1": "eq", "rule_value_1": ""}
    refused = client.post("/crm/segments/preview", data=_form(csrf, **city, **bad))
    assert refused.status_code == 200 and "Câmpul, condiția și valoarea nu se potrivesc." in refused.text

    saved = client.post("/crm/segments/new", data=_form(csrf, **city), follow_redirects=False)
    assert saved.status_code == 303, saved.text
    seg_url = saved.headers["location"]
    listing = client.get("/crm/segments")
    assert "Clienți din București" in listing.text and re.search(r'class="num">2</td>', listing.text)

    page = client.get(seg_url)
    assert 'value="bucurești"' in page.text
    changed = client.post(
        seg_url,
        data=_form(_csrf(page.text), **city, rule_field_1="first_name", rule_op_1="eq", rule_value_1="Ion")
        | {"version": '"1"'},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    seg_id = seg_url.rsplit("/", 1)[-1]
    assert crm.call("GET", f"/segments/{seg_id}/count").json()["count"] == 1


def test_campaign_audience_picker(client: TestClient, tenant: Any, crm: Crm) -> None:
    contact(crm, "ana@firma.ro", city="București")
    contact(crm, "fara@firma.ro", city="București", basis=None)
    contact(crm, "dan@firma.ro", city="Iași")
    seg = crm.create(
        "segments", name="București", filter={"rules": [{"field": "city", "op": "eq", "value": "București"}]}
    )
    c = campaign(crm)
    login(client, tenant.slug, tenant.admin_email)

    picker = client.get(f"/crm/campaigns/{c['id']}/audience")
    assert picker.status_code == 200 and "Toate contactele" in picker.text and "2 destinatari" in picker.text
    chosen = client.post(
        f"/crm/campaigns/{c['id']}/audience",
        data={"csrf_token": _csrf(picker.text), "segment_id": seg["id"]},
        headers={"HX-Request": "true"},
    )
    assert chosen.status_code == 200
    assert "1 destinatar" in chosen.text and "1 exclus" in chosen.text
    assert "fără consimțământ sau alt temei legal" in chosen.text
    assert crm.call("GET", f"/campaigns/{c['id']}").json()["segment_id"] == seg["id"]
