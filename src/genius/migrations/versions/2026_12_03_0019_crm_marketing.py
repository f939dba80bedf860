"""crm: marketing (consent per contact and channel, suppression list, campaign sends and recipients)

* ``crm.consents``: one row per given consent (contact, channel, lawful basis, source, time, proof);
  ``withdrawn_at`` ends it. A contact has a basis on a channel while one of its rows is not withdrawn.
* ``crm.suppressions``: addresses never sent marketing again (unsubscribed, bounced, complained);
  one row per address (lower case) and tenant.
* ``crm.campaign_sends``: the send of a campaign (one per campaign: a second start is refused), with
  the message it sends.
* ``crm.campaign_recipients``: the audience snapshot, one row per address. ``state`` moves
  pending → sending → sent | failed, each step claimed atomically by one worker; excluded recipients are
  rows in state ``excluded`` with their reason. Tracking timestamps per recipient.

Revision ID: 0019_crm_marketing
Revises: 0018_sales
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from genius.core.db.rls import tenant_rls_sql

revision: str = "0019_crm_marketing"
down_revision: str | None = "0018_sales"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ["crm.consents", "crm.suppressions", "crm.campaign_sends", "crm.campaign_recipients"]


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE crm.consents (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            contact_id uuid NOT NULL REFERENCES crm.contacts(id) ON DELETE CASCADE,
            channel varchar(16) NOT NULL CHECK (channel IN ('email', 'sms', 'phone', 'whatsapp')),
            basis varchar(24) NOT NULL
                CHECK (basis IN ('consent', 'contract', 'legitimate_interest')),
            source varchar(200) NOT NULL,
            given_at timestamptz NOT NULL,
            proof text,
            withdrawn_at timestamptz,
            created_by varchar(200) NOT NULL DEFAULT '',
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("CREATE INDEX ix_consents_contact ON crm.consents (tid, contact_id, channel)")
    op.execute(
        """
        CREATE TABLE crm.suppressions (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            address varchar(320) NOT NULL,
            reason varchar(16) NOT NULL CHECK (reason IN ('unsubscribed', 'bounced', 'complained')),
            note varchar(500),
            campaign_id uuid,
            created_by varchar(200) NOT NULL DEFAULT '',
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT uq_suppressions_address UNIQUE (tid, address)
        )
        """
    )
    op.execute("CREATE INDEX ix_suppressions_created ON crm.suppressions (tid, created_at, id)")
    op.execute(
        """
        CREATE TABLE crm.campaign_sends (
            campaign_id uuid PRIMARY KEY REFERENCES crm.campaigns(id) ON DELETE CASCADE,
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            subject varchar(998) NOT NULL,
            html text NOT NULL,
            text text NOT NULL,
            status varchar(12) NOT NULL DEFAULT 'sending' CHECK (status IN ('sending', 'completed')),
            recipients integer NOT NULL DEFAULT 0,
            excluded integer NOT NULL DEFAULT 0,
            batches integer NOT NULL DEFAULT 0,
            started_by varchar(200) NOT NULL DEFAULT '',
            started_at timestamptz NOT NULL DEFAULT now(),
            completed_at timestamptz
        )
        """
    )
    op.execute(
        """
        CREATE TABLE crm.campaign_recipients (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            campaign_id uuid NOT NULL REFERENCES crm.campaigns(id) ON DELETE CASCADE,
            contact_id uuid,
            address varchar(320),
            name varchar(200) NOT NULL DEFAULT '',
            state varchar(12) NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'excluded')),
            reason varchar(500),
            batch integer,
            attempts smallint NOT NULL DEFAULT 0,
            claimed_by varchar(64),
            claimed_at timestamptz,
            sent_at timestamptz,
            opened_at timestamptz,
            clicked_at timestamptz,
            unsubscribed_at timestamptz,
            bounced_at timestamptz,
            complained_at timestamptz,
            opens integer NOT NULL DEFAULT 0,
            clicks integer NOT NULL DEFAULT 0,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT uq_campaign_recipients_address UNIQUE (campaign_id, address)
        )
        """
    )
    op.execute(
        "CREATE INDEX ix_campaign_recipients_state ON crm.campaign_recipients (tid, campaign_id, state)"
    )
    for table in TABLES:
        for statement in tenant_rls_sql(table):
            op.execute(statement)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table}")
