"""Reply sentiment (F2.12): an offline classifier for Romanian and English replies, with or without
diacritics. Every reply gets a score from -100 to 100, a label (positive, neutral, negative), an opt-out
flag and a reason.

Rules come first and decide alone: opt-outs (recall matters more than precision: a missed "stop" is a
compliance breach, a false one costs one lead), bounces, automatic replies, complaints and sarcasm.
Everything else is scored with a weighted lexicon of phrases and words: negation flips the next words'
polarity, intensifiers raise it, and after a contrast ("dar", "but", "însă") the later clause counts more.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Label = Literal["positive", "neutral", "negative"]
POSITIVE_AT = 25
NEGATIVE_AT = -25


@dataclass(frozen=True)
class Sentiment:
    sentiment: int
    label: Label
    opt_out: bool
    reason: str
    triggers: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "sentiment": self.sentiment,
            "label": self.label,
            "opt_out": self.opt_out,
            "reason": self.reason,
        }


def fold(text: str) -> str:
    """Lower case without diacritics (ș, ş, ţ, ț, ă, â, î → s, s, t, t, a, a, i), typographic quotes
    and dashes made plain, whitespace collapsed."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = text.replace("\u2013", "-").replace("\u2014", "-")
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u201e", '"')
    return re.sub(r"\s+", " ", text.lower()).strip()


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


