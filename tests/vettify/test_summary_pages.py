"""The summary panel on the lead and opportunity pages (TestClient, Romanian): ask for a summary, the
pending panel polls, the ready panel stops polling and shows the text, a failed one offers a retry."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from genius.core.platform import Platform
from genius.vettify.summaries import tasks
from genius.vettify.summaries.chat import Permanent
from genius.vettify.summaries.providers import ExtractiveSummariser, Result
from tests.vettify.conftest import Crm
from tests.vettify.test_lead_pages import _login
from tests.vettify.test_summaries import lead_with_notes

HTMX = {"HX-Request": "true"}
POLL = 'hx-trigger="every 2s"'


class Refusing:
    provider, model = "openai", "gpt-4o-mini"

    def summarize(self, text: str, language: str) -> Result:
        raise Permanent("chat completions 401: Incorrect API key provided.", status=401)


def test_lead_panel_ask_poll_ready_and_retry(
    client: TestClient, tenant: Any, crm: Crm, platform: Platform
) -> None:
    lead = lead_with_notes(crm)
    empty = crm.create("leads", first_name="Fără", last_name="Note")
    token = _login(client, tenant)
    url = f"/crm/leads/{lead['id']}/summary"

    page = client.get(f"/crm/leads/{lead['id']}")
    assert page.status_code == 200
    assert 'id="summary-panel"' in page.text and 'data-state="none"' in page.text
    assert "Rezumat" in page.text and "Rezumă" in page.text and POLL not in page.text
    blank = client.get(f"/crm/leads/{empty['id']}")
    assert 'data-state="empty"' in blank.text and "Adăugați note" in blank.text

    asked = client.post(url, data={"csrf_token": token}, headers=HTMX)
    assert asked.status_code == 200
    assert 'data-state="pending"' in asked.text and POLL in asked.text and "Se face rezumatul" in asked.text
    polled = client.get(url, headers=HTMX)
    assert POLL in polled.text

    lid = uuid.UUID(lead["id"])
    assert (
        tasks.generate(platform.db, tenant.id, "lead", lid, lambda: ExtractiveSummariser(2)) == "summarized"
    )
    ready = client.get(url, headers=HTMX)
    assert 'data-state="ready"' in ready.text and POLL not in ready.text
    assert "SPV" in ready.text and "rezumat offline" in ready.text and "Rezumă din nou" in ready.text

    # Up to date: asking again changes nothing.
    again = client.post(url, data={"csrf_token": token}, headers=HTMX)
    assert 'data-state="ready"' in again.text

    crm.create("activities", kind="note", subject="Clientul a amânat decizia", lead_id=lead["id"])
    stale = client.get(url, headers=HTMX)
    assert "Neactualizat" in stale.text
    client.post(url, data={"csrf_token": token}, headers=HTMX)
    assert tasks.generate(platform.db, tenant.id, "lead", lid, Refusing) == "failed"
    failed = client.get(url, headers=HTMX)
    assert 'data-state="failed"' in failed.text and "Încercați din nou" in failed.text
    assert "401" in failed.text and 'role="alert"' in failed.text

    # Without htmx the routes go back to the page; unsafe requests need the CSRF token.
    back = client.post(url, data={"csrf_token": token}, follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == f"/crm/leads/{lead['id']}"
    assert client.post(url, data={}, headers=HTMX).status_code == 403
    assert client.get(f"/crm/leads/{uuid.uuid4()}/summary", headers=HTMX).status_code == 404


def test_opportunity_page_has_the_panel(client: TestClient, tenant: Any, crm: Crm) -> None:
    account = crm.create("accounts", name="Beta")
    opp = crm.create("opportunities", name="Beta ERP", account_id=account["id"])
    crm.create(
        "activities", kind="meeting", subject="Negociere preț", body="Discount 5%.", opportunity_id=opp["id"]
    )
    token = _login(client, tenant)
    page = client.get(f"/crm/opportunities/{opp['id']}")
    assert page.status_code == 200 and 'data-state="none"' in page.text
    asked = client.post(f"/crm/opportunities/{opp['id']}/summary", data={"csrf_token": token}, headers=HTMX)
    assert 'data-state="pending"' in asked.text and POLL in asked.text
