"""One local server standing in for ANAF (taxpayer lookup, e-Factura, e-Transport, OAuth), REGES and
BNR's exchange-rate feed.

Each service's fake lives in its own module with a ``State`` (what it knows, what it received, which
faults to inject) and ``make_router(state)``; the paths are the real ones, so a client only needs its
base URL pointed here (``settings_for(url)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI

from genius.compliance.fakes import bnr, efactura, etransport, reges, taxpayer


@dataclass
class FakeStates:
    taxpayer: taxpayer.State = field(default_factory=taxpayer.State)
    efactura: efactura.State = field(default_factory=efactura.State)
    etransport: etransport.State = field(default_factory=etransport.State)
    reges: reges.State = field(default_factory=reges.State)
    bnr: bnr.State = field(default_factory=bnr.State)


def create_fake_app(states: FakeStates | None = None) -> FastAPI:
    states = states or FakeStates()
    app = FastAPI(title="Fake ANAF, REGES and BNR", docs_url=None, redoc_url=None)
    app.state.fakes = states
    app.include_router(taxpayer.make_router(states.taxpayer))
    app.include_router(efactura.make_router(states.efactura))
    app.include_router(etransport.make_router(states.etransport))
    app.include_router(reges.make_router(states.reges))
    app.include_router(bnr.make_router(states.bnr))
    return app


def settings_for(url: str) -> dict[str, Any]:
    """``Settings`` overrides pointing every compliance client (and the BNR rate client) at a fake server
    running at ``url``."""
    url = url.rstrip("/")
    return {
        "anaf_taxpayer_url": f"{url}/api/PlatitorTvaRest/v9/tva",
        "anaf_api_base": url,
        "anaf_oauth_base": f"{url}/anaf-oauth2/v1",
        "anaf_client_id": efactura.State.client_id,
        "anaf_client_secret": efactura.State.client_secret,
        "reges_base_url": f"{url}/reges",
        "reges_token_url": f"{url}/reges-auth/realms/reges/protocol/openid-connect/token",
        "reges_client_id": reges.State.client_id,
        "reges_client_secret": reges.State.client_secret,
        "reges_username": reges.State.username,
        "reges_password": reges.State.password,
        "bnr_url": url,
    }
