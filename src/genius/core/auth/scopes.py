"""Scopes (one ``Scope`` enum, no bare scope strings in core) and the default roles every tenant gets."""

from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    PLATFORM_ADMIN = "platform:admin"
    TENANT_ADMIN = "tenant:admin"
    AUDIT_READ = "audit:read"
    CRM_READ = "crm:read"
    CRM_WRITE = "crm:write"
    CRM_ADMIN = "crm:admin"
    WORKERS_ADMIN = "workers:admin"
    OUTREACH_READ = "outreach:read"
    OUTREACH_WRITE = "outreach:write"
    OUTREACH_REVIEW = "outreach:review"
    OUTREACH_ADMIN = "outreach:admin"
    COMPLIANCE_READ = "compliance:read"
    COMPLIANCE_WRITE = "compliance:write"
    SALES_READ = "sales:read"
    SALES_WRITE = "sales:write"
    SALES_ADMIN = "sales:admin"


SCOPES: dict[str, str] = {
    Scope.PLATFORM_ADMIN.value: "Manage tenants and signing keys across the platform",
    Scope.TENANT_ADMIN.value: "Manage users, roles and service accounts of the tenant",
    Scope.AUDIT_READ.value: "Read and export the tenant's audit log",
    Scope.CRM_READ.value: "Read CRM data",
    Scope.CRM_WRITE.value: "Create and change CRM data",
    Scope.CRM_ADMIN.value: "Administer the CRM (merge, delete, imports)",
    Scope.WORKERS_ADMIN.value: "Operate the worker fleet and registry",
    Scope.OUTREACH_READ.value: "Read outreach data",
    Scope.OUTREACH_WRITE.value: "Run outreach",
    Scope.OUTREACH_REVIEW.value: "Review outreach replies (the human review queue)",
    Scope.OUTREACH_ADMIN.value: "Administer outreach channels and quotas",
    Scope.COMPLIANCE_READ.value: "Read compliance (ANAF, REGES) results",
    Scope.COMPLIANCE_WRITE.value: "Submit to ANAF and REGES",
    Scope.SALES_READ.value: "Read the catalogue, invoices and credit notes",
    Scope.SALES_WRITE.value: "Change the catalogue, draft and issue invoices and credit notes",
    Scope.SALES_ADMIN.value: "Administer sales (series, settings)",
}
assert set(SCOPES) == {s.value for s in Scope}, "every scope is described"

# Plain strings from here on: these lists go into tokens and the roles table.
ALL_SCOPES: list[str] = [s.value for s in Scope]
TENANT_SCOPES = [s for s in ALL_SCOPES if s != Scope.PLATFORM_ADMIN]


def _values(*scopes: Scope) -> list[str]:
    return [s.value for s in scopes]


DEFAULT_ROLES: dict[str, tuple[list[str], str]] = {
    "platform_admin": (ALL_SCOPES, "Everything, including other tenants' provisioning"),
    "admin": (TENANT_SCOPES, "Everything within the tenant"),
    "manager": (
        _values(
            Scope.CRM_READ,
            Scope.CRM_WRITE,
            Scope.CRM_ADMIN,
            Scope.OUTREACH_READ,
            Scope.OUTREACH_WRITE,
            Scope.OUTREACH_REVIEW,
            Scope.COMPLIANCE_READ,
            Scope.AUDIT_READ,
            Scope.SALES_READ,
            Scope.SALES_WRITE,
            Scope.SALES_ADMIN,
        ),
        "Runs sales and outreach",
    ),
    "sales": (
        _values(
            Scope.CRM_READ,
            Scope.CRM_WRITE,
            Scope.OUTREACH_READ,
            Scope.OUTREACH_WRITE,
            Scope.COMPLIANCE_READ,
            Scope.SALES_READ,
            Scope.SALES_WRITE,
        ),
        "Sales staff",
    ),
    "ops": (_values(Scope.WORKERS_ADMIN, Scope.COMPLIANCE_READ, Scope.COMPLIANCE_WRITE), "Operations"),
    "viewer": ([s for s in TENANT_SCOPES if s.endswith(":read")], "Read-only"),
}
