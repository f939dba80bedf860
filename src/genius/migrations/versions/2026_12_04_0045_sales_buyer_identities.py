"""sales: the CNP of a customer who is a person (B2C), for its invoices (issue 17)

An individual customer (a CRM account without a CUI) is identified on an e-Factura invoice by their CNP,
or by ANAF's thirteen zeros when they gave none (BR-RO-120). Sales keeps the CNP it was given, per CRM
account, in its own table (the CRM never holds it); the issued invoice's XML carries it, under the same
row-level security.

Revision ID: 0045_sales_buyer_identities
Revises: 0044_crm_webhook_secrets
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from genius.core.db.rls import tenant_rls_sql

revision: str = "0045_sales_buyer_identities"
down_revision: str | None = "0044_crm_webhook_secrets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "sales.buyer_identities"


def upgrade() -> None:
    op.execute(
        f"""
        CREATE TABLE {TABLE} (
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            account_id uuid NOT NULL,
            cnp char(13) NOT NULL,
            updated_by varchar(200) NOT NULL DEFAULT '',
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (tid, account_id),
            CONSTRAINT ck_buyer_identities_cnp CHECK (cnp ~ '^[1-9][0-9]{{12}}$')
        )
        """
    )
    for statement in tenant_rls_sql(TABLE):
        op.execute(statement)


def downgrade() -> None:
    op.execute(f"DROP TABLE IF EXISTS {TABLE}")