# Words ending a Romanian imperative with a clitic: "scoateti-ma", "scoate-ma", "stergeti ma".
_ME = r"(?:-| )?(?:ma|ne|mi|ma\b)"
OPT_OUT = _any(
    r"\bun-?sub?s?c?ri(?:be|bing|bed|ption)",
    r"\bunsubscribe\b",
    r"\bopt(?:ing)?[- ]?out\b",
    r"\bstop\b",
    r"\bstopp?(?:ed|ing)?\b (?:it|this|these|now|please|all|contact|messag|email|writ|text|send|spam|call)",
    r"\bremove (?:me|us|my|our)\b",
    r"\btake (?:me|us|my \w+|our \w+) (?:off|out)\b",
    r"\b(?:do not|don't|dont|never|pls don't|please don't) (?:ever )?(?:again )?"
    r"(?:contact|email|e-mail|message|text|write|call|send|spam|reach out|bother)",
    r"\bnever (?:\w+ ){0,2}(?:contact|email|message|text|write to|call) (?:me|us)\b",
    r"\bno (?:more|further) (?:emails?|e-mails?|messages?|contact|spam|texts?|calls?|marketing)\b",
    r"\bleave (?:me|us) alone\b",
    r"\b(?:pls |please |kindly )?remove\b(?!\s+(?:the|a|an|that|this|it|of|any)\b)",
    r"\b(?:go away|get lost|piss off|fuck off|bugger off|back off|buzz off)\b",
    r"\bopriti-va\b|\bdisparet\w*|\bdispari\b|\bcara-te\b|\bcarati-va\b",
    r"\bdelete (?:my|our|me|us)\b",
    r"\berase (?:my|our)\b",
    r"\bwithdraw (?:my|our)? ?consent\b",
    r"\bdo not wish to (?:be contacted|receive|hear)",
    r"\b(?:don't|do not|dont|no longer|never) (?:want|wish|like) (?:to )?(?:be (?:contacted|emailed|e-mailed|"
    r"called|messaged|texted|bothered|spammed)|receive|get (?:any|more|these|your)|hear from)",
    r"\b(?:don't|do not|dont) want (?:any ?more|more) (?:emails?|messages?|texts?|calls?|contact)",
    r"\bstop (?:all|any|further)? ?(?:communication|contact)",
    r"\blose my (?:number|email|address)\b",
    r"\bcease\b",
    r"\bdezabon\w*",
    r"\babonament\w* (?:anulat|anula)|\banul\w* (?:abonament|inscriere)",
    r"\bnu (?:ma|ne) mai (?:\w+ ){0,2}(?:contact|cont|sun|scrie|scri|deranj|caut|trimite|trimit|bate|spama|"
    r"agas|hartu|plictis|abord|mesaj)",
    r"\bnu mai (?:\w+ ){0,2}(?:trimite|trimit|scrie|scri|sun|contact|deranj|vreau|doresc|dorim|vrem|"
    r"primesc|primim|spama|mesaj)",
    r"\b(?:nu )?(?:vreau|doresc|dorim|vrem) sa nu mai\b",
    r"\bnu (?:vreau|doresc|dorim|vrem) sa (?:mai )?(?:fiu|fim|primesc|primim|fiu contactat|fim contactati)",
    r"\bnu (?:vreau|doresc|dorim|vrem) (?:mai )?(?:mesaje|emailuri|e-mailuri|mailuri|sms|newsletter|"
    r"oferte|reclame|spam)",
    r"\bscoat\w*" + _ME + r"\b",
    r"\bscoat\w* (?:\w+ ){0,3}(?:din|de pe) (?:lista|listele|baza|evidenta)",
    r"\bsterg\w*" + _ME + r"\b",
    r"\bsterg\w* (?:\w+ ){0,3}(?:datele|numarul|adresa|emailul|e-mailul|contactul|din)",
    r"\belimin\w*" + _ME + r"\b",
    r"\belimin\w* (?:\w+ ){0,3}(?:din|de pe) (?:lista|baza)",
    r"\blasa\w*" + _ME + r" in pace\b",
    r"\blasati (?:ma|ne)\b|\blasa-ma\b|\blasati-ma\b|\blasati-ne\b",
    r"\bopri\w* (?:\w+ ){0,2}(?:mesaje|mesajele|trimiter|emailuri|e-mailuri|mailuri|contact|spam|sms)",
    r"\bincetati\b|\binceteaza\b",
    r"\bretrag\w* (?:\w+ )?consimtam",
    r"\bfara (?:alte |mai multe )?(?:mesaje|emailuri|e-mailuri|contact)\b",
    r"\bnu (?:mai )?(?:ma|ne) (?:contactati|contacta|sunati|suna|scrieti|scrie|deranjati|deranja|cautati)",
    r"\bnu (?:mai )?(?:contactati|sunati|scrieti|trimiteti)\b",
    r"\bnu (?:aveti|ai) (?:voie|dreptul) sa (?:ma|ne) ",
)
OPT_OUT_NEGATED = _any(
    r"\b(?:nu|don't|do not) (?:vreau|doresc|want) (?:sa ma |to )(?:dezabonez|unsubscribe)",
    r"\bnon-stop\b|\bnonstop\b|\bbus stop\b|\bone-stop\b|\bstop-cadru\b",
)
BOUNCE = _any(
    r"delivery status notification",
    r"undeliverable|undelivered mail|could not be delivered|couldn't be delivered|not (?:be )?delivered",
    r"mail delivery (?:failed|failure|subsystem)",
    r"delivery (?:has )?failed|delivery failure",
    r"address not found|user unknown|no such user|unknown user|recipient address rejected",
    r"mailbox (?:unavailable|full|not found|does not exist)|over quota",
    r"returned mail|mailer-daemon|postmaster@",
    r"\b550[ -]5\.\d\.\d|\b5\.1\.1\b",
    r"adresa (?:de e-?mail )?(?:nu exista|inexistenta|invalida)",
    r"(?:nu a putut fi|nu poate fi) livrat|mesaj nelivrat|livrare esuata|eroare de livrare",
    r"casuta (?:postala )?(?:este )?plina",
)
AUTO_REPLY = _any(
    r"out of (?:the )?office|automatic reply|auto-?reply|autoreply|i am (?:currently )?(?:away|out of)",
    r"i'm (?:currently )?(?:away|out of)"
    r"|on (?:annual |parental )?leave until|limited access to (?:my )?email",
    r"raspuns automat|mesaj automat|sunt (?:in concediu|plecat|in afara biroului)|lipsesc din birou",
    r"voi reveni (?:la birou )?(?:pe|in|dupa|incepand)|revin la birou|in concediu pana",
    r"nu am acces (?:la e-?mail|la mail)",
)
COMPLAINT = _any(
    r"\bspam\w*\b",
    r"\breport(?:ed|ing)? (?:you|this|it|to)\b|\bi will report\b|\bi'll report\b",
    r"\braport\w* (?:la|catre|ca spam)|\bva (?:raportez|reclam)|\bo sa va (?:raportez|reclam)",
    r"\breclam\w*\b|\bplangere\b|\bsesizare\b|\banpc\b|\banspdcp\b|\bgdpr\b",
    r"\bharass\w*|\bhartui\w*|\babuz\w*|\bilegal\w*|\billegal\w*"
    r"|\blawyer\b|\bavocat\w*|\bpolice\b|\bpolitie\b",
    r"how did you get (?:my|this|our)|where did you get (?:my|this|our)",
    r"de unde (?:aveti|ai|ati luat|ati obtinut) (?:numarul|adresa|datele|emailul|e-mailul|contactul)",
    r"cine v-a dat (?:numarul|adresa|datele)|who gave you (?:my|our|this)",
    r"cum (?:ati|ai) (?:obtinut|gasit|facut rost de) (?:numarul|adresa|datele|emailul|e-mailul|contactul)",
    r"\btupeu\b|\bobraznic\w*",
    r"\bscam\w*\b|\bteapa\b|\bescroc\w*|\bfraud\w*|\bteapa\b|\binselator\w*",
    r"\bfuck\w*|\bshit\b|\bbastard|\bidiot\w*|\bdracu\b|\bnaiba\b|\bnesimtit\w*|\bbatai de cap\b",
)
SARCASM = _any(
    r"\bjust what i (?:needed|wanted)\b|\bexactly what i needed\b"
    r"|\byeah,? right\b|\bsure you (?:are|do|did)\b",
    r"\boh,? (?:great|wonderful|joy|fantastic|perfect|brilliant|lovely)\b",
    r"\b(?:wow|great|wonderful|fantastic|amazing|perfect|brilliant),? (?:yet )?another\b",
    r"\bcan'?t wait to (?:pay|get more|receive more)",
    r"\bthanks? (?:a lot |so much )?for (?:the |this |your |all the )?(?:spam|junk|wasting|interruption)",
    r"\bexact (?:ce|de ce) (?:\w+ ){0,2}(?:trebuia|lipsea|aveam nevoie)",
    r"\b(?:chiar|tocmai) (?:asta|de asta|ce) (?:\w+ ){0,2}(?:trebuia|lipsea|asteptam)",
    r"\b(?:ce|super|grozav|minunat|genial|bravo|perfect|foarte dragut),? (?:inca|iar|din nou)"
    r" (?:un|o|unul|una)\b",
    r"\binca un (?:spam|mesaj|email|e-mail|vanzator|bot)\b|\binca o oferta\b|\byet another\b",
    r"\bmultumesc (?:frumos |mult )?(?:pentru|de) (?:spam|deranj|mesajul nesolicitat|pierderea)",
    r"\bvai,? ce (?:surpriza|onoare|fericire)\b|\bce surpriza\b"
    r"|\bde abia astept\b|\babia astept sa (?:platesc|primesc)",
    r"\bsigur,? cum nu\b|\bda,? sigur ca da\b",
    r"\bhaha\w*,? (?:no|nu|sure|sigur)\b|\blol\b|\b:\)\)\)",
)

