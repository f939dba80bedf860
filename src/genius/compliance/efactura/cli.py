"""`genius` commands for efactura."""

from __future__ import annotations

import typer

app = typer.Typer(help="efactura", no_args_is_help=True)


@app.command("verify-zip")
def verify_zip_command(
    file: str = typer.Argument(..., help="A ZIP downloaded from ANAF (descarcare)"),
    certs: str | None = typer.Option(
        None,
        "--certs",
        help="Folder of ANAF's signing certificates (*.cer); unset: trust the certificate in the signature",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON"),
) -> None:
    """Check the Ministry of Finance signature of an e-Factura ZIP and print the invoice id.

    Exits 1 when the signature does not verify, the signer is not among --certs, or the XML in the
    ZIP differs from the signed one.
    """
    import json
    from pathlib import Path

    from genius.compliance.efactura.signature import verify_zip

    try:
        result = verify_zip(Path(file).read_bytes(), Path(certs) if certs else None)
    except (OSError, ValueError) as exc:
        typer.echo(f"{file}: cannot verify: {exc}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps({file: result.as_dict()}, ensure_ascii=False, indent=2))
    else:
        typer.echo(f"{file}: {'OK' if result.ok else 'FAILED'}")
        typer.echo(f"  {result.kind.replace('_', ' ')} id: {result.invoice_id or '?'}")
        typer.echo(f"  signer: {result.signer or '?'}{' (pinned)' if result.pinned else ''}")
        for note in result.notes:
            typer.echo(f"  note: {note}")
        for problem in result.problems:
            typer.echo(f"  problem: {problem}")
    if not result.ok:
        raise typer.Exit(1)


# --- render (helper efactura-model) ---------------------------------------------------------------
@app.command("render")
def render_command(
    file: str = typer.Argument(..., help="UBL Invoice/CreditNote or CII XML file"),
    output: str | None = typer.Option(None, "--output", "-o", help="PDF to write (default: FILE with .pdf)"),
) -> None:
    """Render an e-Factura XML (UBL or CII) as a PDF with Romanian labels. Exits 1 on unreadable input."""
    from pathlib import Path

    from genius.compliance.efactura.parse import ParseError, parse_invoice
    from genius.compliance.efactura.render import render_pdf

    source = Path(file)
    try:
        invoice = parse_invoice(source)
    except ParseError as exc:
        typer.echo(f"{file}: cannot read the invoice: {exc}", err=True)
        raise typer.Exit(1) from None
    target = Path(output) if output else source.with_suffix(".pdf")
    try:
        target.write_bytes(render_pdf(invoice))
    except OSError as exc:
        typer.echo(f"{target}: cannot write the PDF: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{target} ({'credit note' if invoice.is_credit_note else 'invoice'} {invoice.number})")


# --- validate (helper rules-en) -------------------------------------------------------------------
@app.command("validate")
def validate_command(
    files: list[str] = typer.Argument(..., help="UBL Invoice/CreditNote XML files"),
    as_json: bool = typer.Option(
        False, "--json", help='Print {"FILE": [{"rule","severity","location","message"}]}'
    ),
    xsd_dir: str | None = typer.Option(
        None, "--xsd-dir", help="Folder with the UBL 2.1 XSDs (default: $GENIUS_EFACTURA_XSD_DIR / settings)"
    ),
    artefacts_dir: str | None = typer.Option(
        None,
        "--artefacts-dir",
        help="Folder with the official CIUS-RO compiled XSLT, run besides our rules (default: settings)",
    ),
) -> None:
    """Validate e-Factura UBL files: XML, UBL 2.1 XSD, EN 16931 and CIUS-RO rules.

    Prints every finding (rule id, fatal|warning, XPath location, message). Exits 1 when any file has
    a fatal finding; a missing or broken file is reported as a finding of that file.
    """
    import json
    from pathlib import Path

    from genius.compliance.efactura.validate import has_fatal, validate

    results = {}
    for file in files:
        results[file] = validate(
            Path(file),
            xsd_dir=Path(xsd_dir) if xsd_dir else None,
            artefacts_dir=Path(artefacts_dir) if artefacts_dir else None,
        )
    if as_json:
        payload = {file: [f.as_dict() for f in found] for file, found in results.items()}
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for file, found in results.items():
            fatal = sum(1 for f in found if f.severity == "fatal")
            warnings = len(found) - fatal
            status = "OK" if not fatal else "INVALID"
            typer.echo(f"{file}: {status} ({fatal} fatal, {warnings} warning{'s' if warnings != 1 else ''})")
            for f in found:
                typer.echo(f"  {f.severity:<7} {f.rule:<12} {f.location or '-'}")
                typer.echo(f"          {f.message}")
    if any(has_fatal(found) for found in results.values()):
        raise typer.Exit(1)
