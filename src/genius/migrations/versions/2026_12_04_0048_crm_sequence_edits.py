"""crm: e-mail sequences edited after creation, and the campaign composer's saved draft (issue 15)

* ``crm.email_sequences``: ``version`` (the ETag an edit must name in ``If-Match``) and the status
  ``archived`` (read-only, nothing more is sent).
* ``crm.email_sequence_steps``: ``removed_at``: a removed step keeps its row, so the send ledger's rows
  (and their opens and clicks) of the messages it sent stay; the position is unique among live steps only.
* ``crm.campaigns``: ``draft``: the subject, format and body typed in the composer before it is sent or
  scheduled, restored when the user comes back.

Revision ID: 0048_crm_sequence_edits
Revises: 0046_b2c_uploads_foreign_vat_ids
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0048_crm_sequence_edits"
down_revision: str | None = "0046_b2c_uploads_foreign_vat_ids"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE crm.email_sequences ADD COLUMN version integer NOT NULL DEFAULT 1;
        ALTER TABLE crm.email_sequences DROP CONSTRAINT email_sequences_status_check;
        ALTER TABLE crm.email_sequences ADD CONSTRAINT email_sequences_status_check
            CHECK (status IN ('draft', 'active', 'paused', 'archived'));

        ALTER TABLE crm.email_sequence_steps ADD COLUMN removed_at timestamptz;
        ALTER TABLE crm.email_sequence_steps DROP CONSTRAINT uq_email_sequence_steps_position;
        CREATE UNIQUE INDEX uq_email_sequence_steps_live ON crm.email_sequence_steps (sequence_id, position)
            WHERE removed_at IS NULL;

        ALTER TABLE crm.campaigns ADD COLUMN draft jsonb CHECK (draft IS NULL OR jsonb_typeof(draft) = 'object');
        """
    )


def downgrade() -> None:
    op.execute(
        """
        ALTER TABLE crm.campaigns DROP COLUMN IF EXISTS draft;
        DELETE FROM crm.email_sequence_steps WHERE removed_at IS NOT NULL;
        DROP INDEX IF EXISTS crm.uq_email_sequence_steps_live;
        ALTER TABLE crm.email_sequence_steps ADD CONSTRAINT uq_email_sequence_steps_position
            UNIQUE (sequence_id, position);
        ALTER TABLE crm.email_sequence_steps DROP COLUMN removed_at;
        UPDATE crm.email_sequences SET status = 'paused' WHERE status = 'archived';
        ALTER TABLE crm.email_sequences DROP CONSTRAINT email_sequences_status_check;
        ALTER TABLE crm.email_sequences ADD CONSTRAINT email_sequences_status_check
            CHECK (status IN ('draft', 'active', 'paused'));
        ALTER TABLE crm.email_sequences DROP COLUMN version;
        """
    )
