"""Scopes and the default roles every new tenant gets."""

from __future__ import annotations

SCOPES: dict[str, str] = {
    "platform:admin": "Manage tenants and signing keys across the platform",
    "tenant:admin": "Manage users, roles and service accounts of the tenant",
    "audit:read": "Read and export the tenant's audit log",
    "crm:read": "Read CRM data",
    "crm:write": "Create and change CRM data",
    "crm:admin": "Administer the CRM (merge, delete, imports)",
    "workers:admin": "Operate the worker fleet and registry",
    "outreach:read": "Read outreach data",
    "outreach:write": "Run outreach",
    "outreach:admin": "Administer outreach channels and quotas",
    "compliance:read": "Read compliance (ANAF, REGES) results",
    "compliance:write": "Submit to ANAF and REGES",
}

ALL_SCOPES = list(SCOPES)
TENANT_SCOPES = [s for s in ALL_SCOPES if s != "platform:admin"]

DEFAULT_ROLES: dict[str, tuple[list[str], str]] = {
    "platform_admin": (ALL_SCOPES, "Everything, including other tenants' provisioning"),
    "admin": (TENANT_SCOPES, "Everything within the tenant"),
    "manager": (
        [
            "crm:read",
            "crm:write",
            "crm:admin",
            "outreach:read",
            "outreach:write",
            "compliance:read",
            "audit:read",
        ],
        "Runs sales and outreach",
    ),
    "sales": (["crm:read", "crm:write", "outreach:read", "outreach:write", "compliance:read"], "Sales staff"),
    "ops": (["workers:admin", "compliance:read", "compliance:write"], "Operations"),
    "viewer": ([s for s in TENANT_SCOPES if s.endswith(":read")], "Read-only"),
}
