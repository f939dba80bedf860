"""The REGES examples: every JSON example parses, round-trips (JSON and XML) and its XML form validates
against the official XSD; the XML examples parse; our own checks (CNP checksum, operations)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from genius.compliance.reges import schema
from genius.compliance.reges.messages import (
    Batch,
    BatchParams,
    TipSporAngajatorEntry,
    loads,
    parse,
    parse_xml,
    to_json,
    to_xml,
)
from genius.compliance.reges.validate import cnp_problem, validate
from tests.compliance.conftest import SHARED_DATA, shared_data
from tests.compliance.reges.conftest import BAD_CNP, VALID_CNP, salariat, suspendare

EXAMPLES = SHARED_DATA / "reges" / "examples"
# Examples that cannot pass, and why (they contradict the XSD itself):
JSON_NOT_VALID = {
    # IncetareSuspendare: the ActiuneSuspendare lacks TemeiLegal, which the XSD requires (minOccurs=1)
    "json__Contract_Suspendare_IncetareSuspendareContract.json": "/actiune/temeiLegal",
    "json__Contract_Suspendare_CorectieIncetareSuspendareContract.json": "/actiune/temeiLegal",
    # marked OBSOLETE by REGES: its Continut lacks Cor, Radiat, Salariu, … (required by the XSD)
    "json__Contract_Radiere_RadiereContract_-_OBSOLETE.json": "/continut/cor/cod",
}
XML_NOT_VALID = {
    # DataInceputContract "2024-06-258T14:19:58.917Z": day 258 is not a date
    "xml__Contract_Inregistrare_AdaugareContract.xml": "/continut/dataInceputContract",
    "xml__Contract_Operatii_contract_AdaugareContractInitial.xml": "/continut/dataInceputContract",
    "xml__Contract_Operatii_contract_AdaugareModificareInIstoricContractCuPropagare.xml": (
        "/continut/dataInceputContract"
    ),
}


def _names(pattern: str) -> list[str]:
    return sorted(p.name for p in EXAMPLES.glob(pattern)) if EXAMPLES.is_dir() else ["(no shared data)"]


def _strip_types(value: Any) -> Any:
    """``$type`` is the JSON API's tag; XML carries ``xsi:type`` instead (and only where polymorphic)."""
    if isinstance(value, dict):
        return {k: _strip_types(v) for k, v in value.items() if k != "$type"}
    if isinstance(value, list):
        return [_strip_types(v) for v in value]
    return value


@pytest.fixture(scope="module")
def xsd() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(shared_data("reges", "reges.xsd"))))


@pytest.mark.parametrize("name", _names("*.json"))
def test_json_example_round_trips_and_its_xml_validates(name: str, xsd: etree.XMLSchema) -> None:
    raw = shared_data("reges", "examples", name).read_bytes()
    if name in JSON_NOT_VALID:
        findings = validate(raw)
        assert findings and findings[0].rule == "REGES-MODEL"
        assert JSON_NOT_VALID[name] in {f.location for f in findings}
        return
    doc = loads(raw)
    assert to_json(doc) == json.loads(raw)  # JSON → model → JSON: unchanged
    xml = to_xml(doc)
    back = parse_xml(xml)
    assert type(back) is type(doc)
    assert _strip_types(to_json(back)) == _strip_types(to_json(doc))  # model → XML → model
    if isinstance(doc, (schema.Message, Batch)):
        assert xsd.validate(etree.fromstring(xml)), xsd.error_log.last_error
    else:  # the status queue's {"messages": n} and the bonus-type nomenclator are outside the XSD
        assert isinstance(doc, (BatchParams, TipSporAngajatorEntry))


@pytest.mark.parametrize("name", _names("xml__*.xml"))
def test_xml_example_parses_and_our_xml_validates(name: str, xsd: etree.XMLSchema) -> None:
    raw = shared_data("reges", "examples", name).read_bytes()
    if name in XML_NOT_VALID:
        assert XML_NOT_VALID[name] in {f.location for f in validate(raw)}
        return
    doc = parse(raw)
    again = parse_xml(to_xml(doc))
    assert _strip_types(to_json(again)) == _strip_types(to_json(doc))
    if isinstance(doc, (schema.Message, Batch)):
        # many examples list elements out of the XSD's order; what we write follows it
        assert xsd.validate(etree.fromstring(to_xml(doc))), xsd.error_log.last_error


def test_cnp_checksum() -> None:
    assert cnp_problem(VALID_CNP, "CarteIdentitate") is None
    assert cnp_problem(BAD_CNP, "CarteIdentitate")
    assert cnp_problem("123456", "CarteIdentitate")  # a Romanian ID always carries a CNP
    assert cnp_problem("1234K-PASS", "Pasaport") is None  # a foreigner's passport number
    assert cnp_problem(BAD_CNP, "Pasaport")  # 13 digits: a CNP, checked


def test_validate_rejects_a_bad_cnp_with_its_location() -> None:
    findings = validate(json.dumps(salariat(cnp=BAD_CNP)).encode())
    assert [(f.rule, f.severity, f.location) for f in findings] == [("REGES-CNP", "fatal", "/info/cnp")]
    assert validate(json.dumps(salariat()).encode()) == []


def test_operation_consistency() -> None:
    message = salariat("ModificareSalariat")
    del message["referintaSalariat"]
    assert {f.location for f in validate(json.dumps(message).encode())} == {"/referintaSalariat"}
    contract = suspendare()
    contract["header"]["operation"] = "IncetareContract"
    assert "/actiune" in {f.location for f in validate(json.dumps(contract).encode())}


@pytest.mark.parametrize(
    "body, rule",
    [
        (b"", "REGES-PARSE"),
        (b"not a message", "REGES-PARSE"),
        (b"{", "REGES-PARSE"),
        (b"<Message", "REGES-PARSE"),
        (b'{"$type": "nimic"}', "REGES-PARSE"),
        (b'{"$type": "salariat"}', "REGES-MODEL"),
        (b"<x xmlns='urn:other'/>", "REGES-PARSE"),
        (b"[1, 2]", "REGES-PARSE"),
    ],
)
def test_broken_documents_give_findings(body: bytes, rule: str) -> None:
    findings = validate(body)
    assert findings and findings[0].rule == rule and findings[0].severity == "fatal"


def test_model_errors_name_the_field() -> None:
    message = salariat()
    message["info"]["tipActIdentitate"] = "Permis"
    message["info"]["nume"] = "X" * 300
    message["header"]["timestamp"] = "2026-02-30T10:00:00"
    locations = {f.location for f in validate(json.dumps(message).encode())}
    assert locations == {"/info/tipActIdentitate", "/info/nume", "/header/timestamp"}


def test_xsd_check_of_the_xml_we_send(xsd: etree.XMLSchema) -> None:
    path = Path(shared_data("reges", "reges.xsd"))
    assert validate(json.dumps(suspendare()).encode(), path) == []
    xml = to_xml(loads(json.dumps(suspendare())))
    assert (
        b'xsi:type="ActiuneSuspendare"' in xml
        and b'<Message xmlns="http://www.inspectiamuncii.ro/reges2025"' in xml
    )
    assert validate(xml, path) == []
