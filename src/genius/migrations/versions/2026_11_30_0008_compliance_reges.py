"""compliance: REGES Online submissions

Revision ID: 0008_compliance_reges
Revises: 0007_crm_links
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import context, op

from genius.core.db.rls import quote_ident, tenant_rls_sql

revision: str = "0008_compliance_reges"
down_revision: str | None = "0007_crm_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = ["compliance.reges_submissions"]


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS compliance")
    op.execute(
        """
        CREATE TABLE compliance.reges_submissions (
            id uuid PRIMARY KEY,
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            idempotency_key varchar(128) NOT NULL,
            entity varchar(16) NOT NULL CHECK (entity IN ('salariat', 'contract')),
            operation varchar(64) NOT NULL,
            message_id varchar(40) NOT NULL,
            payload jsonb NOT NULL,
            payload_sha256 varchar(64) NOT NULL,
            receipt_id varchar(40),
            state varchar(12) NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'submitted', 'succeeded', 'failed')),
            result jsonb,
            errors jsonb NOT NULL DEFAULT '[]'::jsonb,
            attempts integer NOT NULL DEFAULT 0,
            polls integer NOT NULL DEFAULT 0,
            correlation_id varchar(64) NOT NULL,
            submitted_at timestamptz,
            finished_at timestamptz,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT uq_reges_submissions_tid_key UNIQUE (tid, idempotency_key)
        );
        CREATE INDEX ix_reges_submissions_tid ON compliance.reges_submissions (tid, created_at DESC);
        CREATE INDEX ix_reges_submissions_receipt ON compliance.reges_submissions (tid, receipt_id);
        CREATE INDEX ix_reges_submissions_message ON compliance.reges_submissions (tid, message_id);
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
