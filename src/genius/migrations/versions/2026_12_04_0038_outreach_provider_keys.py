"""outreach: the tenant's own provider API keys (TimelinesAI, Resend, Instantly), encrypted

One row per ``(tid, provider)``: the key as a Fernet token under a key derived from the platform secret
and the tenant id (``outreach.credentials``), the last four characters as a hint, who saved it and when.
A tenant without a row uses the environment's key (``GENIUS_*_API_KEY``).

Revision ID: 0038_outreach_provider_keys
Revises: 0037_sales_order_transport
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from genius.core.db.rls import tenant_rls_sql

revision: str = "0038_outreach_provider_keys"
down_revision: str | None = "0037_sales_order_transport"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "outreach.provider_keys"


def upgrade() -> None:
    op.execute(
        f"""
        CREATE TABLE {TABLE} (
            tid uuid NOT NULL,
            provider varchar(20) NOT NULL CHECK (provider IN ('timelinesai', 'resend', 'instantly')),
            secret bytea NOT NULL,
            hint varchar(8) NOT NULL DEFAULT '',
            updated_at timestamptz NOT NULL DEFAULT now(),
            updated_by varchar(200) NOT NULL DEFAULT '',
            PRIMARY KEY (tid, provider)
        )
        """
    )
    for statement in tenant_rls_sql(TABLE):
        op.execute(statement)


def downgrade() -> None:
    op.execute(f"DROP TABLE IF EXISTS {TABLE}")
