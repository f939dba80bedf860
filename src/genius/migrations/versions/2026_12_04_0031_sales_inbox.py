"""SPV inbox: received supplier invoices

* ``compliance.efactura_inbox``: one row per received message, primary key (tid, id_descarcare), so
  a message enters the inbox once however often ANAF lists it or inbox runs overlap.
* ``sales.supplier_invoices``: the supplier invoices sales builds from ``anaf.efactura.received``,
  unique per (tid, id_descarcare).

Both tenant tables with forced RLS.

Revision ID: 0031_sales_inbox
Revises: 0029_outreach_webhooks
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from genius.core.db.rls import tenant_rls_sql

revision: str = "0031_sales_inbox"
down_revision: str | None = "0029_outreach_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INBOX = "compliance.efactura_inbox"
SUPPLIER_INVOICES = "sales.supplier_invoices"


def upgrade() -> None:
    op.execute(
        f"""
        CREATE TABLE {INBOX} (
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            id_descarcare varchar(32) NOT NULL,
            id_solicitare varchar(32),
            cif varchar(20) NOT NULL,
            supplier_cif varchar(20),
            message_created_at timestamptz,
            state varchar(12) NOT NULL DEFAULT 'listed',
            attempts integer NOT NULL DEFAULT 0,
            signature_ok boolean,
            signature_problems jsonb NOT NULL DEFAULT '[]',
            zip_key varchar(300),
            xml_key varchar(300),
            xml_sha256 varchar(64),
            header jsonb NOT NULL DEFAULT '{{}}',
            error text,
            listed_at timestamptz NOT NULL DEFAULT now(),
            received_at timestamptz,
            PRIMARY KEY (tid, id_descarcare),
            CONSTRAINT ck_efactura_inbox_state CHECK (state IN ('listed', 'received', 'unreadable'))
        )
        """
    )
    op.execute(f"CREATE INDEX ix_efactura_inbox_listed ON {INBOX} (tid, state, message_created_at)")
    op.execute(
        f"""
        CREATE TABLE {SUPPLIER_INVOICES} (
            id uuid PRIMARY KEY,
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            id_descarcare varchar(32) NOT NULL,
            id_solicitare varchar(32),
            kind varchar(12) NOT NULL,
            supplier_id uuid,
            supplier_cui varchar(20) NOT NULL,
            supplier_name varchar(300) NOT NULL,
            number varchar(200) NOT NULL,
            issue_date date NOT NULL,
            due_date date,
            currency varchar(3) NOT NULL,
            net_total numeric(18, 2) NOT NULL,
            vat_total numeric(18, 2) NOT NULL,
            gross_total numeric(18, 2) NOT NULL,
            payable numeric(18, 2) NOT NULL,
            signature_ok boolean NOT NULL,
            signature_problems jsonb NOT NULL DEFAULT '[]',
            received_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT uq_supplier_invoices_message UNIQUE (tid, id_descarcare),
            CONSTRAINT ck_supplier_invoices_kind CHECK (kind IN ('invoice', 'credit_note'))
        )
        """
    )
    op.execute(
        f"CREATE INDEX ix_supplier_invoices_received ON {SUPPLIER_INVOICES} (tid, received_at DESC, id DESC)"
    )
    for table in (INBOX, SUPPLIER_INVOICES):
        for statement in tenant_rls_sql(table):
            op.execute(statement)


def downgrade() -> None:
    op.execute(f"DROP TABLE IF EXISTS {SUPPLIER_INVOICES}")
    op.execute(f"DROP TABLE IF EXISTS {INBOX}")
