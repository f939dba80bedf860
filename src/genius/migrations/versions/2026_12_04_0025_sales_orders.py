"""sales: quotes (oferte) and orders (comenzi), their lines, invoices linked to the order they bill

Revision ID: 0025_sales_orders
Revises: 0024_crm_mail_variables
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from genius.core.db.rls import tenant_rls_sql

revision: str = "0025_sales_orders"
down_revision: str | None = "0024_crm_mail_variables"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("sales.orders", "sales.order_lines")


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE sales.orders (
            id uuid PRIMARY KEY,
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            kind varchar(8) NOT NULL CHECK (kind IN ('quote', 'order')),
            status varchar(20) NOT NULL CHECK (
                (kind = 'quote' AND status IN ('draft', 'sent', 'accepted', 'declined'))
                OR (kind = 'order' AND status IN
                    ('draft', 'confirmed', 'partially_invoiced', 'invoiced', 'cancelled'))
            ),
            series varchar(20) NOT NULL,
            year integer,
            seq integer,
            number varchar(40),
            issue_date date,
            valid_until date,
            currency varchar(3) NOT NULL CHECK (currency IN ('RON', 'EUR')),
            customer_id uuid NOT NULL,
            opportunity_id uuid,
            quote_id uuid REFERENCES sales.orders(id),
            notes text,
            net_total numeric(18, 2) NOT NULL,
            vat_total numeric(18, 2) NOT NULL,
            gross_total numeric(18, 2) NOT NULL,
            version integer NOT NULL,
            created_by varchar(200) NOT NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            CONSTRAINT uq_orders_tid UNIQUE (tid, series, year, seq),
            CONSTRAINT ck_orders_numbered CHECK ((seq IS NULL) = (number IS NULL)),
            CONSTRAINT ck_orders_quote_link CHECK (kind = 'order' OR quote_id IS NULL)
        )
        """
    )
    op.execute("CREATE INDEX ix_orders_tid_created ON sales.orders (tid, kind, created_at, id)")
    # One quote per won opportunity (the CRM event may arrive twice), one order per accepted quote.
    op.execute(
        "CREATE UNIQUE INDEX uq_orders_opportunity ON sales.orders (tid, opportunity_id) "
        "WHERE kind = 'quote' AND opportunity_id IS NOT NULL"
    )
    op.execute("CREATE UNIQUE INDEX uq_orders_quote ON sales.orders (quote_id) WHERE quote_id IS NOT NULL")
    op.execute(
        """
        CREATE TABLE sales.order_lines (
            id uuid PRIMARY KEY,
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            order_id uuid NOT NULL REFERENCES sales.orders(id) ON DELETE CASCADE,
            position integer NOT NULL,
            product_id uuid REFERENCES sales.products(id),
            description varchar(300) NOT NULL,
            quantity numeric(15, 3) NOT NULL,
            unit_code varchar(3) NOT NULL,
            unit_price numeric(18, 4) NOT NULL,
            discount numeric(18, 2) NOT NULL,
            vat_category varchar(2) NOT NULL,
            rate_class varchar(12) NOT NULL,
            vat_rate numeric(5, 2),
            net_amount numeric(18, 2) NOT NULL,
            invoiced numeric(15, 3) NOT NULL DEFAULT 0,
            CONSTRAINT ck_order_lines_invoiced CHECK (invoiced >= 0 AND invoiced <= quantity)
        )
        """
    )
    op.execute("CREATE INDEX ix_order_lines_order ON sales.order_lines (order_id, position)")
    op.execute("ALTER TABLE sales.documents ADD COLUMN order_id uuid REFERENCES sales.orders(id)")
    op.execute("CREATE INDEX ix_documents_order ON sales.documents (order_id) WHERE order_id IS NOT NULL")
    for table in TABLES:
        for statement in tenant_rls_sql(table):
            op.execute(statement)


def downgrade() -> None:
    op.execute("ALTER TABLE sales.documents DROP COLUMN IF EXISTS order_id")
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table}")
