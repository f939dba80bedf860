"""compliance: an e-Factura submission remembers whether it goes to ANAF's B2C upload (issue 17)

An invoice to an individual (the buyer identified by a CNP, or by ANAF's thirteen zeros) is uploaded
through ``POST uploadb2c`` instead of ``POST upload``. The flag is recorded with the submission, before
anything is sent, so every attempt (and a retry after a timeout) uses the same endpoint.

Revision ID: 0046_efactura_b2c
Revises: 0045_sales_buyer_identities
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0046_efactura_b2c"
down_revision: str | None = "0045_sales_buyer_identities"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "compliance.efactura_submissions"


def upgrade() -> None:
    op.execute(f"ALTER TABLE {TABLE} ADD COLUMN b2c boolean NOT NULL DEFAULT false")


def downgrade() -> None:
    op.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS b2c")
