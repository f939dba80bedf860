"""Trigram similarity in Python, the same measure as pg_trgm and our ``crm.word_similarity``.

Used when pg_trgm is not installed (the embedded PostgreSQL has no contrib modules): the SQL
fallback functions cost milliseconds per row, so candidates are fetched through the full-text index
and scored here in microseconds.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

THRESHOLD = 0.4  # a near match: as crm.fuzzy_match (migration 0006) and the search vocabulary
_SPLIT = re.compile(r"[\W_]+")  # like [^[:alnum:]]+ in crm.trigrams
_STROKES = str.maketrans("Łł", "Ll")


def fold(text: str) -> str:
    """The same folding as ``crm.unaccent_ro``: NFD, combining marks dropped, ł → l, lower case."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not 0x300 <= ord(c) <= 0x36F).translate(_STROKES).lower()


def words(text: str) -> list[str]:
    return [w for w in _SPLIT.split(fold(text)) if w]


@lru_cache(maxsize=4096)
def word_trigrams(word: str) -> frozenset[str]:
    padded = f"  {word} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def trigrams(text: str) -> frozenset[str]:
    out: set[str] = set()
    for word in words(text):
        out |= word_trigrams(word)
    return frozenset(out)


def similarity(a: str, b: str) -> float:
    """pg_trgm's similarity(): shared trigrams / all distinct trigrams."""
    ta, tb = trigrams(a), trigrams(b)
    union = len(ta | tb)
    return len(ta & tb) / union if union else 0.0


def word_similarity(q: str, name: str) -> float:
    """Best similarity of the query against the whole name or any single word of it."""
    tq = trigrams(q)
    if not tq:
        return 0.0
    best = 0.0
    for candidate in [trigrams(name), *(word_trigrams(w) for w in words(name))]:
        union = len(tq | candidate)
        if union:
            best = max(best, len(tq & candidate) / union)
    return best
