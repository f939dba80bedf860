"""Search without diacritics, fuzzy names, filters, sorting and keyset pages."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text

from tests.vettify.conftest import Crm


def _names(page: dict[str, Any], key: str = "name") -> list[str]:
    return [item[key] for item in page["items"]]


def test_diacritics_are_ignored(crm: Crm) -> None:
    crm.create("accounts", name="Transporturi Brașov SRL", city="Brașov")
    crm.create("accounts", name="Ţesătoria Iaşi", city="Iaşi")  # cedilla forms
    crm.create("accounts", name="Cluj Soft", city="Cluj-Napoca")
    assert _names(crm.call("GET", "/accounts?search=Brasov").json()) == ["Transporturi Brașov SRL"]
    assert _names(crm.call("GET", "/accounts?search=brașov").json()) == ["Transporturi Brașov SRL"]
    assert _names(crm.call("GET", "/accounts?search=Țesătoria").json()) == ["Ţesătoria Iaşi"]
    assert _names(crm.call("GET", "/accounts?search=iasi").json()) == ["Ţesătoria Iaşi"]
    # Prefixes match as you type.
    assert _names(crm.call("GET", "/accounts?search=transp").json()) == ["Transporturi Brașov SRL"]


def test_fuzzy_names_and_leads(crm: Crm) -> None:
    crm.create("leads", first_name="Ionuț", last_name="Popescu", company_name="Agro Vest", city="Timișoara")
    crm.create("leads", first_name="Maria", last_name="Ionescu", email="maria@firma.ro")
    found = crm.call("GET", "/leads?search=Popesku").json()  # misspelt
    assert _names(found, "last_name") == ["Popescu"] and found["next"] is None
    assert _names(crm.call("GET", "/leads?search=timisoara").json(), "last_name") == ["Popescu"]
    assert _names(crm.call("GET", "/leads?search=maria@firma.ro").json(), "last_name") == ["Ionescu"]
    assert crm.call("GET", "/leads?search=zzzzqqq").json()["items"] == []


def test_hostile_search_terms_never_fail(crm: Crm) -> None:
    crm.create("accounts", name="Omega SRL")
    for q in [
        "'",
        "&",
        "!(",
        ":*",
        "a & | b",
        "\\",
        "'; DROP TABLE x; --",
        "<->",
        "%",
        "日本",
        "-",
        "@@",
        "_",
        "a _ b",
        "a-.-b",
        "ª½",
        "a\u0301",
        "İstanbul",
        "ß",
        "٣٤",
        "x" * 200,
        "a.b@c.d",
    ]:
        r = crm.client.get("/v1/crm/accounts", params={"search": q}, headers=crm.headers)
        assert r.status_code == 200, (q, r.text)


def test_keyset_pages_and_total(crm: Crm) -> None:
    for i in range(7):
        crm.create("accounts", name=f"Firma {i:02d}", city="Sibiu" if i % 2 else "Arad")
    seen: list[str] = []
    url = "/accounts?sort=name&limit=3&count=true"
    page = crm.call("GET", url).json()
    assert page["total"] == 7
    seen += _names(page)
    while page["next"]:
        page = crm.call("GET", f"/accounts?sort=name&limit=3&cursor={page['next']}").json()
        seen += _names(page)
    assert seen == [f"Firma {i:02d}" for i in range(7)]

    desc = crm.call("GET", "/accounts?sort=-name&limit=4").json()
    assert _names(desc) == ["Firma 06", "Firma 05", "Firma 04", "Firma 03"]
    rest = crm.call("GET", f"/accounts?sort=-name&limit=4&cursor={desc['next']}").json()
    assert _names(rest) == ["Firma 02", "Firma 01", "Firma 00"] and rest["next"] is None

    by_created = crm.call("GET", "/accounts?limit=5").json()
    more = crm.call("GET", f"/accounts?limit=5&cursor={by_created['next']}").json()
    assert len({*_names(by_created), *_names(more)}) == 7
    # A cursor belongs to its sort order.
    assert crm.call("GET", f"/accounts?sort=-created_at&cursor={desc['next']}").status_code == 400

    sibiu = crm.call("GET", "/accounts?city=Sibiu&count=true").json()
    assert sibiu["total"] == 3


def test_sql_normaliser_matches_migration_tables(db: Any) -> None:
    from importlib import import_module

    mig = import_module("genius.migrations.versions.2026_11_23_0006_crm")
    assert len(mig.DIACRITICS) == len(mig.PLAIN)
    assert db.execute(text("SELECT crm.unaccent_ro('ȘȚĂÎÂ șțăîâ ŞŢ şţ')")).scalar() == "staia staia st st"


def test_search_pages_are_the_same_through_the_recent_window_and_the_index(
    crm: Crm, monkeypatch: Any
) -> None:
    """A search looks at the most recent rows first, then at the index: both give the same pages."""
    from genius.vettify.repository import records

    for i in range(12):
        crm.create(
            "leads", first_name=f"Ana{i:02d}", last_name="Popescu" if i % 3 else "Ionescu", city="Sibiu"
        )

    def walk(url: str) -> list[str]:
        names: list[str] = []
        page = crm.call("GET", url).json()
        names += _names(page, "first_name")
        while page["next"]:
            page = crm.call("GET", f"{url}&cursor={page['next']}").json()
            names += _names(page, "first_name")
        return names

    expected = [f"Ana{i:02d}" for i in reversed(range(12)) if i % 3]
    for window in (20_000, 5, 1):
        monkeypatch.setattr(records, "SEARCH_WINDOW", window)
        assert walk("/leads?search=popescu&limit=3") == expected, window
        assert walk("/leads?search=sibiu+popescu&limit=2&sort=updated_at") == expected[::-1], window
        by_name = walk("/leads?search=popescu&limit=3&sort=last_name")  # an expression: the index path
        assert sorted(by_name) == sorted(expected) and len(by_name) == len(expected), window


def test_other_modules_search_leads_by_ids_and_read_their_cards(crm: Crm, db: Any, tenant: Any) -> None:
    """``search_lead_ids`` (outreach's search filter): at most ``limit`` ids, the same on every call,
    with the list's corrections; the planner settings it turns off are back afterwards. ``lead_cards``
    reads the list fields of live leads only."""
    from sqlalchemy.orm import Session

    from genius.vettify import service
    from tests.core.test_rls import as_tenant

    made = [
        crm.create("leads", first_name=f"Ana{i}", last_name="Popescu", company_name="Agro Vest")
        for i in range(7)
    ]
    gone = crm.create("leads", first_name="Dan", last_name="Popescu")
    assert crm.call("DELETE", f"/leads/{gone['id']}").status_code == 204
    as_tenant(db, tenant.id)
    with Session(db) as session:
        session.execute(text("SET LOCAL enable_indexscan = on"))
        every = service.search_lead_ids(session, "Popesku")  # misspelt: corrected
        assert sorted(every) == sorted(m["id"] for m in made)
        first = service.search_lead_ids(session, "popescu", limit=3)
        assert len(first) == 3 and first == service.search_lead_ids(session, "popescu", limit=3)
        assert set(first) <= set(every)
        assert service.search_lead_ids(session, "zzzzqqq") == []
        settings = "SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan')"
        assert tuple(session.execute(text(settings)).one()) == ("on", "on")
        ids = [uuid.UUID(m["id"]) for m in made[:2]] + [uuid.UUID(gone["id"])]
        cards = service.lead_cards(session, ids)
        assert set(cards) == set(ids[:2])
        card = cards[ids[0]]
        assert (card.first_name, card.last_name, card.company_name, card.status) == (
            "Ana0",
            "Popescu",
            "Agro Vest",
            "new",
        )
