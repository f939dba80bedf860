"""Row-level security and grants, applied by migrations.

A *tenant table* is any table of a module schema with a ``tid`` column: it gets RLS enabled **and
forced** with the ``tenant_isolation`` policy. The RLS test suite enumerates the catalog with the
same rule, so a new table that forgets this fails the suite.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

# One PostgreSQL schema per bounded context: each module's manifest names its own (genius.modules).

# Tables the application may only read and append to.
APPEND_ONLY_TABLES: set[str] = {"core.audit_log"}

TENANT_PREDICATE = "tid = current_setting('app.tid')::uuid"
WAREHOUSE_PREDICATE = (
    "(whid IS NULL OR NULLIF(current_setting('app.whid', true), '') IS NULL "
    "OR whid = current_setting('app.whid')::uuid)"
)


def tenant_rls_sql(table: str, *, warehouse_scoped: bool = False) -> list[str]:
    predicate = TENANT_PREDICATE + (f" AND {WAREHOUSE_PREDICATE}" if warehouse_scoped else "")
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS tenant_isolation ON {table}",
        f"CREATE POLICY tenant_isolation ON {table} USING ({predicate}) WITH CHECK ({predicate})",
    ]


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def ensure_app_role(conn: Connection, role: str, password: str) -> None:
    """Create the non-owner application role (LOGIN, no BYPASSRLS) if it is missing."""
    exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar()
    pw = conn.execute(text("SELECT quote_literal(:p)"), {"p": password}).scalar()
    if not exists:
        # Roles are cluster-wide: a migrator of another database may create it at the same moment.
        with conn.begin_nested() as sp:
            try:
                conn.execute(
                    text(
                        f"CREATE ROLE {quote_ident(role)} LOGIN PASSWORD {pw} "
                        "NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
                    )
                )
                return
            except Exception:
                sp.rollback()
    # The role may have been created by a DBA; keep its password in step when we are allowed to.
    with conn.begin_nested() as sp:
        try:
            conn.execute(text(f"ALTER ROLE {quote_ident(role)} PASSWORD {pw} NOBYPASSRLS"))
        except Exception:
            sp.rollback()


def grant_app_role(conn: Connection, role: str, schemas: list[str]) -> None:
    """(Re)apply the application role's grants after every migration run, so new tables are covered."""
    r = quote_ident(role)
    for schema in schemas:
        exists = conn.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema}).scalar()
        if not exists:
            continue
        s = quote_ident(schema)
        conn.execute(text(f"GRANT USAGE ON SCHEMA {s} TO {r}"))
        conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r}"))
        conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}"))
        conn.execute(text(f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {s} TO {r}"))
    for table in sorted(APPEND_ONLY_TABLES):
        conn.execute(text(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {r}"))


def grant_relay_role(conn: Connection, role: str) -> None:
    """The outbox relay reads and marks every tenant's outbox rows, and requeues lapsed job leases.

    Its own permissive policy (``TO <relay role> USING (true)``) gives it the outbox across tenants
    while the application role stays bound to ``app.tid``; no role needs BYPASSRLS.
    """
    exists = conn.execute(text("SELECT to_regclass('core.outbox')")).scalar()
    if not exists:
        return
    r = quote_ident(role)
    conn.execute(text(f"GRANT USAGE ON SCHEMA core TO {r}"))
    conn.execute(text(f"GRANT SELECT, UPDATE ON core.outbox TO {r}"))
    conn.execute(text(f"GRANT SELECT ON core.tenants TO {r}"))
    conn.execute(text("DROP POLICY IF EXISTS relay_access ON core.outbox"))
    conn.execute(text(f"CREATE POLICY relay_access ON core.outbox TO {r} USING (true) WITH CHECK (true)"))
    # Lapsed job leases are requeued by the relay: it renews the lease and writes the task's outbox row.
    if conn.execute(text("SELECT to_regclass('core.job_leases')")).scalar():
        conn.execute(text(f"GRANT INSERT ON core.outbox TO {r}"))
        conn.execute(text(f"GRANT SELECT, UPDATE ON core.job_leases TO {r}"))
        conn.execute(text("DROP POLICY IF EXISTS relay_access ON core.job_leases"))
        conn.execute(
            text(f"CREATE POLICY relay_access ON core.job_leases TO {r} USING (true) WITH CHECK (true)")
        )
