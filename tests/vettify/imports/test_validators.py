"""The import's SQL validators (migration 0043) give the results of migration 0009's definitions, row
for row: on edge cases and on many random strings shaped like e-mails, phones and CUIs."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

from sqlalchemy import Connection, text

import genius.migrations

VERSIONS = Path(genius.migrations.__file__).parent / "versions"


def _original_functions() -> str:
    """Migration 0009's definitions, renamed into the session's temporary schema."""
    path = next(VERSIONS.glob("*_0009_crm_imports.py"))
    spec = importlib.util.spec_from_file_location("migration_0009", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.FUNCTIONS_SQL).replace("crm.import_", "pg_temp.old_import_")


EMAILS = [
    "a@b.ro",
    "A.B@c-d.ro",
    "a..b@c.ro",
    "a@-c.ro",
    "a@c-.ro",
    "a@c.r1",
    "a@c.r-o",
    "a@c.ro-",
    "x@" + "a" * 63 + ".ro",
    "x@" + "a" * 64 + ".ro",
    "x@b." + "a" * 63,
    "x@b." + "a" * 64,
    "x@" + "a" * 63 + "." + "b" * 64 + ".ro",
    "a@b",
    "@b.ro",
    "a@b..ro",
    ".a@b.ro",
    "a.@b.ro",
    "a@b.ro.",
    "ü@b.ro",
    "a b@c.ro",
    "a@@b.ro",
    "a" * 310 + "@b.ro",
    "a" * 320 + "@b.ro",
    "a@1.2.ro",
    "a@b.c.d.e.ro",
    "o'brien+x@exemplu.ro",
    "a@b.ro\n",
    "",
    "user{i}@exemplu.ro",
    "A@B.RO",
]
PHONES = [
    "0722 123 456",
    "0040722123456",
    "+40 (722) 123-456",
    "0722.123.456",
    "021/123.45.67",
    "0112345678",
    "07221234567",
    "00",
    "0",
    "+0123456789",
    "+1234567",
    "+123456789012345",
    "+1234567890123456",
    "00 44 20 7946 0958",
    "abc",
    "",
    "0 0722123456",
    "000722123456",
    "0040 0722",
    "0722\u00a0123\u00a0456",
    "\t0722123456\n",
]
CUIS = [
    "RO 185 472 90",
    "18547290",
    "RO18547290",
    "ro18547290",
    "18547291",
    "0",
    "1",
    "12",
    "19",
    "RO",
    "RO 1-8-5-4-7-2-9-0",
    " 14399840 ",
    "14399840",
    "1234567897",
    "12345678901",
    "01234567",
    "RO0",
    "RO-14399840",
    "14 399 840",
    "R014399840",
    "",
]


def _random_values(rnd: random.Random) -> tuple[list[str], list[str], list[str]]:
    local = "abcXYZ09.-_+'"
    domain = "abz09-."
    emails = [
        "".join(rnd.choice(local) for _ in range(rnd.randint(0, 8)))
        + rnd.choice(["@", "@", "@", "", "@@"])
        + "".join(rnd.choice(domain) for _ in range(rnd.randint(0, 12)))
        for _ in range(3000)
    ]
    phones = [
        "".join(rnd.choice("0123456789 +()-./") for _ in range(rnd.randint(0, 18))) for _ in range(3000)
    ]
    cuis = [
        rnd.choice(["", "RO", "ro", "RO ", " "])
        + "".join(rnd.choice("0123456789 -") for _ in range(rnd.randint(0, 11)))
        for _ in range(3000)
    ] + [str(n) for n in rnd.sample(range(10, 10_000_000_000), 3000)]
    return emails, phones, cuis


def test_validators_agree_with_the_original_definitions(db: Connection) -> None:
    db.execute(text(_original_functions()))
    emails, phones, cuis = _random_values(random.Random(43))
    for kind, values in (("email", EMAILS + emails), ("phone", PHONES + phones), ("cui", CUIS + cuis)):
        rows = db.execute(
            text(
                f"SELECT v, crm.import_{kind}(v) AS new, pg_temp.old_import_{kind}(v) AS old "
                "FROM unnest(CAST(:values AS text[])) AS v"
            ),
            {"values": [*values, None]},
        ).all()
        differing = [(r.v, r.new, r.old) for r in rows if r.new != r.old]
        assert differing == [], kind
        accepted = sum(1 for r in rows if r.new is not None)
        assert 0 < accepted < len(rows), kind  # the inputs exercise both outcomes


def test_validators_are_inlined_or_procedural(db: Connection) -> None:
    """The e-mail check is a non-STRICT SQL function (so the planner inlines it); phone and CUI are
    PL/pgSQL (no SQL function call per row)."""
    found = dict(
        db.execute(
            text(
                "SELECT p.proname || ':' || l.lanname, p.proisstrict FROM pg_proc p "
                "JOIN pg_language l ON l.oid = p.prolang JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = 'crm' AND p.proname IN ('import_email', 'import_phone', 'import_cui')"
            )
        ).all()
    )
    assert found == {"import_email:sql": False, "import_phone:plpgsql": True, "import_cui:plpgsql": True}
