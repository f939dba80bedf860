"""sales: an order's UIT cancelled (``stergere``) or corrected (``corectie``) from its page (issue 17)

``sales.order_transport`` gets the amendment the order made of its declaration — its kind, compliance's
declaration id (never its table), what sales knows of its outcome from compliance's events
(``queued`` → ``valid`` | ``rejected`` with ANAF's messages), the corrected transport data while ANAF
has not taken it, and how many amendments the order made (the idempotency key's counter). The state
takes ``deleted``: ANAF took the deletion, the UIT covers nothing any more.

Revision ID: 0042_sales_uit_amendments
Revises: 0041_crm_campaign_links
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0042_sales_uit_amendments"
down_revision: str | None = "0041_crm_campaign_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "sales.order_transport"


def upgrade() -> None:
    op.execute(
        f"""
        ALTER TABLE {TABLE}
            ADD COLUMN amend_kind varchar(10),
            ADD COLUMN amend_declaration_id uuid,
            ADD COLUMN amend_state varchar(12),
            ADD COLUMN amend_messages jsonb NOT NULL DEFAULT '[]',
            ADD COLUMN amend_transport jsonb,
            ADD COLUMN amend_count integer NOT NULL DEFAULT 0,
            ADD CONSTRAINT ck_order_transport_amend_kind
                CHECK (amend_kind IS NULL OR amend_kind IN ('stergere', 'corectie')),
            ADD CONSTRAINT ck_order_transport_amend_state
                CHECK (amend_state IS NULL OR amend_state IN ('queued', 'valid', 'rejected'))
        """
    )
    op.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT ck_order_transport_state")
    op.execute(
        f"ALTER TABLE {TABLE} ADD CONSTRAINT ck_order_transport_state "
        "CHECK (state IN ('queued', 'valid', 'rejected', 'deleted'))"
    )
    # the consumer finds the order of a deletion's or a correction's event by it
    op.execute(
        f"CREATE UNIQUE INDEX ix_order_transport_amendment ON {TABLE} (tid, amend_declaration_id) "
        "WHERE amend_declaration_id IS NOT NULL"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS sales.ix_order_transport_amendment")
    op.execute("UPDATE sales.order_transport SET state = 'rejected' WHERE state = 'deleted'")
    op.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT ck_order_transport_state")
    op.execute(
        f"ALTER TABLE {TABLE} ADD CONSTRAINT ck_order_transport_state "
        "CHECK (state IN ('queued', 'valid', 'rejected'))"
    )
    op.execute(
        f"""
        ALTER TABLE {TABLE}
            DROP CONSTRAINT IF EXISTS ck_order_transport_amend_state,
            DROP CONSTRAINT IF EXISTS ck_order_transport_amend_kind,
            DROP COLUMN IF EXISTS amend_count,
            DROP COLUMN IF EXISTS amend_transport,
            DROP COLUMN IF EXISTS amend_messages,
            DROP COLUMN IF EXISTS amend_state,
            DROP COLUMN IF EXISTS amend_declaration_id,
            DROP COLUMN IF EXISTS amend_kind
        """
    )
