"""The validation commands' shared output: one report per file, text or ``--json``, exit 1 on fatal."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import typer


class FindingLike(Protocol):
    @property
    def rule(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def location(self) -> str: ...
    @property
    def message(self) -> str: ...

    def as_dict(self) -> dict[str, Any]: ...


def print_report(report: Mapping[str, Sequence[FindingLike]], as_json: bool) -> None:
    """Print every file's findings, then exit 1 when any of them is fatal."""
    if as_json:
        payload = {file: [x.as_dict() for x in found] for file, found in report.items()}
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for file, found in report.items():
            fatal = sum(1 for x in found if x.severity == "fatal")
            verdict = "OK" if not fatal else f"{fatal} error(s)"
            warnings = len(found) - fatal
            typer.echo(f"{file}: {verdict}" + (f", {warnings} warning(s)" if warnings else ""))
            for x in found:
                typer.echo(f"  [{x.severity}] {x.rule} at {x.location}: {x.message}")
    if any(x.severity == "fatal" for found in report.values() for x in found):
        raise typer.Exit(1)
