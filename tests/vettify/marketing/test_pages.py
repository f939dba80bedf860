"""Campaign pages: the list with figures, the send form, the confirmation that counts the audience and
its exclusions (nothing queued yet), then the send; a second send is refused; the flag off hides it."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from genius.core.platform import Platform
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
