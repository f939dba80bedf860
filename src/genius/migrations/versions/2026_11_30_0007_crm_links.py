"""crm: CUI verification state, merges, timeline, sales orders

Revision ID: 0007_crm_links
Revises: 0006_crm
Create Date: 2026-11-30
"""

from collections.abc import Sequence

revision: str = "0007_crm_links"
down_revision: str | None = "0006_crm"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
