"""The ANAF signature on downloaded ZIPs: the real samples, tampered copies and the CLI."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from typer.testing import CliRunner

from genius.cli import app as cli_app
from genius.compliance.efactura.signature import verify_zip
from genius.compliance.fakes.efactura import FakeMessage, State, build_zip
from tests.compliance.conftest import shared_data


def rewrite(data: bytes, change: bytes, to: bytes, *, signature: bool = False) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.startswith("semnatura") == signature:
                assert change in body
                body = body.replace(change, to, 1)
            out.writestr(info, body)
    return buf.getvalue()


def test_sample_invoice_zip_verifies() -> None:
    result = verify_zip(shared_data("anaf-responses", "invoice.zip").read_bytes())
    assert result.ok, result.problems
    assert result.signature_valid and result.content_intact
    assert result.kind == "invoice" and result.invoice_id == "RCHIM/054914"
    assert any("issuer not pinned" in n for n in result.notes)
    assert "ANAF TEST" in (result.signer or "")


def test_sample_signatures_are_valid_but_3828_content_was_edited() -> None:
    # semnatura_3828.xml signs an error report for index 5011636148; the ZIP's 3828.xml says 3828:
    # the sample's XML was edited after signing, which is exactly what the check must catch.
    result = verify_zip(shared_data("anaf-responses", "3828.zip").read_bytes())
    assert result.signature_valid
    assert not result.content_intact and not result.ok
    assert result.kind == "error_report"


def test_samples_against_the_anaf_certificate_folder() -> None:
    # The samples come from ANAF's *test* environment (self-signed "ANAF TEST"), which is not one of
    # the production certificates in anaf-certs: the signature is valid, the signer is not pinned.
    certs = shared_data("anaf-certs")
    result = verify_zip(shared_data("anaf-responses", "invoice.zip").read_bytes(), certs)
    assert result.signature_valid and result.content_intact
    assert not result.pinned and not result.ok
    assert any("not one of the 6 pinned" in p for p in result.problems)


def test_tampered_invoice_fails() -> None:
    data = shared_data("anaf-responses", "invoice.zip").read_bytes()
    result = verify_zip(rewrite(data, b"23.80", b"23.81"))
    assert result.signature_valid and not result.content_intact and not result.ok
    result = verify_zip(rewrite(data, b"23.80", b"23.81", signature=True))
    assert not result.signature_valid and not result.ok


def test_broken_inputs_are_findings() -> None:
    assert verify_zip(b"not a zip").problems == ["not a ZIP file"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("1.xml", "<a/>")
    assert not verify_zip(buf.getvalue()).ok


def test_fake_signed_zip_pinned(tmp_path: Path) -> None:
    state = State()
    (tmp_path / "fake.cer").write_bytes(state.cert_pem)
    invoice = (
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
        b'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
        b"<cbc:ID>F-1</cbc:ID></Invoice>"
    )
    from datetime import UTC, datetime

    msg = FakeMessage("5001", "123456", "UBL", invoice, datetime.now(UTC), "ok", "3001")
    data = build_zip(msg, state.signer)
    result = verify_zip(data, tmp_path)
    assert result.ok and result.pinned and result.invoice_id == "F-1", result.problems
    assert not verify_zip(rewrite(data, b"F-1", b"F-2"), tmp_path).ok


def test_cli_verify_zip(tmp_path: Path) -> None:
    runner = CliRunner()
    good = shared_data("anaf-responses", "invoice.zip")
    result = runner.invoke(cli_app, ["efactura", "verify-zip", str(good)])
    assert result.exit_code == 0, result.output
    assert "RCHIM/054914" in result.output
    bad = tmp_path / "bad.zip"
    bad.write_bytes(rewrite(good.read_bytes(), b"23.80", b"23.81"))
    result = runner.invoke(cli_app, ["efactura", "verify-zip", str(bad)])
    assert result.exit_code == 1 and "content altered" in result.output
    result = runner.invoke(cli_app, ["efactura", "verify-zip", str(tmp_path / "missing.zip")])
    assert result.exit_code == 1
    result = runner.invoke(cli_app, ["efactura", "verify-zip", "--json", str(good)])
    assert result.exit_code == 0 and '"invoice_id": "RCHIM/054914"' in result.output
