"""Every sample reply in ../shared/data/anaf-responses maps to typed records; v9 envelope too."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from genius.compliance.fakes import taxpayer as fake
from genius.compliance.taxpayer.records import ReplyShapeError, parse_entry, parse_reply
from tests.compliance.conftest import shared_data


def samples() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        shared_data("anaf-responses", "taxpayer_v8_samples.json").read_text(encoding="utf-8")
    )
    return data


def test_every_sample_maps() -> None:
    data = samples()
    result = parse_reply(data)
    found = {r.cui: r for r in result.found}
    errors = {int(k) for k, v in data.items() if "error" in v}
    assert set(found) | set(result.not_found) == {int(k) for k in data}
    assert set(result.not_found) == errors
    for key, entry in data.items():
        if "error" in entry:
            continue
        record = parse_entry(entry)
        g = entry["date_generale"]
        assert record.cui == int(key) == int(g["cui"])
        assert record.name == g["denumire"]
        assert record.registration_number == (g["nrRegCom"] or None)
        assert record.caen == (g["cod_CAEN"] or None)
        assert record.e_factura is g["statusRO_e_Factura"]
        assert record.vat_registered is entry["inregistrare_scop_Tva"]["scpTVA"]
        assert len(record.vat_periods) == len(entry["inregistrare_scop_Tva"]["perioade_TVA"])
        assert record.vat_on_collection is entry["inregistrare_RTVAI"]["statusTvaIncasare"]
        assert record.inactive is entry["stare_inactiv"]["statusInactivi"]
        assert record.split_vat is entry["inregistrare_SplitTVA"]["statusSplitTVA"]
        assert record.date == dt.date.fromisoformat(g["data"])
        assert record.registered_office is not None and record.fiscal_domicile is not None
        # The v9 envelope around the same entry gives the same record.
        v9 = parse_reply({"cod": 200, "message": "SUCCESS", "found": [entry], "notFound": []})
        assert v9.found == [record]


def test_sample_details() -> None:
    data = samples()
    cumpana = parse_entry(data["4264242"])
    assert cumpana.e_factura and cumpana.vat_registered and cumpana.status == "verified"
    assert cumpana.vat_periods[0].start == dt.date(1994, 2, 1) and cumpana.vat_periods[0].end is None
    assert cumpana.registered_office is not None and cumpana.registered_office.county_plate_code == "B"
    cancelled = parse_entry(data["27193515"])
    assert not cancelled.vat_registered
    assert cancelled.vat_periods[0].end == dt.date(2016, 8, 22)
    assert cancelled.vat_periods[0].message and "Anularea" in cancelled.vat_periods[0].message
    on_collection = parse_entry(data["8235738"])
    assert on_collection.vat_on_collection and on_collection.vat_on_collection_from == dt.date(2013, 1, 1)
    assert on_collection.vat_on_collection_act == "Inregistrare"


def test_v9_envelope_and_fake_seed() -> None:
    companies = fake.seed_companies()
    result = parse_reply(
        {"cod": 200, "message": "SUCCESS", "found": list(companies.values()), "notFound": [19, "27"]}
    )
    by_cui = {r.cui: r for r in result.found}
    assert result.not_found == [19, 27]
    assert by_cui[fake.VERIFIED].e_factura and by_cui[fake.VERIFIED].status == "verified"
    assert by_cui[fake.INACTIVE].inactive and by_cui[fake.INACTIVE].status == "inactive"
    assert by_cui[fake.SPLIT_VAT].split_vat
    assert by_cui[fake.VAT_ON_COLLECTION].vat_on_collection
    assert not by_cui[fake.NON_VAT].vat_registered and by_cui[fake.NON_VAT].vat_periods == []


def test_doc_shape_period_object_and_flat_legacy() -> None:
    entry = fake.company(14399840, "X SRL")
    entry["inregistrare_scop_Tva"]["perioade_TVA"] = entry["inregistrare_scop_Tva"]["perioade_TVA"][0]
    assert parse_entry(entry).vat_periods[0].start == dt.date(2010, 2, 1)
    flat = {"cui": "14399840", "denumire": "X SRL", "scpTVA": True, "data_inceput_ScpTVA": "2010-02-01"}
    record = parse_reply([flat]).found[0]
    assert record.cui == 14399840 and record.vat_registered and record.vat_periods[0].start


@pytest.mark.parametrize("payload", [None, "x", [1, 2], {"foo": 1}, {"found": "x", "notFound": []}])
def test_not_a_reply(payload: Any) -> None:
    with pytest.raises(ReplyShapeError):
        parse_reply(payload)
