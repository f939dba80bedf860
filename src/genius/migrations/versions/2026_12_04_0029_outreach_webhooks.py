"""outreach: provider webhook deliveries (TimelinesAI, Instantly, Resend), kept raw and deduplicated

A delivery is stored once per ``(tid, provider, delivery_id)`` in the request's transaction, with the
outbox task that processes it; a provider's retry of the same delivery changes nothing.

Revision ID: 0029_outreach_webhooks
Revises: 0024_crm_mail_variables
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from genius.core.db.rls import tenant_rls_sql

revision: str = "0029_outreach_webhooks"
down_revision: str | None = "0028_crm_summaries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "outreach.webhook_deliveries"


def upgrade() -> None:
    op.execute(
        f"""
        CREATE TABLE {TABLE} (
            id uuid PRIMARY KEY,
            tid uuid NOT NULL,
            provider varchar(20) NOT NULL,
            delivery_id varchar(200) NOT NULL,
            event_type varchar(80) NOT NULL,
            payload jsonb NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            processed_at timestamptz,
            outcome varchar(200),
            CONSTRAINT uq_webhook_deliveries_delivery UNIQUE (tid, provider, delivery_id),
            CONSTRAINT ck_webhook_deliveries_provider CHECK (provider IN ('timelinesai', 'instantly', 'resend'))
        )
        """
    )
    op.execute(f"CREATE INDEX ix_webhook_deliveries_received ON {TABLE} (tid, received_at)")
    for statement in tenant_rls_sql(TABLE):
        op.execute(statement)


def downgrade() -> None:
    op.execute(f"DROP TABLE IF EXISTS {TABLE}")
