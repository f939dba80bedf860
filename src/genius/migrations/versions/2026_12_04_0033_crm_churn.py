"""crm: churn scores on accounts and the per-tenant churn models (ai.churn)

``crm.account_churn``: one row per account, its latest score (0 to 1), bucket, top contributing features
and the model version that scored it. ``crm.churn_models``: the tenant's trained models (the newest is
used; ``kind`` heuristic rows record that the tenant had too little labelled history to train).

Revision ID: 0033_crm_churn
Revises: 0032_crm_campaign_schedule
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from genius.core.db.rls import tenant_rls_sql

revision: str = "0033_crm_churn"
down_revision: str | None = "0032_crm_campaign_schedule"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE crm.churn_models (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            version varchar(40) NOT NULL,
            kind varchar(10) NOT NULL DEFAULT 'heuristic' CHECK (kind IN ('heuristic', 'model')),
            algorithm varchar(60) NOT NULL DEFAULT '',
            samples integer NOT NULL DEFAULT 0,
            positives integer NOT NULL DEFAULT 0,
            auc double precision,
            heuristic_auc double precision,
            payload bytea,
            trained_by varchar(200) NOT NULL DEFAULT '',
            trained_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT uq_churn_models_version UNIQUE (tid, version)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE crm.account_churn (
            account_id uuid PRIMARY KEY REFERENCES crm.accounts(id) ON DELETE CASCADE,
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            score double precision NOT NULL DEFAULT 0 CHECK (score >= 0 AND score <= 1),
            bucket varchar(6) NOT NULL DEFAULT 'low' CHECK (bucket IN ('low', 'medium', 'high')),
            top_features jsonb NOT NULL DEFAULT '[]',
            features jsonb NOT NULL DEFAULT '{}',
            model_version varchar(40) NOT NULL DEFAULT '',
            scored_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("CREATE INDEX ix_account_churn_bucket ON crm.account_churn (tid, bucket)")
    for table in ("crm.churn_models", "crm.account_churn"):
        for statement in tenant_rls_sql(table):
            op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS crm.account_churn")
    op.execute("DROP TABLE IF EXISTS crm.churn_models")
