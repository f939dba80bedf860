"""crm: a tenant's own signing secret of a campaign mail provider's webhook (Resend), encrypted

One row per ``(tid, provider)``: the ``whsec_…`` secret as a Fernet token under a key derived from the
platform secret and the tenant id (``vettify.campaigns.webhook_secrets``), a hint (its last four
characters), who saved it and when. A tenant without a row is verified with the environment's secret
(``GENIUS_RESEND_WEBHOOK_SECRET``); with one, only with its own.

Revision ID: 0044_crm_webhook_secrets
Revises: 0043_crm_import_validators
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from genius.core.db.rls import tenant_rls_sql

revision: str = "0044_crm_webhook_secrets"
down_revision: str | None = "0043_crm_import_validators"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "crm.webhook_secrets"


def upgrade() -> None:
    op.execute(
        f"""
        CREATE TABLE {TABLE} (
            tid uuid NOT NULL,
            provider varchar(20) NOT NULL CHECK (provider IN ('resend')),
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
