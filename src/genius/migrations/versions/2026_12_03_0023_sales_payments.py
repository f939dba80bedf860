"""sales: the SPV status of issued documents, payments (încasări) and their allocations to invoices

Revision ID: 0023_sales_payments
Revises: 0022_outreach_sequences
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from genius.core.db.rls import tenant_rls_sql

revision: str = "0023_sales_payments"
down_revision: str | None = "0022_outreach_sequences"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("sales.efactura_status", "sales.payments", "sales.payment_allocations")


def upgrade() -> None:
    # An issued document is immutable (trigger of 0018): what SPV says about it lives beside it.
    op.execute(
        """
        CREATE TABLE sales.efactura_status (
            document_id uuid PRIMARY KEY REFERENCES sales.documents(id) ON DELETE CASCADE,
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            submission_id uuid NOT NULL,
            state varchar(12) NOT NULL CHECK (state IN ('uploaded', 'accepted', 'rejected')),
            index_incarcare varchar(32),
            id_descarcare varchar(32),
            messages jsonb NOT NULL DEFAULT '[]'::jsonb,
            errors jsonb NOT NULL DEFAULT '[]'::jsonb,
            updated_at timestamptz NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_efactura_status_tid ON sales.efactura_status (tid, state)")
    op.execute(
        """
        CREATE TABLE sales.payments (
            id uuid PRIMARY KEY,
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            received_on date NOT NULL,
            amount numeric(18, 2) NOT NULL CHECK (amount > 0),
            currency varchar(3) NOT NULL CHECK (currency IN ('RON', 'EUR')),
            method varchar(16) NOT NULL CHECK (method IN ('bank_transfer', 'cash', 'card', 'other')),
            reference varchar(100),
            customer_id uuid,
            allocated numeric(18, 2) NOT NULL CHECK (allocated >= 0 AND allocated <= amount),
            created_by varchar(200) NOT NULL,
            created_at timestamptz NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_payments_tid_created ON sales.payments (tid, created_at, id)")
    op.execute(
        """
        CREATE TABLE sales.payment_allocations (
            id uuid PRIMARY KEY,
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            payment_id uuid NOT NULL REFERENCES sales.payments(id) ON DELETE CASCADE,
            document_id uuid NOT NULL REFERENCES sales.documents(id),
            amount numeric(18, 2) NOT NULL CHECK (amount > 0),
            created_at timestamptz NOT NULL,
            CONSTRAINT uq_payment_allocations_payment_id UNIQUE (payment_id, document_id)
        )
        """
    )
    op.execute("CREATE INDEX ix_payment_allocations_document ON sales.payment_allocations (document_id)")
    for table in TABLES:
        for statement in tenant_rls_sql(table):
            op.execute(statement)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table}")
