"""The leads pages (TestClient): list with server-side search/sort/filter/paging, bulk actions, the form
with inline errors, qualify, convert, the command menu; scopes, tenants and escaping."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from genius.vettify.pages.leads import lead_name  # noqa: F401 - the page module imports cleanly
from tests.conftest import PASSWORD
from tests.vettify.conftest import Crm

VALID_CUI = "18547290"


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, html[:2000]
    return m.group(1)


def _login(client: TestClient, tenant: Any) -> str:
    form = client.get("/login")
    r = client.post(
        "/login",
        data={
            "tenant": tenant.slug,
            "email": tenant.admin_email,
            "password": PASSWORD,
            "csrf_token": _csrf(form.text),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return _csrf(client.get("/crm/leads").text)


def _ids(html: str) -> list[str]:
    return re.findall(r'href="/crm/leads/([0-9a-f-]{36})"', html)


def test_list_search_sort_filter_and_pages(client: TestClient, tenant: Any, crm: Crm) -> None:
    crm.create("leads", first_name="Ștefan", last_name="Țăranu", company_name="Agro Vest SRL", cui=VALID_CUI)
    crm.create("leads", first_name="Ana", last_name="Ionescu", company_name="Beta Soft", email="ana@beta.ro")
    disq = crm.create("leads", first_name="Radu", last_name="Zamfir", company_name="Zeta")
    crm.call("PATCH", f"/leads/{disq['id']}", {"status": "disqualified"}, if_match='"1"')
    _login(client, tenant)

    page = client.get("/crm/leads")
    assert page.status_code == 200
    assert "Ștefan Țăranu" in page.text and "Ana Ionescu" in page.text
    assert "Nou" in page.text and "Descalificat" in page.text  # status badges with text
    assert 'hx-trigger="submit, input changed delay:300ms' in page.text

    # Search without diacritics finds the name with them; the results fragment for htmx.
    found = client.get(
        "/crm/leads?q=stefan+taranu", headers={"HX-Request": "true", "HX-Target": "leads-results"}
    )
    assert found.status_code == 200 and "<html" not in found.text
    assert "Ștefan Țăranu" in found.text and "Ana Ionescu" not in found.text
    assert "Ana Ionescu" in client.get("/crm/leads?q=ana@beta.ro").text

    # Filter by status, kept in the links.
    only = client.get("/crm/leads?status=disqualified")
    assert "Radu Zamfir" in only.text and "Ana Ionescu" not in only.text
    assert "status=disqualified" in only.text

    # Sort by name ascending then descending.
    asc = client.get("/crm/leads?sort=last_name").text
    assert asc.index("Ana Ionescu") < asc.index("Radu Zamfir")
    assert 'aria-sort="ascending"' in asc
    desc = client.get("/crm/leads?sort=-last_name").text
    assert desc.index("Radu Zamfir") < desc.index("Ana Ionescu")

    # Bad parameters never break the page.
    assert client.get("/crm/leads?sort=evil&status=nope&cursor=garbage").status_code == 200
    assert client.get("/crm/leads?q=a%00b&owner=%00").status_code == 200
    assert client.get("/shell/command?q=ab%00c").status_code == 200

    # Dates as dd.mm.yyyy; a column chooser in the URL.
    assert re.search(r"\b\d{2}\.\d{2}\.\d{4}\b", page.text)
    cols = client.get("/crm/leads?col=cui&col=status").text
    assert VALID_CUI in cols and "ana@beta.ro" not in cols
    again = client.get("/crm/leads").text  # remembered (a cookie) until chosen again
    assert VALID_CUI in again and "ana@beta.ro" not in again
    assert "ana@beta.ro" in client.get("/crm/leads?col=email").text

    # Keyset pages: 27 more leads, 25 per page, "Next" carries the cursor.
    for i in range(27):
        crm.create("leads", company_name=f"Firma {i:02d}")
    first = client.get("/crm/leads?sort=company_name").text
    assert "30 din 30" in first or "25 din 30" in first
    next_link = re.search(r'href="(/crm/leads\?[^"]*cursor=[^"]+)"', first)
    assert next_link
    second = client.get(next_link.group(1).replace("&amp;", "&")).text
    assert len(set(_ids(second)) & set(_ids(first))) == 0 and len(_ids(second)) == 5


def test_a_long_list_counts_up_to_the_cap(
    client: TestClient, tenant: Any, crm: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the cap the list says "more than N" instead of paying for an exact count."""
    from genius.vettify.pages import leads
    from genius.web import kit

    for n in range(4):
        crm.create("leads", first_name=f"Ana{n}", last_name="Pop", company_name=f"Firma {n}")
    monkeypatch.setattr(leads, "LIST_COUNT_CAP", 2)
    monkeypatch.setitem(kit.templates.env.globals, "list_count_cap", 2)
    _login(client, tenant)
    page = client.get("/crm/leads")
    assert page.status_code == 200
    assert "4 din peste 2" in page.text
    monkeypatch.setattr(leads, "LIST_COUNT_CAP", 10)
    monkeypatch.setitem(kit.templates.env.globals, "list_count_cap", 10)
    again = client.get("/crm/leads").text
    assert "4 din 4" in again, re.findall(r"<div class=\"pager\">.{0,200}", again, re.S)


