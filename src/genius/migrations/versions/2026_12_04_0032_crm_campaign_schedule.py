"""crm: campaign scheduling, pause, resume and cancel

* ``crm.campaign_schedules``: a campaign's planned send (one per campaign): when (``run_at``), the send's
  body as given (subject, HTML, audience), who planned it, and its state (scheduled → started | failed |
  cancelled). The beat task ``email.send.campaigns_due`` starts the due ones, ``FOR UPDATE SKIP LOCKED``.
* ``crm.campaigns.status`` gains ``cancelled``; ``crm.campaign_sends.status`` gains ``paused`` and
  ``cancelled``; ``crm.campaign_recipients.state`` gains ``cancelled`` (the rest of a cancelled send).
* ``crm.campaign_sends.send_window``: the send's window (hours and weekdays in the tenant's time zone), if any.

Revision ID: 0032_crm_campaign_schedule
Revises: 0031_sales_inbox
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from genius.core.db.rls import tenant_rls_sql

revision: str = "0032_crm_campaign_schedule"
down_revision: str | None = "0031_sales_inbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _check(table: str, name: str, column: str, values: Sequence[str]) -> None:
    listed = ", ".join(f"'{v}'" for v in values)
    op.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")
    op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({column} IN ({listed}))")


def upgrade() -> None:
    _check(
        "crm.campaigns",
        "campaigns_status_check",
        "status",
        ("draft", "scheduled", "running", "paused", "completed", "cancelled"),
    )
    _check(
        "crm.campaign_sends",
        "campaign_sends_status_check",
        "status",
        ("sending", "paused", "cancelled", "completed"),
    )
    _check(
        "crm.campaign_recipients",
        "campaign_recipients_state_check",
        "state",
        ("pending", "sending", "sent", "failed", "excluded", "cancelled"),
    )
    op.execute("ALTER TABLE crm.campaign_sends ADD COLUMN send_window jsonb")
    op.execute(
        """
        CREATE TABLE crm.campaign_schedules (
            campaign_id uuid PRIMARY KEY REFERENCES crm.campaigns(id) ON DELETE CASCADE,
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            run_at timestamptz NOT NULL,
            body jsonb NOT NULL CHECK (jsonb_typeof(body) = 'object'),
            state varchar(12) NOT NULL DEFAULT 'scheduled'
                CHECK (state IN ('scheduled', 'started', 'failed', 'cancelled')),
            reason varchar(500),
            scheduled_by varchar(200) NOT NULL DEFAULT '',
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        "CREATE INDEX ix_campaign_schedules_due ON crm.campaign_schedules (tid, run_at)"
        " WHERE state = 'scheduled'"
    )
    for statement in tenant_rls_sql("crm.campaign_schedules"):
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS crm.campaign_schedules")
    op.execute("ALTER TABLE crm.campaign_sends DROP COLUMN IF EXISTS send_window")
    op.execute("UPDATE crm.campaign_recipients SET state = 'failed' WHERE state = 'cancelled'")
    op.execute("UPDATE crm.campaign_sends SET status = 'completed' WHERE status IN ('paused', 'cancelled')")
    op.execute("UPDATE crm.campaigns SET status = 'completed' WHERE status = 'cancelled'")
    _check(
        "crm.campaign_recipients",
        "campaign_recipients_state_check",
        "state",
        ("pending", "sending", "sent", "failed", "excluded"),
    )
    _check("crm.campaign_sends", "campaign_sends_status_check", "status", ("sending", "completed"))
    _check(
        "crm.campaigns",
        "campaigns_status_check",
        "status",
        ("draft", "scheduled", "running", "paused", "completed"),
    )
