"""compliance + crm: B2C uploads and foreign buyers' VAT ids (issue 17)

* ``compliance.efactura_submissions.b2c``: an invoice to an individual (the buyer identified by a CNP, or
  by ANAF's thirteen zeros) is uploaded through ``POST uploadb2c`` instead of ``POST upload``. The flag
  is recorded with the submission, before anything is sent, so every attempt (and a retry after a
  timeout) uses the same endpoint.
* ``crm.accounts.vat_id``: the EU VAT id of a company outside Romania (its country prefix and number,
  e.g. ``DE136695976``, checked with python-stdnum by the CRM's service), which sales writes as the
  buyer's VAT identifier (BT-48) on an intra-community supply. A Romanian company keeps its CUI.

Revision ID: 0046_b2c_uploads_foreign_vat_ids
Revises: 0045_sales_buyer_identities
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0046_b2c_uploads_foreign_vat_ids"
down_revision: str | None = "0045_sales_buyer_identities"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE compliance.efactura_submissions ADD COLUMN b2c boolean NOT NULL DEFAULT false")
    op.execute(
        "ALTER TABLE crm.accounts ADD COLUMN vat_id varchar(16)"
        " CONSTRAINT ck_accounts_vat_id CHECK (vat_id ~ '^[A-Z]{2}[0-9A-Z+*]{2,14}$')"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE crm.accounts DROP COLUMN IF EXISTS vat_id")
    op.execute("ALTER TABLE compliance.efactura_submissions DROP COLUMN IF EXISTS b2c")
