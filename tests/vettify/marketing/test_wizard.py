"""The campaign creation wizard: name and audience with its live count (every contact or a segment), the
template editor with its live, sanitised preview for a chosen recipient, a test send, then the send or
the schedule behind a confirmation that states the recipients and the exclusions with their reasons."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from genius.core.events.models import OutboxEvent
from genius.core.platform import Platform
from tests.core.test_admin_pages import login
from tests.vettify.conftest import Crm
from tests.vettify.marketing.conftest import contact

BUCHAREST = {"rules": [{"field": "city", "op": "eq", "value": "București"}]}
BODY = '<h1>Bună ziua, {{ prenume | default("client") }}!</h1><p><a href="https://genius.ro/oferta">Oferta</a></p>'


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, html[:2000]
    return m.group(1)


def _audience(crm: Crm) -> dict[str, Any]:
    contact(crm, "ana@client.ro", city="București")
    contact(crm, "ion@client.ro", first_name="Ion", city="București")
    contact(crm, "fara.acord@client.ro", basis=None, city="București")
    contact(crm, None, first_name="Fără", city="București")
    contact(crm, "cluj@client.ro", city="Cluj-Napoca")  # outside the segment
    return crm.create("segments", name="București", filter=BUCHAREST)


def test_name_and_audience_with_its_live_count(
    client: TestClient, tenant: Any, crm: Crm, send_on: Platform
) -> None:
    seg = _audience(crm)
    login(client, tenant.slug, tenant.admin_email)
    assert 'href="/crm/campaigns/new"' in client.get("/crm/campaigns").text
    start = client.get("/crm/campaigns/new")
    assert start.status_code == 200 and 'aria-current="step"' in start.text and "București" in start.text
    # Every contact: 3 with consent and an address (cluj included), 2 left out with their reasons.
    assert re.search(r"<strong>3 ", start.text)
    counted = client.get("/crm/campaigns/new/count", params={"segment_id": seg["id"]})
    assert counted.status_code == 200 and re.search(r"<strong>2 ", counted.text)
    assert "fără adresă de e-mail" in counted.text and "fără consimțământ sau alt temei legal" in counted.text
    csrf = _csrf(start.text)

    # Inline errors: no name; a segment that is not one.
    refused = client.post("/crm/campaigns/new", data={"csrf_token": csrf, "name": " ", "segment_id": ""})
    assert refused.status_code == 422 and 'id="f-name-error"' in refused.text
    assert 'aria-invalid="true"' in refused.text and "error-summary" in refused.text
    other = client.post(
        "/crm/campaigns/new", data={"csrf_token": csrf, "name": "X", "segment_id": str(uuid.uuid4())}
    )
    assert other.status_code == 422 and 'id="f-segment_id-error"' in other.text
    assert crm.call("GET", "/campaigns").json()["items"] == []  # nothing created

    made = client.post(
        "/crm/campaigns/new",
        data={"csrf_token": csrf, "name": "Ofertă decembrie", "segment_id": seg["id"]},
        follow_redirects=False,
    )
    assert made.status_code == 303
    campaign_id = made.headers["location"].split("/")[3]
    assert made.headers["location"] == f"/crm/campaigns/{campaign_id}/compose"
    created = crm.call("GET", f"/campaigns/{campaign_id}").json()
    assert (created["name"], created["segment_id"], created["status"]) == (
        "Ofertă decembrie",
        seg["id"],
        "draft",
    )


def test_editor_preview_test_send_then_confirmed_send(
    client: TestClient, tenant: Any, crm: Crm, send_on: Platform
) -> None:
    seg = _audience(crm)
    c = crm.create("campaigns", name="Ofertă", channel="email", segment_id=seg["id"])
    ion = next(x for x in crm.call("GET", "/contacts").json()["items"] if x["first_name"] == "Ion")
    login(client, tenant.slug, tenant.admin_email)
    page = client.get(f"/crm/campaigns/{c['id']}/compose")
    assert page.status_code == 200 and 'id="wizard-preview"' in page.text and "București" in page.text
    csrf = _csrf(page.text)
    # The preview's frame: the compiled message under its own policy (mail HTML is styled inline).
    frame = re.search(r'<iframe class="wizard-frame" src="([^"]+)"', page.text)
    assert frame, page.text
    shown = client.get(frame.group(1))
    assert shown.status_code == 200 and "Bună ziua" in shown.text
    assert "style-src 'unsafe-inline'" in shown.headers["content-security-policy"]
    assert client.get(frame.group(1)[:-4] + "ffff").status_code == 404

    # The live preview, personalised for the chosen contact and sanitised.
    form = {"csrf_token": csrf, "subject": "Pentru {{ prenume }}", "format": "html", "contact_id": ion["id"]}
    hx = {"HX-Request": "true"}
    live = client.post(
        f"/crm/campaigns/{c['id']}/compose/preview",
        data=form | {"html": BODY + '<script>alert(1)</script><p onclick="x()">Text</p>'},
        headers=hx,
    )
    assert live.status_code == 200 and "Pentru Ion" in live.text
    src = re.search(r'src="([^"]+)"', live.text)
    assert src
    framed = client.get(src.group(1)).text
    assert "Bună ziua, Ion!" in framed and "<script" not in framed and "onclick" not in framed
    bad = client.post(
        f"/crm/campaigns/{c['id']}/compose/preview",
        data=form | {"html": "<p>{{ necunoscut }}</p>"},
        headers=hx,
    )
    assert bad.status_code == 200 and "Variabile necunoscute: necunoscut" in bad.text
    mjml = client.post(
        f"/crm/campaigns/{c['id']}/compose/preview",
        data=form
        | {
            "format": "mjml",
            "html": "<mjml><mj-body><mj-section><mj-column><mj-text>Salut {{ prenume }}</mj-text>"
            "</mj-column></mj-section></mj-body></mjml>",
        },
        headers=hx,
    )
    src = re.search(r'src="([^"]+)"', mjml.text)
    assert src and "Salut Ion" in client.get(src.group(1)).text

    # A test send to one address: one [Test] e-mail.send through the outbox; a bad address inline.
    tested = client.post(
        f"/crm/campaigns/{c['id']}/compose/test",
        data=form | {"html": BODY, "test_to": "eu@firma.ro"},
        headers=hx,
    )
    assert tested.status_code == 200 and "eu@firma.ro" in tested.text
    with send_on.db.tenant_session(tenant.id) as s:
        mails = s.scalars(select(OutboxEvent).where(OutboxEvent.topic == "email.send")).all()
    assert [m.data["args"][0]["subject"] for m in mails] == ["[Test] Pentru Ion"]
    wrong = client.post(
        f"/crm/campaigns/{c['id']}/compose/test",
        data=form | {"html": BODY, "test_to": "nu-e-adresa"},
        headers=hx,
    )
    assert wrong.status_code == 422 and "nume@firma.ro" in wrong.text

    # Inline errors on the send: an empty message; a schedule without its time; an unknown variable.
    empty = client.post(f"/crm/campaigns/{c['id']}/compose", data=form | {"html": "", "action": "send"})
    assert empty.status_code == 422 and 'id="f-html-error"' in empty.text
    no_time = client.post(
        f"/crm/campaigns/{c['id']}/compose", data=form | {"html": BODY, "action": "schedule"}
    )
    assert no_time.status_code == 422 and 'id="f-at-error"' in no_time.text
    unknown = client.post(
        f"/crm/campaigns/{c['id']}/compose", data=form | {"html": "<p>{{ x }}</p>", "action": "send"}
    )
    assert unknown.status_code == 422 and "Variabile necunoscute: x" in unknown.text

    # The confirmation states the recipients and the excluded with their reasons; nothing is queued.
    data = form | {"html": BODY, "action": "send"}
    confirm = client.post(f"/crm/campaigns/{c['id']}/compose", data=data)
    assert confirm.status_code == 200
    text = re.sub(r"\s+", " ", confirm.text)
    assert "Trimiteți către 2 destinatari?" in text
    assert re.search(r'class="confirm-excluded">2 ', text)
    assert "1 · fără adresă de e-mail" in text and "1 · fără consimțământ sau alt temei legal" in text
    assert crm.call("GET", f"/campaigns/{c['id']}/metrics").json()["status"] == "not_sent"

    sent = client.post(
        f"/crm/campaigns/{c['id']}/compose", data=data | {"confirmed": "yes"}, follow_redirects=False
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"/crm/campaigns/{c['id']}"
    figures = crm.call("GET", f"/campaigns/{c['id']}/metrics").json()
    assert (figures["status"], figures["recipients"], figures["excluded"]) == ("sending", 4, 2)
    again = client.post(f"/crm/campaigns/{c['id']}/compose", data=data | {"confirmed": "yes"})
    assert again.status_code == 409


def test_schedule_from_the_wizard(client: TestClient, tenant: Any, crm: Crm, send_on: Platform) -> None:
    contact(crm, "ana@client.ro")
    c = crm.create("campaigns", name="Programată", channel="email")
    login(client, tenant.slug, tenant.admin_email)
    csrf = _csrf(client.get(f"/crm/campaigns/{c['id']}/compose").text)
    data = {"csrf_token": csrf, "subject": "S", "format": "html", "html": BODY, "action": "schedule"}
    data["at"] = "2030-03-02T09:30"
    confirm = client.post(f"/crm/campaigns/{c['id']}/compose", data=data)
    assert confirm.status_code == 200 and 'name="action" value="schedule"' in confirm.text
    done = client.post(
        f"/crm/campaigns/{c['id']}/compose", data=data | {"confirmed": "yes"}, follow_redirects=False
    )
    assert done.status_code == 303
    assert crm.call("GET", f"/campaigns/{c['id']}").json()["status"] == "scheduled"


def test_the_wizard_needs_crm_write(client: TestClient, make_tenant: Any) -> None:
    viewer = make_tenant(role="viewer")
    login(client, viewer.slug, viewer.admin_email)
    assert client.get("/crm/campaigns/new").status_code == 403
    assert 'href="/crm/campaigns/new"' not in client.get("/crm/campaigns").text


def test_test_sends_are_held_to_the_send_rate_limit(
    client: TestClient, tenant: Any, crm: Crm, send_on: Platform, monkeypatch: Any
) -> None:
    monkeypatch.setattr(
        send_on, "settings", send_on.settings.model_copy(update={"campaign_send_rate_limit": "1/min"})
    )
    contact(crm, "ana@client.ro")
    c = crm.create("campaigns", name="Limită", channel="email")
    login(client, tenant.slug, tenant.admin_email)
    csrf = _csrf(client.get(f"/crm/campaigns/{c['id']}/compose").text)
    data = {"csrf_token": csrf, "subject": "S", "format": "html", "html": BODY, "test_to": "eu@firma.ro"}
    hx = {"HX-Request": "true"}
    assert client.post(f"/crm/campaigns/{c['id']}/compose/test", data=data, headers=hx).status_code == 200
    held = client.post(f"/crm/campaigns/{c['id']}/compose/test", data=data, headers=hx)
    assert held.status_code == 429 and "wizard-test-error" in held.text
