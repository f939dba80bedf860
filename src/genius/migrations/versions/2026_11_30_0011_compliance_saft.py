"""compliance: SAF-T D406 reports

Revision ID: 0011_compliance_saft
Revises: 0010_crm_attachments
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import context, op

from genius.core.db.rls import quote_ident, tenant_rls_sql

revision: str = "0011_compliance_saft"
down_revision: str | None = "0010_crm_attachments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = ["compliance.saft_reports"]


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS compliance")
    op.execute(
        """
        CREATE TABLE compliance.saft_reports (
            id uuid PRIMARY KEY,
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            idempotency_key varchar(128) NOT NULL,
            kind varchar(1) NOT NULL CHECK (kind IN ('L', 'T', 'A', 'C')),
            period_start date NOT NULL,
            period_end date NOT NULL,
            cui varchar(20) NOT NULL,
            namespace varchar(64) NOT NULL,
            status varchar(12) NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'building', 'ready', 'invalid', 'failed')),
            ledger_key varchar(500) NOT NULL,
            ledger_sha256 varchar(64) NOT NULL,
            segments jsonb NOT NULL DEFAULT '[]'::jsonb,
            findings jsonb NOT NULL DEFAULT '[]'::jsonb,
            fatal_count integer NOT NULL DEFAULT 0,
            warning_count integer NOT NULL DEFAULT 0,
            error text,
            correlation_id varchar(64) NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            finished_at timestamptz,
            CONSTRAINT uq_saft_reports_tid_key UNIQUE (tid, idempotency_key)
        );
        CREATE INDEX ix_saft_reports_tid_period ON compliance.saft_reports (tid, period_start DESC);
        """
    )
    for table in TENANT_TABLES:
        for statement in tenant_rls_sql(table):
            op.execute(statement)
    role = context.config.attributes.get("app_role")
    if role:
        r = quote_ident(role)
        op.execute(f"GRANT USAGE ON SCHEMA compliance TO {r}")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA compliance TO {r}")


def downgrade() -> None:
    for table in reversed(TENANT_TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table}")
