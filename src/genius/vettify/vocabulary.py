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
    SELECT term FROM unnest(CAST(:terms AS text[])) AS term
    WHERE NOT EXISTS (
        SELECT 1 FROM crm.search_words AS w
        WHERE w.entity = :entity AND w.word >= term COLLATE "C" AND w.word < (term || '{') COLLATE "C"
    )
    """
)  # "{" sorts right after "z": the range holds exactly the words that start with the term

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
    unknown = set(session.scalars(_UNKNOWN, {"terms": checked, "entity": entity}))
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


def similar_words(session: Session, entity: str, word: str) -> list[str]:
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
