"""crm: attachments

Revision ID: 0010_crm_attachments
Revises: 0009_crm_imports
Create Date: 2026-11-30
"""

from collections.abc import Sequence

revision: str = "0010_crm_attachments"
down_revision: str | None = "0009_crm_imports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
