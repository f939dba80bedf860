"""compliance: e-Transport declarations (UIT, state, validity window)

Revision ID: 0004_compliance_etransport
Revises: 0003_compliance_efactura
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import context, op

from genius.core.db.rls import quote_ident, tenant_rls_sql

revision: str = "0004_compliance_etransport"
down_revision: str | None = "0003_compliance_efactura"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = ["compliance.etransport_declarations"]


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS compliance")
    op.execute(
        """
        CREATE TABLE compliance.etransport_declarations (
            id uuid PRIMARY KEY,
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            idempotency_key varchar(128) NOT NULL,
            kind varchar(16) NOT NULL DEFAULT 'notificare'
                CHECK (kind IN ('notificare', 'stergere', 'confirmare', 'modifVehicul')),
            cif varchar(20) NOT NULL,
            ref_declarant varchar(50),
            shipment_ref varchar(100),
            operation_type varchar(2),
            target_uit varchar(32),
            xml text NOT NULL,
            xml_sha256 varchar(64) NOT NULL,
            state varchar(12) NOT NULL DEFAULT 'pending' CHECK (state IN
                ('pending', 'uploading', 'unknown', 'uploaded', 'valid', 'nok', 'xml_errors',
                 'uit_invalid', 'deleted', 'failed')),
            index_incarcare varchar(32),
            uit varchar(32),
            errors jsonb NOT NULL DEFAULT '[]'::jsonb,
            warnings jsonb NOT NULL DEFAULT '[]'::jsonb,
            attempts integer NOT NULL DEFAULT 0,
            polls integer NOT NULL DEFAULT 0,
            correlation_id varchar(64) NOT NULL,
            transport_date date,
            uit_issued_at timestamptz,
            uit_valid_from date,
            uit_valid_until date,
            upload_started_at timestamptz,
            uploaded_at timestamptz,
            finished_at timestamptz,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT uq_etransport_declarations_tid_key UNIQUE (tid, idempotency_key)
        );
        CREATE INDEX ix_etransport_declarations_tid ON compliance.etransport_declarations (tid);
        CREATE INDEX ix_etransport_declarations_open ON compliance.etransport_declarations (tid, state)
            WHERE state NOT IN ('valid', 'nok', 'xml_errors', 'uit_invalid', 'deleted', 'failed');
        CREATE INDEX ix_etransport_declarations_uit ON compliance.etransport_declarations (tid, uit);
        CREATE INDEX ix_etransport_declarations_shipment
            ON compliance.etransport_declarations (tid, shipment_ref);
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
