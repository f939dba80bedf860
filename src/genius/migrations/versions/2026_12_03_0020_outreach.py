"""outreach (Cerniq): enums, lead journeys and their transitions, communication log, WhatsApp phones,
quota usage (audit), human review queue

The seven enums are the specification's (004, F2.1.1.T001), in schema ``outreach``. ``lead_id`` is a
CRM lead's id, kept without a foreign key: modules never reach into each other's tables.

``gold_communication_log`` is not partitioned yet: monthly partitions each need their own forced RLS
and policy, the RLS and model tests would have to learn partitions, and the primary key would have to
carry ``created_at``. Its indexes lead with ``tid`` and ``created_at`` so a later ``PARTITION BY RANGE
(created_at)`` keeps them.

Revision ID: 0020_outreach
Revises: 0019_crm_marketing
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from genius.core.db.rls import tenant_rls_sql

revision: str = "0020_outreach"
down_revision: str | None = "0019_crm_marketing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENUMS = {
    "current_state_enum": (
        "COLD",
        "CONTACTED_WA",
        "CONTACTED_EMAIL",
        "WARM_REPLY",
        "NEGOTIATION",
        "CONVERTED",
        "DEAD",
        "PAUSED",
    ),
    "channel_enum": ("WHATSAPP", "EMAIL_COLD", "EMAIL_WARM", "PHONE", "MANUAL"),
    "message_direction_enum": ("OUTBOUND", "INBOUND"),
    "message_status_enum": (
        "QUEUED",
        "SENT",
        "DELIVERED",
        "READ",
        "REPLIED",
        "BOUNCED",
        "FAILED",
        "OPENED",
        "CLICKED",
    ),
    "phone_status_enum": ("ACTIVE", "PAUSED", "OFFLINE", "BANNED", "RECONNECTING", "QUARANTINE"),
    "review_priority_enum": ("LOW", "MEDIUM", "HIGH", "URGENT"),
    "review_reason_enum": (
        "NEGATIVE_SENTIMENT",
        "KEYWORD_TRIGGER",
        "BOUNCE_DETECTED",
        "COMPLAINT",
        "MANUAL_FLAG",
        "AI_UNCERTAIN",
    ),
}

TENANT_TABLES = [
    "outreach.wa_phone_numbers",
    "outreach.wa_quota_usage",
    "outreach.gold_lead_journey",
    "outreach.lead_state_transitions",
    "outreach.gold_communication_log",
    "outreach.human_review_queue",
]

TABLES = [
    """
    CREATE TABLE outreach.wa_phone_numbers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
        phone_number varchar(20) NOT NULL CHECK (phone_number ~ '^\\+[1-9][0-9]{7,14}$'),
        label varchar(100) NOT NULL DEFAULT '',
        timelinesai_account_id varchar(100) NOT NULL,
        timelinesai_phone_id varchar(100),
        status outreach.phone_status_enum NOT NULL DEFAULT 'ACTIVE',
        status_reason text,
        status_changed_at timestamptz NOT NULL DEFAULT now(),
        daily_quota_limit integer NOT NULL DEFAULT 200 CHECK (daily_quota_limit BETWEEN 0 AND 200),
        reputation_score integer NOT NULL DEFAULT 100 CHECK (reputation_score BETWEEN 0 AND 100),
        is_connected boolean NOT NULL DEFAULT false,
        last_health_check_at timestamptz,
        last_message_at timestamptz,
        consecutive_failures integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
        total_messages_sent bigint NOT NULL DEFAULT 0 CHECK (total_messages_sent >= 0),
        total_new_contacts bigint NOT NULL DEFAULT 0 CHECK (total_new_contacts >= 0),
        delivery_rate numeric(5, 2) CHECK (delivery_rate BETWEEN 0 AND 100),
        reply_rate numeric(5, 2) CHECK (reply_rate BETWEEN 0 AND 100),
        banned_at timestamptz,
        quarantine_until timestamptz,
        paused_until timestamptz,
        notes text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_wa_phone_numbers_tid UNIQUE (tid, phone_number)
    )
    """,
    "CREATE INDEX ix_wa_phone_numbers_status ON outreach.wa_phone_numbers (tid, status)",
    """
    CREATE TABLE outreach.wa_quota_usage (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
        phone_id uuid NOT NULL,
        usage_date date NOT NULL,
        new_contacts_count integer NOT NULL DEFAULT 0 CHECK (new_contacts_count >= 0),
        followup_count integer NOT NULL DEFAULT 0 CHECK (followup_count >= 0),
        refused_count integer NOT NULL DEFAULT 0 CHECK (refused_count >= 0),
        quota_limit integer NOT NULL DEFAULT 200 CHECK (quota_limit >= 0),
        first_message_at timestamptz,
        last_message_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT fk_wa_quota_usage_phone_id_wa_phone_numbers FOREIGN KEY (phone_id)
            REFERENCES outreach.wa_phone_numbers(id) ON DELETE CASCADE,
        CONSTRAINT uq_wa_quota_usage_phone_id UNIQUE (phone_id, usage_date)
    )
    """,
    "CREATE INDEX ix_wa_quota_usage_date ON outreach.wa_quota_usage (tid, usage_date DESC)",
    """
    CREATE TABLE outreach.gold_lead_journey (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
        lead_id uuid NOT NULL,
        assigned_phone_id uuid,
        assigned_at timestamptz,
        current_state outreach.current_state_enum NOT NULL DEFAULT 'COLD',
        previous_state outreach.current_state_enum,
        state_changed_at timestamptz NOT NULL DEFAULT now(),
        state_change_reason text,
        quota_consumption_date varchar(10),
        is_new_contact boolean NOT NULL DEFAULT true,
        first_contact_channel outreach.channel_enum,
        last_channel_used outreach.channel_enum,
        preferred_channel outreach.channel_enum,
        email_opted_out boolean NOT NULL DEFAULT false,
        whatsapp_opted_out boolean NOT NULL DEFAULT false,
        current_sequence_id uuid,
        sequence_step integer NOT NULL DEFAULT 0 CHECK (sequence_step >= 0),
        sequence_started_at timestamptz,
        sequence_paused boolean NOT NULL DEFAULT false,
        next_action_at timestamptz,
        sentiment_score integer NOT NULL DEFAULT 0 CHECK (sentiment_score BETWEEN -100 AND 100),
        engagement_score integer NOT NULL DEFAULT 0 CHECK (engagement_score BETWEEN 0 AND 100),
        reply_count integer NOT NULL DEFAULT 0 CHECK (reply_count >= 0),
        open_count integer NOT NULL DEFAULT 0 CHECK (open_count >= 0),
        click_count integer NOT NULL DEFAULT 0 CHECK (click_count >= 0),
        requires_human_review boolean NOT NULL DEFAULT false,
        human_review_reason outreach.review_reason_enum,
        human_review_priority outreach.review_priority_enum,
        is_human_controlled boolean NOT NULL DEFAULT false,
        assigned_to_user uuid,
        first_contact_at timestamptz,
        last_contact_at timestamptz,
        last_reply_at timestamptz,
        last_open_at timestamptz,
        converted_at timestamptz,
        tags jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(tags) = 'array'),
        custom_fields jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(custom_fields) = 'object'),
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT fk_gold_lead_journey_assigned_phone_id_wa_phone_numbers FOREIGN KEY (assigned_phone_id)
            REFERENCES outreach.wa_phone_numbers(id) ON DELETE SET NULL,
        CONSTRAINT idx_unique_lead_journey UNIQUE (tid, lead_id),
        CONSTRAINT ck_gold_lead_journey_paused_from CHECK (current_state <> 'PAUSED' OR previous_state IS NOT NULL)
    )
    """,
    "CREATE INDEX idx_lead_journey_tenant_state ON outreach.gold_lead_journey (tid, current_state)",
    "CREATE INDEX idx_lead_journey_phone ON outreach.gold_lead_journey (assigned_phone_id)",
    "CREATE INDEX idx_lead_journey_next_action ON outreach.gold_lead_journey (next_action_at)"
    " WHERE next_action_at IS NOT NULL",
    "CREATE INDEX idx_lead_journey_review ON outreach.gold_lead_journey (tid, requires_human_review)",
    "CREATE INDEX idx_lead_journey_last_contact ON outreach.gold_lead_journey (tid, last_contact_at DESC, id)",
    "CREATE INDEX idx_lead_journey_sentiment ON outreach.gold_lead_journey (tid, sentiment_score, id)",
    """
    CREATE TABLE outreach.lead_state_transitions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
        journey_id uuid NOT NULL,
        from_state outreach.current_state_enum NOT NULL,
        to_state outreach.current_state_enum NOT NULL,
        reason text NOT NULL,
        changed_by varchar(200) NOT NULL DEFAULT '',
        changed_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT fk_lead_state_transitions_journey_id_gold_lead_journey FOREIGN KEY (journey_id)
            REFERENCES outreach.gold_lead_journey(id) ON DELETE CASCADE,
        CONSTRAINT ck_lead_state_transitions_moves CHECK (from_state <> to_state)
    )
    """,
    "CREATE INDEX ix_lead_state_transitions_journey ON outreach.lead_state_transitions (tid, journey_id, changed_at)",
    """
    CREATE TABLE outreach.gold_communication_log (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
        journey_id uuid NOT NULL,
        lead_id uuid NOT NULL,
        channel outreach.channel_enum NOT NULL,
        direction outreach.message_direction_enum NOT NULL,
        status outreach.message_status_enum NOT NULL DEFAULT 'QUEUED',
        phone_id uuid,
        sequence_id uuid,
        sequence_step integer CHECK (sequence_step >= 0),
        template_id uuid,
        subject varchar(300),
        content_preview varchar(500) NOT NULL DEFAULT '',
        content_storage_key varchar(300),
        content_hash varchar(64) NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
        quota_cost smallint NOT NULL DEFAULT 0 CHECK (quota_cost IN (0, 1)),
        provider varchar(20) CHECK (provider IN ('timelinesai', 'instantly', 'resend', 'manual')),
        external_message_id varchar(200),
        external_thread_id varchar(200),
        external_lead_id varchar(200),
        sentiment_score integer CHECK (sentiment_score BETWEEN -100 AND 100),
        raw_request jsonb,
        raw_response jsonb,
        error_message text,
        sent_at timestamptz,
        delivered_at timestamptz,
        read_at timestamptz,
        replied_at timestamptz,
        opened_at timestamptz,
        clicked_at timestamptz,
        bounced_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT fk_gold_communication_log_journey_id_gold_lead_journey FOREIGN KEY (journey_id)
            REFERENCES outreach.gold_lead_journey(id) ON DELETE CASCADE,
        CONSTRAINT fk_gold_communication_log_phone_id_wa_phone_numbers FOREIGN KEY (phone_id)
            REFERENCES outreach.wa_phone_numbers(id) ON DELETE SET NULL
    )
    """,
    "CREATE INDEX ix_comm_log_timeline ON outreach.gold_communication_log (tid, created_at DESC)",
    "CREATE INDEX ix_comm_log_journey ON outreach.gold_communication_log (tid, journey_id, created_at DESC)",
    "CREATE INDEX ix_comm_log_thread ON outreach.gold_communication_log (tid, external_thread_id)"
    " WHERE external_thread_id IS NOT NULL",
    "CREATE INDEX ix_comm_log_external_message ON outreach.gold_communication_log (provider, external_message_id)"
    " WHERE external_message_id IS NOT NULL",
    "CREATE INDEX ix_comm_log_external_lead ON outreach.gold_communication_log (provider, external_lead_id)"
    " WHERE external_lead_id IS NOT NULL",
    "CREATE INDEX ix_comm_log_content_hash ON outreach.gold_communication_log (tid, journey_id, content_hash)",
    """
    CREATE TABLE outreach.human_review_queue (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
        journey_id uuid NOT NULL,
        lead_id uuid NOT NULL,
        communication_id uuid,
        reason outreach.review_reason_enum NOT NULL,
        priority outreach.review_priority_enum NOT NULL DEFAULT 'MEDIUM',
        status varchar(20) NOT NULL DEFAULT 'PENDING'
            CHECK (status IN ('PENDING', 'IN_REVIEW', 'SNOOZED', 'RESOLVED')),
        resolution varchar(20) CHECK (resolution IN ('APPROVED', 'EDITED', 'TAKEN_OVER', 'MARKED_DEAD')),
        sentiment_score integer CHECK (sentiment_score BETWEEN -100 AND 100),
        sentiment_label varchar(10) CHECK (sentiment_label IN ('positive', 'neutral', 'negative')),
        trigger_keywords jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(trigger_keywords) = 'array'),
        message_preview varchar(500) NOT NULL DEFAULT '',
        suggested_reply text,
        final_reply text,
        assigned_to uuid,
        sla_due_at timestamptz NOT NULL,
        sla_breached boolean NOT NULL DEFAULT false,
        sla_breached_at timestamptz,
        snoozed_until timestamptz,
        resolved_at timestamptz,
        resolved_by varchar(200),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT fk_human_review_queue_journey_id_gold_lead_journey FOREIGN KEY (journey_id)
            REFERENCES outreach.gold_lead_journey(id) ON DELETE CASCADE,
        CONSTRAINT fk_human_review_queue_communication_id_gold_communication_log FOREIGN KEY (communication_id)
            REFERENCES outreach.gold_communication_log(id) ON DELETE SET NULL,
        CONSTRAINT ck_human_review_queue_resolved CHECK ((status = 'RESOLVED') = (resolution IS NOT NULL))
    )
    """,
    "CREATE INDEX ix_review_queue_open ON outreach.human_review_queue (tid, status, priority, sla_due_at)",
    "CREATE INDEX ix_review_queue_sla ON outreach.human_review_queue (sla_due_at)"
    " WHERE NOT sla_breached AND status <> 'RESOLVED'",
    "CREATE INDEX ix_review_queue_journey ON outreach.human_review_queue (tid, journey_id)",
]


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS outreach")
    for name, values in ENUMS.items():
        labels = ", ".join(f"'{v}'" for v in values)
        op.execute(f"CREATE TYPE outreach.{name} AS ENUM ({labels})")
    for statement in TABLES:
        op.execute(statement)
    for table in TENANT_TABLES:
        for statement in tenant_rls_sql(table):
            op.execute(statement)


def downgrade() -> None:
    op.execute("DROP SCHEMA IF EXISTS outreach CASCADE")
