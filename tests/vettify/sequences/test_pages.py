"""Sequence pages: the list with the builder (an inline error on the step at fault, nothing saved; then
saved and shown as a timeline), activate, enrol a segment, and the contact page's sequence state."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.core.test_admin_pages import login
from tests.vettify.conftest import Crm
from tests.vettify.marketing.conftest import contact


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, html[:2000]
    return m.group(1)


def _form(csrf: str, **fields: str) -> dict[str, str]:
    base = {
        "csrf_token": csrf,
        "rows": "3",
        "name": "Bun venit clienți noi",
        "start_hour": "9",
        "end_hour": "18",
        "steps-0-delay": "0",
        "steps-0-unit": "days",
        "steps-0-condition": "none",
        "steps-0-subject": "Bine ați venit, {{ prenume }}",
        "steps-0-html": "<p>Mulțumim că ați ales Genius.</p>",
        "steps-1-delay": "2",
        "steps-1-unit": "days",
        "steps-1-condition": "opened",
        "steps-1-subject": "Ghidul e-Factura",
        "steps-1-html": "<p>Citiți ghidul.</p>",
        "steps-2-delay": "",
        "steps-2-unit": "days",
        "steps-2-subject": "",
        "steps-2-html": "",
    }
    return {**base, **fields}


def test_builder_shows_inline_errors_then_saves(client: TestClient, tenant: Any, crm: Crm) -> None:
    ana = contact(crm, "ana@client.ro", city="Cluj-Napoca")
    seg = crm.call(
        "POST",
        "/segments",
        {
            "name": "Cluj",
            "entity": "contact",
            "filter": {"match": "all", "rules": [{"field": "city", "op": "eq", "value": "Cluj-Napoca"}]},
        },
    ).json()
    login(client, tenant.slug, tenant.admin_email)
    page = client.get("/crm/sequences")
    assert page.status_code == 200 and "Secvență nouă" in page.text and "Încă nu există secvențe" in page.text
    csrf = _csrf(page.text)

    more = client.post("/crm/sequences", data=_form(csrf, add_step="1"))
    assert more.status_code == 200 and 'name="steps-3-subject"' in more.text

    bad = client.post("/crm/sequences", data=_form(csrf, **{"steps-1-html": "<p>{{ varsta }}</p>"}))
    assert bad.status_code == 422
    assert re.search(r'id="f-steps-1-html-error">[^<]*varsta', bad.text), bad.text
    assert 'aria-invalid="true"' in bad.text and "Bun venit clienți noi" in bad.text  # kept as typed
    empty_subject = client.post("/crm/sequences", data=_form(csrf, **{"steps-0-subject": " "}))
    assert empty_subject.status_code == 422 and 'id="f-steps-0-subject-error"' in empty_subject.text
    assert crm.call("GET", "/email-sequences").json()["items"] == []

    saved = client.post("/crm/sequences", data=_form(csrf), follow_redirects=False)
    assert saved.status_code == 303, saved.text
    url = saved.headers["location"]
    shown = client.get(url)
    assert shown.status_code == 200
    assert "Pasul 1" in shown.text and "Pasul 2" in shown.text and "Pasul 3" not in shown.text
    assert "după 2 zile" in shown.text and "Doar dacă mesajul anterior a fost deschis" in shown.text
    assert "Ciornă" in shown.text

    csrf = _csrf(shown.text)
    enrolled = client.post(
        f"{url}/enrol", data={"csrf_token": csrf, "segment_id": seg["id"]}, follow_redirects=False
    )
    assert enrolled.status_code == 303
    no_segment = client.post(f"{url}/enrol", data={"csrf_token": csrf, "segment_id": ""})
    assert no_segment.status_code == 422 and "Alegeți un segment." in no_segment.text
    active = client.post(f"{url}/activate", data={"csrf_token": csrf}, follow_redirects=False)
    assert active.status_code == 303
    shown = client.get(url)
    assert "Pauză" in shown.text and "Ana Pop" in shown.text and "În desfășurare" in shown.text

    listing = client.get("/crm/sequences")
    assert "Bun venit clienți noi" in listing.text
    person = client.get(f"/crm/contacts/{ana['id']}")
    assert person.status_code == 200 and "Secvențe de e-mail" in person.text
    assert "Bun venit clienți noi" in person.text and "Pasul 1 din 2" in person.text

    # by hand, from a contact's page: only the sequences it is not in are offered
    assert 'name="sequence_id"' not in person.text
    ion = contact(crm, "ion@client.ro", first_name="Ion")
    page = client.get(f"/crm/contacts/{ion['id']}")
    assert "Nu este înscris în nicio secvență." in page.text and 'name="sequence_id"' in page.text
    seq_id = url.rsplit("/", 1)[-1]
    csrf = _csrf(page.text)
    done = client.post(
        f"/crm/contacts/{ion['id']}/sequences", data={"csrf_token": csrf, "sequence_id": seq_id}
    )
    assert done.status_code == 200 and "Pasul 1 din 2" in done.text  # followed back to the contact
    twice = client.post(
        f"/crm/contacts/{ion['id']}/sequences",
        data={"csrf_token": csrf, "sequence_id": seq_id},
        follow_redirects=False,
    )
    assert twice.status_code == 303
    nothing = client.post(
        f"/crm/contacts/{ion['id']}/sequences", data={"csrf_token": csrf, "sequence_id": "x"}
    )
    assert nothing.status_code == 200
    assert crm.call("GET", f"/email-sequences/contacts/{ion['id']}").json()[0]["source"] == "manual"
