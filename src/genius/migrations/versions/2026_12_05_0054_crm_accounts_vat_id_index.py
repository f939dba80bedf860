"""crm: an index on the accounts' EU VAT id, now an import match key

An accounts import finds the existing account of each row by its keys; a file of up to 10,000 rows looks
each key up per row through its ``(tid, key)`` index (``imports.repository.lookup_keys``). The VAT id
joined the keys (a foreign company has no CUI), so it gets the same index as the CUI.

Revision ID: 0054_crm_accounts_vat_id_index
Revises: 0053_outreach_state_code
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0054_crm_accounts_vat_id_index"
down_revision: str | None = "0053_outreach_state_code"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_accounts_tid_vat_id ON crm.accounts (tid, vat_id) WHERE vat_id IS NOT NULL")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS crm.ix_accounts_tid_vat_id")
