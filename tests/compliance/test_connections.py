"""Compliance's hooks for the Shell's settings page: "Verify at ANAF" and the connection badges."""

from __future__ import annotations

from genius.compliance import connections
from genius.compliance.fakes.taxpayer import VERIFIED
from genius.core.platform import Platform


def test_company_lookup_asks_anaf_for_the_official_name(fake_anaf, platform, settings) -> None:  # type: ignore[no-untyped-def]
    p = Platform.build(fake_anaf.settings(settings), "", None, db=platform.db)
    found = connections.company_lookup(p, str(VERIFIED))
    assert found.found and found.name and found.cui == str(VERIFIED)
    from stdnum.ro import cui

    unknown = "7654321" + cui.calc_check_digit("7654321")  # a right check digit, a CUI ANAF does not know
    missing = connections.company_lookup(p, unknown)
    assert not missing.found and not missing.error


def test_connection_status_without_and_with_configuration(fake_anaf, platform, settings, tenant, db) -> None:  # type: ignore[no-untyped-def]
    bare = Platform.build(settings, "", None, db=platform.db)
    with platform.db.tenant_session(tenant.id) as s:
        states = {c.label: c.state for c in connections.connections(s, bare, tenant.id)}
        assert set(states.values()) == {"off"}
        configured = Platform.build(fake_anaf.settings(settings), "", None, db=platform.db)
        states = {c.label: c.state for c in connections.connections(s, configured, tenant.id)}
        assert states["ANAF SPV (e-Factura, e-Transport)"] == "warn"  # configured, not connected yet
