"""outreach: daily statistics per tenant (seed 004 F2.1.1.T008), rolled up by ``outreach.stats.rollup``

One row per ``(tid, stat_date)`` (the tenant's local day): messages sent per channel, new contacts
(quota units), deliveries, opens, clicks, replies per channel, bounces, failures, conversions and the
rates derived from them. Rebuilt from the communication log, so a re-run only refreshes the figures.

Revision ID: 0035_outreach_daily_stats
Revises: 0034_crm_segments
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from genius.core.db.rls import tenant_rls_sql

revision: str = "0035_outreach_daily_stats"
down_revision: str | None = "0034_crm_segments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "outreach.outreach_daily_stats"


def upgrade() -> None:
    op.execute(
        f"""
        CREATE TABLE {TABLE} (
            id uuid PRIMARY KEY,
            tid uuid NOT NULL,
            stat_date date NOT NULL,
            sent_whatsapp integer NOT NULL DEFAULT 0,
            sent_email integer NOT NULL DEFAULT 0,
            new_contacts integer NOT NULL DEFAULT 0,
            delivered integer NOT NULL DEFAULT 0,
            opened integer NOT NULL DEFAULT 0,
            clicked integer NOT NULL DEFAULT 0,
            replies_whatsapp integer NOT NULL DEFAULT 0,
            replies_email integer NOT NULL DEFAULT 0,
            bounced integer NOT NULL DEFAULT 0,
            failed integer NOT NULL DEFAULT 0,
            converted integer NOT NULL DEFAULT 0,
            review_items integer NOT NULL DEFAULT 0,
            bounce_rate numeric(6, 4),
            reply_rate numeric(6, 4),
            computed_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT uq_outreach_daily_stats_day UNIQUE (tid, stat_date)
        )
        """
    )
    for statement in tenant_rls_sql(TABLE):
        op.execute(statement)


def downgrade() -> None:
    op.execute(f"DROP TABLE IF EXISTS {TABLE}")
