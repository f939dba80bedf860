"""The sequence and template editors in the Shell: a template saved from its form (inline errors, nothing
saved on bad input), the live spintax preview, an A/B version added, and a sequence built from templates."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.outreach.test_demo_and_pages import login


def _csrf(text: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert m
    return m.group(1)


def test_template_and_sequence_editors(client: TestClient, tenant: Any) -> None:
    login(client, tenant)
    assert client.get("/outreach/sequences").status_code == 200
    assert client.get("/outreach/templates").status_code == 200
    new = client.get("/outreach/templates/new")
    assert new.status_code == 200 and 'hx-post="/outreach/templates/preview"' in new.text
    assert new.text.count('class="spin-sample"') == 3  # the default text previewed for three leads
    csrf = _csrf(new.text)

    preview = client.post(
        "/outreach/templates/preview",
        data={"csrf_token": csrf, "content": "{Salut|Bună} {{first_name}}", "variables": "first_name"},
    )
    assert preview.status_code == 200 and preview.text.count('class="spin-sample"') == 3
    assert re.search(r"(Salut|Bună) (Ana|Mihai|Elena)", preview.text)
    broken = client.post("/outreach/templates/preview", data={"csrf_token": csrf, "content": "{Salut|Bună"})
    assert 'role="alert"' in broken.text and "nu este spintax valid" in broken.text
    missing = client.post(
        "/outreach/templates/preview",
        data={"csrf_token": csrf, "content": "Salut {{nume}}", "variables": "nume"},
    )
    assert missing.text.count('class="alert alert-error small"') == 3  # no lead has "nume": each says so

    bad = client.post(
        "/outreach/templates",
        data={"csrf_token": csrf, "name": "", "channel": "FAX", "content": "{a|b", "variables": "1x"},
    )
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    assert "Nu există încă șabloane" in client.get(
        "/outreach/templates"
    ).text or "/outreach/templates/" not in (
        client.get("/outreach/templates").text.split("<main", 1)[-1].replace("/outreach/templates/new", "")
    )
    saved = client.post(
        "/outreach/templates",
        data={
            "csrf_token": csrf,
            "name": "Deschidere WhatsApp",
            "channel": "WHATSAPP",
            "content": "{Bună ziua|Salut}, {{first_name}}! Vă pot arăta GeniusERP în {{city}}?",
            "variables": "first_name, city=orașul dvs.",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    page_url = saved.headers["location"]
    page = client.get(page_url)
    assert page.status_code == 200 and "Deschidere WhatsApp" in page.text and "city=orașul dvs." in page.text
    again = client.post(
        "/outreach/templates",
        data={"csrf_token": csrf, "name": "Deschidere WhatsApp", "channel": "WHATSAPP", "content": "x"},
    )
    assert again.status_code == 422  # the name is taken: said inline, nothing saved
    assert "Există deja un șablon cu acest nume." in again.text  # in the user's language

    version = client.post(
        f"{page_url}/versions",
        data={
            "csrf_token": csrf,
            "label": "B",
            "content": "Salut {{first_name}}, o întrebare scurtă?",
            "weight": "1",
        },
        follow_redirects=False,
    )
    assert version.status_code == 303
    assert (
        client.post(
            f"{page_url}/versions", data={"csrf_token": csrf, "label": "B", "content": "x"}
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"{page_url}/versions", data={"csrf_token": csrf, "label": "C", "content": "{x"}
        ).status_code
        == 422
    )
    assert 'class="badge badge-brand">B<' in client.get(page_url).text

    template_id = page_url.rsplit("/", 1)[1]
    form = client.get("/outreach/sequences/new")
    assert form.status_code == 200 and template_id in form.text
    empty = client.post("/outreach/sequences", data={"csrf_token": csrf, "name": "Prospectare"})
    assert empty.status_code == 422 and 'id="f-template_0-error"' in empty.text
    made = client.post(
        "/outreach/sequences",
        data={
            "csrf_token": csrf,
            "name": "Prospectare Cluj",
            "template_0": template_id,
            "hours_0": "0",
            "minutes_0": "0",
            "stop_0": "1",
            "hours_only_0": "1",
            "template_1": template_id,
            "hours_1": "48",
            "minutes_1": "30",
            "stop_1": "1",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    listing = client.get("/outreach/sequences").text
    assert "Prospectare Cluj" in listing and listing.count('class="seq-step"') == 2
    api = client.get("/v1/outreach/sequences", headers=tenant.headers).json()["items"]
    assert [s["name"] for s in api] == ["Prospectare Cluj"]
