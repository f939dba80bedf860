"""A campaign targets a segment: the send snapshots the segment's matches, then the consent and
suppression exclusions apply with their reasons; ``GET …/audience`` states both, live and once sent."""

from __future__ import annotations

from genius.core.platform import Platform
from tests.vettify.conftest import Crm
from tests.vettify.marketing.conftest import SEND_BODY, contact

BUCHAREST = {"rules": [{"field": "city", "op": "eq", "value": "București"}]}


def test_send_snapshots_the_segment_with_exclusions(crm: Crm, send_on: Platform) -> None:
    ok = contact(crm, "ana@client.ro", city="București")
    contact(crm, "fara.acord@client.ro", basis=None, city="Bucuresti")
    contact(crm, "plecat@client.ro", city="bucurești")
    contact(crm, None, first_name="Fără e-mail", city="București")
    contact(crm, "cluj@client.ro", city="Cluj-Napoca")  # outside the segment
    crm.call("POST", "/suppressions", {"address": "plecat@client.ro", "reason": "unsubscribed"})
    seg = crm.create("segments", name="București", filter=BUCHAREST)
    c = crm.create("campaigns", name="Newsletter", channel="email", segment_id=seg["id"])
    assert c["segment_id"] == seg["id"]

    live = crm.call("GET", f"/campaigns/{c['id']}/audience").json()
    assert live == {
        "campaign_id": c["id"],
        "source": "segment",
        "segment_id": seg["id"],
        "segment_name": "București",
        "recipients": 1,
        "excluded": {"no_email": 1, "suppressed": 1, "no_basis": 1},
        "excluded_total": 3,
    }
    r = crm.call("POST", f"/campaigns/{c['id']}/send", SEND_BODY)
    assert r.status_code == 202, r.text
    assert r.json()["recipients"] == 1
    assert r.json()["excluded"] == {"no_email": 1, "suppressed": 1, "no_basis": 1}
    pending = crm.call("GET", f"/campaigns/{c['id']}/recipients?state=pending").json()["items"]
    assert [p["contact_id"] for p in pending] == [ok["id"]]
    after = crm.call("GET", f"/campaigns/{c['id']}/audience").json()
    assert after["source"] == "sent" and after["recipients"] == 1 and after["excluded_total"] == 3


def test_without_a_segment_every_contact_is_the_audience(crm: Crm) -> None:
    contact(crm, "a@client.ro")
    contact(crm, "b@client.ro", basis=None)
    c = crm.create("campaigns", name="Toți", channel="email")
    r = crm.call("GET", f"/campaigns/{c['id']}/audience")
    assert r.status_code == 200, r.text
    assert r.json()["source"] == "all_contacts"
    assert (r.json()["recipients"], r.json()["excluded"]["no_basis"]) == (1, 1)


def test_segment_must_be_a_live_segment_of_contacts(crm: Crm, send_on: Platform) -> None:
    r = crm.call("POST", "/segments", {"name": "Lead-uri", "entity": "lead", "filter": {"rules": []}})
    leads = r.json()
    r = crm.call("POST", "/campaigns", {"name": "x", "segment_id": leads["id"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "segment_id"
    r = crm.call("POST", "/campaigns", {"name": "x", "segment_id": "00000000-0000-4000-8000-000000000000"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "segment_id"
    seg = crm.create("segments", name="Toți", filter={"rules": []})
    c = crm.create("campaigns", name="x", segment_id=seg["id"])
    assert crm.call("DELETE", f"/segments/{seg['id']}").status_code == 204
    r = crm.call("POST", f"/campaigns/{c['id']}/send", SEND_BODY)
    assert r.status_code == 409 and r.json()["type"].endswith("/segment-deleted")
