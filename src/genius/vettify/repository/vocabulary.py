"""Spelling correction of search terms against the tenant's search vocabulary.

Migration 0012 keeps, per tenant and entity, the leading letters of every lexeme of the ``search``
column (``crm.search_words``) with their trigrams (``crm.search_trigrams``). A term of letters that
starts no stored word cannot match the full-text prefix query, so instead of a search that finds
nothing (and a fuzzy scan of names after it) the term is replaced by the stored words most similar
to it (pg_trgm's similarity, at least ``fuzzy.THRESHOLD``): "dumitresku" becomes "dumitrescu", and
the corrected query is an ordinary indexed full-text search. Two small index reads per search.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from genius.vettify import fuzzy

CHECKED = re.compile(r"[a-z]{3,}")  # terms the vocabulary can vouch for (the stored words' alphabet)
CORRECTIONS = 5  # stored words tried in place of one unknown term

_UNKNOWN = text(
    """
    SELECT t.term FROM unnest(CAST(:terms AS text[]), CAST(:ends AS text[])) AS t(term, term_end)
    WHERE NOT EXISTS (
        SELECT 1 FROM crm.search_words AS w
        WHERE w.entity = :entity AND w.word >= t.term COLLATE "C" AND w.word < t.term_end COLLATE "C"
    )
    """
)  # term_end is the term + "{" ("{" sorts right after "z"): the range holds exactly the words that
# start with the term. Both bounds are plain values: under RLS a bound computed in SQL (term || '{',
# textcat is not LEAKPROOF) is not used in the index scan, which then reads to the end of the tenant.

_SIMILAR = text(
    """
    SELECT word, count(*)::real / (:size + min(trigram_count) - count(*)) AS similarity
    FROM crm.search_trigrams
    WHERE entity = :entity AND trigram = ANY(CAST(:trigrams AS text[]))
      AND trigram_count BETWEEN :low AND :high
    GROUP BY word
    HAVING count(*)::real / (:size + min(trigram_count) - count(*)) >= :threshold
    ORDER BY similarity DESC, word
    LIMIT :limit
    """
)  # a word with b trigrams has similarity ≤ min(a, b) / max(a, b) to one with a: the count range


@dataclass(frozen=True)
class Corrected:
    """Per term of the query (as the tokenizer gave it): the words to search instead, if any."""

    replacements: dict[str, list[str]]
    impossible: bool  # some term starts no stored word and resembles none: nothing can match


def correct(session: Session, entity: str, terms: Sequence[str]) -> Corrected:
    """Corrections for the terms that start no word of ``entity``'s vocabulary (tenant by RLS)."""
    folded = {term: fuzzy.fold(term) for term in terms}
    checked = sorted({f for f in folded.values() if CHECKED.fullmatch(f)})
    if not checked:
        return Corrected({}, False)
    ends = [term + "{" for term in checked]
    params = {"terms": checked, "ends": ends, "entity": entity}
    unknown = set(session.connection().execute(_UNKNOWN, params).scalars())
    replacements: dict[str, list[str]] = {}
    impossible = False
    for term, f in folded.items():
        if f not in unknown:
            continue
        words = similar_words(session, entity, f)
        if words:
            replacements[term] = words
        else:
            impossible = True
    return Corrected(replacements, impossible)


_TRGM: dict[str, bool] = {}


def has_pg_trgm(session: Session) -> bool:
    """Whether pg_trgm is installed in this database (cached per server and database)."""
    url = session.get_bind().engine.url  # an Engine's .engine is itself; a Connection's is its engine
    key = f"{url.host}:{url.port}/{url.database}"
    if key not in _TRGM:
        found = session.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"))
        _TRGM[key] = bool(found)
    return _TRGM[key]


_SIMILAR_PG_TRGM = text(
    """
    SELECT word FROM crm.search_words
    WHERE entity = :entity AND word % :word
    ORDER BY similarity(word, :word) DESC, word
    LIMIT :limit
    """
)  # pg_trgm's similarity() is the same measure (same padding) as fuzzy.similarity on one word


def similar_words(session: Session, entity: str, word: str) -> list[str]:
    """The stored words most similar to ``word`` (at least ``fuzzy.THRESHOLD``), best first."""
    if has_pg_trgm(session):
        session.execute(
            text("SELECT set_config('pg_trgm.similarity_threshold', :t, true)"), {"t": str(fuzzy.THRESHOLD)}
        )
        return list(session.scalars(_SIMILAR_PG_TRGM, {"entity": entity, "word": word, "limit": CORRECTIONS}))
    trigrams = fuzzy.word_trigrams(word)
    size = len(trigrams)
    return list(
        session.scalars(
            _SIMILAR,
            {
                "entity": entity,
                "trigrams": sorted(trigrams),
                "size": size,
                "low": int(size * fuzzy.THRESHOLD),
                "high": int(size / fuzzy.THRESHOLD) + 1,
                "threshold": fuzzy.THRESHOLD,
                "limit": CORRECTIONS,
            },
        )
    )
