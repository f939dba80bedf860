"""core: tenant_settings (the company profile: name, CUI, logo, default currency, hours, time zone)

Revision ID: 0017_tenant_settings
Revises: 0015_user_preferences
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from genius.core.db.rls import tenant_rls_sql

revision: str = "0017_tenant_settings"
down_revision: str | None = "0015_user_preferences"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE core.tenant_settings (
            tid uuid PRIMARY KEY REFERENCES core.tenants(id) ON DELETE CASCADE,
            company_name varchar(200) NOT NULL DEFAULT '',
            cui varchar(12),
            registration_number varchar(40) NOT NULL DEFAULT '',
            address varchar(300) NOT NULL DEFAULT '',
            anaf_name varchar(300),
            anaf_checked_at timestamptz,
            default_currency varchar(3) NOT NULL DEFAULT 'RON' CHECK (default_currency IN ('RON', 'EUR')),
            timezone varchar(64) NOT NULL DEFAULT 'Europe/Bucharest',
            hours_start time NOT NULL DEFAULT '09:00',
            hours_end time NOT NULL DEFAULT '18:00',
            logo_key varchar(300),
            logo_type varchar(50),
            updated_at timestamptz NOT NULL DEFAULT now(),
            updated_by varchar(200) NOT NULL DEFAULT '',
            CONSTRAINT ck_tenant_settings_hours CHECK (hours_end > hours_start)
        )
        """
    )
    for statement in tenant_rls_sql("core.tenant_settings"):
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS core.tenant_settings")
