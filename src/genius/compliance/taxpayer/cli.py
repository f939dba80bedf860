"""`genius` commands for taxpayer."""

from __future__ import annotations

import typer

app = typer.Typer(help="taxpayer", no_args_is_help=True)
