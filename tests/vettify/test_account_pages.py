"""The accounts and contacts pages: lists (search, sort), Account 360 tabs, activities, the ANAF
re-check, attachments, duplicates and merges, scopes, tenant isolation and escaping."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from genius.core.auth import service as auth_service
from genius.core.events.models import OutboxEvent
from genius.core.events.service import envelope_of
from genius.core.platform import Platform
from genius.core.storage import FileStorage
from genius.vettify import verification
from genius.vettify.attachments.api import get_storage
from genius.vettify.consumers import consumers
from tests.conftest import PASSWORD
from tests.vettify.conftest import Crm

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program"
XSS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, html[:500]
    return m.group(1)


def login(client: TestClient, tenant: Any) -> str:
    form = client.get("/login")
    data = {
        "tenant": tenant.slug,
        "email": tenant.admin_email,
        "password": PASSWORD,
        "csrf_token": _csrf(form.text),
    }
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303
    return _csrf(client.get("/crm/accounts").text)


@pytest.fixture
def storage_dir(app: FastAPI, tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "files"
    app.dependency_overrides[get_storage] = lambda: FileStorage(root)
    yield root
    app.dependency_overrides.pop(get_storage, None)


@pytest.fixture
def seeded(crm: Crm) -> dict[str, Any]:
    acme = crm.create("accounts", name="Ștefănescu Construcții SRL", cui="RO18547290", city="Brașov")
    beta = crm.create("accounts", name="Beta Logistică SA", city="Cluj-Napoca")
    ana = crm.create(
        "contacts", account_id=acme["id"], first_name="Ana", last_name="Ionescu", email="ana@example.com"
    )
    crm.create(
        "contacts", account_id=beta["id"], first_name="Bogdan", last_name="Popa", email="b@example.com"
    )
    crm.create("opportunities", name="Licențe ERP", account_id=acme["id"], amount="12500.50", currency="RON")
    return {"acme": acme, "beta": beta, "ana": ana}


def test_lists_search_without_diacritics_and_sort(client: TestClient, tenant: Any, seeded: Any) -> None:
    login(client, tenant)
    page = client.get("/crm/accounts")
    assert page.status_code == 200
    assert "Ștefănescu Construcții SRL" in page.text and "Beta Logistică SA" in page.text
    found = client.get("/crm/accounts", params={"q": "stefanescu"})
    assert "Ștefănescu Construcții SRL" in found.text and "Beta Logistică SA" not in found.text
    # htmx asks for the results only (the debounced search box)
    partial = client.get("/crm/accounts", params={"q": "logistica"}, headers={"HX-Request": "true"})
    assert (
        partial.text.lstrip().startswith('<div id="accounts-results">')
        and "Beta Logistică SA" in partial.text
    )
    by_name = client.get("/crm/accounts", params={"sort": "name"}).text
    assert by_name.index("Beta Logistică") < by_name.index("Ștefănescu")
    desc = client.get("/crm/accounts", params={"sort": "-name"}).text
    assert desc.index("Ștefănescu") < desc.index("Beta Logistică")
    assert 'aria-sort="descending"' in desc
    # a bad sort or cursor is a first page, never a 5xx
    assert client.get("/crm/accounts", params={"sort": "nope", "cursor": "garbage"}).status_code == 200
    empty = client.get("/crm/accounts", params={"q": "zzzzqqq"})
    assert "Niciun client" in empty.text or "No account" in empty.text
    contacts = client.get("/crm/contacts", params={"q": "ionescu"})
    assert "Ana Ionescu" in contacts.text and "Bogdan" not in contacts.text
    assert "Ștefănescu Construcții SRL" in contacts.text  # the account's name links the contact
    assert client.get("/crm/contacts", params={"sort": "last_name"}).status_code == 200


def test_account_360_tabs_and_contact_page(client: TestClient, tenant: Any, seeded: Any) -> None:
    login(client, tenant)
    acme = seeded["acme"]["id"]
    for tab in ("overview", "timeline", "compliance", "contacts", "opportunities", "attachments"):
        r = client.get(f"/crm/accounts/{acme}", params={"tab": tab})
        assert r.status_code == 200, tab
        assert f'href="/crm/accounts/{acme}?tab={tab}" aria-current="page"' in r.text
    overview = client.get(f"/crm/accounts/{acme}").text
    assert "RO18547290" in overview and "Risc de abandon" in overview
    assert "Re-verifică" in overview or "Re-check" in overview
    assert "Ana Ionescu" in client.get(f"/crm/accounts/{acme}?tab=contacts").text
    assert "12.500,50" in client.get(f"/crm/accounts/{acme}?tab=opportunities").text
    contact = client.get(f"/crm/contacts/{seeded['ana']['id']}")
    assert contact.status_code == 200 and "Ștefănescu Construcții SRL" in contact.text
    assert f'href="/crm/accounts/{acme}"' in contact.text


def test_log_a_call_shows_it_in_the_timeline(client: TestClient, tenant: Any, seeded: Any) -> None:
    token = login(client, tenant)
    acme = seeded["acme"]["id"]
    r = client.post(
        f"/crm/accounts/{acme}/activities",
        data={"csrf_token": token, "kind": "call", "subject": "Sunat pentru ofertă", "body": "Revine luni"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and "Sunat pentru ofertă" in r.text and "HX-Trigger" in r.headers
    follow = client.post(
        f"/crm/accounts/{acme}/activities",
        data={"csrf_token": token, "kind": "task", "subject": "Trimite contractul", "due_on": "2027-01-15"},
        headers={"HX-Request": "true"},
    )
    assert follow.status_code == 200
    timeline = client.get(f"/crm/accounts/{acme}?tab=timeline").text
    assert "Sunat pentru ofertă" in timeline and "Trimite contractul" in timeline
    only_calls = client.get(f"/crm/accounts/{acme}/timeline?kind=activity", headers={"HX-Request": "true"})
    assert "Sunat pentru ofertă" in only_calls.text and "Licențe ERP" not in only_calls.text
    # missing subject / bad date: 422 with the errors inline
    bad = client.post(
        f"/crm/accounts/{acme}/activities",
        data={"csrf_token": token, "kind": "meeting", "subject": "", "due_on": "15-01"},
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    # without JavaScript: post, redirect, get
    plain = client.post(
        f"/crm/contacts/{seeded['ana']['id']}/activities",
        data={"csrf_token": token, "kind": "note", "subject": "Preferă e-mail"},
        follow_redirects=False,
    )
    assert plain.status_code == 303
    assert "Preferă e-mail" in client.get(f"/crm/contacts/{seeded['ana']['id']}").text
    # contact activities show on the account's timeline too
    assert "Preferă e-mail" in client.get(f"/crm/accounts/{acme}?tab=timeline").text


def test_timeline_pages_on_scroll(client: TestClient, tenant: Any, crm: Crm, seeded: Any) -> None:
    acme = seeded["acme"]["id"]
    for i in range(25):
        crm.create("activities", kind="note", subject=f"Notă {i:02d}", account_id=acme)
    login(client, tenant)
    first = client.get(f"/crm/accounts/{acme}?tab=timeline").text
    more = re.search(r'hx-get="([^"]+cursor=[^"]+)" hx-trigger="revealed"', first)
    assert more
    nxt = client.get(more.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})
    assert nxt.status_code == 200 and "Notă 00" in nxt.text and "Notă 24" not in nxt.text


def test_recheck_defers_the_anaf_lookup(
    client: TestClient, tenant: Any, seeded: Any, platform: Platform
) -> None:
    token = login(client, tenant)
    acme = seeded["acme"]["id"]
    with platform.db.tenant_session(tenant.id) as s:
        before = {r.id for r in s.scalars(select(OutboxEvent)).all()}
    r = client.post(
        f"/crm/accounts/{acme}/recheck", data={"csrf_token": token}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 200 and "HX-Trigger" in r.headers and "compliance-badge" in r.text
    assert 'hx-trigger="every 5s"' in r.text  # the badge polls until ANAF answers
    badge = client.get(f"/crm/accounts/{acme}/compliance-badge", headers={"HX-Request": "true"})
    assert badge.status_code == 200 and "Verificare în curs" in badge.text
    with platform.db.tenant_session(tenant.id) as s:
        fresh = [envelope_of(e) for e in s.scalars(select(OutboxEvent)).all() if e.id not in before]
    assert [e.topic for e in fresh] == ["crm.account.verification_requested"]
    # the CRM consumer turns it into the deferred anaf.taxpayer.lookup task (an outbox row)
    consumers()[0].handle(platform.db, fresh[0].model_dump(mode="json"))
    with platform.db.tenant_session(tenant.id) as s:
        topics = [e.topic for e in s.scalars(select(OutboxEvent)).all() if e.id not in before]
    assert verification.LOOKUP_TASK in topics
    # no CSRF: refused; no CUI: a 409 with the toast
    assert client.post(f"/crm/accounts/{acme}/recheck", headers={"HX-Request": "true"}).status_code == 403
    beta = seeded["beta"]["id"]
    no_cui = client.post(
        f"/crm/accounts/{beta}/recheck", data={"csrf_token": token}, headers={"HX-Request": "true"}
    )
    assert no_cui.status_code == 409


def test_attachments_upload_refused_then_accepted_and_downloaded(
    client: TestClient, tenant: Any, seeded: Any, storage_dir: Path, platform: Platform
) -> None:
    token = login(client, tenant)
    acme = seeded["acme"]["id"]
    url = f"/crm/accounts/{acme}/attachments"
    js = {"X-CSRF-Token": token, "HX-Request": "true"}
    limit = platform.settings.crm_attachment_max_bytes
    big = client.post(
        url, files={"file": ("mare.pdf", b"%PDF-1.7\n" + b"0" * limit, "application/pdf")}, headers=js
    )
    assert big.status_code == 413 and 'id="upload-error"' in big.text and "10 MB" in big.text
    exe = client.post(url, files={"file": ("factura.pdf", EXE, "application/pdf")}, headers=js)
    assert exe.status_code == 415 and "nu este permis" in exe.text
    ok = client.post(url, files={"file": ("Contract ștampilat.pdf", PDF, "application/pdf")}, headers=js)
    assert ok.status_code == 201 and "Contract ștampilat.pdf" in ok.text
    link = re.search(r'href="(/crm/attachments/[0-9a-f-]+/download)"', ok.text)
    assert link
    got = client.get(link.group(1))
    assert got.status_code == 200 and got.content == PDF
    assert (
        got.headers["content-type"] == "application/pdf"
        and got.headers["x-content-type-options"] == "nosniff"
    )
    # without JavaScript: the plain form (CSRF in the form) works too, errors inline
    plain = client.post(
        url, data={"csrf_token": token}, files={"file": ("x.exe", EXE, "application/octet-stream")}
    )
    assert plain.status_code == 415 and "upload-error" in plain.text
    assert client.post(url, files={"file": ("a.pdf", PDF, "application/pdf")}).status_code == 403  # no CSRF
    assert client.get(f"/crm/attachments/{uuid.uuid4()}/download").status_code == 404


def test_duplicates_and_merge_keep_the_chosen_values(client: TestClient, tenant: Any, crm: Crm) -> None:
    acc = crm.create("accounts", name="Gamma Media SRL")
    one = crm.create(
        "contacts",
        account_id=acc["id"],
        first_name="Maria",
        last_name="Pop",
        email="maria@example.com",
        phone="+40721000001",
        job_title="Director",
    )
    two = crm.create(
        "contacts",
        first_name="Maria",
        last_name="Popa",
        email="Maria@Example.com",
        phone="+40721000002",
        job_title="Director vânzări",
        city="Iași",
    )
    token = login(client, tenant)
    dups = client.get(f"/crm/contacts/{one['id']}/duplicates")
    assert dups.status_code == 200 and f"/crm/contacts/{one['id']}/merge?with={two['id']}" in dups.text
    everyone = client.get("/crm/contacts/duplicates")
    assert everyone.status_code == 200 and "Maria Pop" in everyone.text and "/merge?with=" in everyone.text
    assert client.get("/crm/accounts/duplicates").status_code == 200
    screen = client.get(f"/crm/contacts/{one['id']}/merge", params={"with": two["id"]})
    assert screen.status_code == 200 and 'name="pick_job_title"' in screen.text
    assert "Director vânzări" in screen.text and "Gamma Media SRL" in screen.text
    r = client.post(
        f"/crm/contacts/{one['id']}/merge",
        data={
            "csrf_token": token,
            "other": two["id"],
            "pick_last_name": "other",
            "pick_job_title": "other",
            "pick_phone": "survivor",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/crm/contacts/{one['id']}"
    merged = crm.call("GET", f"/contacts/{one['id']}").json()
    assert merged["last_name"] == "Popa" and merged["job_title"] == "Director vânzări"
    assert merged["phone"] == "+40721000001" and merged["city"] == "Iași"  # blank filled from the other
    assert merged["account_id"] == acc["id"]
    assert crm.call("GET", f"/contacts/{two['id']}").status_code == 404
    page = client.get(f"/crm/contacts/{one['id']}").text
    assert "Fuzionat din" in page or "Merged from" in page
    # merging again with the merged record: 404, nothing happens
    again = client.post(
        f"/crm/contacts/{one['id']}/merge",
        data={"csrf_token": token, "other": two["id"]},
        follow_redirects=False,
    )
    assert again.status_code == 404


def test_account_merge_screen_and_history(client: TestClient, tenant: Any, crm: Crm) -> None:
    a = crm.create("accounts", name="Delta Impex SRL", cui="RO18547290", city="Sibiu")
    b = crm.create("accounts", name="Delta Impex S.R.L.", email="office@delta.example.com", city="Sibiu")
    token = login(client, tenant)
    assert client.get(f"/crm/accounts/{a['id']}/merge", params={"with": b["id"]}).status_code == 200
    r = client.post(
        f"/crm/accounts/{a['id']}/merge",
        data={"csrf_token": token, "other": b["id"], "pick_name": "other"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    after = crm.call("GET", f"/accounts/{a['id']}").json()
    assert after["name"] == "Delta Impex S.R.L." and after["email"] == "office@delta.example.com"
    page = client.get(f"/crm/accounts/{a['id']}").text
    assert "Delta Impex S.R.L." in page and ("Fuzionat din" in page or "Merged from" in page)


def test_viewer_gets_403_on_every_change(client: TestClient, make_tenant: Any) -> None:
    viewer = make_tenant(role="viewer")
    login(client, viewer)
    page = client.get("/crm/accounts")
    assert page.status_code == 200
    token = _csrf(page.text)
    fake = uuid.uuid4()
    for path in (
        f"/crm/accounts/{fake}/activities",
        f"/crm/accounts/{fake}/recheck",
        f"/crm/contacts/{fake}/activities",
        f"/crm/contacts/{fake}/merge",
        f"/crm/accounts/{fake}/merge",
    ):
        assert client.post(path, data={"csrf_token": token, "subject": "x"}).status_code == 403, path
    upload = client.post(
        f"/crm/accounts/{fake}/attachments", files={"file": ("a.pdf", PDF)}, headers={"X-CSRF-Token": token}
    )
    assert upload.status_code == 403


def test_viewer_reads_account_without_controls(
    client: TestClient, tenant: Any, seeded: Any, platform: Platform
) -> None:
    email = f"viewer-{uuid.uuid4().hex[:6]}@example.com"
    with platform.db.tenant_session(tenant.id) as s:
        auth_service.create_user(
            s, platform.passwords, tenant.id, email=email, password=PASSWORD, role="viewer"
        )
    form = client.get("/login")
    client.post(
        "/login",
        data={"tenant": tenant.slug, "email": email, "password": PASSWORD, "csrf_token": _csrf(form.text)},
        follow_redirects=False,
    )
    acme = seeded["acme"]["id"]
    for tab in ("overview", "timeline", "attachments"):
        r = client.get(f"/crm/accounts/{acme}?tab={tab}")
        assert r.status_code == 200
        assert "/recheck" not in r.text and "/activities" not in r.text and "data-upload" not in r.text
    contact = client.get(f"/crm/contacts/{seeded['ana']['id']}").text
    assert "/activities" not in contact
    dups = client.get(f"/crm/contacts/{seeded['ana']['id']}/duplicates")
    assert dups.status_code == 200 and "/merge?with=" not in dups.text
    assert client.get(f"/crm/contacts/{seeded['ana']['id']}/merge?with={uuid.uuid4()}").status_code == 403


def test_other_tenants_ids_are_404(client: TestClient, make_tenant: Any, crm: Crm, seeded: Any) -> None:
    other = make_tenant()
    login(client, other)
    acme, ana = seeded["acme"]["id"], seeded["ana"]["id"]
    for path in (
        f"/crm/accounts/{acme}",
        f"/crm/accounts/{acme}?tab=timeline",
        f"/crm/contacts/{ana}",
        f"/crm/contacts/{ana}/duplicates",
        f"/crm/accounts/{acme}/duplicates",
        "/crm/accounts/not-a-uuid",
    ):
        assert client.get(path).status_code == 404, path
    token = _csrf(client.get("/crm/accounts").text)
    assert client.post(f"/crm/accounts/{acme}/recheck", data={"csrf_token": token}).status_code == 404
    assert (
        client.post(
            f"/crm/accounts/{acme}/activities", data={"csrf_token": token, "subject": "x"}
        ).status_code
        == 404
    )
    assert "Ștefănescu" not in client.get("/crm/accounts").text


def test_xss_payloads_render_escaped(client: TestClient, tenant: Any, crm: Crm) -> None:
    for payload in XSS:
        acc = crm.create("accounts", name=f"Firma {payload}", industry=payload, address=payload, city=payload)
        contact = crm.create(
            "contacts", account_id=acc["id"], first_name=payload, last_name="Test", job_title=payload
        )
        crm.create("activities", kind="note", subject=payload, body=payload, account_id=acc["id"])
        login(client, tenant)
        pages = [
            client.get("/crm/accounts").text,
            client.get("/crm/contacts").text,
            client.get(f"/crm/contacts/{contact['id']}").text,
            client.get(f"/crm/contacts/{contact['id']}/duplicates").text,
        ]
        pages += [
            client.get(f"/crm/accounts/{acc['id']}?tab={t}").text
            for t in ("overview", "timeline", "contacts")
        ]
        for html in pages:
            assert "<script>alert(1)</script>" not in html
            assert "<img src=x onerror" not in html
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or "&#34;&gt;&lt;img" in html
