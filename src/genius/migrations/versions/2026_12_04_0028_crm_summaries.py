"""crm: summaries of a lead's or an opportunity's notes, activities and e-mails (ai.summary)

``crm.summaries``: one row per subject (``lead`` | ``opportunity`` + id). ``status`` pending → ready |
failed; the text with its language, provider, model, prompt version and the hash of the input it
summarises (a summary is not recomputed while that hash is unchanged).

Revision ID: 0028_crm_summaries
Revises: 0024_crm_mail_variables
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from genius.core.db.rls import tenant_rls_sql

revision: str = "0028_crm_summaries"
down_revision: str | None = "0027_crm_bounces"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE crm.summaries (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            subject_type varchar(12) NOT NULL CHECK (subject_type IN ('lead', 'opportunity')),
            subject_id uuid NOT NULL,
            status varchar(8) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready', 'failed')),
            text text,
            language varchar(2),
            provider varchar(40),
            model varchar(200),
            prompt_version varchar(40),
            input_hash char(64),
            sources integer NOT NULL DEFAULT 0,
            error varchar(1000),
            requested_by varchar(200) NOT NULL DEFAULT '',
            requested_at timestamptz NOT NULL DEFAULT now(),
            summarized_at timestamptz,
            CONSTRAINT uq_summaries_subject UNIQUE (tid, subject_type, subject_id)
        )
        """
    )
    for statement in tenant_rls_sql("crm.summaries"):
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS crm.summaries")
