"""outreach: sequences, their steps and enrollments; templates and their A/B versions (spec 004,
F2.1.1.T006-T007, F2.10)

``sequence_enrollments.next_action_at`` drives the scheduler: a partial index holds only the active
enrollments, so picking the due ones (``FOR UPDATE SKIP LOCKED``) reads the index's head.

Revision ID: 0022_outreach_sequences
Revises: 0020_outreach
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from genius.core.db.rls import tenant_rls_sql

revision: str = "0022_outreach_sequences"
down_revision: str | None = "0020_outreach"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = [
    "outreach.outreach_templates",
    "outreach.outreach_template_versions",
    "outreach.outreach_sequences",
    "outreach.outreach_sequence_steps",
    "outreach.sequence_enrollments",
]

TABLES = [
    """
    CREATE TABLE outreach.outreach_templates (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
        name varchar(200) NOT NULL,
        channel outreach.channel_enum NOT NULL,
        subject varchar(300),
        content text NOT NULL,
        variables jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(variables) = 'array'),
        has_media boolean NOT NULL DEFAULT false,
        media_url varchar(1000),
        is_active boolean NOT NULL DEFAULT true,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_outreach_templates_tid UNIQUE (tid, name)
    )
    """,
    "CREATE INDEX ix_outreach_templates_channel ON outreach.outreach_templates (tid, channel, is_active)",
    """
    CREATE TABLE outreach.outreach_template_versions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
        template_id uuid NOT NULL,
        label varchar(20) NOT NULL,
        subject varchar(300),
        content text NOT NULL,
        has_media boolean NOT NULL DEFAULT false,
        media_url varchar(1000),
        weight integer NOT NULL DEFAULT 1 CHECK (weight BETWEEN 0 AND 100),
        is_active boolean NOT NULL DEFAULT true,
        sent_count bigint NOT NULL DEFAULT 0 CHECK (sent_count >= 0),
        open_count bigint NOT NULL DEFAULT 0 CHECK (open_count >= 0),
        reply_count bigint NOT NULL DEFAULT 0 CHECK (reply_count >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT fk_outreach_template_versions_template_id_outreach_templates FOREIGN KEY (template_id)
            REFERENCES outreach.outreach_templates(id) ON DELETE CASCADE,
        CONSTRAINT uq_outreach_template_versions_template_id UNIQUE (template_id, label)
    )
    """,
    "CREATE INDEX ix_outreach_template_versions_tid ON outreach.outreach_template_versions (tid, template_id)",
    """
    CREATE TABLE outreach.outreach_sequences (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
        name varchar(200) NOT NULL,
        description text NOT NULL DEFAULT '',
        is_active boolean NOT NULL DEFAULT true,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_outreach_sequences_tid UNIQUE (tid, name)
    )
    """,
    "CREATE INDEX ix_outreach_sequences_created ON outreach.outreach_sequences (tid, created_at, id)",
    """
    CREATE TABLE outreach.outreach_sequence_steps (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
        sequence_id uuid NOT NULL,
        step_number integer NOT NULL CHECK (step_number >= 1),
        delay_hours integer NOT NULL DEFAULT 0 CHECK (delay_hours BETWEEN 0 AND 8760),
        delay_minutes integer NOT NULL DEFAULT 0 CHECK (delay_minutes BETWEEN 0 AND 59),
        channel outreach.channel_enum NOT NULL,
        template_id uuid NOT NULL,
        stop_on_reply boolean NOT NULL DEFAULT true,
        respect_business_hours boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT fk_outreach_sequence_steps_sequence_id_outreach_sequences FOREIGN KEY (sequence_id)
            REFERENCES outreach.outreach_sequences(id) ON DELETE CASCADE,
        CONSTRAINT fk_outreach_sequence_steps_template_id_outreach_templates FOREIGN KEY (template_id)
            REFERENCES outreach.outreach_templates(id) ON DELETE RESTRICT,
        CONSTRAINT uq_outreach_sequence_steps_sequence_id UNIQUE (sequence_id, step_number)
    )
    """,
    "CREATE INDEX ix_outreach_sequence_steps_template ON outreach.outreach_sequence_steps (template_id)",
    """
    CREATE TABLE outreach.sequence_enrollments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
        sequence_id uuid NOT NULL,
        journey_id uuid NOT NULL,
        lead_id uuid NOT NULL,
        status varchar(20) NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'COMPLETED', 'STOPPED')),
        current_step integer NOT NULL DEFAULT 0 CHECK (current_step >= 0),
        next_action_at timestamptz,
        stop_reason text,
        enrolled_at timestamptz NOT NULL DEFAULT now(),
        last_step_at timestamptz,
        finished_at timestamptz,
        version integer NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT fk_sequence_enrollments_sequence_id_outreach_sequences FOREIGN KEY (sequence_id)
            REFERENCES outreach.outreach_sequences(id) ON DELETE CASCADE,
        CONSTRAINT fk_sequence_enrollments_journey_id_gold_lead_journey FOREIGN KEY (journey_id)
            REFERENCES outreach.gold_lead_journey(id) ON DELETE CASCADE,
        CONSTRAINT uq_sequence_enrollments_sequence_id UNIQUE (sequence_id, journey_id),
        CONSTRAINT ck_sequence_enrollments_due CHECK ((status = 'ACTIVE') = (next_action_at IS NOT NULL))
    )
    """,
    "CREATE INDEX ix_sequence_enrollments_due ON outreach.sequence_enrollments (next_action_at)"
    " WHERE status = 'ACTIVE'",
    "CREATE INDEX ix_sequence_enrollments_journey ON outreach.sequence_enrollments (tid, journey_id)",
    "CREATE INDEX ix_sequence_enrollments_list ON outreach.sequence_enrollments (tid, sequence_id, enrolled_at, id)",
]


def upgrade() -> None:
    for statement in TABLES:
        op.execute(statement)
    for table in TENANT_TABLES:
        for statement in tenant_rls_sql(table):
            op.execute(statement)


def downgrade() -> None:
    for table in reversed(TENANT_TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table}")
