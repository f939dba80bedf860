"""core: users.preferences (the web app's language and theme, remembered per user)

Revision ID: 0015_user_preferences
Revises: 0014_crm_lower_leakproof
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0015_user_preferences"
down_revision: str | None = "0014_crm_lower_leakproof"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("preferences", JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
        schema="core",
    )


def downgrade() -> None:
    op.drop_column("users", "preferences", schema="core")
