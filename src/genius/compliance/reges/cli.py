"""`genius` commands for reges."""

from __future__ import annotations

import typer

app = typer.Typer(help="reges", no_args_is_help=True)
