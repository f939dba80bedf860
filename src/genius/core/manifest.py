"""The platform core as a module: auth, tenants, audit and the event bus's own API."""

from genius.core.auth.scopes import Scope
from genius.core.kit.manifest import Module, NavEntry

MANIFEST = Module(
    name="core",
    description="Tenants, users and roles, auth, audit log, event bus",
    schema="core",
    routers=(
        "genius.core.auth.api:router",
        "genius.core.tenancy.api:router",
        "genius.core.audit.api:router",
        "genius.core.events.api:router",
    ),
    nav=(
        NavEntry("Users", "/admin/users", Scope.TENANT_ADMIN, icon="users", section="Administration"),
        NavEntry("Roles", "/admin/roles", Scope.TENANT_ADMIN, icon="shield-check", section="Administration"),
        NavEntry(
            "Service accounts",
            "/admin/service-accounts",
            Scope.TENANT_ADMIN,
            icon="bot",
            section="Administration",
        ),
        NavEntry(
            "Settings", "/admin/settings", Scope.TENANT_ADMIN, icon="settings", section="Administration"
        ),
        NavEntry("Audit log", "/audit", Scope.AUDIT_READ, icon="shield", section="Administration"),
    ),
    topics=("genius.core.events.topics",),
    health="genius.core.events.health:signals",
    demo="genius.core.tenancy.demo:seed",
)
