"""crm: which link of a campaign mail was clicked, and the campaign's PDF reports

* ``crm.campaign_link_clicks``: one row per verified click redirect (recipient, target URL, time), so a
  campaign's top links (clicks and unique clickers per URL) can be counted; the recipient's ``clicks``
  and ``clicked_at`` stay what the funnel counts.
* ``crm.campaign_reports``: each PDF report asked for (``pdf.render`` stores it as ``pdf/<tid>/<key>``,
  encrypted with the tenant's key); the newest one is the one downloaded.

Revision ID: 0041_crm_campaign_links
Revises: 0040_crm_sequences
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from genius.core.db.rls import tenant_rls_sql

revision: str = "0041_crm_campaign_links"
down_revision: str | None = "0040_crm_sequences"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ["crm.campaign_link_clicks", "crm.campaign_reports"]


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE crm.campaign_link_clicks (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            campaign_id uuid NOT NULL REFERENCES crm.campaigns(id) ON DELETE CASCADE,
            recipient_id uuid NOT NULL REFERENCES crm.campaign_recipients(id) ON DELETE CASCADE,
            url varchar(2000) NOT NULL,
            clicked_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        "CREATE INDEX ix_campaign_link_clicks_campaign ON crm.campaign_link_clicks (tid, campaign_id, url)"
    )
    op.execute(
        """
        CREATE TABLE crm.campaign_reports (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            campaign_id uuid NOT NULL REFERENCES crm.campaigns(id) ON DELETE CASCADE,
            key varchar(200) NOT NULL,
            requested_by varchar(200) NOT NULL DEFAULT '',
            requested_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        "CREATE INDEX ix_campaign_reports_campaign ON crm.campaign_reports (tid, campaign_id, requested_at)"
    )
    for table in TABLES:
        for statement in tenant_rls_sql(table):
            op.execute(statement)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table}")
