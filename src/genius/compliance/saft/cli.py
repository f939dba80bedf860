"""`genius` commands for saft."""

from __future__ import annotations

import typer

app = typer.Typer(help="saft", no_args_is_help=True)
