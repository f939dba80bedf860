"""Code lists of the e-Transport v2 rules (schematron v2.0.2 ``BR-CL-*``; XSD v2 enumerations).

Countries are ISO 3166-1 alpha-2 (Greece is ``EL``); units are UN/ECE Recommendations 20 and 21;
counties, border crossing points, customs offices and the operation/purpose/document/confirmation
codes are ANAF's own lists. Re-check when ANAF publishes a new schematron.
"""

from __future__ import annotations

from genius.compliance.common.codes import UNECE_REC20_21

COUNTRIES: frozenset[str] = frozenset(
    (
        "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS "
        "BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE "
        "EG EH EL ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GS GT GU GW GY HK HM "
        "HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC "
        "LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA "
        "NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW "
        "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO "
        "TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XI XK YE YT ZA ZM ZW "
    ).split()
)

UNITS: frozenset[str] = UNECE_REC20_21  # one list, shared with e-Factura (common.codes)

COUNTIES: frozenset[str] = frozenset(
    (
        "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 "
        "36 37 38 39 40 51 52 "
    ).split()
)

OPERATION_TYPES: frozenset[str] = frozenset(("10 12 14 20 22 24 30 40 50 60 70 ").split())

PURPOSES: frozenset[str] = frozenset(
    ("101 201 301 401 501 601 703 704 705 801 802 901 1001 1101 9901 9999 ").split()
)

BORDER_POINTS: frozenset[str] = frozenset(
    (
        "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 "
        "36 37 38 "
    ).split()
)

CUSTOMS_OFFICES: frozenset[str] = frozenset(
    (
        "12801 22801 22901 22902 32801 42801 42901 52801 52901 62801 72801 72901 72902 82801 92901 92902 "
        "102801 112801 112901 122801 122901 132901 132902 132903 132904 142801 152801 162801 162901 "
        "162902 162903 172901 172902 172903 172904 182801 192801 202801 212801 222901 222902 222903 "
        "232801 232901 242801 242901 242902 252901 252902 252903 252904 262801 262901 272801 282801 "
        "282802 292801 302801 302901 302902 312801 322801 322901 332801 332901 332902 332903 332904 "
        "342801 342901 342902 352802 352901 352902 352903 362901 362902 362903 362904 372801 372901 "
        "372902 382801 392801 402801 402802 402901 512801 522801 522901 "
    ).split()
)

CONFIRMATION_TYPES: frozenset[str] = frozenset(("10 20 30 ").split())

DOCUMENT_TYPES: frozenset[str] = frozenset(("10 20 30 9999 ").split())

EU_COUNTRIES: frozenset[str] = frozenset(
    "AT BE BG CZ CY DE DK EE EL ES FI HR HU IE IT FR LV LT LU MT NL PL PT RO SI SE SK XI".split()
)

# ANAF's county codes (``codJudet``: the SIRUTA county numbers; 40 is București) by county name.
COUNTY_NAMES: dict[str, int] = {
    "Alba": 1, "Arad": 2, "Argeș": 3, "Bacău": 4, "Bihor": 5, "Bistrița-Năsăud": 6, "Botoșani": 7,
    "Brașov": 8, "Brăila": 9, "Buzău": 10, "Caraș-Severin": 11, "Cluj": 12, "Constanța": 13,
    "Covasna": 14, "Dâmbovița": 15, "Dolj": 16, "Galați": 17, "Gorj": 18, "Harghita": 19,
    "Hunedoara": 20, "Ialomița": 21, "Iași": 22, "Ilfov": 23, "Maramureș": 24, "Mehedinți": 25,
    "Mureș": 26, "Neamț": 27, "Olt": 28, "Prahova": 29, "Satu Mare": 30, "Sălaj": 31, "Sibiu": 32,
    "Suceava": 33, "Teleorman": 34, "Timiș": 35, "Tulcea": 36, "Vaslui": 37, "Vâlcea": 38,
    "Vrancea": 39, "București": 40, "Călărași": 51, "Giurgiu": 52,
}  # fmt: skip
# The two-letter abbreviations (ISO 3166-2:RO, as e-Factura writes them) of the same counties.
COUNTY_ABBREVIATIONS: dict[str, int] = {
    "AB": 1, "AR": 2, "AG": 3, "BC": 4, "BH": 5, "BN": 6, "BT": 7, "BV": 8, "BR": 9, "BZ": 10,
    "CS": 11, "CJ": 12, "CT": 13, "CV": 14, "DB": 15, "DJ": 16, "GL": 17, "GJ": 18, "HR": 19,
    "HD": 20, "IL": 21, "IS": 22, "IF": 23, "MM": 24, "MH": 25, "MS": 26, "NT": 27, "OT": 28,
    "PH": 29, "SM": 30, "SJ": 31, "SB": 32, "SV": 33, "TR": 34, "TM": 35, "TL": 36, "VS": 37,
    "VL": 38, "VN": 39, "B": 40, "CL": 51, "GR": 52,
}  # fmt: skip


def _fold(text: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.upper() if c.isalnum())


_BY_FOLDED = {_fold(name): code for name, code in COUNTY_NAMES.items()}


def county_code(county: str | None) -> int | None:
    """``"Cluj"`` / ``"cluj"`` / ``"CJ"`` / ``"RO-CJ"`` / ``"Municipiul București"`` / ``"12"`` → 12;
    ``None`` when it names no Romanian county."""
    if not county:
        return None
    text = county.strip()
    if text.isdigit():
        return int(text) if text in COUNTIES else None
    key = _fold(text)
    if key.startswith("RO") and key[2:] in COUNTY_ABBREVIATIONS and "-" in text:
        return COUNTY_ABBREVIATIONS[key[2:]]
    if key in COUNTY_ABBREVIATIONS:
        return COUNTY_ABBREVIATIONS[key]
    if key in _BY_FOLDED:
        return _BY_FOLDED[key]
    for prefix in ("JUDETUL", "JUD", "MUNICIPIUL"):
        if key.startswith(prefix) and key[len(prefix) :] in _BY_FOLDED:
            return _BY_FOLDED[key[len(prefix) :]]
    if key in {"BUCHAREST", "BUCURESTI"} or key.startswith("BUCURESTISECTOR") or key.startswith("SECTOR"):
        return 40
    return None
