"""crm: merging contacts moves their e-mail sequence enrolments to the survivor; a second enrolment in the
same sequence stops (stop reason ``merged``)

Revision ID: 0052_crm_sequence_merge_stops
Revises: 0051_crm_sequence_archive_stops
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0052_crm_sequence_merge_stops"
down_revision: str | None = "0051_crm_sequence_archive_stops"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE crm.email_sequence_enrolments DROP CONSTRAINT email_sequence_enrolments_stop_reason_check;
        ALTER TABLE crm.email_sequence_enrolments ADD CONSTRAINT email_sequence_enrolments_stop_reason_check
            CHECK (stop_reason IN (
                'replied', 'unsubscribed', 'bounced', 'complained', 'converted', 'no_email', 'no_basis',
                'archived', 'merged'
            ));
        """
    )


def downgrade() -> None:
    # The older schema has no word for it: the merged contact's second enrolment is completed there
    # (nothing more is sent to it either way).
    op.execute(
        """
        UPDATE crm.email_sequence_enrolments SET state = 'completed', stop_reason = NULL
            WHERE stop_reason = 'merged';
        ALTER TABLE crm.email_sequence_enrolments DROP CONSTRAINT email_sequence_enrolments_stop_reason_check;
        ALTER TABLE crm.email_sequence_enrolments ADD CONSTRAINT email_sequence_enrolments_stop_reason_check
            CHECK (stop_reason IN (
                'replied', 'unsubscribed', 'bounced', 'complained', 'converted', 'no_email', 'no_basis',
                'archived'
            ));
        """
    )
