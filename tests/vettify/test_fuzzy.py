"""The Python trigram measure equals the SQL one (crm.trigram_similarity / crm.word_similarity)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from genius.vettify import fuzzy

PAIRS = [
    ("Popesku", "Ionuț Popescu Agro Vest"),
    ("dumitresku", "Maria Dumitrescu"),
    ("Brașov", "Transporturi Brasov SRL"),
    ("Ţesătoria", "Țesătoria Iași"),
    ("x", "Omega"),
    ("", "Omega"),
    ("Alfa S.R.L.", "ALFA SRL"),
    ("Łódź", "Lodz Sp. z o.o."),
    ("straße", "Strasse Müller GmbH"),
]


@pytest.mark.parametrize(("q", "name"), PAIRS)
def test_python_matches_sql(db: Any, q: str, name: str) -> None:
    sql_sim = db.execute(text("SELECT crm.trigram_similarity(:a, :b)"), {"a": q, "b": name}).scalar()
    sql_word = db.execute(text("SELECT crm.word_similarity(:a, :b)"), {"a": q, "b": name}).scalar()
    assert fuzzy.similarity(q, name) == pytest.approx(float(sql_sim or 0), abs=1e-6)
    assert fuzzy.word_similarity(q, name) == pytest.approx(float(sql_word or 0), abs=1e-6)
