"""The search vocabulary: kept by triggers, per tenant, and used to correct misspelt terms."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from genius.vettify import fuzzy
from genius.vettify.repository import vocabulary
from tests.vettify.conftest import Crm


def _words(platform: Any, tid: Any, entity: str) -> set[str]:
    with platform.db.tenant_session(tid) as s:
        return set(s.scalars(text("SELECT word FROM crm.search_words WHERE entity = :e"), {"e": entity}))


def test_inserts_and_updates_add_the_leading_letters_of_every_lexeme(
    crm: Crm, tenant: Any, platform: Any
) -> None:
    lead = crm.create(
        "leads", first_name="Ștefan", last_name="Dumitrescu", email="ion.popa1@gmail.com", city="Cluj-Napoca"
    )
    words = _words(platform, tenant.id, "leads")
    # Folded like the search vector; an e-mail gives its first letters; short words are left out.
    assert {"stefan", "dumitrescu", "ion", "cluj", "napoca"} <= words
    assert not any(w for w in words if not w.isalpha() or len(w) < 3)
    r = crm.call("PATCH", f"/leads/{lead['id']}", {"last_name": "Țurcanu"}, if_match=f'"{lead["version"]}"')
    assert r.status_code == 200, r.text
    assert "turcanu" in _words(platform, tenant.id, "leads")
    assert "turcanu" not in _words(platform, tenant.id, "accounts")
    with platform.db.tenant_session(tenant.id) as s:
        rows = s.execute(
            text(
                "SELECT trigram, trigram_count FROM crm.search_trigrams "
                "WHERE entity = 'leads' AND word = 'turcanu'"
            )
        ).all()
        with_pg_trgm = vocabulary.has_pg_trgm(s)
    if with_pg_trgm:  # its GIN index on the words serves instead of the trigram rows
        assert rows == []
    else:
        assert {t for t, _ in rows} == fuzzy.word_trigrams("turcanu")
        assert {n for _, n in rows} == {len(fuzzy.word_trigrams("turcanu"))}


@pytest.mark.parametrize("word", ["ab", "popescu", "aaaaa", "dumitrescu", "x" * 40])
def test_sql_trigrams_are_the_python_ones(db: Any, word: str) -> None:
    rows = db.execute(text("SELECT trigram, trigram_count FROM crm.word_trigrams(:w)"), {"w": word}).all()
    assert {t for t, _ in rows} == fuzzy.word_trigrams(word)
    assert {n for _, n in rows} == {len(fuzzy.word_trigrams(word))}


def test_misspelt_terms_are_corrected_and_pages_continue(crm: Crm) -> None:
    for i in range(5):
        crm.create("leads", first_name=f"Ana{i}", last_name="Dumitrescu", company_name="Construct Nord SRL")
    crm.create("leads", first_name="Radu", last_name="Stoica", city="Brașov")
    crm.create("leads", first_name="Elena", last_name="Munteanu", city="Brașov")
    page = crm.call("GET", "/leads?search=dumitresku&limit=3").json()
    assert [i["first_name"] for i in page["items"]] == ["Ana4", "Ana3", "Ana2"] and page["next"]
    rest = crm.call("GET", f"/leads?search=dumitresku&limit=3&cursor={page['next']}").json()
    assert [i["first_name"] for i in rest["items"]] == ["Ana1", "Ana0"] and rest["next"] is None
    # A known word next to a misspelt one: both must match (AND), the typo through its correction.
    both = crm.call("GET", "/leads?search=brasov+munteamu").json()
    assert [i["first_name"] for i in both["items"]] == ["Elena"]
    assert crm.call("GET", "/leads?search=constructii&count=true").json()["total"] == 5
    # Nothing similar in the vocabulary: an empty page, without touching the leads.
    assert crm.call("GET", "/leads?search=zzzzqqq&count=true").json() == {
        "items": [],
        "next": None,
        "total": 0,
    }
    # A prefix of a stored word is not a typo: as you type, it matches as before.
    assert len(crm.call("GET", "/leads?search=dumitr").json()["items"]) == 5


def test_one_tenants_words_never_correct_anothers_search(
    client: Any, make_tenant: Any, platform: Any
) -> None:
    a, b = make_tenant(), make_tenant()
    Crm(client, a.headers).create("leads", last_name="Zamfirescu")
    Crm(client, b.headers).create("leads", last_name="Ionescu")
    assert "zamfirescu" in _words(platform, a.id, "leads")
    assert "zamfirescu" not in _words(platform, b.id, "leads")
    found = Crm(client, b.headers).call("GET", "/leads?search=zamfirescku").json()
    assert found["items"] == []
    assert [
        i["last_name"]
        for i in Crm(client, a.headers).call("GET", "/leads?search=zamfirescku").json()["items"]
    ] == ["Zamfirescu"]


def test_a_name_typed_as_stored_is_always_found(crm: Crm) -> None:
    """Whatever the letters, the vocabulary's folding never hides a row its own name finds."""
    names = [
        "İstanbul Trade",
        "Łódź Impex",
        "Ærø Design",
        "Straße Bau",
        "Ñandú SRL",
        "Ça Va",
        "Ǆungla",
        "Ǳorn",
    ]
    for name in names:
        crm.create("accounts", name=name)
    for name in names:
        for term in (name, name.split()[0], name.lower(), name.upper()):
            r = crm.client.get("/v1/crm/accounts", params={"search": term}, headers=crm.headers)
            found = r.json()
            assert name in [a["name"] for a in found["items"]], term
