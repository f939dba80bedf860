"""`validate()` and `genius efactura validate`: broken input, fragments, XSD, official XSLT, output shapes.

No database is needed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from genius.cli import app
from genius.compliance.common.findings import Finding
from genius.compliance.efactura.rules.engine import NS, all_rules
from genius.compliance.efactura.validate import has_fatal, validate
from tests.compliance.conftest import shared_data

runner = CliRunner()
EXAMPLE = ("cius-ro", "examples-ubl", "ubl_b2g_example1.xml")


@pytest.fixture(autouse=True)
def _no_configured_artefacts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests say explicitly which XSD / official folders they use."""
    monkeypatch.delenv("GENIUS_EFACTURA_XSD_DIR", raising=False)
    monkeypatch.delenv("GENIUS_EFACTURA_ARTEFACTS_DIR", raising=False)
    monkeypatch.setattr("genius.compliance.efactura.validate._default_artefacts_dir", lambda: None)
    monkeypatch.setattr("genius.compliance.efactura.xsd.default_xsd_dir", lambda: None)


def _example() -> etree._Element:
    return etree.parse(str(shared_data(*EXAMPLE))).getroot()


def _write(path: Path, root: etree._Element) -> Path:
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return path


def _line_total_off(tmp_path: Path) -> Path:
    root = _example()
    total = root.find("cac:LegalMonetaryTotal/cbc:LineExtensionAmount", NS)
    assert total is not None
    total.text = "999.99"
    return _write(tmp_path / "broken-total.xml", root)


def _rules(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings}


# --- validate() ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"<Invoice><unclosed></Invoice>", "not well-formed"),
        (b"\x00\xff\xfe garbage", "not well-formed"),
        (b"just text", "not well-formed"),
        (f'<cbc:ID xmlns:cbc="{NS["cbc"]}">1</cbc:ID>'.encode(), "fragment"),
        (b"<Invoice><cbc:ID/></Invoice>", "not well-formed"),  # undeclared prefix
        (b"<Invoice/>", "namespace"),
        (
            b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:'
            b'CrossIndustryInvoice:100"/>',
            "CII",
        ),
    ],
)
def test_bad_input_gives_one_xml_finding(data: bytes, needle: str) -> None:
    findings = validate(data)
    assert len(findings) == 1
    (finding,) = findings
    assert finding.rule == "XML" and finding.severity == "fatal"
    assert needle.lower() in finding.message.lower()
    assert has_fatal(findings)


def test_missing_file_is_a_finding(tmp_path: Path) -> None:
    (finding,) = validate(tmp_path / "nope.xml")
    assert finding.rule == "XML" and "cannot read" in finding.message


def test_minimal_invoice_gets_the_mandatory_rules() -> None:
    data = (
        f'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cbc="{NS["cbc"]}"/>'
    )
    findings = validate(data.encode())
    assert {"BR-01", "BR-02", "BR-03", "BR-05", "BR-06", "BR-16", "BR-CO-18"} <= _rules(findings)
    assert all(f.location.startswith("/Invoice") for f in findings if f.rule.startswith("BR-0"))
    assert not [f for f in findings if "could not be evaluated" in f.message]


def test_valid_example_has_no_en16931_finding() -> None:
    findings = validate(shared_data(*EXAMPLE))
    en16931 = {rule_id for rule_id, r in all_rules().items() if r.group == "en16931"}
    assert not [f for f in findings if f.rule in en16931 or f.rule in ("XML", "XSD")]


def test_broken_total_is_reported_with_location(tmp_path: Path) -> None:
    findings = validate(_line_total_off(tmp_path))
    co10 = [f for f in findings if f.rule == "BR-CO-10"]
    assert co10 and co10[0].severity == "fatal"
    assert co10[0].location == "/Invoice/cac:LegalMonetaryTotal[1]"
    assert "BT-106" in co10[0].message


def test_xsd_findings_when_schemas_are_given(tmp_path: Path) -> None:
    xsd_dir = shared_data("ubl21-xsd")
    root = _example()
    root.insert(0, etree.Element(f"{{{NS['cbc']}}}NotAUblElement"))
    path = _write(tmp_path / "xsd.xml", root)
    findings = validate(path, xsd_dir=xsd_dir)
    xsd = [f for f in findings if f.rule == "XSD"]
    assert xsd and all(f.severity == "fatal" for f in xsd)
    assert not [f for f in validate(shared_data(*EXAMPLE), xsd_dir=xsd_dir) if f.rule == "XSD"]


def test_no_xsd_finding_without_schemas(tmp_path: Path) -> None:
    root = _example()
    root.insert(0, etree.Element(f"{{{NS['cbc']}}}NotAUblElement"))
    path = _write(tmp_path / "xsd.xml", root)
    assert not [f for f in validate(path, xsd_dir=tmp_path) if f.rule.startswith("XSD")]
    assert not [f for f in validate(path) if f.rule.startswith("XSD")]


def test_official_findings_are_added_and_deduplicated(tmp_path: Path) -> None:
    artefacts = shared_data("cius-ro", "xslt-1.0.9")
    findings = validate(_line_total_off(tmp_path), artefacts_dir=artefacts)
    assert [f.rule for f in findings].count("BR-CO-10") == 1
    # UBL-CR-681 is an official warning we do not implement ourselves
    example0 = validate(
        shared_data("cius-ro", "examples-ubl", "ubl_b2g_example0.xml"), artefacts_dir=artefacts
    )
    cr = [f for f in example0 if f.rule == "UBL-CR-681"]
    assert cr and cr[0].severity == "warning" and cr[0].message.startswith("[official]")
    assert cr[0].location.startswith("/Invoice")


