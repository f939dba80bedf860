"""crm: attachments (files on contacts, accounts, leads, opportunities) and campaigns

Attachments: metadata only; the bytes live in the object store (``genius.core.storage``) under
``crm/attachments/<tid>/<id>``, encrypted with the tenant's SSE-C key. ``entity_type`` + ``entity_id``
point at the parent record; there is no foreign key (four possible tables), so the service checks the
parent through RLS. ``content_type`` is what the bytes were sniffed as, ``declared_type`` what the
client claimed (kept for the record, never trusted).

Campaigns: the CRM's marketing campaigns (channel, status, dates, budget, target segment), with the
same common columns, search vector and RLS as the other CRM entities.

Revision ID: 0010_crm_attachments
Revises: 0009_crm_imports
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

from genius.core.db.rls import tenant_rls_sql

revision: str = "0010_crm_attachments"
down_revision: str | None = "0009_crm_imports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = ["crm.attachments", "crm.campaigns"]

CHANNELS = ("email", "sms", "whatsapp", "social", "ads", "event", "direct_mail", "phone", "other")
STATUSES = ("draft", "scheduled", "running", "paused", "completed")


def _in(values: Sequence[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE crm.attachments (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            entity_type varchar(16) NOT NULL,
            entity_id uuid NOT NULL,
            filename varchar(255) NOT NULL,
            content_type varchar(100) NOT NULL,
            declared_type varchar(255),
            size bigint NOT NULL CHECK (size >= 0),
            sha256 char(64) NOT NULL,
            storage_key varchar(300) NOT NULL,
            uploaded_by varchar(200) NOT NULL,
            uploaded_at timestamptz NOT NULL DEFAULT now(),
            deleted_at timestamptz,
            deleted_by varchar(200)
        );
        CREATE INDEX ix_attachments_parent ON crm.attachments (tid, entity_type, entity_id, uploaded_at)
            WHERE deleted_at IS NULL;
        """
    )
    op.execute(
        f"""
        CREATE TABLE crm.campaigns (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            version integer NOT NULL DEFAULT 1,
            custom_fields jsonb NOT NULL DEFAULT '{{}}'::jsonb CHECK (jsonb_typeof(custom_fields) = 'object'),
            owner varchar(200),
            created_by varchar(200) NOT NULL DEFAULT '',
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            deleted_at timestamptz,
            name varchar(300) NOT NULL,
            channel varchar(16) NOT NULL DEFAULT 'email' CHECK (channel IN ({_in(CHANNELS)})),
            status varchar(12) NOT NULL DEFAULT 'draft' CHECK (status IN ({_in(STATUSES)})),
            starts_on date,
            ends_on date,
            budget numeric(18, 2) CHECK (budget >= 0),
            currency char(3) NOT NULL DEFAULT 'RON',
            target_segment text,
            description text,
            CONSTRAINT ck_campaigns_dates CHECK (starts_on IS NULL OR ends_on IS NULL OR ends_on >= starts_on),
            search tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, crm.unaccent_ro(
                coalesce(name, '') || ' ' || coalesce(target_segment, '') || ' ' || coalesce(description, '')
            ))) STORED
        );
        CREATE INDEX ix_campaigns_tid_created ON crm.campaigns (tid, created_at, id);
        CREATE INDEX ix_campaigns_tid_status ON crm.campaigns (tid, status, created_at, id);
        CREATE INDEX ix_campaigns_search ON crm.campaigns USING gin (search);
        """
    )
    for table in TENANT_TABLES:
        for statement in tenant_rls_sql(table):
            op.execute(statement)
    # Grants: genius.core.db.rls.grant_app_role re-applies them for the crm schema after every run.


def downgrade() -> None:
    for table in reversed(TENANT_TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table}")
