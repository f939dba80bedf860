"""crm: archiving an e-mail sequence stops its active enrolments (stop reason ``archived``) (issue 15)

Revision ID: 0051_crm_sequence_archive_stops
Revises: 0049_outreach_leads_counts
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0051_crm_sequence_archive_stops"
down_revision: str | None = "0049_outreach_leads_counts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE crm.email_sequence_enrolments DROP CONSTRAINT email_sequence_enrolments_stop_reason_check;
        ALTER TABLE crm.email_sequence_enrolments ADD CONSTRAINT email_sequence_enrolments_stop_reason_check
            CHECK (stop_reason IN (
                'replied', 'unsubscribed', 'bounced', 'complained', 'converted', 'no_email', 'no_basis',
                'archived'
            ));
        """
    )


def downgrade() -> None:
    # The older schema has no word for it: an enrolment its archived sequence stopped is completed there
    # (nothing more is sent to it either way).
    op.execute(
        """
        UPDATE crm.email_sequence_enrolments SET state = 'completed', stop_reason = NULL
            WHERE stop_reason = 'archived';
        ALTER TABLE crm.email_sequence_enrolments DROP CONSTRAINT email_sequence_enrolments_stop_reason_check;
        ALTER TABLE crm.email_sequence_enrolments ADD CONSTRAINT email_sequence_enrolments_stop_reason_check
            CHECK (stop_reason IN (
                'replied', 'unsubscribed', 'bounced', 'complained', 'converted', 'no_email', 'no_basis'
            ));
        """
    )
