"""`genius reges` commands.

``genius reges validate FILE… [--json] [--xsd reges.xsd]`` checks REGES messages (JSON as the REGES API
takes them, or XML per the XSD): our model (required fields, enumerations, lengths, dates), the CNP
checksum, employer CUIs, operation/message consistency, and the official XSD when given (``--xsd`` or
``GENIUS_REGES_XSD``). ``--json`` prints ``{"FILE": [{"rule", "severity", "location", "message",
"code", "params"}]}`` (the XSD's findings have no code). Exit code 1 when any file has a fatal
finding; unreadable or broken files give a finding, never a crash.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

from genius.compliance.common.findings import Finding
from genius.compliance.common.report import print_report

app = typer.Typer(help="reges", no_args_is_help=True)


def _findings(file: str, xsd: Path | None) -> list[Finding]:
    from genius.compliance.reges.validate import validate

    try:
        data = Path(file).read_bytes()
    except OSError as exc:
        return [Finding("IO", "fatal", "/", f"cannot read the file: {exc.strerror or exc}")]
    return validate(data, xsd)


@app.command("validate")
def validate_command(
    files: list[str] = typer.Argument(..., help="REGES messages (JSON or XML)"),
    as_json: bool = typer.Option(False, "--json", help="Print the findings as JSON"),
    xsd: str | None = typer.Option(
        None, "--xsd", help="the REGES Online XSD, to check the XML with it too (default: GENIUS_REGES_XSD)"
    ),
) -> None:
    """Validate REGES messages: model, CNP checksum, CUI, operation, optional XSD."""
    xsd_value = xsd or os.environ.get("GENIUS_REGES_XSD")
    xsd_path = Path(xsd_value) if xsd_value else None
    report = {file: _findings(file, xsd_path) for file in files}
    print_report(report, as_json)
