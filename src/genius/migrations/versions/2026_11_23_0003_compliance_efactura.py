"""compliance: e-Factura OAuth tokens, submissions (idempotency guard) and the ZIP archive

Revision ID: 0003_compliance_efactura
Revises: 0002_event_bus
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import context, op

from genius.core.db.rls import quote_ident, tenant_rls_sql

revision: str = "0003_compliance_efactura"
down_revision: str | None = "0002_event_bus"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = [
    "compliance.efactura_oauth_tokens",
    "compliance.efactura_submissions",
    "compliance.efactura_archive",
]


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS compliance")
    op.execute(
        """
        CREATE TABLE compliance.efactura_oauth_tokens (
            tid uuid PRIMARY KEY REFERENCES core.tenants(id) ON DELETE CASCADE,
            access_token bytea NOT NULL,
            refresh_token bytea,
            token_type varchar(20) NOT NULL DEFAULT 'Bearer',
            expires_at timestamptz NOT NULL,
            refresh_expires_at timestamptz,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE compliance.efactura_submissions (
            id uuid PRIMARY KEY,
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            idempotency_key varchar(128) NOT NULL,
            xml_sha256 varchar(64) NOT NULL,
            xml text NOT NULL,
            cif varchar(20) NOT NULL,
            standard varchar(4) NOT NULL DEFAULT 'UBL'
                CHECK (standard IN ('UBL', 'CN', 'CII', 'RASP')),
            extern boolean NOT NULL DEFAULT false,
            autofactura boolean NOT NULL DEFAULT false,
            state varchar(12) NOT NULL DEFAULT 'pending' CHECK (state IN
                ('pending', 'uploading', 'unknown', 'uploaded', 'ok', 'nok', 'xml_errors', 'failed')),
            index_incarcare varchar(32),
            id_descarcare varchar(32),
            errors jsonb NOT NULL DEFAULT '[]'::jsonb,
            attempts integer NOT NULL DEFAULT 0,
            polls integer NOT NULL DEFAULT 0,
            correlation_id varchar(64) NOT NULL,
            upload_started_at timestamptz,
            uploaded_at timestamptz,
            finished_at timestamptz,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT uq_efactura_submissions_tid_key UNIQUE (tid, idempotency_key)
        );
        CREATE INDEX ix_efactura_submissions_tid ON compliance.efactura_submissions (tid);
        CREATE INDEX ix_efactura_submissions_open ON compliance.efactura_submissions (tid, state)
            WHERE state NOT IN ('ok', 'nok', 'xml_errors', 'failed');
        CREATE INDEX ix_efactura_submissions_index
            ON compliance.efactura_submissions (tid, index_incarcare);
        CREATE TABLE compliance.efactura_archive (
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            id_descarcare varchar(32) NOT NULL,
            storage_key varchar(300) NOT NULL,
            sha256 varchar(64) NOT NULL,
            size integer NOT NULL,
            kind varchar(16) NOT NULL DEFAULT 'other',
            invoice_id varchar(200),
            index_incarcare varchar(32),
            signature_ok boolean NOT NULL DEFAULT false,
            signature_detail jsonb NOT NULL DEFAULT '{}'::jsonb,
            download_count integer NOT NULL DEFAULT 0,
            downloads_today integer NOT NULL DEFAULT 0,
            download_day varchar(10),
            first_downloaded_at timestamptz NOT NULL DEFAULT now(),
            last_downloaded_at timestamptz NOT NULL DEFAULT now(),
            anaf_expires_at timestamptz NOT NULL,
            CONSTRAINT pk_efactura_archive PRIMARY KEY (tid, id_descarcare)
        );
        """
    )
    for table in TENANT_TABLES:
        for statement in tenant_rls_sql(table):
            op.execute(statement)
    # The app role's grants are re-applied after every run for the schemas in rls.MODULE_SCHEMAS;
    # grant here as well so the tables are usable before "compliance" is listed there.
    role = context.config.attributes.get("app_role")
    if role:
        r = quote_ident(role)
        op.execute(f"GRANT USAGE ON SCHEMA compliance TO {r}")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA compliance TO {r}")


def downgrade() -> None:
    for table in reversed(TENANT_TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table}")