# Phrases first (matched on folded text), then single words. Weights: + positive, - negative.
PHRASES: dict[str, float] = {
    r"not interested|no interest|no,? thank(?:s| you)|not (?:for|right for) us|not a (?:good )?fit": -2.5,
    r"(?:nu|n-) (?:sunt|suntem|as fi|am fi) interesat\w*|nu (?:ma|ne) intereseaza|nu este de interes": -2.5,
    r"nu,? multumesc|nu multumim|nu,? mersi|nu avem nevoie|nu am nevoie|nu ne trebuie|nu imi trebuie": -2.5,
    r"we don't need|we do not need|i don't need|i do not need"
    r"|no need|not needed|we're (?:all )?set|already have": -2,
    r"avem deja|am deja|lucram deja cu|folosim deja|we already (?:use|work|have)|we'?re happy with": -2.5,
    r"happy with (?:them|our (?:current|provider|supplier|solution)|what we have)"
    r"|multumit\w* de (?:actual|ei)": -1,
    r"not the right person|nu (?:eu|sunt eu) (?:ma ocup|cel care|persoana)|nu sunt persoana potrivita": 0,
    r"in a meeting|in sedinta|will (?:reply|get back|answer) later|revin (?:eu|mai tarziu|cu un raspuns)": 0,
    r"ne-ar (?:placea|interesa|prinde bine)|m-ar (?:interesa|ajuta)|as fi (?:bucuros|bucuroasa|deschis)": 2.5,
    r"(?:ma|ne) bucur(?:am)? ca|chiar cautam"
    r"|cautam (?:asa ceva|o solutie)|looking for (?:something|a solution)": 2,
    r"exact ce (?:ne|imi|mi) trebuie|exactly what we need|cum procedam|how do we (?:start|proceed)": 2.5,
    r"(?:va rog )?sa (?:ma|ne) (?:sunati|contactati la)|please call": 2,
    r"waste of (?:my |our )?time|pierdere de timp|nu am timp de|don't have time for": -2.5,
    r"sounds (?:good|great|interesting|promising)|suna (?:bine|interesant|excelent|promitator)": 2.5,
    r"let'?s (?:talk|chat|meet|schedule|set up|do it|go|discuss)"
    r"|hai sa (?:vorbim|discutam|ne vedem|stabilim)": 2.5,
    r"(?:call|contact|ring) me|sunati-?ma|suna-?ma|contactati-?ma|ma puteti suna|puteti sa ma sunati": 2.5,
    r"send (?:me|us) (?:more|the|an?|some|your|details|info|pricing|prices|offer|a quote)": 2.5,
    r"send (?:over )?(?:more )?(?:info|information|details|pricing|a quote|the deck)": 2,
    r"trimite\w*(?:-?mi|-?ne)? (?:va rog |te rog )?(?:mai multe |niste |o |un"
    r" )?(?:detalii|informatii|oferta|prezentarea"
    r"|brosura|catalogul|pret|preturi|tarif|un contract|contractul)": 2.5,
    r"(?:i'?m|we'?re|i am|we are|sunt|suntem|as fi|am fi) (?:very |foarte |destul de"
    r" )?(?:interested|interesat\w*)": 2.5,
    r"(?:ne|ma) intereseaza|e(?:ste)? de interes|tell me more|spune\w*-?mi mai multe|want to know more": 2.5,
    r"how much|what(?:'s| is) the (?:price|cost)|cat costa"
    r"|ce pret|care (?:e|este) pretul|pricing|tarifele": 1.5,
    r"when can we|when are you (?:available|free)"
    r"|cand (?:putem|sunteti disponibil|ne putem)|ce zi v-ar conveni": 2,
    r"book (?:a|the) (?:call|meeting|demo)|(?:schedule|programam|programez|stabilim) (?:a |o )?"
    r"(?:call|meeting|demo|intalnire|discutie|intalnirea|apel)": 2.5,
    r"(?:sign|signed|sign us) up|we(?:'ll| will) take it"
    r"|deal\b|let's proceed|s-a facut|batem palma|o luam": 3,
    r"(?:absolutely|definitely|certainly) not|no way|sigur ca nu|categoric nu|nici vorba|in niciun caz"
    r"|nicidecum|hell no": -2.5,
    r"(?:we are|we're|suntem) (?:already )?(?:covered|acoperiti)"
    r"|(?:we have|avem) (?:everything|tot ce)": -1.5,
    r"nu (?:e|este) (?:momentul|un moment) (?:potrivit|bun)?|not (?:the right|a good) (?:time|moment)": -0.5,
    r"not (?:right )?now|maybe later|perhaps later|another time|next (?:year|quarter|month)": -0.35,
    r"nu (?:acum|in momentul de fata|deocamdata)|poate mai tarziu|alta data|anul viitor|trimestrul viitor"
    r"|luna viitoare|momentan nu": -0.35,
    r"no budget|nu avem buget|fara buget|budget is (?:frozen|tight)"
    r"|bugetul (?:e|este) (?:inghetat|epuizat)": -0.5,
    r"too (?:expensive|pricey|much)|prea scump|prea mult|costa prea": -1.5,
    r"(?:please )?stop wasting|lasati-ne|nu ne mai|never again|niciodata": -2,
}
WORDS: dict[str, float] = {
    # English
    "yes": 1.5,
    "sure": 1,
    "great": 1.5,
    "good": 1,
    "excellent": 2,
    "perfect": 2,
    "awesome": 2,
    "amazing": 2,
    "interested": 2,
    "interesting": 1.5,
    "love": 2,
    "like": 1,
    "thanks": 0.5,
    "thank": 0.5,
    "appreciate": 1,
    "helpful": 1.5,
    "useful": 1.5,
    "happy": 1.5,
    "glad": 1.5,
    "curious": 1,
    "definitely": 1.5,
    "absolutely": 1.5,
    "works": 1,
    "agree": 1.5,
    "ok": 0.5,
    "okay": 0.5,
    "fine": 0.5,
    "cool": 1,
    "nice": 1,
    "demo": 1,
    "meeting": 0.5,
    "call": 0.5,
    "wasting": -2,
    "waste": -2,
    "available": 1,
    "forward": 0.5,
    "wonderful": 2,
    "fantastic": 2,
    "brilliant": 2,
    "no": -1.5,
    "bad": -1.5,
    "terrible": -2.5,
    "awful": -2.5,
    "horrible": -2.5,
    "annoying": -2,
    "annoyed": -2,
    "useless": -2,
    "irrelevant": -1.5,
    "expensive": -1,
    "worst": -2.5,
    "hate": -2.5,
    "angry": -2,
    "rude": -2,
    "disappointed": -2,
    "unacceptable": -2.5,
    "ridiculous": -2,
    "stupid": -2.5,
    "nonsense": -2,
    "pointless": -2,
    "never": -1,
    "unfortunately": -1,
    "sorry": -0.5,
    "busy": -0.5,
    "pass": -1,
    "decline": -1.5,
    "bother": -1,
    "keen": 1.5,
    "excited": 2,
    "thrilled": 2,
    "impressed": 2,
    "intrigued": 1.5,
    "promising": 1.5,
    "valuable": 1.5,
    "pushy": -2,
    "aggressive": -1.5,
    "spammy": -2.5,
    "creepy": -2,
    "insulting": -2.5,
    "offensive": -2.5,
    "lame": -1.5,
    "disgusting": -2.5,
    "inappropriate": -2,
    "unprofessional": -2,
    "intrusive": -2,
    "unsolicited": -2,
    "garbage": -2.5,
    "junk": -2,
    "sick": -1.5,
    "tired": -1,
    "wrong": -1,
    # Romanian (folded)
    "da": 1.5,
    "sigur": 1,
    "bine": 1,
    "buna": 0.5,
    "super": 1.5,
    "excelent": 2,
    "minunat": 2,
    "grozav": 2,
    "interesant": 1.5,
    "interesanta": 1.5,
    "interesat": 2,
    "interesata": 2,
    "interesati": 2,
    "multumesc": 0.5,
    "multumim": 0.5,
    "mersi": 0.5,
    "apreciez": 1,
    "apreciem": 1,
    "util": 1.5,
    "utila": 1.5,
    "folositor": 1.5,
    "bucuros": 1.5,
    "bucuroasa": 1.5,
    "bucurosi": 1.5,
    "incantat": 1.5,
    "desigur": 1.5,
    "neaparat": 1.5,
    "absolut": 1,
    "dragut": 1,
    "frumos": 1,
    "disponibil": 1,
    "disponibila": 1,
    "intalnire": 1,
    "oferta": 0.5,
    "detalii": 0.5,
    "colaborare": 1.5,
    "colaboram": 1.5,
    "nu": -1.5,
    "rau": -1.5,
    "groaznic": -2.5,
    "oribil": -2.5,
    "enervant": -2,
    "enervat": -2,
    "deranj": -1.5,
    "deranjant": -2,
    "deranjeaza": -2,
    "deranjati": -1.5,
    "inutil": -2,
    "irelevant": -1.5,
    "scump": -1,
    "penibil": -2.5,
    "ridicol": -2,
    "inacceptabil": -2.5,
    "nesolicitat": -2,
    "nesolicitate": -2,
    "agasant": -2,
    "suparat": -2,
    "dezamagit": -2,
    "dezamagita": -2,
    "niciodata": -1,
    "regret": -1,
    "din pacate": -1,
    "pacate": -1,
    "ocupat": -0.5,
    "ocupata": -0.5,
    "refuz": -2,
    "refuzam": -2,
    "convine": 1,
    "conveni": 1,
    "place": 1,
    "plac": 1,
    "entuziasmat": 2,
    "impresionat": 2,
    "promitator": 1.5,
    "valoros": 1.5,
    "multumit": 1,
    "bun": 1,
    "nemultumit": -2,
    "agresiv": -1.5,
    "neprofesionist": -2,
    "jignitor": -2.5,
    "slab": -1.5,
    "prost": -2,
    "proasta": -2,
    "mizerie": -2,
    "jalnic": -2.5,
    "dezastru": -2.5,
    "prostie": -2,
    "prostii": -2,
    "tampenie": -2.5,
    "tampenii": -2.5,
    "insistenti": -1.5,
    "obosit": -1,
    "saturat": -2,
    "satul": -2,
    "satula": -2,
    "sarlatani": -2.5,
}
NEGATORS = {
    "not",
    "no",
    "never",
    "don't",
    "dont",
    "doesn't",
    "isn't",
    "aren't",
    "wasn't",
    "won't",
    "can't",
    "nu",
    "nici",
    "niciodata",
    "n-am",
    "n-are",
    "fara",
    "without",
    "n-as",
    "nothing",
    "nu-mi",
    "nu-i",
    "n-o",
    "n-avem",
    "n-ati",
    "nu-s",
    "neither",
    "nor",
    "hardly",
}
INTENSIFIERS = {
    "very": 1.5,
    "really": 1.4,
    "so": 1.3,
    "extremely": 1.8,
    "super": 1.3,
    "foarte": 1.5,
    "chiar": 1.3,
    "extrem": 1.8,
    "atat": 1.3,
    "mult": 1.2,
    "totally": 1.5,
    "complet": 1.4,
    "absolutely": 1.5,
    "deosebit": 1.5,
    "tare": 1.3,
}
CONTRASTS = re.compile(
    r"\b(?:but|however|though|although|yet|dar|insa|totusi|doar ca|numai ca|cu toate ca)\b"
)
_PHRASES = [(re.compile(r"\b(?:" + p + r")"), w) for p, w in PHRASES.items()]
_TOKEN = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")


