"""The opportunities pages (board, list, record, stage moves) and the CRM dashboard, through TestClient."""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from genius.core.platform import Platform
from genius.vettify import schemas as s
from genius.vettify import service
from genius.vettify.pages import dashboard
from genius.vettify.repository import pipeline as repo
from tests.conftest import PASSWORD

JSON = {"Accept": "application/json"}


def login(client: TestClient, tenant: Any) -> str:
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    r = client.post(
        "/login",
        data={
            "tenant": tenant.slug,
            "email": tenant.admin_email,
            "password": PASSWORD,
            "csrf_token": token.group(1),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = client.get("/crm/opportunities")
    csrf = re.search(r'"X-CSRF-Token": "([^"]+)"', page.text)
    assert csrf, page.text
    return csrf.group(1)


def seed(
    platform: Platform,
    tid: uuid.UUID,
    opps: list[tuple[str, str, str, str]],
    account: str = "Alfa Construct SRL",
) -> list[uuid.UUID]:
    """Opportunities (name, stage, amount, currency) on one account; closed ones through the service."""
    who = service.Actor(tid=tid, name="test@example.com")
    ids = []
    with platform.db.tenant_session(tid) as db:
        acc = service.create_account(db, who, s.AccountCreate(name=account))
        for name, stage, amount, currency in opps:
            closed = stage in ("won", "lost")
            opp = service.create_opportunity(
                db,
                who,
                s.OpportunityCreate(
                    name=name,
                    account_id=acc.id,
                    amount=Decimal(amount),
                    currency=currency,
                    stage=s.Stage.negotiation if closed else s.Stage(stage),
                    expected_close_date=date(2027, 3, 15),
                    owner="Ana Pop",
                ),
            )
            if closed:
                service.change_stage(db, who, opp.id, s.Stage(stage), "motiv", None)
            ids.append(opp.id)
    return ids


def column(html: str, stage: str) -> str:
    start = html.index(f'data-stage="{stage}" data-label=')
    end = html.find("</section>", start)
    return html[start:end]


def current(platform: Platform, tid: uuid.UUID, opp_id: uuid.UUID) -> Any:
    with platform.db.tenant_session(tid) as db:
        opp = service.get_record(db, service.OPPORTUNITIES, opp_id)
        return opp.stage, opp.version, opp.stage_reason


def test_board_renders_columns_with_counts_and_romanian_totals(
    client: TestClient, platform: Platform, tenant: Any
) -> None:
    seed(
        platform,
        tenant.id,
        [
            ("Licențe ERP", "proposal", "1500.00", "RON"),
            ("Implementare CRM", "proposal", "12000.00", "RON"),
            ("Mentenanță", "proposal", "2000.00", "EUR"),
            ("Consultanță SAF-T", "won", "99000.00", "RON"),
        ],
    )
    login(client, tenant)
    page = client.get("/crm/opportunities")
    assert page.status_code == 200
    html = page.text
    for stage in ("prospecting", "qualification", "proposal", "negotiation", "won", "lost"):
        assert f'id="kcol-{stage}-h"' in html
    proposal = column(html, "proposal")
    assert re.search(r"data-count[^>]*>3<", proposal)
    assert "13,5\u00a0mii lei + 2\u00a0mii EUR" in proposal  # |money_short, lei first
    assert 'title="13.500,00\u00a0lei + 2.000,00\u00a0EUR"' in proposal  # |money
    assert "1.500,00\u00a0lei" in proposal and "15.03.2027" in proposal and "Ana Pop" in proposal
    assert "Alfa Construct SRL" in proposal
    assert "Consultanță SAF-T" in column(html, "won") and re.search(
        r"data-count[^>]*>1<", column(html, "won")
    )
    # Drag handles, the move menu and the scripts for a writer; every card links to its record page.
    assert "kcard-grip" in html and "/static/vettify/kanban.js" in html and "Sortable.min.js" in html
    assert re.search(r'href="/crm/opportunities/[0-9a-f-]{36}"', html)


def test_a_stage_move_is_kept_and_answers_the_new_totals(
    client: TestClient, platform: Platform, tenant: Any
) -> None:
    (opp,) = seed(platform, tenant.id, [("Licențe ERP", "prospecting", "2500.00", "RON")])
    csrf = login(client, tenant)
    r = client.post(
        f"/crm/opportunities/{opp}/stage",
        data={"stage": "proposal"},
        headers={**JSON, "X-CSRF-Token": csrf, "If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] and body["stage"] == "proposal" and body["version"] == 2 and r.headers["ETag"] == '"2"'
    assert body["columns"]["proposal"]["count"] == 1 and body["columns"]["prospecting"]["count"] == 0
    assert body["columns"]["proposal"]["total_short"] == "2,5\u00a0mii lei"
    assert "won" in body["allowed"] and "proposal" not in body["allowed"]
    assert current(platform, tenant.id, opp)[:2] == ("proposal", 2)
    assert 'data-stage="proposal" data-name="Licențe ERP"' in client.get("/crm/opportunities").text
    record = client.get(f"/crm/opportunities/{opp}")
    assert (
        record.status_code == 200
        and "test@example.com" in record.text
        and "Istoricul etapelor" in record.text
    )


def test_the_plain_form_moves_and_redirects(client: TestClient, platform: Platform, tenant: Any) -> None:
    (opp,) = seed(platform, tenant.id, [("Licențe ERP", "prospecting", "2500.00", "RON")])
    csrf = login(client, tenant)
    r = client.post(
        f"/crm/opportunities/{opp}/stage",
        data={
            "stage": "won",
            "reason": "Semnat",
            "version": "1",
            "csrf_token": csrf,
            "next": "/crm/opportunities",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/crm/opportunities"
    assert current(platform, tenant.id, opp) == ("won", 2, "Semnat")
    record = client.get(f"/crm/opportunities/{opp}").text
    assert "Semnat" in record and "definitiv" in record  # a won opportunity is final: no form


def test_won_without_a_reason_is_refused_and_nothing_changes(
    client: TestClient, platform: Platform, tenant: Any
) -> None:
    (opp,) = seed(platform, tenant.id, [("Licențe ERP", "negotiation", "2500.00", "RON")])
    csrf = login(client, tenant)
    r = client.post(
        f"/crm/opportunities/{opp}/stage", data={"stage": "won"}, headers={**JSON, "X-CSRF-Token": csrf}
    )
    assert r.status_code == 422
    assert r.json() == {
        "ok": False,
        "code": "reason-required",
        "field": "reason",
        "message": "Indicați un motiv pentru a muta oportunitatea în etapa Câștigată.",
    }
    assert current(platform, tenant.id, opp) == ("negotiation", 1, None)
    # Without JavaScript: the record page again, status 422, the error at the reason field.
    form = client.post(
        f"/crm/opportunities/{opp}/stage", data={"stage": "lost", "version": "1", "csrf_token": csrf}
    )
    assert form.status_code == 422
    assert (
        'aria-invalid="true"' in form.text and "Pierdută" in form.text and 'id="f-reason-error"' in form.text
    )
    assert current(platform, tenant.id, opp) == ("negotiation", 1, None)
    # A move the rules forbid (won is final) is a 409.
    (won,) = seed(platform, tenant.id, [("Vândut", "won", "10.00", "RON")], account="Beta SRL")
    r = client.post(
        f"/crm/opportunities/{won}/stage", data={"stage": "proposal"}, headers={**JSON, "X-CSRF-Token": csrf}
    )
    assert r.status_code == 409 and r.json()["code"] == "stage-transition"


def test_a_stale_version_is_refused_with_412(client: TestClient, platform: Platform, tenant: Any) -> None:
    (opp,) = seed(platform, tenant.id, [("Licențe ERP", "prospecting", "2500.00", "RON")])
    csrf = login(client, tenant)
    ok = client.post(
        f"/crm/opportunities/{opp}/stage",
        data={"stage": "qualification"},
        headers={**JSON, "X-CSRF-Token": csrf, "If-Match": '"1"'},
    )
    assert ok.status_code == 200
    stale = client.post(
        f"/crm/opportunities/{opp}/stage",
        data={"stage": "proposal"},
        headers={**JSON, "X-CSRF-Token": csrf, "If-Match": '"1"'},
    )
    assert stale.status_code == 412 and stale.json()["code"] == "stale"
    assert "Altcineva" in stale.json()["message"]
    assert current(platform, tenant.id, opp)[:2] == ("qualification", 2)


def test_csrf_is_required(client: TestClient, platform: Platform, tenant: Any) -> None:
    (opp,) = seed(platform, tenant.id, [("Licențe ERP", "prospecting", "2500.00", "RON")])
    login(client, tenant)
    r = client.post(f"/crm/opportunities/{opp}/stage", data={"stage": "proposal"}, headers=JSON)
    assert r.status_code == 403
    assert current(platform, tenant.id, opp)[0] == "prospecting"


def test_list_view_sorts_and_pages(client: TestClient, platform: Platform, tenant: Any) -> None:
    seed(
        platform,
        tenant.id,
        [(f"Oportunitate {n:02d}", "qualification", f"{n * 100}.00", "RON") for n in range(1, 31)],
    )
    login(client, tenant)
    first = client.get("/crm/opportunities?view=list&sort=amount")
    assert first.status_code == 200
    names = re.findall(r'class="cell-title" href="[^"]+">([^<]+)<', first.text)
    assert names == [f"Oportunitate {n:02d}" for n in range(1, 26)]
    assert (
        "100,00\u00a0lei" in first.text
        and 'aria-sort="ascending"' in first.text
        and "25 din 30" in first.text
    )
    nxt = re.search(r'href="(/crm/opportunities\?[^"]*cursor=[^"]+)" rel="next"', first.text)
    assert nxt
    second = client.get(nxt.group(1).replace("&amp;", "&"))
    assert re.findall(r'class="cell-title" href="[^"]+">([^<]+)<', second.text) == [
        f"Oportunitate {n:02d}" for n in range(26, 31)
    ]
    desc = client.get("/crm/opportunities?view=list&sort=-amount", headers={"HX-Request": "true"})
    assert "<html" not in desc.text
    assert re.findall(r'class="cell-title" href="[^"]+">([^<]+)<', desc.text)[0] == "Oportunitate 30"
    filtered = client.get("/crm/opportunities?view=list&stage=won")
    assert "Oportunitate" not in filtered.text.split('id="opp-list"')[1]
    assert client.get("/crm/opportunities?view=list&sort=nonsense&cursor=garbage").status_code == 200


def test_dashboard_kpis_charts_and_cache(
    client: TestClient, platform: Platform, tenant: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(
        platform,
        tenant.id,
        [("Licențe ERP", "proposal", "120000.00", "RON"), ("Mentenanță", "won", "5000.00", "RON")],
    )
    who = service.Actor(tid=tenant.id, name="test")
    with platform.db.tenant_session(tenant.id) as db:
        for n in range(3):
            service.create_lead(db, who, s.LeadCreate(last_name=f"Popescu {n}", company_name="Gama SRL"))
    login(client, tenant)
    calls: list[int] = []
    original = repo.stage_totals

    def counting(db: Any) -> Any:
        calls.append(1)
        return original(db)

    monkeypatch.setattr(repo, "stage_totals", counting)
    first = client.get("/crm")
    assert first.status_code == 200 and first.headers["X-Cache"] == "miss"
    html = first.text
    assert "Clienți potențiali azi" in html and re.search(r'class="value">3<', html)
    assert "Rata de conversie" in html and "0,0\u00a0%" in html
    assert "120\u00a0mii lei" in html  # the open pipeline, and the proposal bar's label
    assert 'role="img"' in html and "<desc" in html and html.count('class="chart-data"') == 2
    assert "Valoare (lei)" in html and "120.000,00\u00a0lei" in html  # the axis title and the table
    assert "Clienți cu risc" in html and "Alfa Construct SRL" in html  # open opportunity, no activity
    second = client.get("/crm")
    assert second.headers["X-Cache"] == "hit" and len(calls) == 1
    dashboard.forget(_FakeRequest(client), tenant.id)  # type: ignore[arg-type]
    assert client.get("/crm").headers["X-Cache"] == "miss" and len(calls) == 2


class _FakeRequest:
    """Just enough of a Request for ``dashboard.forget`` (it reads the platform from the app)."""

    def __init__(self, client: TestClient) -> None:
        self.app = client.app


def test_a_viewer_reads_but_cannot_move(client: TestClient, platform: Platform, make_tenant: Any) -> None:
    viewer = make_tenant(role="viewer")
    (opp,) = seed(platform, viewer.id, [("Licențe ERP", "prospecting", "2500.00", "RON")])
    csrf = login(client, viewer)
    board = client.get("/crm/opportunities")
    assert board.status_code == 200 and "Licențe ERP" in board.text
    assert "kcard-grip" not in board.text and "kmove" not in board.text and "kanban.js" not in board.text
    assert "tabindex" not in column(board.text, "prospecting")
    record = client.get(f"/crm/opportunities/{opp}")
    assert record.status_code == 200 and 'name="reason"' not in record.text
    r = client.post(
        f"/crm/opportunities/{opp}/stage", data={"stage": "proposal"}, headers={**JSON, "X-CSRF-Token": csrf}
    )
    assert r.status_code == 403
    assert current(platform, viewer.id, opp)[0] == "prospecting"
    assert client.get("/crm").status_code == 200


def test_another_tenants_opportunity_is_404(client: TestClient, platform: Platform, make_tenant: Any) -> None:
    mine, other = make_tenant(), make_tenant()
    (theirs,) = seed(platform, other.id, [("Secret", "prospecting", "2500.00", "RON")])
    csrf = login(client, mine)
    assert client.get(f"/crm/opportunities/{theirs}").status_code == 404
    r = client.post(
        f"/crm/opportunities/{theirs}/stage",
        data={"stage": "proposal"},
        headers={**JSON, "X-CSRF-Token": csrf},
    )
    assert r.status_code == 404
    assert "Secret" not in client.get("/crm/opportunities").text
    assert current(platform, other.id, theirs)[0] == "prospecting"
    assert client.get("/crm/opportunities/not-a-uuid").status_code in (404, 422)


def test_names_are_escaped(client: TestClient, platform: Platform, tenant: Any) -> None:
    payload = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    (opp,) = seed(platform, tenant.id, [(payload, "prospecting", "10.00", "RON")], account=payload)
    login(client, tenant)
    for url in ("/crm/opportunities", "/crm/opportunities?view=list", f"/crm/opportunities/{opp}", "/crm"):
        html = client.get(url).text
        assert "<script>alert(1)" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url


def test_an_empty_tenant_gets_empty_states(client: TestClient, tenant: Any) -> None:
    login(client, tenant)
    board = client.get("/crm/opportunities")
    assert board.status_code == 200 and "Încă nu există oportunități" in board.text
    listing = client.get("/crm/opportunities?view=list")
    assert listing.status_code == 200 and "Nicio oportunitate nu corespunde" in listing.text
    dash = client.get("/crm")
    assert dash.status_code == 200 and "Niciun client cu risc" in dash.text and "—" in dash.text


def test_a_new_opportunity_from_a_column_with_inline_errors(
    client: TestClient, platform: Platform, tenant: Any
) -> None:
    seed(platform, tenant.id, [("Existent", "proposal", "10", "RON")], account="Ștefănescu Trans SRL")
    csrf = login(client, tenant)
    board = client.get("/crm/opportunities").text
    assert 'href="/crm/opportunities/new?stage=proposal"' in board
    assert 'href="/crm/opportunities/new?stage=won"' not in board  # a new deal starts open

    form = client.get("/crm/opportunities/new?stage=proposal")
    assert form.status_code == 200
    assert '<option value="proposal" selected>' in form.text
    account_id = re.search(r'<option value="([0-9a-f-]{36})">Ștefănescu Trans SRL', form.text)
    assert account_id, form.text
    # The picker finds the account without diacritics.
    options = client.get("/crm/opportunities/account-options?q=stefanescu", headers={"HX-Request": "true"})
    assert account_id.group(1) in options.text and "<html" not in options.text

    # No name, no account, a bad amount: refused with the fields named, nothing created.
    data = {
        "csrf_token": csrf,
        "name": "",
        "account_id": "",
        "stage": "proposal",
        "amount": "doi",
        "currency": "RON",
    }
    refused = client.post("/crm/opportunities/new", data=data)
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in refused.text and "Obligatoriu" in refused.text
    assert 'value="doi"' in refused.text  # what was typed stays

    data |= {"name": "Flotă 2027", "account_id": account_id.group(1), "amount": "12.500,50"}
    created = client.post("/crm/opportunities/new", data=data, follow_redirects=False)
    assert created.status_code == 303
    opp_id = uuid.UUID(created.headers["location"].rsplit("/", 1)[1])
    with platform.db.tenant_session(tenant.id) as db:
        opp = service.get_record(db, service.OPPORTUNITIES, opp_id)
        assert (opp.name, opp.stage, opp.amount) == ("Flotă 2027", "proposal", Decimal("12500.50"))
    assert "Flotă 2027" in column(client.get("/crm/opportunities").text, "proposal")


def test_a_reader_cannot_open_the_new_opportunity_form(client: TestClient, make_tenant: Any) -> None:
    viewer = make_tenant(role="viewer")
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    data = {
        "tenant": viewer.slug,
        "email": viewer.admin_email,
        "password": PASSWORD,
        "csrf_token": token.group(1),
    }
    client.post("/login", data=data)
    assert client.get("/crm/opportunities/new").status_code == 403
    assert "/crm/opportunities/new" not in client.get("/crm/opportunities").text
