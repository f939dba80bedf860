"""core platform: tenants, roles, users, signing keys, audit log, outbox

Revision ID: 0001_core_platform
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

from genius.core.db.rls import tenant_rls_sql

revision: str = "0001_core_platform"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = ["core.roles", "core.users", "core.audit_log", "core.audit_heads", "core.outbox"]


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS core")
    op.execute(
        """
        CREATE TABLE core.tenants (
            id uuid PRIMARY KEY,
            slug varchar(63) NOT NULL CONSTRAINT uq_tenants_slug UNIQUE,
            name varchar(200) NOT NULL,
            status varchar(20) NOT NULL DEFAULT 'active',
            dsn text,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE core.roles (
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            name varchar(50) NOT NULL,
            scopes varchar(50)[] NOT NULL,
            description varchar(200) NOT NULL DEFAULT '',
            CONSTRAINT pk_roles PRIMARY KEY (tid, name)
        );
        CREATE TABLE core.users (
            id uuid PRIMARY KEY,
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            kind varchar(10) NOT NULL DEFAULT 'user' CHECK (kind IN ('user', 'service')),
            email varchar(254) NOT NULL,
            name varchar(200) NOT NULL DEFAULT '',
            password_hash text NOT NULL,
            role varchar(50) NOT NULL,
            whid uuid,
            client_id varchar(80) CONSTRAINT uq_users_client_id UNIQUE,
            is_active boolean NOT NULL DEFAULT true,
            created_at timestamptz NOT NULL DEFAULT now(),
            last_login_at timestamptz,
            CONSTRAINT fk_users_role FOREIGN KEY (tid, role) REFERENCES core.roles(tid, name)
        );
        CREATE UNIQUE INDEX uq_users_tid_email ON core.users (tid, lower(email));
        CREATE TABLE core.signing_keys (
            kid varchar(64) PRIMARY KEY,
            purpose varchar(10) NOT NULL,
            alg varchar(10) NOT NULL,
            private_key bytea NOT NULL,
            public_jwk jsonb NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            retired_at timestamptz
        );
        CREATE TABLE core.audit_log (
            tid uuid NOT NULL,
            seq bigint NOT NULL,
            id uuid NOT NULL CONSTRAINT uq_audit_log_id UNIQUE,
            occurred_at timestamptz NOT NULL,
            actor varchar(200) NOT NULL,
            action varchar(100) NOT NULL,
            target varchar(200) NOT NULL,
            data jsonb NOT NULL,
            request_id varchar(64) NOT NULL,
            prev_hash varchar(64) NOT NULL,
            hash varchar(64) NOT NULL,
            CONSTRAINT pk_audit_log PRIMARY KEY (tid, seq)
        );
        CREATE TABLE core.audit_heads (
            tid uuid PRIMARY KEY,
            seq bigint NOT NULL,
            hash varchar(64) NOT NULL
        );
        CREATE TABLE core.outbox (
            id uuid PRIMARY KEY,
            tid uuid NOT NULL,
            topic varchar(120) NOT NULL,
            version integer NOT NULL DEFAULT 1,
            aggregate_id varchar(64),
            occurred_at timestamptz NOT NULL DEFAULT now(),
            correlation_id varchar(64),
            trace_id varchar(32),
            data jsonb NOT NULL,
            published_at timestamptz,
            attempts integer NOT NULL DEFAULT 0,
            dead boolean NOT NULL DEFAULT false,
            last_error text
        );
        CREATE INDEX ix_outbox_pending ON core.outbox (occurred_at) WHERE published_at IS NULL AND NOT dead;
        CREATE INDEX ix_outbox_tid ON core.outbox (tid);
        """
    )
    # Belt and braces for append-only: even a role with UPDATE/DELETE grants cannot rewrite history.
    op.execute(
        """
        CREATE FUNCTION core.audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'core.audit_log is append-only'; END $$;
        CREATE TRIGGER audit_log_immutable BEFORE UPDATE OR DELETE ON core.audit_log
            FOR EACH ROW EXECUTE FUNCTION core.audit_log_immutable();
        """
    )
    for table in TENANT_TABLES:
        for statement in tenant_rls_sql(table):
            op.execute(statement)


def downgrade() -> None:
    op.execute("DROP SCHEMA core CASCADE")
