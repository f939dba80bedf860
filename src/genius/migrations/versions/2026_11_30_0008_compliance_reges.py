"""compliance: REGES Online submissions

Revision ID: 0008_compliance_reges
Revises: 0007_crm_links
Create Date: 2026-11-30
"""

from collections.abc import Sequence

revision: str = "0008_compliance_reges"
down_revision: str | None = "0007_crm_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
