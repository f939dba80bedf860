"""sales: e-Transport from orders (issue 17)

* ``sales.products``: ``cod_tarifar`` (the NC/CN tariff code, 8 digits; optional) and
  ``unit_weight_kg`` (the mass of one unit, for the notification's weights; optional);
* ``sales.order_transport``: one row per order that declared a transport: the e-Transport declaration
  it made (compliance's id, never its table), the transport data it was built from, the attempt (a
  rejected declaration is made again under a new key) and what sales knows of the outcome (state, UIT
  and its validity window, ANAF's messages), from compliance's events. A tenant table with forced RLS.

Revision ID: 0037_sales_order_transport
Revises: 0036_sales_bnr_rates
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from genius.core.db.rls import tenant_rls_sql

revision: str = "0037_sales_order_transport"
down_revision: str | None = "0036_sales_bnr_rates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "sales.order_transport"


def upgrade() -> None:
    op.execute("ALTER TABLE sales.products ADD COLUMN cod_tarifar varchar(8)")
    op.execute("ALTER TABLE sales.products ADD COLUMN unit_weight_kg numeric(12, 3)")
    op.execute(
        "ALTER TABLE sales.products ADD CONSTRAINT ck_products_cod_tarifar "
        "CHECK (cod_tarifar IS NULL OR cod_tarifar ~ '^[0-9]{8}$')"
    )
    op.execute(
        f"""
        CREATE TABLE {TABLE} (
            order_id uuid PRIMARY KEY REFERENCES sales.orders(id) ON DELETE CASCADE,
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            declaration_id uuid NOT NULL,
            attempt integer NOT NULL DEFAULT 1,
            state varchar(12) NOT NULL DEFAULT 'queued',
            operation_type varchar(2) NOT NULL,
            transport_date date NOT NULL,
            uit varchar(32),
            valid_from date,
            valid_until date,
            transport jsonb NOT NULL DEFAULT '{{}}',
            messages jsonb NOT NULL DEFAULT '[]',
            created_by varchar(200) NOT NULL DEFAULT '',
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT ck_order_transport_state CHECK (state IN ('queued', 'valid', 'rejected'))
        )
        """
    )
    op.execute(f"CREATE UNIQUE INDEX ix_order_transport_declaration ON {TABLE} (tid, declaration_id)")
    op.execute(f"CREATE INDEX ix_order_transport_created ON {TABLE} (tid, created_at DESC, order_id DESC)")
    for statement in tenant_rls_sql(TABLE):
        op.execute(statement)


def downgrade() -> None:
    op.execute(f"DROP TABLE IF EXISTS {TABLE}")
    op.execute("ALTER TABLE sales.products DROP CONSTRAINT IF EXISTS ck_products_cod_tarifar")
    op.execute("ALTER TABLE sales.products DROP COLUMN IF EXISTS unit_weight_kg")
    op.execute("ALTER TABLE sales.products DROP COLUMN IF EXISTS cod_tarifar")
