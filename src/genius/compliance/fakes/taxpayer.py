"""Fake ANAF PlatitorTvaRest v9: ``POST /api/PlatitorTvaRest/v9/tva`` (ANAF's ``doc_WS_V9.txt``).

Body ``[{"cui": 1234, "data": "YYYY-MM-DD"}, …]``; reply ``{"cod": 200, "message": "SUCCESS",
"found": [entry…], "notFound": [cui…]}`` where an entry has the v9 sections (``date_generale``,
``inregistrare_scop_Tva``, ``inregistrare_RTVAI``, ``stare_inactiv``, ``inregistrare_SplitTVA``,
``adresa_sediu_social``, ``adresa_domiciliu_fiscal``).

The doc limits a request to 100 CUIs and a client to 1 request/s but does not show the refusal; the
fake answers a larger request with HTTP 200 and ``{"cod": 400, "message": …, "found": [],
"notFound": []}`` (the reply envelope of the doc), and a body that is not such a list with HTTP 400
and the same envelope. ``State.calls`` records every request's time (``time.monotonic()``) and size,
so a test can prove the client's pacing and batching.

The seeded companies are fictional (valid check digits, invented names and data).
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import json
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

PATH = "/api/PlatitorTvaRest/v9/tva"
MAX_CUIS = 100

Fault = Literal["firewall", "invalid_json", "429", "500", "slow"]

FIREWALL_PAGE = (
    "<html><head><title>Request Rejected</title></head><body>The requested URL was rejected. "
    "Please consult with your administrator.<br><br>Your support ID is: 1234567890123456789"
    "<br><br><a href='javascript:history.back();'>[Go Back]</a></body></html>"
)


def company(
    cui: int,
    name: str,
    *,
    address: str = "MUNICIPIUL BUCUREŞTI, SECTOR 1, STR. EXEMPLU, NR.1",
    reg_com: str = "",
    caen: str = "6201",
    phone: str = "",
    postal_code: str = "",
    registered: str = "2010-01-15",
    vat: bool = True,
    vat_from: str = "2010-02-01",
    vat_to: str = "",
    vat_message: str = "",
    vat_on_collection: bool = False,
    vat_on_collection_from: str = "",
    inactive: bool = False,
    inactive_since: str = "",
    split_vat: bool = False,
    split_vat_from: str = "",
    e_factura: bool = False,
    county: str = "MUNICIPIUL BUCUREŞTI",
    county_code: str = "40",
    county_plate: str = "B",
    locality: str = "Sector 1 Mun. Bucureşti",
    street: str = "Str. Exemplu",
    number: str = "1",
    legal_form: str = "SOCIETATE COMERCIALĂ CU RĂSPUNDERE LIMITATĂ",
    tax_office: str = "Direcţia Generală a Finanţelor Publice Municipiul Bucureşti",
) -> dict[str, Any]:
    """A v9 ``found`` entry; ``date_generale.data`` is set per request."""
    periods = (
        [
            {
                "data_inceput_ScpTVA": vat_from,
                "data_sfarsit_ScpTVA": vat_to,
                "data_anul_imp_ScpTVA": vat_to,
                "mesaj_ScpTVA": vat_message,
            }
        ]
        if vat_from
        else []
    )
    return {
        "date_generale": {
            "cui": cui,
            "data": "",
            "denumire": name,
            "adresa": address,
            "nrRegCom": reg_com,
            "telefon": phone,
            "fax": "",
            "codPostal": postal_code,
            "act": "",
            "stare_inregistrare": f"INREGISTRAT din data {dt.date.fromisoformat(registered):%d.%m.%Y}",
            "data_inregistrare": registered,
            "cod_CAEN": caen,
            "iban": "",
            "statusRO_e_Factura": e_factura,
            "organFiscalCompetent": tax_office,
            "forma_de_proprietate": "PROPR.PRIVATA-CAPITAL PRIVAT AUTOHTON",
            "forma_organizare": "PERSOANA JURIDICA",
            "forma_juridica": legal_form,
        },
        "inregistrare_scop_Tva": {"scpTVA": vat, "perioade_TVA": periods},
        "inregistrare_RTVAI": {
            "dataInceputTvaInc": vat_on_collection_from,
            "dataSfarsitTvaInc": "",
            "dataActualizareTvaInc": vat_on_collection_from,
            "dataPublicareTvaInc": vat_on_collection_from,
            "tipActTvaInc": "Inregistrare" if vat_on_collection else "",
            "statusTvaIncasare": vat_on_collection,
        },
        "stare_inactiv": {
            "dataInactivare": inactive_since,
            "dataReactivare": "",
            "dataPublicare": inactive_since,
            "dataRadiere": "",
            "statusInactivi": inactive,
        },
        "inregistrare_SplitTVA": {
            "dataInceputSplitTVA": split_vat_from,
            "dataAnulareSplitTVA": "",
            "statusSplitTVA": split_vat,
        },
        "adresa_sediu_social": {
            "sdenumire_Strada": street,
            "snumar_Strada": number,
            "sdenumire_Localitate": locality,
            "scod_Localitate": "1",
            "sdenumire_Judet": county,
            "scod_Judet": county_code,
            "scod_JudetAuto": county_plate,
            "stara": "",
            "sdetalii_Adresa": "",
            "scod_Postal": postal_code,
        },
        "adresa_domiciliu_fiscal": {
            "ddenumire_Strada": street,
            "dnumar_Strada": number,
            "ddenumire_Localitate": locality,
            "dcod_Localitate": "1",
            "ddenumire_Judet": county,
            "dcod_Judet": county_code,
            "dcod_JudetAuto": county_plate,
            "dtara": "",
            "ddetalii_Adresa": "",
            "dcod_Postal": postal_code,
        },
    }


# Fictional companies (check digits valid): one of each case the lookup distinguishes.
VERIFIED = 14399840  # VAT payer, in the RO e-Factura registry
INACTIVE = 18400000  # declared inactive, VAT registration cancelled
SPLIT_VAT = 29500004  # split VAT payment (plata defalcată)
VAT_ON_COLLECTION = 37110002  # VAT on collection (TVA la încasare)
NON_VAT = 41200006  # a PFA, not registered for VAT


def seed_companies() -> dict[int, dict[str, Any]]:
    return {
        VERIFIED: company(
            VERIFIED,
            "EXEMPLU DISTRIBUTIE SA",
            reg_com="J40/372/2002",
            caen="4791",
            phone="0213000000",
            postal_code="010011",
            registered="2002-01-21",
            vat_from="2002-02-01",
            e_factura=True,
            legal_form="SOCIETATE COMERCIALĂ PE ACŢIUNI",
        ),
        INACTIVE: company(
            INACTIVE,
            "FIRMA ADORMITA SRL",
            reg_com="J12/1840/2006",
            caen="4690",
            address="JUD. CLUJ, MUN. CLUJ-NAPOCA, STR. FICTIVA, NR.7",
            county="CLUJ",
            county_code="12",
            county_plate="CJ",
            locality="Mun. Cluj-Napoca",
            street="Str. Fictiva",
            number="7",
            registered="2006-05-10",
            vat=False,
            vat_from="2006-06-01",
            vat_to="2019-03-01",
            vat_message="Anularea înregistrarii în scopuri de TVA a fost efectuata din oficiu (inactiv).",
            inactive=True,
            inactive_since="2019-02-15",
            tax_office="Administraţia Judeţeană a Finanţelor Publice Cluj",
        ),
        SPLIT_VAT: company(
            SPLIT_VAT,
            "CONSTRUCTII DEFALCAT SRL",
            reg_com="J35/950/2012",
            caen="4120",
            address="JUD. TIMIŞ, MUN. TIMIŞOARA, STR. EXEMPLULUI, NR.3",
            county="TIMIŞ",
            county_code="35",
            county_plate="TM",
            locality="Mun. Timişoara",
            street="Str. Exemplului",
            number="3",
            registered="2012-03-01",
            vat_from="2012-03-15",
            split_vat=True,
            split_vat_from="2018-02-01",
            tax_office="Administraţia Judeţeană a Finanţelor Publice Timiş",
        ),
        VAT_ON_COLLECTION: company(
            VAT_ON_COLLECTION,
            "SERVICII LA INCASARE SRL",
            reg_com="J22/3711/2017",
            caen="7022",
            address="JUD. IAŞI, MUN. IAŞI, BD. EXEMPLU, NR.10",
            county="IAŞI",
            county_code="22",
            county_plate="IS",
            locality="Mun. Iaşi",
            street="Bd. Exemplu",
            number="10",
            registered="2017-06-12",
            vat_from="2017-07-01",
            vat_on_collection=True,
            vat_on_collection_from="2017-07-01",
            e_factura=True,
            tax_office="Administraţia Judeţeană a Finanţelor Publice Iaşi",
        ),
        NON_VAT: company(
            NON_VAT,
            "POPESCU ION PERSOANĂ FIZICĂ AUTORIZATĂ",
            reg_com="F40/4120/2019",
            caen="6202",
            registered="2019-09-02",
            vat=False,
            vat_from="",
            legal_form="",
        ),
    }


@dataclass
class Call:
    at: float  # time.monotonic() when the request arrived
    cuis: list[int]
    status: int
    fault: str | None = None


@dataclass
class State:
    """What the fake knows and what it received (tests read and steer it)."""

    companies: dict[int, dict[str, Any]] = field(default_factory=seed_companies)
    calls: list[Call] = field(default_factory=list)
    fault: Fault | None = None  # applied to every request while set
    faults: list[Fault] = field(default_factory=list)  # applied one per request, first first
    slow_seconds: float = 6.0

    @property
    def call_count(self) -> int:
        return len(self.calls)

    @property
    def batch_sizes(self) -> list[int]:
        return [len(c.cuis) for c in self.calls]

    @property
    def timestamps(self) -> list[float]:
        return [c.at for c in self.calls]

    def add(self, cui: int, name: str, **fields: Any) -> None:
        self.companies[cui] = company(cui, name, **fields)

    def next_fault(self) -> Fault | None:
        return self.faults.pop(0) if self.faults else self.fault


def _envelope(cod: int, message: str, found: list[Any] | None = None, nf: list[Any] | None = None) -> Any:
    return {"cod": cod, "message": message, "found": found or [], "notFound": nf or []}


def _parse_body(raw: bytes) -> list[tuple[int, str]] | str:
    """``[(cui, data)]`` or an error message."""
    try:
        body = json.loads(raw)
    except ValueError:
        return "Request body is not valid JSON"
    if not isinstance(body, list):
        return "Request body must be a JSON list of {cui, data}"
    items = []
    for item in body:
        if not isinstance(item, dict) or "cui" not in item or "data" not in item:
            return "Each element must have 'cui' and 'data'"
        try:
            cui = int(str(item["cui"]).strip())
            day = dt.date.fromisoformat(str(item["data"]))
        except ValueError:
            return f"Invalid element {item!r}"
        items.append((cui, day.isoformat()))
    return items


def make_router(state: State) -> APIRouter:
    router = APIRouter(tags=["fake-anaf-taxpayer"])

    @router.post(PATH, include_in_schema=False)
    async def tva(request: Request) -> Response:
        arrived = time.monotonic()
        raw = await request.body()
        parsed = _parse_body(raw)
        cuis = [c for c, _ in parsed] if isinstance(parsed, list) else []
        fault = state.next_fault()
        call = Call(arrived, cuis, 200, fault)
        state.calls.append(call)
        if fault == "firewall":
            return HTMLResponse(FIREWALL_PAGE)
        if fault == "invalid_json":
            return Response(
                '{"cod":200,"message":"SUCCESS","found":[{"date_gen', media_type="application/json"
            )
        if fault == "429":
            call.status = 429
            return Response("Too Many Requests", status_code=429, headers={"Retry-After": "1"})
        if fault == "500":
            call.status = 500
            return Response("Internal Server Error", status_code=500, media_type="text/plain")
        if fault == "slow":
            await asyncio.sleep(state.slow_seconds)
        if isinstance(parsed, str):
            call.status = 400
            return JSONResponse(_envelope(400, parsed), status_code=400)
        if len(parsed) > MAX_CUIS:
            return JSONResponse(_envelope(400, f"Numarul maxim de CUI-uri intr-un request este {MAX_CUIS}"))
        found, not_found = [], []
        for cui, day in parsed:
            known = state.companies.get(cui)
            if known is None:
                not_found.append(cui)
                continue
            entry = copy.deepcopy(known)
            entry["date_generale"]["cui"] = cui
            entry["date_generale"]["data"] = day
            found.append(entry)
        return JSONResponse(_envelope(200, "SUCCESS", found, not_found))

    return router
