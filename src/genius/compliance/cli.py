"""``genius anaf|efactura|etransport|saft|reges …``: commands for accountants, support and CI.

Validation commands share one convention: every finding per file (``--json`` prints
``{"FILE": [{"rule", "severity", "location", "message"}]}``) and exit code 1 when any file has a fatal
finding.
"""

from __future__ import annotations

from typing import Annotated

import typer

from genius.compliance.efactura.cli import app as efactura_app
from genius.compliance.etransport.cli import app as etransport_app
from genius.compliance.reges.cli import app as reges_app
from genius.compliance.saft.cli import app as saft_app
from genius.compliance.taxpayer.cli import app as taxpayer_app

anaf_app = typer.Typer(help="ANAF services", no_args_is_help=True)
anaf_app.add_typer(taxpayer_app, name="taxpayer")


def fake_anaf(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8099,
) -> None:
    """Run the local fake ANAF (taxpayer lookup, e-Factura, e-Transport, OAuth) and REGES server."""
    import uvicorn

    from genius.compliance.fakes.app import create_fake_app

    uvicorn.run(create_fake_app(), host=host, port=port, log_level="warning", access_log=False)


def register(app: typer.Typer) -> None:
    app.command("fake-anaf")(fake_anaf)
    app.add_typer(anaf_app, name="anaf")
    app.add_typer(efactura_app, name="efactura", help="e-Factura (EN 16931 / CIUS-RO)")
    app.add_typer(etransport_app, name="etransport", help="e-Transport v2")
    app.add_typer(saft_app, name="saft", help="SAF-T D406")
    app.add_typer(reges_app, name="reges", help="REGES Online")
