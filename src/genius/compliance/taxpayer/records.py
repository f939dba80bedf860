"""Typed CUI verdicts and taxpayer records, and the mapping of ANAF's PlatitorTvaRest replies.

Local validation (``validate_cui``) runs first: format and check digit with python-stdnum; an ``RO``
prefix, spaces and dashes are accepted. Only valid CUIs are ever sent to ANAF.

``parse_reply`` maps the v9 reply (``{"cod", "message", "found": [...], "notFound": [...]}``, see
ANAF's ``doc_WS_V9.txt``) and the older shapes that are cheap to accept: a bare ``found`` entry, a
list of entries, a mapping ``{cui: entry}`` (as captured samples are kept), an ``{"error": ...}``
entry (not found) and the flat pre-v8 entry (every field at the top level).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError
from stdnum.ro import cnp as stdnum_cnp
from stdnum.ro import cui as stdnum_cui

MAX_BATCH = 100  # CUIs per request (doc_WS_V9: "Un request poate contine maxim 100 de CUI-uri")

TaxpayerStatus = Literal["verified", "invalid", "inactive", "not_found", "unavailable"]
CuiError = Literal["empty", "format", "length", "checksum", "cnp"]


# --- local validation -------------------------------------------------------------------------------
class CuiVerdict(BaseModel):
    """The local verdict on one CUI as typed by a user (no network)."""

    input: str
    valid: bool
    cui: int | None = Field(default=None, description="The CUI as a number, when valid")
    vat_code: str | None = Field(default=None, description="'RO' + CUI, when valid")
    error: CuiError | None = None
    message: str | None = None


_MESSAGES: dict[str, str] = {
    "empty": "No CUI given.",
    "format": "A CUI has only digits (an optional 'RO' prefix) and does not start with 0.",
    "length": "A CUI has 2 to 10 digits.",
    "checksum": "The CUI's check digit is wrong (a typing error?).",
    "cnp": "This is a CNP (personal numeric code), not a CUI; the ANAF lookup needs a CUI.",
}


def validate_cui(value: str | int) -> CuiVerdict:
    """Format and check digit of a Romanian CUI/CIF (``RO`` prefix, spaces and dashes accepted)."""
    text = str(value)
    compact = stdnum_cui.compact(text) if text.strip() else ""
    error: CuiError | None = None
    if not compact:
        error = "empty"
    else:
        try:
            stdnum_cui.validate(text)
        except InvalidChecksum:
            error = "checksum"
        except InvalidLength:
            error = "cnp" if len(compact) == 13 and stdnum_cnp.is_valid(compact) else "length"
        except (InvalidFormat, ValidationError):
            error = "format"
    if error is not None:
        return CuiVerdict(input=text, valid=False, error=error, message=_MESSAGES[error])
    return CuiVerdict(input=text, valid=True, cui=int(compact), vat_code=f"RO{compact}")


# --- the record -------------------------------------------------------------------------------------
class VatPeriod(BaseModel):
    """One VAT registration period (art. 316 Codul fiscal)."""

    start: dt.date | None = None  # data_inceput_ScpTVA
    end: dt.date | None = None  # data_sfarsit_ScpTVA: cancellation date
    cancelled_on: dt.date | None = None  # data_anul_imp_ScpTVA: when the cancellation was operated
    message: str | None = None  # mesaj_ScpTVA: legal ground of the cancellation


class Address(BaseModel):
    street: str | None = None
    number: str | None = None
    locality: str | None = None
    locality_code: str | None = None
    county: str | None = None
    county_code: str | None = None
    county_plate_code: str | None = None  # scod_JudetAuto: "B", "TM", … (ISO 3166-2:RO suffix)
    country: str | None = None
    details: str | None = None
    postal_code: str | None = None


class TaxpayerRecord(BaseModel):
    """One taxpayer as ANAF's registries show it on ``date``."""

    cui: int
    date: dt.date | None = Field(default=None, description="The date the registries were queried for")
    name: str | None = None  # denumire
    address: str | None = None  # adresa (fiscal domicile, one line)
    registration_number: str | None = None  # nrRegCom, e.g. J40/16655/1993
    phone: str | None = None
    fax: str | None = None
    postal_code: str | None = None
    authorization_act: str | None = None  # act
    registration_status: str | None = None  # stare_inregistrare, e.g. "INREGISTRAT din data …"
    registration_date: dt.date | None = None
    caen: str | None = None  # cod_CAEN
    iban: str | None = None
    e_factura: bool = False  # statusRO_e_Factura: in the RO e-Factura registry on that date
    tax_office: str | None = None  # organFiscalCompetent
    ownership_form: str | None = None
    organization_form: str | None = None
    legal_form: str | None = None
    vat_registered: bool = False  # scpTVA
    vat_periods: list[VatPeriod] = Field(default_factory=list)
    vat_on_collection: bool = False  # statusTvaIncasare (TVA la încasare)
    vat_on_collection_from: dt.date | None = None
    vat_on_collection_to: dt.date | None = None
    vat_on_collection_updated: dt.date | None = None
    vat_on_collection_published: dt.date | None = None
    vat_on_collection_act: str | None = None  # tipActTvaInc: Inregistrare / Radiere
    inactive: bool = False  # statusInactivi
    inactive_since: dt.date | None = None
    reactivated_on: dt.date | None = None
    inactive_published: dt.date | None = None
    deregistered_on: dt.date | None = None  # dataRadiere
    split_vat: bool = False  # statusSplitTVA (plata defalcată a TVA)
    split_vat_from: dt.date | None = None
    split_vat_cancelled: dt.date | None = None
    registered_office: Address | None = None  # adresa_sediu_social
    fiscal_domicile: Address | None = None  # adresa_domiciliu_fiscal

    @property
    def status(self) -> TaxpayerStatus:
        return "inactive" if self.inactive or self.deregistered_on is not None else "verified"