def test_cius_ro_rules_run_without_the_official_xslt() -> None:
    """ANAF's credit note example still says CIUS-RO 1.0.0 (BT-24): BR-RO-001 without any XSLT, and the
    official XSLT, when given, adds no BR-RO finding of its own."""
    credit_note = shared_data("cius-ro", "examples-ubl", "creditNote_ex.xml")
    findings = validate(credit_note)
    ro = [f for f in findings if f.rule.startswith("BR-RO-")]
    assert [(f.rule, f.severity, f.location) for f in ro] == [("BR-RO-001", "fatal", "/CreditNote")]
    assert has_fatal(findings)
    with_official = validate(credit_note, artefacts_dir=shared_data("cius-ro", "xslt-1.0.9"))
    assert [f for f in with_official if f.rule.startswith("BR-RO-")] == ro


def test_official_attribute_findings_are_deduplicated(tmp_path: Path) -> None:
    root = _example()
    amount = root.find("cac:LegalMonetaryTotal/cbc:PayableAmount", NS)
    assert amount is not None
    amount.set("currencyID", "ZZZ")
    path = _write(tmp_path / "currency.xml", root)
    findings = validate(path, artefacts_dir=shared_data("cius-ro", "xslt-1.0.9"))
    cl03 = [f for f in findings if f.rule == "BR-CL-03"]
    assert [f.location for f in cl03] == [
        "/Invoice/cac:LegalMonetaryTotal[1]/cbc:PayableAmount[1]/@currencyID"
    ]


def test_broken_official_xslt_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "EN16931-CIUS_RO-UBL-validation.xslt").write_text("<not-a-stylesheet/>")
    findings = validate(shared_data(*EXAMPLE), artefacts_dir=tmp_path)
    official = [f for f in findings if f.rule == "OFFICIAL"]
    assert official and official[0].severity == "warning"


# --- CLI -------------------------------------------------------------------------------------------


def test_cli_valid_file_exits_0() -> None:
    path = shared_data(*EXAMPLE)
    result = runner.invoke(app, ["efactura", "validate", str(path)])
    fatal_ro = [f for f in validate(path) if f.severity == "fatal"]
    assert result.exit_code == (1 if fatal_ro else 0), result.output
    assert str(path) in result.output


def test_cli_reports_findings_and_exits_1(tmp_path: Path) -> None:
    path = _line_total_off(tmp_path)
    result = runner.invoke(app, ["efactura", "validate", str(path)])
    assert result.exit_code == 1
    assert "BR-CO-10" in result.output
    assert "/Invoice/cac:LegalMonetaryTotal[1]" in result.output
    assert "INVALID" in result.output


def test_cli_json_shape_and_several_files(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<Invoice>")
    fragment = tmp_path / "fragment.xml"
    fragment.write_bytes(f'<cac:Party xmlns:cac="{NS["cac"]}"/>'.encode())
    missing = tmp_path / "missing.xml"
    good = _line_total_off(tmp_path)
    result = runner.invoke(
        app, ["efactura", "validate", str(broken), str(fragment), str(missing), str(good), "--json"]
    )
    assert result.exit_code == 1
    payload = json.loads(result.output)
    assert list(payload) == [str(broken), str(fragment), str(missing), str(good)]
    for findings in payload.values():
        assert isinstance(findings, list) and findings
        for finding in findings:
            assert set(finding) == {"rule", "severity", "location", "message"}
            assert finding["severity"] in ("fatal", "warning")
    assert [f["rule"] for f in payload[str(broken)]] == ["XML"]
    assert [f["rule"] for f in payload[str(fragment)]] == ["XML"]
    assert [f["rule"] for f in payload[str(missing)]] == ["XML"]
    assert "BR-CO-10" in {f["rule"] for f in payload[str(good)]}


def test_cli_warnings_only_exit_0(tmp_path: Path) -> None:
    root = _example()
    endpoint = root.find("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID", NS)
    assert endpoint is not None
    endpoint.set("schemeName", "x")  # UBL-DT-08 is a warning
    path = _write(tmp_path / "warn.xml", root)
    findings = validate(path)
    assert "UBL-DT-08" in _rules(findings)
    result = runner.invoke(app, ["efactura", "validate", str(path), "--json"])
    assert result.exit_code == (1 if has_fatal(findings) else 0)
    assert "UBL-DT-08" in {f["rule"] for f in json.loads(result.output)[str(path)]}


def test_cli_xsd_and_artefacts_options(tmp_path: Path) -> None:
    xsd_dir = shared_data("ubl21-xsd")
    artefacts = shared_data("cius-ro", "xslt-1.0.9")
    path = _line_total_off(tmp_path)
    result = runner.invoke(
        app,
        [
            "efactura",
            "validate",
            str(path),
            "--json",
            "--xsd-dir",
            str(xsd_dir),
            "--artefacts-dir",
            str(artefacts),
        ],
    )
    assert result.exit_code == 1
    rules = [f["rule"] for f in json.loads(result.output)[str(path)]]
    assert rules.count("BR-CO-10") == 1
    assert "XSD" not in rules
