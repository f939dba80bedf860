"""The composer's draft: what is typed is saved on the campaign (htmx as the user types, "Save draft"
without JavaScript, the API's ``PUT …/draft``), restored on return, refused once the campaign is sent,
and dropped when it is scheduled or sent (the message then lives with the schedule or the send)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from genius.core.platform import Platform
from tests.core.test_admin_pages import login
from tests.vettify.conftest import Crm
from tests.vettify.marketing.conftest import SEND_BODY, campaign, contact
from tests.vettify.marketing.test_wizard import _csrf

BODY = "<p>Bună ziua, {{ prenume }}! Oferta de iarnă.</p>"


def test_the_draft_is_kept_and_restored(client: TestClient, tenant: Any, crm: Crm, send_on: Platform) -> None:
    contact(crm, "ana@client.ro")
    c = campaign(crm)
    login(client, tenant.slug, tenant.admin_email)
    url = f"/crm/campaigns/{c['id']}/compose"
    page = client.get(url)
    assert page.status_code == 200 and "Mesajul este salvat ca ciornă" in page.text
    assert 'hx-post="' + url + '/draft"' in page.text
    csrf = _csrf(page.text)

    # as the user types (htmx): the status line comes back, with its trigger to keep saving
    typed = {"csrf_token": csrf, "subject": "Oferta de iar", "format": "html", "html": "<p>Bună"}
    r = client.post(f"{url}/draft", data=typed, headers={"HX-Request": "true"})
    assert r.status_code == 200 and "Ciornă salvată la" in r.text and 'id="wizard-draft"' in r.text
    assert crm.call("GET", f"/campaigns/{c['id']}/draft").json()["subject"] == "Oferta de iar"

    # "Save draft" without JavaScript: back to the composer, restored
    full = {**typed, "subject": "Oferta de iarnă", "html": BODY}
    saved = client.post(f"{url}/draft", data=full)
    assert saved.status_code == 200 and "Ciorna a fost salvată" in saved.text
    back = client.get(url)
    assert 'value="Oferta de iarnă"' in back.text and "Oferta de iarnă.</textarea>" in back.text.replace(
        "&lt;/p&gt;", ""
    )
    assert "Ciornă restaurată" in back.text
    # the campaign's record (its ETag) is untouched by a draft
    assert crm.call("GET", f"/campaigns/{c['id']}").json()["version"] == c["version"]

    # through the API too; an incomplete draft is fine, a wrong format is not
    api = crm.call(
        "PUT", f"/campaigns/{c['id']}/draft", {"subject": "", "html": "<p>{{ pren", "format": "html"}
    )
    assert api.status_code == 200 and api.json()["saved_by"]
    assert crm.call("PUT", f"/campaigns/{c['id']}/draft", {"format": "docx"}).status_code == 422
    crm.call("PUT", f"/campaigns/{c['id']}/draft", {"subject": "Oferta de iarnă", "html": BODY})

    # sent: the draft is spent, and no longer written
    asked = client.post(url, data={**full, "action": "send"})
    assert asked.status_code == 200 and re.search(r"Trimiteți către", asked.text)
    sent = client.post(url, data={**full, "action": "send", "confirmed": "yes"}, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    assert crm.call("GET", f"/campaigns/{c['id']}/draft").json() is None
    late = crm.call("PUT", f"/campaigns/{c['id']}/draft", {"subject": "x"})
    assert late.status_code == 409 and late.headers["content-type"].startswith("application/problem+json")
    refused = client.post(f"{url}/draft", data=full, headers={"HX-Request": "true"})
    assert refused.status_code == 200 and "Ciorna nu a putut fi salvată" in refused.text


def test_a_send_or_schedule_through_the_api_drops_the_draft(crm: Crm, send_on: Platform) -> None:
    """The draft is spent in the service both paths use: a schedule or a send made through the API (or by
    a script) drops it as the composer's own does, so nobody comes back to an old draft over a sent one."""
    contact(crm, "ana@client.ro")
    c = campaign(crm)
    typed = {"subject": "Oferta de iarnă", "html": BODY}
    assert crm.call("PUT", f"/campaigns/{c['id']}/draft", typed).status_code == 200
    at = {**SEND_BODY, "at": "2031-03-02T11:30:00+02:00"}
    scheduled = crm.call("POST", f"/campaigns/{c['id']}/schedule", at)
    assert scheduled.status_code == 200, scheduled.text
    assert crm.call("GET", f"/campaigns/{c['id']}/draft").json() is None
    # A scheduled campaign's message may be drafted again; sending it now spends that draft too.
    assert crm.call("PUT", f"/campaigns/{c['id']}/draft", typed).status_code == 200
    assert crm.call("GET", f"/campaigns/{c['id']}/draft").json()["subject"] == "Oferta de iarnă"
    sent = crm.call("POST", f"/campaigns/{c['id']}/send", SEND_BODY)
    assert sent.status_code == 202, sent.text
    assert crm.call("GET", f"/campaigns/{c['id']}/draft").json() is None
    assert crm.call("PUT", f"/campaigns/{c['id']}/draft", typed).status_code == 409