class LookupResult(BaseModel):
    """One or more ANAF replies merged: what was found and which CUIs are unknown."""

    cod: int = 200
    message: str = "SUCCESS"
    found: list[TaxpayerRecord] = Field(default_factory=list)
    not_found: list[int] = Field(default_factory=list)


class TaxpayerCheck(BaseModel):
    """The answer about one CUI: the local verdict plus, for valid ones, what ANAF says."""

    input: str
    cui: int | None = None
    valid: bool
    status: TaxpayerStatus
    message: str | None = None
    date: dt.date
    checked_at: dt.datetime
    cached: bool = False
    record: TaxpayerRecord | None = None


# --- mapping ANAF's JSON ----------------------------------------------------------------------------
class ReplyShapeError(ValueError):
    """The JSON is not a PlatitorTvaRest reply."""


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _date(value: Any) -> dt.date | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        try:  # dd.mm.yyyy, seen in older replies
            return dt.datetime.strptime(text[:10], "%d.%m.%Y").date()
        except ValueError:
            return None


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"true", "1", "da"}


def _section(entry: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """A v8/v9 section; the flat pre-v8 entry has every field at the top level."""
    section = entry.get(name)
    if isinstance(section, Mapping):
        return section
    return entry if "date_generale" not in entry else {}


def _address(section: Any, p: str) -> Address | None:
    if not isinstance(section, Mapping) or not section:
        return None
    address = Address(
        street=_text(section.get(f"{p}denumire_Strada")),
        number=_text(section.get(f"{p}numar_Strada")),
        locality=_text(section.get(f"{p}denumire_Localitate")),
        locality_code=_text(section.get(f"{p}cod_Localitate")),
        county=_text(section.get(f"{p}denumire_Judet")),
        county_code=_text(section.get(f"{p}cod_Judet")),
        county_plate_code=_text(section.get(f"{p}cod_JudetAuto")),
        country=_text(section.get(f"{p}tara")),
        details=_text(section.get(f"{p}detalii_Adresa")),
        postal_code=_text(section.get(f"{p}cod_Postal")),
    )
    return address if any(v is not None for v in address.model_dump().values()) else None


def _periods(value: Any) -> list[VatPeriod]:
    items = [value] if isinstance(value, Mapping) else value if isinstance(value, list) else []
    periods = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        period = VatPeriod(
            start=_date(item.get("data_inceput_ScpTVA")),
            end=_date(item.get("data_sfarsit_ScpTVA")),
            cancelled_on=_date(item.get("data_anul_imp_ScpTVA")),
            message=_text(item.get("mesaj_ScpTVA")),
        )
        if any(v is not None for v in period.model_dump().values()):
            periods.append(period)
    return periods


def _cui_of(value: Any) -> int:
    text = _text(value)
    if text is None or not text.upper().removeprefix("RO").strip().isdigit():
        raise ReplyShapeError(f"entry without a numeric cui: {value!r}")
    return int(text.upper().removeprefix("RO").strip())


def parse_entry(entry: Mapping[str, Any]) -> TaxpayerRecord:
    """One ``found`` entry (v8/v9 sections, or the flat pre-v8 shape) → ``TaxpayerRecord``."""
    g = _section(entry, "date_generale")
    vat = _section(entry, "inregistrare_scop_Tva")
    inc = _section(entry, "inregistrare_RTVAI")
    ina = _section(entry, "stare_inactiv")
    split = _section(entry, "inregistrare_SplitTVA")
    periods = _periods(vat.get("perioade_TVA"))
    if not periods and "date_generale" not in entry:  # flat shape: one period at the top level
        periods = _periods(entry)
    return TaxpayerRecord(
        cui=_cui_of(g.get("cui")),
        date=_date(g.get("data")),
        name=_text(g.get("denumire")),
        address=_text(g.get("adresa")),
        registration_number=_text(g.get("nrRegCom")),
        phone=_text(g.get("telefon")),
        fax=_text(g.get("fax")),
        postal_code=_text(g.get("codPostal")),
        authorization_act=_text(g.get("act")),
        registration_status=_text(g.get("stare_inregistrare")),
        registration_date=_date(g.get("data_inregistrare")),
        caen=_text(g.get("cod_CAEN")),
        iban=_text(g.get("iban")),
        e_factura=_bool(g.get("statusRO_e_Factura", False)),
        tax_office=_text(g.get("organFiscalCompetent")),
        ownership_form=_text(g.get("forma_de_proprietate")),
        organization_form=_text(g.get("forma_organizare")),
        legal_form=_text(g.get("forma_juridica")),
        vat_registered=_bool(vat.get("scpTVA", False)),
        vat_periods=periods,
        vat_on_collection=_bool(inc.get("statusTvaIncasare", False)),
        vat_on_collection_from=_date(inc.get("dataInceputTvaInc")),
        vat_on_collection_to=_date(inc.get("dataSfarsitTvaInc")),
        vat_on_collection_updated=_date(inc.get("dataActualizareTvaInc")),
        vat_on_collection_published=_date(inc.get("dataPublicareTvaInc")),
        vat_on_collection_act=_text(inc.get("tipActTvaInc")),
        inactive=_bool(ina.get("statusInactivi", False)),
        inactive_since=_date(ina.get("dataInactivare")),
        reactivated_on=_date(ina.get("dataReactivare")),
        inactive_published=_date(ina.get("dataPublicare")),
        deregistered_on=_date(ina.get("dataRadiere")),
        split_vat=_bool(split.get("statusSplitTVA", False)),
        split_vat_from=_date(split.get("dataInceputSplitTVA")),
        split_vat_cancelled=_date(split.get("dataAnulareSplitTVA")),
        registered_office=_address(entry.get("adresa_sediu_social"), "s"),
        fiscal_domicile=_address(entry.get("adresa_domiciliu_fiscal"), "d"),
    )


def _is_entry(value: Any) -> bool:
    return isinstance(value, Mapping) and (
        "date_generale" in value or ("cui" in value and ("denumire" in value or "scpTVA" in value))
    )


def parse_reply(payload: Any) -> LookupResult:
    """Any PlatitorTvaRest reply shape → ``LookupResult`` (``ReplyShapeError`` when it is none)."""
    if isinstance(payload, Mapping) and ("found" in payload or "notFound" in payload):
        found = payload.get("found") or []
        not_found = payload.get("notFound") or []
        if not isinstance(found, list) or not isinstance(not_found, list):
            raise ReplyShapeError("found/notFound are not lists")
        return LookupResult(
            cod=int(payload.get("cod", 200) or 200),
            message=str(payload.get("message") or "SUCCESS"),
            found=[parse_entry(e) for e in found if isinstance(e, Mapping)],
            not_found=[_cui_of(c) for c in not_found],
        )
    if _is_entry(payload):
        return LookupResult(found=[parse_entry(payload)])
    if isinstance(payload, list) and all(_is_entry(e) for e in payload):
        return LookupResult(found=[parse_entry(e) for e in payload])
    if isinstance(payload, Mapping) and payload and all(str(k).strip().isdigit() for k in payload):
        # {cui: entry-or-{"error": …}}: how lookups are often stored and captured
        result = LookupResult()
        for key, value in payload.items():
            if _is_entry(value):
                result.found.append(parse_entry(value))
            elif isinstance(value, Mapping) and "error" in value:
                result.not_found.append(int(str(key).strip()))
            else:
                raise ReplyShapeError(f"unexpected value for CUI {key}")
        return result
    raise ReplyShapeError("not a PlatitorTvaRest reply")