_RO_ENDINGS = ("ului", "ilor", "elor", "ul", "ii", "ei", "le", "a", "e", "i")


def _lookup(tok: str) -> float | None:
    """A word's weight, also for Romanian inflections of a listed word ("ridicola" → "ridicol")."""
    if tok in WORDS:
        return WORDS[tok]
    for end in _RO_ENDINGS:
        stem = tok[: -len(end)]
        if tok.endswith(end) and len(stem) >= 4 and stem in WORDS:
            return WORDS[stem]
    return None


def _score_clause(clause: str) -> tuple[float, list[str]]:
    total, hits = 0.0, []
    for pattern, weight in _PHRASES:
        for m in pattern.finditer(clause):
            total += weight
            hits.append(m.group(0))
        clause = pattern.sub(" ", clause)
    tokens = _TOKEN.findall(clause)
    negate_left, boost = 0, 1.0
    for i, tok in enumerate(tokens):
        if tok in NEGATORS:
            # "nu" alone is a refusal; before an opinion word it flips it instead.
            ahead = [t for t in tokens[i + 1 : i + 5] if t not in NEGATORS]
            if tok in {"nu", "no"} and not any(_lookup(t) is not None for t in ahead):
                total += WORDS[tok]
                hits.append(tok)
            negate_left = 4
            continue
        if tok in {"deloc", "defel"} and negate_left:  # "nu … deloc": not at all
            total -= 0.7
            continue
        if tok in INTENSIFIERS and tok not in WORDS:
            boost = INTENSIFIERS[tok]
            continue
        found = _lookup(tok)
        if found is not None:
            w = found * boost
            if negate_left:
                w = -w * (0.8 if w > 0 else 0.5)
            total += w
            hits.append(tok)
        boost = 1.0
        negate_left = max(0, negate_left - 1)
    return total, hits


