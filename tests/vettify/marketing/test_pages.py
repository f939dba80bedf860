"""Campaign pages: the list with figures, the send form, the confirmation that counts the audience and
its exclusions (nothing queued yet), then the send; a second send is refused; the flag off hides it."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from genius.core.platform import Platform
from genius.vettify.campaigns import marketing
from tests.core.test_admin_pages import login
from tests.vettify.conftest import Crm
from tests.vettify.marketing.conftest import SEND_BODY, campaign, contact


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, html[:2000]
    return m.group(1)


def test_check_the_audience_then_send(client: TestClient, tenant: Any, crm: Crm, send_on: Platform) -> None:
    contact(crm, "ana@firma.ro")
    contact(crm, "ion@firma.ro", first_name="Ion")
    contact(crm, "fara@firma.ro", basis=None)  # no lawful basis
    contact(crm, None)  # no address
    c = campaign(crm)
    login(client, tenant.slug, tenant.admin_email)

    listing = client.get("/crm/campaigns")
    assert listing.status_code == 200 and "Newsletter decembrie" in listing.text
    page = client.get(f"/crm/campaigns/{c['id']}")
    assert "Verificați destinatarii" in page.text
    csrf = _csrf(page.text)

    # An empty message is refused inline.
    refused = client.post(
        f"/crm/campaigns/{c['id']}/send", data={"csrf_token": csrf, "subject": "x", "html": ""}
    )
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.text

    # The confirmation counts what the send would do, and queues nothing.
    data = {"csrf_token": csrf, **SEND_BODY}
    confirm = client.post(f"/crm/campaigns/{c['id']}/send", data=data)
    assert confirm.status_code == 200
    assert "Trimiteți către 2 destinatari?" in confirm.text
    assert "fără consimțământ sau alt temei legal" in confirm.text and "fără adresă de e-mail" in confirm.text
    assert crm.call("GET", f"/campaigns/{c['id']}/metrics").json()["status"] == "not_sent"

    sent = client.post(
        f"/crm/campaigns/{c['id']}/send", data=data | {"confirmed": "yes"}, follow_redirects=False
    )
    assert sent.status_code == 303
    figures = crm.call("GET", f"/campaigns/{c['id']}/metrics").json()
    assert figures["recipients"] == 4 and figures["excluded"] == 2  # every contact has a row, with its reason
    page = client.get(f"/crm/campaigns/{c['id']}")
    assert "ana@firma.ro" in page.text and "Verificați destinatarii" not in page.text

    again = client.post(f"/crm/campaigns/{c['id']}/send", data=data | {"confirmed": "yes"})
    assert again.status_code == 409 and "Netrimisă" in again.text


def test_without_the_flag_there_is_no_send_form(client: TestClient, tenant: Any, crm: Crm) -> None:
    c = campaign(crm)
    login(client, tenant.slug, tenant.admin_email)
    page = client.get(f"/crm/campaigns/{c['id']}")
    assert (
        page.status_code == 200
        and "campaign_send_v2" in page.text
        and "Verificați destinatarii" not in page.text
    )


def test_schedule_then_pause_resume_cancel_from_the_page(
    client: TestClient, tenant: Any, crm: Crm, send_on: Platform
) -> None:
    contact(crm, "ana@firma.ro")
    c = campaign(crm)
    login(client, tenant.slug, tenant.admin_email)
    page = client.get(f"/crm/campaigns/{c['id']}")
    assert "Programează" in page.text and 'type="datetime-local"' in page.text
    csrf = _csrf(page.text)
    url = f"/crm/campaigns/{c['id']}"

    # No time: refused on the field. Then a confirmation that names the time, read in Bucharest time.
    data = {"csrf_token": csrf, **SEND_BODY, "at": ""}
    refused = client.post(f"{url}/schedule", data=data)
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.text
    data["at"] = "2031-03-30T09:30"  # the day after the switch to summer time: UTC+3
    confirm = client.post(f"{url}/schedule", data=data)
    assert confirm.status_code == 200
    assert "Programați trimiterea către 1 destinatar pentru 30.03.2031 09:30?" in confirm.text
    assert crm.call("GET", url.removeprefix("/crm")).json()["status"] == "draft"
    done = client.post(f"{url}/schedule", data=data | {"confirmed": "yes"}, follow_redirects=False)
    assert done.status_code == 303
    page = client.get(url)
    assert "Programată pentru 30.03.2031 09:30." in page.text and "Anulează" in page.text
    with send_on.db.tenant_session(tenant.id) as s:
        planned = marketing.schedule_of(s, uuid.UUID(c["id"]))
        assert planned is not None and planned.run_at == datetime(2031, 3, 30, 6, 30, tzinfo=UTC)

    # Sent now instead: Pauză asks first, then pauses; Reia; Anulează.
    sent = client.post(f"{url}/send", data=data | {"confirmed": "yes"}, follow_redirects=False)
    assert sent.status_code == 303
    page = client.get(url)
    assert "Pauză" in page.text and "Reia" not in page.text
    ask = client.post(f"{url}/pause", data={"csrf_token": csrf})
    assert ask.status_code == 200 and "Puneți trimiterea pe pauză?" in ask.text
    assert crm.call("GET", url.removeprefix("/crm")).json()["status"] == "running"
    paused = client.post(
        f"{url}/pause", data={"csrf_token": csrf, "confirmed": "yes"}, follow_redirects=False
    )
    assert paused.status_code == 303
    page = client.get(url)
    assert "Trimiterea este pe pauză." in page.text and "Reia" in page.text
    again = client.post(f"{url}/pause", data={"csrf_token": csrf, "confirmed": "yes"})
    assert again.status_code == 409
    resumed = client.post(
        f"{url}/resume", data={"csrf_token": csrf, "confirmed": "yes"}, follow_redirects=False
    )
    assert resumed.status_code == 303
    cancelled = client.post(
        f"{url}/cancel", data={"csrf_token": csrf, "confirmed": "yes"}, follow_redirects=False
    )
    assert cancelled.status_code == 303
    page = client.get(url)
    assert "Campania a fost anulată." in page.text and "Pauză" not in page.text
    assert crm.call("GET", url.removeprefix("/crm")).json()["status"] == "cancelled"


def test_the_campaign_page_charts_its_activity(
    client: TestClient, tenant: Any, crm: Crm, send_on: Platform, db: Any
) -> None:
    contact(crm, "ana@firma.ro")
    c = campaign(crm)
    assert crm.call("POST", f"/campaigns/{c['id']}/send", SEND_BODY).status_code == 202
    db.execute(text("SELECT set_config('app.tid', :t, true)"), {"t": str(tenant.id)})
    db.execute(
        text(
            "UPDATE crm.campaign_recipients SET state = 'sent', sent_at = timestamptz '2026-12-03 08:10Z', "
            "opened_at = timestamptz '2026-12-03 09:20Z' WHERE campaign_id = :c"
        ),
        {"c": c["id"]},
    )
    login(client, tenant.slug, tenant.admin_email)
    page = client.get(f"/crm/campaigns/{c['id']}")
    assert "Activitate în timp" in page.text and 'role="img"' in page.text
    assert page.text.count('class="chart-sent"') == 2 and page.text.count('class="chart-opened"') == 2
    assert "03.12.2026 10:00" in page.text and "03.12.2026 11:00" in page.text  # Bucharest hours
