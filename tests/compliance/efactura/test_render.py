"""PDF rendering of invoices (WeasyPrint) and the ``genius efactura render`` command."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

from pypdf import PdfReader
from typer.testing import CliRunner

from genius.cli import app
from genius.compliance.efactura.render import format_amount, render_html, render_pdf
from genius.compliance.efactura.ubl import to_ubl_xml
from tests.compliance.conftest import shared_data
from tests.compliance.efactura.test_model import credit_note, eur_invoice, ro_b2b_invoice


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_format_amount_is_romanian() -> None:
    assert format_amount(Decimal("1839.24")) == "1.839,24"
    assert format_amount(Decimal("1234567.5")) == "1.234.567,50"
    assert format_amount(Decimal("12.345")) == "12,345"
    assert format_amount(Decimal("-3")) == "-3,00"
    assert format_amount(None) == ""


def test_pdf_shows_number_parties_and_totals() -> None:
    text = pdf_text(render_pdf(ro_b2b_invoice()))
    assert "GEN-2025-0042" in text
    assert "Genius Software SRL" in text and "RO18547290" in text
    assert "Total de plată" in text
    for amount in ("1.839,24", "308,39", "1.530,85", "294,00", "14,39"):
        assert amount in text, amount


def test_html_of_eur_invoice_and_credit_note() -> None:
    html = render_html(eur_invoice())
    assert "Total TVA în RON" in html and "1.044,75" in html
    html = render_html(credit_note())
    assert "Notă de creditare" in html and "GEN-2025-0042" in html


def test_cli_renders_a_ubl_file(tmp_path: Path) -> None:
    src = tmp_path / "factura.xml"
    src.write_bytes(to_ubl_xml(ro_b2b_invoice()))
    result = CliRunner().invoke(app, ["efactura", "render", str(src)])
    assert result.exit_code == 0, result.output
    text = pdf_text((tmp_path / "factura.pdf").read_bytes())
    assert "GEN-2025-0042" in text and "1.839,24" in text


def test_cli_renders_an_anaf_example(tmp_path: Path) -> None:
    src = shared_data("cius-ro", "examples-ubl", "creditNote_ex.xml")
    out = tmp_path / "nc.pdf"
    result = CliRunner().invoke(app, ["efactura", "render", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = pdf_text(out.read_bytes())
    assert "2018-112" in text and "500,00 SEK" in text and "249,00 RON" in text


def test_cli_exits_1_on_unparsable_input(tmp_path: Path) -> None:
    src = tmp_path / "broken.xml"
    src.write_bytes(b"<Invoice><oops></Invoice>")
    result = CliRunner().invoke(app, ["efactura", "render", str(src)])
    assert result.exit_code == 1
    assert "cannot read the invoice" in result.output and "not well-formed XML" in result.output
    assert not (tmp_path / "broken.pdf").exists()
    result = CliRunner().invoke(app, ["efactura", "render", str(tmp_path / "missing.xml")])
    assert result.exit_code == 1
