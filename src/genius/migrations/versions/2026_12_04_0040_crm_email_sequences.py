"""crm: e-mail sequences (issue #15)

* ``crm.email_sequences``: a named sequence (draft → active ⇄ paused) and its sending window (hours and
  ISO weekdays, read in the tenant's time zone).
* ``crm.email_sequence_steps``: its steps in order: the delay after the previous step (or the enrolment),
  the template as written (subject, body, format) and compiled (HTML, text), and a condition (none,
  opened, clicked, not_replied).
* ``crm.email_sequence_enrolments``: one contact in one sequence (unique), its state (active → completed
  | stopped with the reason), the step due next and when (``next_due_at``, the scheduler's index).
* ``crm.email_sequence_sends``: the send ledger, one row per enrolment and step (unique): queued with
  the message's tracking (opens, clicks) or skipped with the reason. Its id is the tracking token's id.

Revision ID: 0040_crm_sequences
Revises: 0039_outreach_leads_order
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from genius.core.db.rls import tenant_rls_sql

revision: str = "0040_crm_sequences"
down_revision: str | None = "0039_outreach_leads_order"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "crm.email_sequences",
    "crm.email_sequence_steps",
    "crm.email_sequence_enrolments",
    "crm.email_sequence_sends",
)


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE crm.email_sequences (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            name varchar(200) NOT NULL,
            status varchar(8) NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'paused')),
            send_window jsonb NOT NULL DEFAULT '{"start_hour": 9, "end_hour": 18, "weekdays": [1, 2, 3, 4, 5]}'
                CHECK (jsonb_typeof(send_window) = 'object'),
            created_by varchar(200) NOT NULL DEFAULT '',
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX ix_email_sequences_tid_created ON crm.email_sequences (tid, created_at, id);

        CREATE TABLE crm.email_sequence_steps (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            sequence_id uuid NOT NULL REFERENCES crm.email_sequences(id) ON DELETE CASCADE,
            position smallint NOT NULL CHECK (position >= 1),
            delay_minutes integer NOT NULL DEFAULT 0 CHECK (delay_minutes >= 0),
            condition varchar(12) NOT NULL DEFAULT 'none'
                CHECK (condition IN ('none', 'opened', 'clicked', 'not_replied')),
            subject varchar(998) NOT NULL,
            body text NOT NULL,
            format varchar(4) NOT NULL DEFAULT 'html' CHECK (format IN ('html', 'mjml')),
            html text NOT NULL,
            text text NOT NULL,
            CONSTRAINT uq_email_sequence_steps_position UNIQUE (sequence_id, position)
        );

        CREATE TABLE crm.email_sequence_enrolments (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            sequence_id uuid NOT NULL REFERENCES crm.email_sequences(id) ON DELETE CASCADE,
            contact_id uuid NOT NULL REFERENCES crm.contacts(id) ON DELETE CASCADE,
            state varchar(10) NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'completed', 'stopped')),
            stop_reason varchar(16) CHECK (stop_reason IN (
                'replied', 'unsubscribed', 'bounced', 'complained', 'converted', 'no_email', 'no_basis'
            )),
            step smallint NOT NULL DEFAULT 1,
            next_due_at timestamptz,
            source varchar(8) NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'segment')),
            enrolled_by varchar(200) NOT NULL DEFAULT '',
            enrolled_at timestamptz NOT NULL DEFAULT now(),
            replied_at timestamptz,
            ended_at timestamptz,
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT uq_email_sequence_enrolments_contact UNIQUE (sequence_id, contact_id),
            CHECK ((state = 'stopped') = (stop_reason IS NOT NULL))
        );
        CREATE INDEX ix_email_sequence_enrolments_due ON crm.email_sequence_enrolments (tid, next_due_at)
            WHERE state = 'active';
        CREATE INDEX ix_email_sequence_enrolments_contact ON crm.email_sequence_enrolments (tid, contact_id);

        CREATE TABLE crm.email_sequence_sends (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            enrolment_id uuid NOT NULL REFERENCES crm.email_sequence_enrolments(id) ON DELETE CASCADE,
            step_id uuid NOT NULL REFERENCES crm.email_sequence_steps(id) ON DELETE CASCADE,
            position smallint NOT NULL,
            state varchar(8) NOT NULL CHECK (state IN ('queued', 'skipped')),
            reason varchar(200),
            address varchar(320),
            created_at timestamptz NOT NULL DEFAULT now(),
            opened_at timestamptz,
            clicked_at timestamptz,
            opens integer NOT NULL DEFAULT 0,
            clicks integer NOT NULL DEFAULT 0,
            CONSTRAINT uq_email_sequence_sends_step UNIQUE (enrolment_id, step_id)
        );
        """
    )
    for table in TABLES:
        for statement in tenant_rls_sql(table):
            op.execute(statement)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table}")
