"""Reading files (encodings, separators, header, synonyms) and the SQL validators against the Python ones."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text

from genius.vettify import schemas
from genius.vettify.imports import parsing
from genius.vettify.imports.repository import TARGETS
from genius.workers.celery_app import route_by_name
from genius.workers.etl_sync import tasks


def test_encodings() -> None:
    word = "Şteţ Brașov"
    assert parsing.decode(b"\xef\xbb\xbf" + word.encode()).text == "Șteț Brașov"
    assert parsing.decode(word.encode()).encoding == "utf-8"
    cp = parsing.decode("Ştefan Ţăranu, Timişoara".encode("cp1250"))
    assert cp.encoding == "cp1250" and cp.text == "Ștefan Țăranu, Timișoara"
    assert parsing.decode(b"a\x00b").text == "ab"
    # Decomposed (NFD) letters become the composed ones before the cedilla fix.
    assert parsing.decode("s\u0327".encode()).text == "ș"
    with pytest.raises(parsing.CsvProblem):
        parsing.decode(b"\x81\x83")


@pytest.mark.parametrize(
    ("sample", "expected"),
    [("a;b;c\n1;2;3\n", ";"), ("a,b,c\n1,2,3\n", ","), ("a\tb\n1\t2\n", "\t"), ('"x;y",b\n"1;2",3\n', ",")],
)
def test_separators(sample: str, expected: str) -> None:
    assert parsing.sniff_delimiter(sample) == expected


def test_records_keep_quoted_newlines_and_number_rows() -> None:
    text_data = 'A;B\n1;"two\nlines"\n\n3;4\n'
    assert list(parsing.records(text_data, ";")) == [(2, ["1", "two\nlines"]), (4, ["3", "4"])]


def test_suggested_mapping_romanian_and_english() -> None:
    fields = list(TARGETS["leads"].fields)
    columns = [
        "Nume",
        "Prenume",
        "E-mail",
        "Nr. telefon",
        "Firmă",
        "CIF",
        "Oraș/Localitate",
        "Județ",
        "Funcție",
    ]
    assert parsing.suggest_mapping(columns, fields, "leads") == {
        "Nume": "last_name",
        "Prenume": "first_name",
        "E-mail": "email",
        "Nr. telefon": "phone",
        "Firmă": "company_name",
        "CIF": "cui",
        "Oraș/Localitate": "city",
        "Județ": "county",
        "Funcție": "job_title",
    }
    english = ["First Name", "Last Name", "Email Address", "Phone", "Company", "City", "Notes"]
    assert set(parsing.suggest_mapping(english, fields, "leads").values()) == {
        "first_name",
        "last_name",
        "email",
        "phone",
        "company_name",
        "city",
        "notes",
    }
    accounts = parsing.suggest_mapping(
        ["Denumire", "CUI", "Adresa", "Website"], list(TARGETS["accounts"].fields), "accounts"
    )
    assert accounts == {"Denumire": "name", "CUI": "cui", "Adresa": "address", "Website": "website"}


CUIS = [
    "RO18547290",
    "18547290",
    "RO 185 472 90",
    "ro18547290",
    "123",
    "124",
    "0124",
    "1",
    "12345678901",
    "RO",
    "abc",
    "18547291",
    "2",
    "22",
    "14399840",
    "RO14399840",
    "1-8-5-4-7-2-9-0",
]
PHONES = [
    "0722 123 456",
    "0722-123-456",
    "(0722) 123.456",
    "+40 722 123 456",
    "0040722123456",
    "0268/111222",
    "12345",
    "07",
    "+4",
    "+1 202 555 0143",
    "0722 123 45",
    "+0722123456",
    "722123456",
]
EMAILS = [
    "ana@exemplu.ro",
    "ANA@Exemplu.RO",
    "a.b+c@sub.exemplu.ro",
    "not-an-email",
    "a@b",
    "a..b@x.ro",
    "a@-x.ro",
    "@x.ro",
    "a@x.r",
    "ana@exemplu.ro.",
    "o'brien@exemplu.ie",
    "a b@x.ro",
    "a@x.r1",
    "a@x.r-o",
    "a@1.ro",
    "a@x_y.ro",
    "a@x.-ro",
    "a@localhost",
    "x" * 65 + "@x.ro",
]


def python_value(kind: str, value: str) -> str | None:
    try:
        if kind == "cui":
            return schemas.normalise_cui(value)
        if kind == "phone":
            return schemas.normalise_phone(value)
        from pydantic import TypeAdapter

        return TypeAdapter(schemas.Email).validate_python(value)
    except Exception:
        return None


@pytest.mark.parametrize(("kind", "values"), [("cui", CUIS), ("phone", PHONES), ("email", EMAILS)])
def test_sql_validators_agree_with_the_api(db: Connection, kind: str, values: list[str]) -> None:
    for value in values:
        sql = db.execute(text(f"SELECT crm.import_{kind}(:v)"), {"v": value}).scalar()
        assert sql == python_value(kind, value), value


def test_task_routes_to_etl_sync_and_health(platform: object, db: Connection) -> None:
    route = route_by_name(tasks.crm_import.name, None, None, None)
    assert tasks.crm_import.name == "etl.sync.crm_import" and route == {
        "queue": "etl.sync",
        "routing_key": "etl.sync",
    }
    tasks.use_context(platform.db)  # type: ignore[attr-defined]
    try:
        assert "COPY ok" in tasks.health()
    finally:
        tasks.use_context(None)
