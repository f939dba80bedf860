"""crm: bounces, complaints and delivery reports of campaign mail

* ``crm.campaign_recipients.message_id``: the Message-ID the worker wrote (``hex@domain``, no angle
  brackets, lower case), stored when the message is handed to the server, so a webhook or a DSN that
  names it finds its recipient; ``delivery`` (delivered | bounced | complained, the last word of the
  receiving side) and ``delivered_at``.
* ``crm.recipient_events``: each recipient's delivery history (status, reason, source, time).
* ``crm.mail_events_seen``: the ids of the webhooks and DSNs already applied, so a redelivery changes
  nothing.

Revision ID: 0027_crm_bounces
Revises: 0024_crm_mail_variables
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from genius.core.db.rls import tenant_rls_sql

revision: str = "0027_crm_bounces"
down_revision: str | None = "0026_sales_deadlines"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ["crm.recipient_events", "crm.mail_events_seen"]


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE crm.campaign_recipients
            ADD COLUMN message_id varchar(250),
            ADD COLUMN delivery varchar(12) CHECK (delivery IN ('delivered', 'bounced', 'complained')),
            ADD COLUMN delivered_at timestamptz
        """
    )
    op.execute(
        "CREATE INDEX ix_campaign_recipients_message_id ON crm.campaign_recipients (tid, message_id)"
        " WHERE message_id IS NOT NULL"
    )
    op.execute(
        "CREATE INDEX ix_campaign_recipients_address ON crm.campaign_recipients (tid, address, sent_at)"
    )
    op.execute(
        """
        CREATE TABLE crm.recipient_events (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            recipient_id uuid NOT NULL REFERENCES crm.campaign_recipients(id) ON DELETE CASCADE,
            campaign_id uuid NOT NULL,
            status varchar(16) NOT NULL
                CHECK (status IN ('delivered', 'soft_bounced', 'bounced', 'complained')),
            reason varchar(1000),
            source varchar(16) NOT NULL CHECK (source IN ('webhook', 'resend', 'dsn')),
            occurred_at timestamptz NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        "CREATE INDEX ix_recipient_events_recipient ON crm.recipient_events (tid, recipient_id, occurred_at)"
    )
    op.execute(
        """
        CREATE TABLE crm.mail_events_seen (
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            source varchar(16) NOT NULL,
            event_id varchar(250) NOT NULL,
            outcome varchar(16) NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (tid, source, event_id)
        )
        """
    )
    for table in TABLES:
        for statement in tenant_rls_sql(table):
            op.execute(statement)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table}")
    op.execute("DROP INDEX IF EXISTS crm.ix_campaign_recipients_address")
    op.execute("DROP INDEX IF EXISTS crm.ix_campaign_recipients_message_id")
    op.execute(
        "ALTER TABLE crm.campaign_recipients DROP COLUMN message_id, DROP COLUMN delivery, "
        "DROP COLUMN delivered_at"
    )