def test_empty_list_has_a_primary_action(client: TestClient, tenant: Any) -> None:
    _login(client, tenant)
    page = client.get("/crm/leads").text
    assert "Niciun client potențial" in page or "No leads yet" in page
    assert 'class="btn btn-primary" href="/crm/leads/new"' in page


def test_create_with_a_validation_error_then_success(client: TestClient, tenant: Any, crm: Crm) -> None:
    csrf = _login(client, tenant)
    form = client.get("/crm/leads/new")
    assert form.status_code == 200 and "data-cui-check" in form.text
    token = re.search(r'name="form_token" value="([^"]+)"', form.text)
    assert token
    data = {
        "csrf_token": csrf,
        "form_token": token.group(1),
        "first_name": "Maria",
        "company_name": "Delta Construct",
        "cui": "18547291",  # wrong check digit
        "email": "not-an-email",
        "phone": "0722 123 456",
    }
    bad = client.post("/crm/leads/new", data=data)
    assert bad.status_code == 422
    assert 'class="error-summary"' in bad.text
    assert 'id="f-cui-error"' in bad.text and 'id="f-email-error"' in bad.text
    assert 'value="Delta Construct"' in bad.text  # what was typed stays
    empty = client.post("/crm/leads/new", data={"csrf_token": csrf, "form_token": "x1"})
    assert empty.status_code == 422 and 'id="f-first_name-error"' in empty.text

    data |= {"cui": "RO" + VALID_CUI, "email": "maria@delta.ro"}
    ok = client.post("/crm/leads/new", data=data, follow_redirects=False)
    assert ok.status_code == 303
    location = ok.headers["location"]
    # The same form sent again (a double submit) leads to the same lead, not a second one.
    again = client.post("/crm/leads/new", data=data, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == location
    listing = crm.call("GET", "/leads?search=delta").json()
    assert len(listing["items"]) == 1 and listing["items"][0]["cui"] == VALID_CUI
    assert listing["items"][0]["phone"] == "+40722123456"
    record = client.get(location)
    assert record.status_code == 200 and "Maria" in record.text and "Nou" in record.text


def test_edit_carries_the_version_and_reports_a_conflict(client: TestClient, tenant: Any, crm: Crm) -> None:
    lead = crm.create("leads", first_name="Ioana", company_name="Gamma")
    csrf = _login(client, tenant)
    form = client.get(f"/crm/leads/{lead['id']}/edit").text
    assert 'name="version" value="1"' in form
    crm.call("PATCH", f"/leads/{lead['id']}", {"city": "Cluj-Napoca"}, if_match='"1"')  # someone else
    stale = client.post(
        f"/crm/leads/{lead['id']}/edit",
        data={"csrf_token": csrf, "version": "1", "first_name": "Ioana", "company_name": "Gamma SA"},
    )
    assert stale.status_code == 409 and "Altcineva a modificat" in stale.text
    assert 'name="version" value="2"' in stale.text and "Cluj-Napoca" in stale.text
    ok = client.post(
        f"/crm/leads/{lead['id']}/edit",
        data={
            "csrf_token": csrf,
            "version": "2",
            "first_name": "Ioana",
            "company_name": "Gamma SA",
            "city": "Cluj-Napoca",
            "phone": "123",
        },
    )
    assert ok.status_code == 422 and 'id="f-phone-error"' in ok.text
    ok = client.post(
        f"/crm/leads/{lead['id']}/edit",
        data={"csrf_token": csrf, "version": "2", "first_name": "Ioana", "company_name": "Gamma SA"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert crm.call("GET", f"/leads/{lead['id']}").json()["company_name"] == "Gamma SA"


def test_qualify_and_convert(client: TestClient, tenant: Any, crm: Crm) -> None:
    lead = crm.create(
        "leads",
        first_name="Ionuț",
        last_name="Popescu",
        company_name="Agro Vest SRL",
        cui=VALID_CUI,
        email="ionut@agrovest.ro",
    )
    csrf = _login(client, tenant)
    page = client.get(f"/crm/leads/{lead['id']}").text
    assert "Calificare" in page or "Califică" in page
    # Not yet qualified: convert is refused with a message.
    early = client.post(f"/crm/leads/{lead['id']}/convert", data={"csrf_token": csrf}, follow_redirects=False)
    assert early.status_code == 303 and early.headers["location"] == f"/crm/leads/{lead['id']}"
    r = client.post(
        f"/crm/leads/{lead['id']}/qualify", data={"csrf_token": csrf, "version": "1"}, follow_redirects=False
    )
    assert r.status_code == 303
    assert crm.call("GET", f"/leads/{lead['id']}").json()["status"] == "qualified"
    page = client.get(f"/crm/leads/{lead['id']}").text
    assert 'id="convert-dialog"' in page and "Agro Vest SRL" in page and "Client nou" in page
    confirm = client.get(f"/crm/leads/{lead['id']}/convert")
    assert confirm.status_code == 200 and "Oportunitate nouă" in confirm.text
    bad = client.post(
        f"/crm/leads/{lead['id']}/convert",
        data={"csrf_token": csrf, "create_opportunity": "1", "amount": "-5", "currency": "RON"},
    )
    assert bad.status_code == 422 and 'id="f-amount-error"' in bad.text
    done = client.post(
        f"/crm/leads/{lead['id']}/convert",
        data={
            "csrf_token": csrf,
            "create_opportunity": "1",
            "opportunity_name": "Agro - irigații",
            "amount": "12.500,50",
            "currency": "RON",
            "expected_close_date": "2027-01-15",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/crm/opportunities/")
    assert "genius_flash" in done.headers.get("set-cookie", "")
    converted = crm.call("GET", f"/leads/{lead['id']}").json()
    assert converted["status"] == "converted"
    opp = crm.call("GET", f"/opportunities/{converted['converted_opportunity_id']}").json()
    assert opp["amount"] == "12500.50" and opp["name"] == "Agro - irigații"
    page = client.get(f"/crm/leads/{lead['id']}").text
    assert "Convertit" in page and f"/crm/accounts/{converted['converted_account_id']}" in page
    assert f'href="/crm/leads/{lead["id"]}/edit"' not in page


def test_bulk_actions_count(client: TestClient, tenant: Any, crm: Crm) -> None:
    leads = [crm.create("leads", company_name=f"Bulk {i}") for i in range(4)]
    csrf = _login(client, tenant)
    page = client.get("/crm/leads").text
    assert "Ștergeți {n} clienți potențiali?" in page  # the confirmation names the count
    ids = [lead["id"] for lead in leads[:3]]
    r = client.post(
        "/crm/leads/bulk",
        data={
            "csrf_token": csrf,
            "ids": ids,
            "action": "assign",
            "owner": "vanzari@firma.ro",
            "back": "/crm/leads",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "3%20clien" in r.headers["set-cookie"]  # "3 clienți potențiali actualizați."
    mine = client.get("/crm/leads?owner=vanzari@firma.ro").text
    assert len(set(_ids(mine))) == 3
    r = client.post(
        "/crm/leads/bulk",
        data={"csrf_token": csrf, "ids": ids[:2], "action": "status", "status": "qualified"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert [crm.call("GET", f"/leads/{i}").json()["status"] for i in ids] == ["qualified", "qualified", "new"]
    # Tag: added once (lower case), kept on a second run, shown in the list; a bad tag changes nothing.
    for _run in range(2):
        r = client.post(
            "/crm/leads/bulk",
            data={"csrf_token": csrf, "ids": ids[1:], "action": "tag", "tag": " Târg-2026 "},
            follow_redirects=False,
        )
        assert r.status_code == 303 and "2%20clien" in r.headers["set-cookie"]
    assert [crm.call("GET", f"/leads/{i}").json()["tags"] for i in ids] == [[], ["târg-2026"], ["târg-2026"]]
    assert client.get("/crm/leads").text.count('<span class="tag">târg-2026</span>') == 2
    bad = client.post(
        "/crm/leads/bulk",
        data={"csrf_token": csrf, "ids": ids, "action": "tag", "tag": "x" * 51},
        follow_redirects=False,
    )
    assert bad.status_code == 303 and crm.call("GET", f"/leads/{ids[0]}").json()["tags"] == []
    # Delete: without the confirmation a page asks, naming the count; then it deletes.
    ask = client.post("/crm/leads/bulk-delete", data={"csrf_token": csrf, "ids": ids})
    assert ask.status_code == 200 and "Ștergeți 3 clienți potențiali?" in ask.text
    r = client.post(
        "/crm/leads/bulk-delete",
        data={"csrf_token": csrf, "ids": ids, "confirm": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert crm.call("GET", f"/leads/{ids[0]}").status_code == 404
    assert crm.call("GET", f"/leads/{leads[3]['id']}").status_code == 200


def test_viewer_sees_no_edit_controls_and_gets_403(client: TestClient, make_tenant: Any) -> None:
    viewer = make_tenant(role="viewer")
    admin_crm = Crm(client, make_tenant().headers)  # another tenant: the viewer cannot write
    assert admin_crm
    _login(client, viewer)
    page = client.get("/crm/leads")
    assert page.status_code == 200
    assert "/crm/leads/new" not in page.text
    assert client.get("/crm/leads/new").status_code == 403
    csrf = _csrf(page.text)
    for path in ("/crm/leads/new", "/crm/leads/bulk", "/crm/leads/bulk-delete"):
        assert client.post(path, data={"csrf_token": csrf}).status_code == 403, path


def test_viewer_record_page_has_no_actions(client: TestClient, make_tenant: Any, platform: Any) -> None:
    from genius.vettify import service
    from genius.vettify.schemas import LeadCreate

    viewer = make_tenant(role="viewer")
    with platform.db.tenant_session(viewer.id) as s:
        lead = service.create_lead(s, service.Actor(viewer.id, "test"), LeadCreate(first_name="Vizibil"))
        lead_id = lead.id
    csrf = _login(client, viewer)
    page = client.get(f"/crm/leads/{lead_id}")
    assert page.status_code == 200 and "Vizibil" in page.text
    assert f"/crm/leads/{lead_id}/edit" not in page.text and "/qualify" not in page.text
    assert 'name="ids"' not in client.get("/crm/leads").text  # no bulk selection either
    assert client.post(f"/crm/leads/{lead_id}/qualify", data={"csrf_token": csrf}).status_code == 403
    assert client.post(f"/crm/leads/{lead_id}/edit", data={"csrf_token": csrf}).status_code == 403
    assert client.post(f"/crm/leads/{lead_id}/convert", data={"csrf_token": csrf}).status_code == 403


def test_sales_can_change_but_not_delete(client: TestClient, make_tenant: Any) -> None:
    sales = make_tenant(role="sales")
    lead = Crm(client, sales.headers).create("leads", company_name="Vânzări SRL")
    csrf = _login(client, sales)
    page = client.get("/crm/leads").text
    assert 'name="ids"' in page and "/crm/leads/bulk-delete" not in page
    r = client.post("/crm/leads/bulk-delete", data={"csrf_token": csrf, "ids": [lead["id"]], "confirm": "1"})
    assert r.status_code == 403
    r = client.post(
        "/crm/leads/bulk",
        data={"csrf_token": csrf, "ids": [lead["id"]], "action": "assign", "owner": sales.admin_email},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert (
        client.post("/crm/leads/bulk", data={"ids": [lead["id"]], "action": "assign"}).status_code == 403
    )  # no CSRF


def test_another_tenants_lead_is_404(client: TestClient, tenant: Any, make_tenant: Any) -> None:
    other = make_tenant()
    lead = Crm(client, other.headers).create("leads", first_name="Străin", company_name="Alt Tenant")
    csrf = _login(client, tenant)
    assert client.get(f"/crm/leads/{lead['id']}").status_code == 404
    assert client.get(f"/crm/leads/{lead['id']}/edit").status_code == 404
    r = client.post(f"/crm/leads/{lead['id']}/qualify", data={"csrf_token": csrf, "version": "1"})
    assert r.status_code == 404
    r = client.post(
        "/crm/leads/bulk",
        data={"csrf_token": csrf, "ids": [lead["id"]], "action": "status", "status": "disqualified"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert Crm(client, other.headers).call("GET", f"/leads/{lead['id']}").json()["status"] == "new"
    assert client.get("/crm/leads/not-a-uuid").status_code in (404, 422)


def test_names_are_escaped(client: TestClient, tenant: Any, crm: Crm) -> None:
    script = crm.create("leads", first_name="<script>alert(1)</script>", company_name="X")
    img = crm.create("leads", first_name='"><img src=x onerror=alert(1)>', company_name="Y")
    _login(client, tenant)
    for url in (
        "/crm/leads",
        f"/crm/leads/{script['id']}",
        f"/crm/leads/{img['id']}",
        f"/crm/leads/{img['id']}/edit",
        "/shell/command?q=alert",
    ):
        html = client.get(url).text
        assert "<script>alert(1)" not in html, url
        assert "<img src=x" not in html, url
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/crm/leads").text


def test_command_menu_finds_crm_records_without_diacritics(client: TestClient, tenant: Any, crm: Crm) -> None:
    account = crm.create("accounts", name="Fabrica de Țiglă Știrbu SRL", cui=VALID_CUI, phone="0744 555 666")
    lead = crm.create("leads", first_name="Șerban", last_name="Căpraru", phone="0733 111 222")
    _login(client, tenant)
    menu = client.get("/shell/command?q=tigla stirbu").text
    assert f"/crm/accounts/{account['id']}" in menu and "Client" in menu
    assert f"/crm/accounts/{account['id']}" in client.get(f"/shell/command?q=RO{VALID_CUI}").text
    assert f"/crm/accounts/{account['id']}" in client.get("/shell/command?q=0744555666").text
    assert f"/crm/leads/{lead['id']}" in client.get("/shell/command?q=serban capraru").text
    assert f"/crm/leads/{lead['id']}" in client.get("/shell/command?q=0733 111 222").text


def test_command_search_needs_crm_read() -> None:
    from types import SimpleNamespace

    from genius.vettify.pages.search import command_search

    nobody = SimpleNamespace(scopes=["ops:read"])
    assert command_search(None, nobody, "anything", 5) == []  # type: ignore[arg-type]


def test_saved_views_are_named_filters_per_user(client: TestClient, tenant: Any, crm: Crm) -> None:
    crm.create("leads", first_name="Ana", last_name="Pop", company_name="Alfa")
    csrf = _login(client, tenant)
    filtered = client.get("/crm/leads?status=new&sort=-created_at&q=pop")
    assert 'action="/crm/leads/views"' in filtered.text
    assert "Nicio vedere salvată" in filtered.text

    # The query is rebuilt from the list's own parameters: an unknown one is dropped.
    saved = client.post(
        "/crm/leads/views",
        data={"csrf_token": csrf, "name": "  Noii   mei ", "query": "status=new&q=pop&evil=1"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/crm/leads?q=pop&status=new"
    page = client.get("/crm/leads")
    assert 'href="/crm/leads?q=pop&amp;status=new"' in page.text and "Noii mei" in page.text

    # Saving under the same name replaces it; a blank name is refused with a message, nothing saved.
    replace = {"csrf_token": csrf, "name": "Noii mei", "query": "status=qualified"}
    client.post("/crm/leads/views", data=replace)
    refused = client.post("/crm/leads/views", data={"csrf_token": csrf, "name": "   ", "query": "q=x"})
    assert refused.status_code == 200 and "între 1 și 60 de caractere" in refused.text
    page = client.get("/crm/leads").text
    assert page.count('name="name" value="Noii mei"') == 1 and "status=qualified" in page

    # Without the CSRF token nothing changes; deleting removes it.
    assert client.post("/crm/leads/views/delete", data={"name": "Noii mei"}).status_code == 403
    gone = client.post("/crm/leads/views/delete", data={"csrf_token": csrf, "name": "Noii mei"})
    assert gone.status_code == 200 and "Nicio vedere salvată" in gone.text
