"""Compliance's hooks for the Shell's company settings page (declared in the manifest, so the Shell
imports nothing of compliance): the tenant's ANAF SPV and REGES connection status, and the CUI lookup
behind "Verify at ANAF"."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from genius.compliance.common import repository
from genius.compliance.taxpayer.service import TaxpayerService
from genius.core.kit.manifest import N_, CompanyInfo, ConnectionStatus

if TYPE_CHECKING:
    from genius.core.platform import Platform


def connections(db: Session, platform: Platform, tid: uuid.UUID) -> list[ConnectionStatus]:
    s = platform.settings
    out: list[ConnectionStatus] = []
    token = repository.oauth_token(db, tid)
    if not (s.anaf_client_id and s.anaf_client_secret):
        out.append(ConnectionStatus(N_("ANAF SPV (e-Factura, e-Transport)"), "off", N_("Not configured")))
    elif token is None:
        out.append(ConnectionStatus(N_("ANAF SPV (e-Factura, e-Transport)"), "warn", N_("Not connected")))
    else:
        now = datetime.now(UTC)
        refreshable = token.refresh_token is not None and (
            token.refresh_expires_at is None or token.refresh_expires_at > now
        )
        if token.expires_at > now or refreshable:
            out.append(
                ConnectionStatus(
                    N_("ANAF SPV (e-Factura, e-Transport)"),
                    "ok",
                    (token.refresh_expires_at or token.expires_at).strftime("%d.%m.%Y"),
                )
            )
        else:
            out.append(ConnectionStatus(N_("ANAF SPV (e-Factura, e-Transport)"), "err", N_("Token expired")))
    reges = bool(s.reges_token_url and s.reges_client_id and (s.reges_client_secret or s.reges_password))
    out.append(
        ConnectionStatus(
            N_("REGES Online"), "ok" if reges else "off", N_("Configured") if reges else N_("Not configured")
        )
    )
    return out


def company_lookup(platform: Platform, cui: str) -> CompanyInfo:
    """ANAF's taxpayer registry (PlatitorTvaRest) for one CUI, through the cached, rate-limited service."""
    service = TaxpayerService.from_settings(platform.settings, platform.redis, max_wait=5.0, timeout=10.0)
    try:
        check = service.check_one(cui)
    finally:
        service.close()
    if check.record is not None:
        return CompanyInfo(cui, True, check.record.name or "", check.record.address or "")
    if check.status == "unavailable":
        return CompanyInfo(cui, False, error=check.message or "unavailable")
    return CompanyInfo(cui, False)
