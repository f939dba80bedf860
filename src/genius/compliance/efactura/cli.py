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
