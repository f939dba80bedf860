"""`genius` commands for efactura."""

from __future__ import annotations

import typer

app = typer.Typer(help="efactura", no_args_is_help=True)
