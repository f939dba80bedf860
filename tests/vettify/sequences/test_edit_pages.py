"""The sequence edit form (move, remove and add steps without saving; inline errors; saved; a clear
message when someone else saved first), archive, and "mark as replied" on the sequence page's enrolment
row and on the contact's sequence card."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.core.test_admin_pages import login
from tests.vettify.conftest import Crm
from tests.vettify.marketing.conftest import contact
from tests.vettify.sequences.conftest import sequence
from tests.vettify.sequences.test_pages import _csrf


def _fields(html: str) -> dict[str, str]:
    """The edit form's inputs and textareas as a browser would post them (selects: their selected option)."""
    form: dict[str, str] = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        form[name] = (
            value.replace("&#34;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        )
    for name, value in re.findall(
        r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*(?:<(?!/textarea)[^<]*)*)</textarea>', html
    ):
        form[name] = (
            value.replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", '"').replace("&amp;", "&")
        )
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        form[name] = chosen.group(1) if chosen else ""
    form.pop("save", None)
    return form


def test_edit_form_moves_removes_adds_and_saves(client: TestClient, tenant: Any, crm: Crm) -> None:
    made = sequence(
        crm,
        {"subject": "Primul"},
        {"subject": "Al doilea", "delay_minutes": 2880},
        {"subject": "Al treilea", "delay_minutes": 120},
        name="Bun venit",
    )
    login(client, tenant.slug, tenant.admin_email)
    url = f"/crm/sequences/{made['id']}"
    shown = client.get(url)
    assert shown.status_code == 200 and f'href="{url}/edit"' in shown.text and "Arhivează" in shown.text
    page = client.get(f"{url}/edit")
    assert page.status_code == 200 and "Editați secvența" in page.text
    form = _fields(page.text)
    assert form["steps-1-delay"] == "2" and form["steps-1-unit"] == "days"
    assert form["steps-2-delay"] == "2" and form["steps-2-unit"] == "hours"
    assert form["steps-0-id"] == made["steps"][0]["id"]

    # the third step up (the form again, nothing saved), then the first removed, then one added
    moved = client.post(f"{url}/edit", data={**form, "up": "2"})
    assert moved.status_code == 200
    form = _fields(moved.text)
    assert [form[f"steps-{i}-subject"] for i in range(3)] == ["Primul", "Al treilea", "Al doilea"]
    removed = client.post(f"{url}/edit", data={**form, "remove": "0"})
    form = _fields(removed.text)
    assert form["rows"] == "2" and [form[f"steps-{i}-subject"] for i in range(2)] == [
        "Al treilea",
        "Al doilea",
    ]
    added = client.post(f"{url}/edit", data={**form, "add_step": "1"})
    form = _fields(added.text)
    assert form["rows"] == "3" and form["steps-2-id"] == "" and "Nou" in added.text
    assert [s["subject"] for s in crm.call("GET", f"/email-sequences/{made['id']}").json()["steps"]] == [
        "Primul",
        "Al doilea",
        "Al treilea",
    ]

    bad = client.post(
        f"{url}/edit", data={**form, "steps-2-subject": "Ultimul", "steps-2-html": "<p>{{ varsta }}</p>"}
    )
    assert bad.status_code == 422 and re.search(r'id="f-steps-2-html-error">[^<]*varsta', bad.text)
    no_name = client.post(f"{url}/edit", data={**form, "name": " "})
    assert no_name.status_code == 422 and 'id="f-name-error"' in no_name.text

    saved = client.post(
        f"{url}/edit",
        data={**form, "name": "Bun venit 2", "steps-2-subject": "Ultimul", "steps-2-html": "<p>Gata.</p>"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    got = crm.call("GET", f"/email-sequences/{made['id']}").json()
    assert got["name"] == "Bun venit 2"
    assert [s["subject"] for s in got["steps"]] == ["Al treilea", "Al doilea", "Ultimul"]
    assert [s["id"] for s in got["steps"][:2]] == [made["steps"][2]["id"], made["steps"][1]["id"]]
    assert got["steps"][0]["delay_minutes"] == 120

    # a second tab still holds the version before the save: told, nothing written over, nothing it typed
    # lost: its values come back on top of the version saved meanwhile, summarised beside them
    typed = {**form, "name": "Din alt tab", "steps-2-subject": "Altul", "steps-2-html": "<p>Alt.</p>"}
    stale = client.post(f"{url}/edit", data=typed)
    assert stale.status_code == 409 and "Altcineva a salvat secvența" in stale.text
    assert crm.call("GET", f"/email-sequences/{made['id']}").json()["name"] == "Bun venit 2"
    kept = _fields(stale.text)
    assert (kept["name"], kept["steps-2-subject"], kept["steps-2-html"]) == (
        "Din alt tab",
        "Altul",
        "<p>Alt.</p>",
    )
    assert kept["version"] == str(got["version"]) != form["version"]  # the form now carries the new version
    summary = stale.text.split('id="conflict-h"', 1)[1].split("</section>", 1)[0]
    assert "Versiunea salvată între timp" in stale.text and "Bun venit 2" in summary and "Ultimul" in summary
    again = client.post(f"{url}/edit", data=kept, follow_redirects=False)  # saved on top of the new one
    assert again.status_code == 303, again.text
    got = crm.call("GET", f"/email-sequences/{made['id']}").json()
    assert got["name"] == "Din alt tab"
    assert [s["subject"] for s in got["steps"]] == ["Al treilea", "Al doilea", "Altul"]

    # a step this tab keeps was removed meanwhile (through the API): it comes back as a new step
    tab = _fields(client.get(f"{url}/edit").text)
    current = crm.call("GET", f"/email-sequences/{made['id']}")
    without = {
        "name": got["name"],
        "steps": [
            {k: st[k] for k in ("id", "delay_minutes", "subject", "html", "format", "condition")}
            for st in got["steps"]
            if st["subject"] != "Al doilea"
        ],
    }
    put = crm.call("PUT", f"/email-sequences/{made['id']}", without, If_Match=current.headers["ETag"])
    assert put.status_code == 200, put.text
    stale = client.post(f"{url}/edit", data={**tab, "steps-1-subject": "Al doilea (nou)"})
    assert stale.status_code == 409 and "1 pas păstrat de dumneavoastră a fost șters" in stale.text
    kept = _fields(stale.text)
    assert kept["steps-1-id"] == "" and kept["steps-1-subject"] == "Al doilea (nou)"
    assert kept["steps-0-id"] == tab["steps-0-id"]
    again = client.post(f"{url}/edit", data=kept, follow_redirects=False)
    assert again.status_code == 303, again.text
    got = crm.call("GET", f"/email-sequences/{made['id']}").json()
    assert [s["subject"] for s in got["steps"]] == ["Al treilea", "Al doilea (nou)", "Altul"]

    archived = client.post(f"{url}/archive", data={"csrf_token": _csrf(shown.text)}, follow_redirects=False)
    assert archived.status_code == 303
    shown = client.get(url)
    assert "Arhivată" in shown.text and f'href="{url}/edit"' not in shown.text
    assert client.get(f"{url}/edit", follow_redirects=False).status_code == 303
    ana = contact(crm, "ana@client.ro")
    person = client.get(f"/crm/contacts/{ana['id']}")
    assert f'value="{made["id"]}"' not in person.text  # not offered for enrolment
    late = client.post(
        f"/crm/contacts/{ana['id']}/sequences",
        data={"csrf_token": _csrf(person.text), "sequence_id": made["id"]},
    )
    assert late.status_code == 200 and "O secvență arhivată nu mai primește înscrieri." in late.text


def test_mark_as_replied_from_the_sequence_and_the_contact(client: TestClient, tenant: Any, crm: Crm) -> None:
    first = sequence(crm, {"subject": "Primul"}, name="Bun venit")
    second = sequence(crm, {"subject": "Altul"}, name="Reactivare")
    ana = contact(crm, "ana@client.ro", first_name="Ana")
    ion = contact(crm, "ion@client.ro", first_name="Ion")
    for q in (first, second):
        crm.call("POST", f"/email-sequences/{q['id']}/enrolments", {"contact_ids": [ana["id"], ion["id"]]})
    login(client, tenant.slug, tenant.admin_email)
    url = f"/crm/sequences/{first['id']}"
    page = client.get(url)
    assert "Marchează răspunsul lui Ana Pop" in page.text
    done = client.post(f"{url}/contacts/{ana['id']}/reply", data={"csrf_token": _csrf(page.text)})
    assert done.status_code == 200 and "Răspuns înregistrat: 2 secvențe oprite" in done.text
    assert "Marchează răspunsul lui Ana Pop" not in done.text and "a răspuns" in done.text
    states = {e["sequence_name"]: e for e in crm.call("GET", f"/email-sequences/contacts/{ana['id']}").json()}
    assert {e["stop_reason"] for e in states.values()} == {"replied"}

    card = client.get(f"/crm/contacts/{ion['id']}")
    assert card.status_code == 200 and "Marchează ca răspuns" in card.text
    done = client.post(f"/crm/contacts/{ion['id']}/sequences/reply", data={"csrf_token": _csrf(card.text)})
    assert done.status_code == 200 and "Răspuns înregistrat" in done.text
    assert "Marchează ca răspuns" not in done.text
    again = client.post(f"/crm/contacts/{ion['id']}/sequences/reply", data={"csrf_token": _csrf(card.text)})
    assert "nu este nimic de oprit" in again.text
