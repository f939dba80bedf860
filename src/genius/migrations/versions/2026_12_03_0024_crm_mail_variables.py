"""crm: each campaign recipient's personalisation variables

``crm.campaign_recipients.variables``: the contact's first and last name, address and company, taken
in the audience snapshot, so a message is personalised from the snapshot and never from a contact
edited (or merged away) while the campaign sends.

Revision ID: 0024_crm_mail_variables
Revises: 0023_sales_payments
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0024_crm_mail_variables"
down_revision: str | None = "0023_sales_payments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE crm.campaign_recipients ADD COLUMN variables jsonb NOT NULL DEFAULT '{}'::jsonb")


def downgrade() -> None:
    op.execute("ALTER TABLE crm.campaign_recipients DROP COLUMN variables")
