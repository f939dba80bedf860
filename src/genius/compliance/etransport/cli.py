"""`genius` commands for etransport."""

from __future__ import annotations

import typer

app = typer.Typer(help="etransport", no_args_is_help=True)
