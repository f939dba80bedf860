"""sales: products, series counters, documents (invoices, credit notes) and their lines

Revision ID: 0018_sales
Revises: 0017_tenant_settings
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from genius.core.db.rls import tenant_rls_sql

revision: str = "0018_sales"
down_revision: str | None = "0017_tenant_settings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("sales.products", "sales.series_counters", "sales.documents", "sales.document_lines")


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS sales")
    op.execute(
        """
        CREATE TABLE sales.products (
            id uuid PRIMARY KEY,
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            code varchar(40) NOT NULL,
            name varchar(200) NOT NULL,
            unit_code varchar(3) NOT NULL,
            vat_category varchar(2) NOT NULL CHECK (vat_category IN ('S', 'Z', 'E', 'AE', 'K', 'G', 'O')),
            rate_class varchar(12) NOT NULL CHECK (rate_class IN ('standard', 'reduced', 'reduced_low')),
            price numeric(18, 4) NOT NULL CHECK (price >= 0),
            currency varchar(3) NOT NULL CHECK (currency IN ('RON', 'EUR')),
            version integer NOT NULL,
            created_by varchar(200) NOT NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            CONSTRAINT uq_products_tid UNIQUE (tid, code)
        )
        """
    )
    op.execute("CREATE INDEX ix_products_tid_created ON sales.products (tid, created_at, id)")
    op.execute(
        """
        CREATE TABLE sales.series_counters (
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            series varchar(20) NOT NULL,
            year integer NOT NULL,
            last_number integer NOT NULL CHECK (last_number >= 0),
            CONSTRAINT pk_series_counters PRIMARY KEY (tid, series, year)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE sales.documents (
            id uuid PRIMARY KEY,
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            kind varchar(12) NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
            status varchar(10) NOT NULL CHECK (status IN ('draft', 'issued')),
            series varchar(20) NOT NULL,
            year integer,
            seq integer,
            number varchar(40),
            issue_date date,
            due_date date,
            currency varchar(3) NOT NULL CHECK (currency IN ('RON', 'EUR')),
            exchange_rate numeric(12, 4),
            customer_id uuid NOT NULL,
            corrected_id uuid REFERENCES sales.documents(id),
            notes text,
            net_total numeric(18, 2) NOT NULL,
            vat_total numeric(18, 2) NOT NULL,
            gross_total numeric(18, 2) NOT NULL,
            customer jsonb,
            supplier jsonb,
            ubl_xml text,
            efactura_submission_id uuid,
            version integer NOT NULL,
            created_by varchar(200) NOT NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            issued_at timestamptz,
            CONSTRAINT uq_documents_tid UNIQUE (tid, series, year, seq),
            CONSTRAINT ck_documents_issued CHECK (
                (status = 'draft' AND seq IS NULL AND number IS NULL)
                OR (status = 'issued' AND seq IS NOT NULL AND number IS NOT NULL AND ubl_xml IS NOT NULL)
            ),
            CONSTRAINT ck_documents_credit_note CHECK ((kind = 'credit_note') = (corrected_id IS NOT NULL))
        )
        """
    )
    op.execute("CREATE INDEX ix_documents_tid_created ON sales.documents (tid, created_at, id)")
    op.execute(
        """
        CREATE TABLE sales.document_lines (
            id uuid PRIMARY KEY,
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            document_id uuid NOT NULL REFERENCES sales.documents(id) ON DELETE CASCADE,
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
            net_amount numeric(18, 2) NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_document_lines_document ON sales.document_lines (document_id, position)")
    # An issued document never changes: the database refuses it too, not only the service. (Deleting
    # stays possible: a tenant's removal cascades.)
    op.execute(
        """
        CREATE FUNCTION sales.refuse_issued_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.status = 'issued' THEN
                RAISE EXCEPTION 'sales document % is issued and cannot change', OLD.id
                    USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER tg_documents_immutable BEFORE UPDATE ON sales.documents "
        "FOR EACH ROW EXECUTE FUNCTION sales.refuse_issued_change()"
    )
    for table in TABLES:
        for statement in tenant_rls_sql(table):
            op.execute(statement)


def downgrade() -> None:
    op.execute("DROP SCHEMA IF EXISTS sales CASCADE")
