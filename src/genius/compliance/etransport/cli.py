"""`genius etransport` commands.

``genius etransport validate FILE… [--json] [--xsd schema_ETR_v2.xsd]`` prints every finding per file
(rule id, severity, XPath location, message); ``--json`` prints ``{"FILE": [{"rule", "severity",
"location", "message"}]}``. Exit code 1 when any file has a fatal finding; unreadable or broken files
give a finding, never a crash.

``genius etransport uit UIT…`` checks UIT check digits (BR-019); exit 1 when any is wrong.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

from genius.compliance.common.findings import Finding
from genius.compliance.common.report import print_report

app = typer.Typer(help="etransport", no_args_is_help=True)


def _findings(file: str, xsd: Path | None) -> list[Finding]:
    from genius.compliance.etransport.rules import validate

    try:
        data = Path(file).read_bytes()
    except OSError as exc:
        return [Finding("IO", "fatal", "/", f"cannot read the file: {exc.strerror or exc}")]
    return validate(data, xsd)


@app.command("validate")
def validate_command(
    files: list[str] = typer.Argument(..., help="e-Transport v2 XML declarations"),
    as_json: bool = typer.Option(False, "--json", help="Print the findings as JSON"),
    xsd: str | None = typer.Option(
        None,
        "--xsd",
        help="ANAF's schema_ETR_v2.xsd, to check the structure with it too (default: GENIUS_ETRANSPORT_XSD)",
    ),
) -> None:
    """Validate e-Transport declarations with our implementation of ANAF's rules (schematron v2.0.2)."""
    xsd_value = xsd or os.environ.get("GENIUS_ETRANSPORT_XSD")
    xsd_path = Path(xsd_value) if xsd_value else None
    report = {file: _findings(file, xsd_path) for file in files}
    print_report(report, as_json)


@app.command("uit")
def uit_command(uits: list[str] = typer.Argument(..., help="UIT codes (16 characters)")) -> None:
    """Check UIT codes: format and check digits (BR-019). Exits 1 when any is wrong."""
    from genius.compliance.etransport.uit import UIT_RE, verify_uit

    bad = False
    for uit in uits:
        if len(uit) != 16 or not UIT_RE.fullmatch(uit):
            typer.echo(f"{uit}: malformed (16 characters: 14 of 0-9/A-Y without B G I O S Z, then 2 digits)")
            bad = True
        elif not verify_uit(uit):
            typer.echo(f"{uit}: wrong check digits (BR-019)")
            bad = True
        else:
            typer.echo(f"{uit}: OK")
    if bad:
        raise typer.Exit(1)
