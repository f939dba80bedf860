"""crm: CSV imports (jobs, saved mappings, staging)

Revision ID: 0009_crm_imports
Revises: 0008_compliance_reges
Create Date: 2026-11-30
"""

from collections.abc import Sequence

revision: str = "0009_crm_imports"
down_revision: str | None = "0008_compliance_reges"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
