"""`genius saft` commands.

``genius saft validate FILE… [--json] [--duk/--no-duk]`` prints every finding per file (rule id,
severity, XPath-like location, message); ``--json`` prints ``{"FILE": [{"rule", "severity", "location",
"message", "code", "params"}]}`` (our own findings carry the stable code of their message and its
params; DUKIntegrator's do not). Exit code 1 when any file has a fatal finding; unreadable or broken
files give a finding, never a crash. With ``GENIUS_DUK_JAR`` set, DUKIntegrator's verdict is added
(``--no-duk`` skips it).

``genius saft build LEDGER.json [-o OUT] [--kind L|T|A|C] [--test-variant] [--max-bytes N]`` writes the
D406 file (or ``OUT_1ofN.xml`` … segments when larger than ``--max-bytes``), validates it and prints
the findings; exit 1 when the ledger is not valid or the file has a fatal finding.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

from genius.compliance.common.findings import Finding
from genius.compliance.common.report import print_report

app = typer.Typer(help="saft", no_args_is_help=True)


def _findings(file: str, use_duk: bool) -> list[Finding]:
    from genius.compliance.saft import duk
    from genius.compliance.saft.build import namespace_of
    from genius.compliance.saft.rules import validate

    try:
        data = Path(file).read_bytes()
    except OSError as exc:
        return [Finding("IO", "fatal", "/", f"cannot read the file: {exc.strerror or exc}")]
    found = validate(data)
    jar = os.environ.get("GENIUS_DUK_JAR")
    if use_duk and jar and not any(f.severity == "fatal" for f in found):
        found += duk.run(data, Path(jar), form=duk.form_of(namespace_of(data)))
    return found


@app.command("validate")
def validate_command(
    files: list[str] = typer.Argument(..., help="D406 (SAF-T) XML files"),
    as_json: bool = typer.Option(False, "--json", help="Print the findings as JSON"),
    use_duk: bool = typer.Option(
        True, "--duk/--no-duk", help="Also run DUKIntegrator when GENIUS_DUK_JAR is set"
    ),
) -> None:
    """Validate D406 files: structure, formats, references and control sums (and DUKIntegrator)."""
    report = {file: _findings(file, use_duk) for file in files}
    print_report(report, as_json)


@app.command("build")
def build_command(
    ledger_file: Path = typer.Argument(..., help="the ledger JSON (docs/compliance.md: SAF-T ledger format)"),
    out: Path | None = typer.Option(None, "-o", "--out", help="Output file (default: LEDGER with .xml)"),
    kind: str = typer.Option(
        "L", "--kind", help="L monthly, T quarterly, A annual (assets), C on request (stock)"
    ),
    test_variant: bool = typer.Option(False, "--test-variant", help="Write the d406t (test) namespace"),
    max_bytes: int = typer.Option(
        500 * 1024 * 1024, "--max-bytes", help="Split into segments above this size"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the findings as JSON"),
) -> None:
    """Build a D406 file from a ledger JSON and validate it."""
    from pydantic import ValidationError

    from genius.compliance.saft.audit_file import NS_D406, NS_D406T
    from genius.compliance.saft.build import from_ledger, segment
    from genius.compliance.saft.ledger import Ledger
    from genius.compliance.saft.rules import validate

    kind = kind.upper()
    try:
        ledger = Ledger.model_validate_json(ledger_file.read_bytes())
        files = segment(from_ledger(ledger, kind), max_bytes, NS_D406T if test_variant else NS_D406)
    except OSError as exc:
        typer.echo(f"{ledger_file}: cannot read the file: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from None
    except ValidationError as exc:
        typer.echo(f"{ledger_file}: not a valid ledger:", err=True)
        for e in exc.errors()[:50]:
            typer.echo(f"  {'.'.join(str(x) for x in e['loc'])}: {e['msg']}", err=True)
        raise typer.Exit(1) from None
    except ValueError as exc:
        typer.echo(f"{ledger_file}: {exc}", err=True)
        raise typer.Exit(1) from None
    target = out or ledger_file.with_suffix(".xml")
    paths = (
        [target]
        if len(files) == 1
        else [
            target.with_name(f"{target.stem}_{n}of{len(files)}{target.suffix or '.xml'}")
            for n in range(1, len(files) + 1)
        ]
    )
    report: dict[str, list[Finding]] = {}
    for path, xml in zip(paths, files, strict=True):
        path.write_bytes(xml)
        report[str(path)] = validate(xml)
    print_report(report, as_json)
