"""compliance: SAF-T D406 reports

Revision ID: 0011_compliance_saft
Revises: 0010_crm_attachments
Create Date: 2026-11-30
"""

from collections.abc import Sequence

revision: str = "0011_compliance_saft"
down_revision: str | None = "0010_crm_attachments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