def _lexical(text: str) -> tuple[float, list[str]]:
    parts = CONTRASTS.split(text)
    if len(parts) == 1:
        return _score_clause(text)
    total, hits = 0.0, []
    for i, part in enumerate(parts):
        s, h = _score_clause(part)
        total += s * (0.5 if i < len(parts) - 1 else 1.5)
        hits += h
    return total, hits


def _scaled(raw: float) -> int:
    return max(-100, min(100, round(100 * math.tanh(raw / 3))))


def _label(score: int) -> Label:
    if score >= POSITIVE_AT:
        return "positive"
    if score <= NEGATIVE_AT:
        return "negative"
    return "neutral"


def classify(text: str) -> Sentiment:
    """Classify one reply (any length; only the first 5,000 characters are read)."""
    folded = fold(text[:5000])
    if not folded:
        return Sentiment(0, "neutral", False, "empty reply")
    raw, hits = _lexical(folded)
    score = _scaled(raw)
    opt = [m.group(0) for m in OPT_OUT.finditer(folded)]
    if opt and not (OPT_OUT_NEGATED.search(folded) and len(opt) == 1 and opt[0].strip() == "stop"):
        score = min(score, -60)
        complaint = COMPLAINT.search(folded)
        if complaint:
            score = min(score, -85)
        why = f"opt-out: {opt[0].strip()!r}" + (f"; complaint: {complaint.group(0)!r}" if complaint else "")
        return Sentiment(score, "negative", True, why, tuple(opt))
    bounce = BOUNCE.search(folded)
    if bounce:
        return Sentiment(-10, "neutral", False, f"bounce: {bounce.group(0)!r}", (bounce.group(0),))
    auto = AUTO_REPLY.search(folded)
    if auto:
        return Sentiment(max(-10, min(10, score)), "neutral", False, f"automatic reply: {auto.group(0)!r}")
    complaint = COMPLAINT.search(folded)
    if complaint:
        score = min(score, -70)
        return Sentiment(
            score, "negative", False, f"complaint: {complaint.group(0)!r}", (complaint.group(0),)
        )
    sarcasm = SARCASM.search(folded)
    if sarcasm:
        score = min(-40, -abs(score))
        return Sentiment(score, "negative", False, f"sarcasm: {sarcasm.group(0)!r}", (sarcasm.group(0),))
    label = _label(score)
    if not hits:
        return Sentiment(score, label, False, "no opinion words")
    shown = ", ".join(dict.fromkeys(h.strip() for h in hits))
    return Sentiment(score, label, False, f"{label} words: {shown}"[:300])
