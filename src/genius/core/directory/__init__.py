"""The tenant directory (``core.tenants``, a platform table without RLS).

Shared below ``core.auth`` (which resolves a tenant at login) and ``core.tenancy`` (which provisions
tenants): both import it, neither imports the other's direction (``core.tenancy`` → ``core.auth`` →
``core.directory``).
"""
