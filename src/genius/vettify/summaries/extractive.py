"""The offline summariser: TextRank over TF-IDF sentence vectors, Romanian and English.

No network, no model download. The text is split into sentences (Romanian diacritics, comma-below and
cedilla forms alike; common abbreviations such as ``nr.``, ``dl.``, ``S.R.L.``, ``e.g.`` do not end a
sentence), each sentence becomes a TF-IDF vector of its folded words without stop words, and the
sentences are ranked by PageRank over their cosine similarities (TextRank, damping 0.85). The top ``n``
are kept in their original order; a sentence nearly identical to one already kept is skipped.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

FOLD = str.maketrans(
    {"ș": "s", "ş": "s", "ț": "t", "ţ": "t", "ă": "a", "â": "a", "î": "i", "Ș": "s", "Ş": "s", "Ț": "t"}
)

RO_STOP = frozenset(
    """a acea aceasta această aceea acei aceia acel acela acele acelea acest acesta aceste acestea acestei
    acestia acestui acolo acum ai aia aiba aici al ale alea alt alta altceva alte altul am anume apoi ar
    are as asa asta astazi astea atat atata atatea atatia ati atit atunci au avea avem aveti avut azi ba
    bine ca cam cand care careia carora caruia cat catre ce cea ceea cei ceilalti cel cele celor ceva chiar
    cine cineva cu cum cumva da daca dar de deci deja desi despre din dintr dintre doar doi doua e ea ei el
    ele era este eu fata fi fie fiecare fiind foarte fost fara i ia iar ii il imi in inainte inca insa intr
    intre isi iti la le li lor lui m ma mai mea mei mele mereu meu mi mie mult multa multe multi ne nici nimic
    niste noi nostri nostru noua nu o ori oricare orice pana pe pentru peste pot poate prin sa sai sau se si
    sint sintem spre sub sunt suntem sunteti te ti toata toate tocmai tot toti totul tu tuturor un una unde
    unei unele uneori unor unui unul va vor voi vom vreo vreun""".split()
)
EN_STOP = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers him his how i if in into is it its itself just me more most my no nor not now of
    off on once only or other our ours out over own same she should so some such than that the their them
    then there these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours also get got let us""".split()
)
STOP = RO_STOP | EN_STOP

# Abbreviations whose dot does not end a sentence (folded, lower case, without the dot).
ABBREVIATIONS = frozenset(
    """dl dna dra dnei dlui nr str bd bld ap et jud sc sa srl pfa tel fax art alin lit pct etc ex vs mr mrs ms
    dr prof ing ec av cca aprox ian feb mar apr iun iul aug sep sept oct noi nov dec inc ltd co corp eg ie
    no min max""".split()
)
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
# A candidate break: end punctuation (closing quotes/brackets) then space, a blank line, a bullet.
_BREAK = re.compile(r"(?<=[.!?…])[\"'”»)\]]*\s+|\n\s*\n|\n(?=\s*[-•*\u2013]\s)")
_TOKEN_BEFORE = re.compile(r"([^\s]+)$")


def fold(text: str) -> str:
    """Lower case without diacritics (ș/ş → s, ț/ţ → t, ă/â → a, î → i, é → e …)."""
    lowered = text.lower().translate(FOLD)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def _ends_with_abbreviation(chunk: str) -> bool:
    match = _TOKEN_BEFORE.search(chunk.rstrip())
    if not match:
        return False
    token = match.group(1)
    if not token.endswith("."):
        return False
    bare = fold(token.rstrip(".")).strip("(\"'„“")
    # S.R.L., e.g., i.e.: dotted initials; a single letter (initial of a name)
    return bare in ABBREVIATIONS or "." in bare or len(bare) == 1


def sentences(text: str) -> list[str]:
    """Split ``text`` into sentences; bullets and lines are sentences of their own."""
    out: list[str] = []
    pending = ""
    pos = 0
    pieces: list[str] = []
    for m in _BREAK.finditer(text):
        pieces.append(text[pos : m.start()])
        pos = m.end()
    pieces.append(text[pos:])
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        pending = f"{pending} {piece}" if pending else piece
        if _ends_with_abbreviation(pending) and not pending.endswith(".."):
            continue
        out.append(pending)
        pending = ""
    if pending:
        out.append(pending)
    cleaned = [re.sub(r"^\s*[-•*\u2013]\s*", "", s).strip() for s in out]
    return [s for s in cleaned if words(s)]


def language(text: str) -> str:
    """``ro`` or ``en``: Romanian diacritics and stop words against English stop words."""
    tokens = words(text)
    ro = sum(1 for t in tokens if t in RO_STOP and t not in EN_STOP)
    en = sum(1 for t in tokens if t in EN_STOP and t not in RO_STOP)
    ro += 2 * sum(1 for c in text if c in "ăâîșşțţĂÂÎȘŞȚŢ")
    return "en" if en > ro else "ro"


def _vectors(sents: Sequence[str]) -> list[dict[str, float]]:
    bags = [Counter(w for w in words(s) if w not in STOP) for s in sents]
    df: Counter[str] = Counter()
    for bag in bags:
        df.update(bag.keys())
    n = len(bags)
    out = []
    for bag in bags:
        vec = {w: (1 + math.log(c)) * math.log((1 + n) / (1 + df[w]) + 1) for w, c in bag.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        out.append({w: v / norm for w, v in vec.items()})
    return out


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(w, 0.0) for w, v in a.items())


def rank(sents: Sequence[str], *, damping: float = 0.85, iterations: int = 60) -> list[float]:
    """TextRank scores of ``sents`` (PageRank over the cosine-similarity graph)."""
    n = len(sents)
    if n == 0:
        return []
    vecs = _vectors(sents)
    weights = [[_cosine(vecs[i], vecs[j]) if i != j else 0.0 for j in range(n)] for i in range(n)]
    out_sum = [sum(row) for row in weights]
    scores = [1.0 / n] * n
    for _ in range(iterations):
        new = []
        for i in range(n):
            inbound = sum(weights[j][i] / out_sum[j] * scores[j] for j in range(n) if out_sum[j] > 0)
            new.append((1 - damping) / n + damping * inbound)
        delta = sum(abs(a - b) for a, b in zip(new, scores, strict=True))
        scores = new
        if delta < 1e-9:
            break
    return scores


MAX_SENTENCES = 400  # the graph is quadratic: older sentences beyond this are not ranked


def summarize(text: str, n: int = 3) -> str:
    """The ``n`` most central sentences of ``text``, in their original order."""
    sents = sentences(text)[-MAX_SENTENCES:]
    if len(sents) <= n:
        return " ".join(sents)
    scores = rank(sents)
    vecs = _vectors(sents)
    order = sorted(range(len(sents)), key=lambda i: (-scores[i], i))
    chosen: list[int] = []
    for i in order:
        if any(_cosine(vecs[i], vecs[j]) > 0.8 for j in chosen):
            continue  # the same thing said twice
        chosen.append(i)
        if len(chosen) == n:
            break
    return " ".join(sents[i] for i in sorted(chosen))
