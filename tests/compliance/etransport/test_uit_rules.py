"""UIT check digits (BR-019), the model → XML → model round trip, applicability, and the validator on
broken input."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from genius.compliance.etransport.applicability import (
    ShipmentLine,
    declaration_requires_etransport,
    is_high_risk,
    requires_etransport,
)
from genius.compliance.etransport.build import from_xml, to_xml
from genius.compliance.etransport.rules import uit_check_fails, validate
from genius.compliance.etransport.service import validity
from genius.compliance.etransport.uit import check_digits, is_valid_uit, new_uit, verify_uit
from tests.compliance.conftest import shared_data
from tests.compliance.etransport import samples

# The examples listed in the schematron's comment on BR-019.
SCHEMATRON_EXAMPLES = (
    "3V0P0L0P0T3JUW46 4C0U0C0J0W3DDQ92 5Y0Q0L0A0Y3AJA00 6N0U0A0A0K3PUM07 7M0L0P0H0K3RAP05 8H0Q0V0L0Q3WQN41 "
    "9E0P0C0J0J3DQV99 0C1E0K0N0M3EHP79 1C1E0Y0Y0N3YLK25 2D1R0D0L0N3CYH94 3H1M0A0E0J3FKN75"
).split()


@pytest.mark.parametrize("uit", SCHEMATRON_EXAMPLES)
def test_official_examples_have_valid_check_digits(uit: str) -> None:
    assert is_valid_uit(uit) and verify_uit(uit) and not uit_check_fails(uit)
    assert check_digits(uit[:14]) == uit[14:]


def test_check_digits_algorithm() -> None:
    # 3V0P0L0P0T3JUW: code points add up to 946 -> "46"
    assert sum(ord(c) for c in "3V0P0L0P0T3JUW") == 946
    assert not verify_uit("3V0P0L0P0T3JUW47")
    assert not is_valid_uit("3V0P0L0P0T3JUW4")
    assert not verify_uit("") and uit_check_fails("") and uit_check_fails("ABC")
    for _ in range(50):
        assert is_valid_uit(new_uit())


def test_round_trip_and_xml_shape() -> None:
    for make in samples.ALL.values():
        decl = make()
        xml = to_xml(decl)
        assert from_xml(xml) == decl
        assert xml.startswith(b"<?xml") and b"mfp:anaf:dgti:eTransport:declaratie:v2" in xml
    assert b'declPostAvarie="D"' in to_xml(samples.vehicle_change())
    assert b'dataModificare="2026-11-24T15:30:00"' in to_xml(samples.vehicle_change())


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (b"", "XML"),
        (b"   ", "XML"),
        (b"<eTransport", "XML"),
        (b"<a/>", "XML"),
        (b'<bunuriTransportate xmlns="mfp:anaf:dgti:eTransport:declaratie:v2"/>', "XML"),
        (b"\xff\xfe garbage", "XML"),
    ],
)
def test_broken_input_gives_a_finding(data: bytes, rule: str) -> None:
    findings = validate(data)
    assert findings and findings[0].rule == rule and findings[0].severity == "fatal"


def test_structure_without_xsd_and_with_it() -> None:
    xml = to_xml(samples.national()).replace(b' denumireMarfa="Cartofi"', b"")
    found = validate(xml)
    assert [(f.rule, f.location) for f in found] == [
        ("STRUCT", "/eTransport/notificare/bunuriTransportate[1]")
    ]
    xsd = shared_data("etransport", "schema_ETR_v2.xsd")
    with_xsd = validate(xml, xsd)
    assert [f.rule for f in with_xsd] == ["XSD"] and "denumireMarfa" in with_xsd[0].message


def test_missing_xsd_is_a_warning(tmp_path: Path) -> None:
    found = validate(to_xml(samples.deletion()), tmp_path / "nope.xsd")
    assert [(f.rule, f.severity) for f in found] == [("XSD", "warning")]


def test_shadowed_rules_are_warnings() -> None:
    xml = to_xml(samples.deletion("3v0P0L0P0T3JUW46"))  # lowercase: not in the UIT alphabet
    rules = {(f.rule, f.severity) for f in validate(xml)}
    assert ("BR-003", "warning") in rules and ("BR-019", "fatal") in rules


# --- applicability ----------------------------------------------------------------------------------------
def test_seed_threshold_10000_ron() -> None:
    over = requires_etransport([ShipmentLine("07019050", Decimal("10000.01"), Decimal("100"))])
    at = requires_etransport([ShipmentLine("07019050", Decimal("10000"), Decimal("100"))])
    assert over.required and "10000.01 RON" in over.reasons[0]
    assert not at.required


def test_weight_threshold_and_low_risk_goods() -> None:
    assert requires_etransport([ShipmentLine("0702", Decimal(1), Decimal("2500.5"))]).required
    # laptops (8471) are not high fiscal risk, however valuable
    laptops = requires_etransport([ShipmentLine("84713000", Decimal("500000"), Decimal("3000"))])
    assert not laptops.required and laptops.reasons == ["no goods of high fiscal risk"]
    flagged = requires_etransport([ShipmentLine("84713000", Decimal("20000"), Decimal(1), high_risk=True)])
    assert flagged.required
    assert not requires_etransport([]).required


def test_risky_lines_add_up_and_international_always() -> None:
    lines = [
        ShipmentLine("0701", Decimal("6000")),
        ShipmentLine("2204", Decimal("6000")),
        ShipmentLine("8471", Decimal("9e9")),
    ]
    result = requires_etransport(lines)
    assert result.required and result.risky_value_ron == Decimal("12000")
    assert requires_etransport([ShipmentLine("8471", Decimal(1))], "20").required
    assert is_high_risk("0701 90 50") and not is_high_risk(None)


def test_applicability_of_a_declaration() -> None:
    assert declaration_requires_etransport(samples.national("12500").notification).required  # type: ignore[arg-type]
    assert not declaration_requires_etransport(samples.national("500").notification).required  # type: ignore[arg-type]
    assert declaration_requires_etransport(samples.intra_eu_acquisition().notification).required  # type: ignore[arg-type]


def test_uit_validity_window() -> None:
    from datetime import date

    assert validity("30", date(2024, 6, 24)) == (date(2024, 6, 24), date(2024, 6, 29))  # ANAF's info example
    assert validity("10", date(2026, 1, 1))[1] == date(2026, 1, 16)
    assert validity("50", date(2026, 1, 1))[1] == date(2026, 1, 6)
