"""crm: segments (saved audience filters), tags on contacts and leads, a campaign's segment

A segment is a CRM record (common columns, search vector, forced RLS) holding a typed filter as JSON
(``genius.vettify.segments.schemas.SegmentFilter``) over contacts or leads; the repository compiles it
to parameterised SQL; text rules go through the full-text index (``search``) like the CRM search. Tags
are a ``text[]`` per contact and lead, GIN-indexed; ``&&`` and ``@>`` are marked LEAKPROOF (as a
superuser, else printed for a DBA, like migration 0007) so that index is usable under RLS. A campaign
may target a segment (``segment_id``): its send snapshots the segment's matches.

Revision ID: 0034_crm_segments
Revises: 0033_crm_churn
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

from genius.core.db.rls import tenant_rls_sql

revision: str = "0034_crm_segments"
down_revision: str | None = "0033_crm_churn"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "crm.segments"


def upgrade() -> None:
    op.execute(
        f"""
        CREATE TABLE {TABLE} (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            version integer NOT NULL DEFAULT 1,
            custom_fields jsonb NOT NULL DEFAULT '{{}}'::jsonb CHECK (jsonb_typeof(custom_fields) = 'object'),
            owner varchar(200),
            created_by varchar(200) NOT NULL DEFAULT '',
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            deleted_at timestamptz,
            name varchar(200) NOT NULL,
            entity varchar(8) NOT NULL DEFAULT 'contact' CHECK (entity IN ('contact', 'lead')),
            description text,
            filter jsonb NOT NULL CHECK (jsonb_typeof(filter) = 'object'),
            search tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, crm.unaccent_ro(
                coalesce(name, '') || ' ' || coalesce(description, '')
            ))) STORED
        );
        CREATE INDEX ix_segments_tid_created ON {TABLE} (tid, created_at, id);
        CREATE INDEX ix_segments_search ON {TABLE} USING gin (search);
        """
    )
    for statement in tenant_rls_sql(TABLE):
        op.execute(statement)
    # The search vocabulary (migration 0012): a list search corrects its terms against these words.
    op.execute(
        f"""
        CREATE TRIGGER search_words_insert AFTER INSERT ON {TABLE}
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION crm.collect_search_words('segments');
        CREATE TRIGGER search_words_update AFTER UPDATE ON {TABLE}
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION crm.collect_search_words('segments');
        """
    )
    for table in ("contacts", "leads"):
        op.execute(f"ALTER TABLE crm.{table} ADD COLUMN tags text[] NOT NULL DEFAULT '{{}}'")
        op.execute(f"CREATE INDEX ix_{table}_tags ON crm.{table} USING gin (tags)")
    op.execute("ALTER TABLE crm.campaigns ADD COLUMN segment_id uuid REFERENCES crm.segments(id)")
    _leakproof_array_operators()
    # Engagement rules ("opened a campaign"): a contact's recipient rows.
    op.execute(
        "CREATE INDEX ix_campaign_recipients_contact ON crm.campaign_recipients (tid, contact_id) "
        "WHERE contact_id IS NOT NULL"
    )


# Array overlap and containment compare their arguments element by element and raise no data-dependent
# error; without LEAKPROOF a tag rule under RLS would test every row of the tenant.
LEAKPROOF_FUNCTIONS = [("arrayoverlap", "anyarray, anyarray"), ("arraycontains", "anyarray, anyarray")]


def _leakproof_array_operators() -> None:
    bind = op.get_bind()
    if not bind.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar():
        names = ", ".join(f"{n}({a})" for n, a in LEAKPROOF_FUNCTIONS)
        print(f"note: not a superuser; a DBA should mark {names} LEAKPROOF for indexed tag rules under RLS")
        return
    for name, args in LEAKPROOF_FUNCTIONS:
        op.execute(f"ALTER FUNCTION pg_catalog.{name}({args}) LEAKPROOF")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS crm.ix_campaign_recipients_contact")
    op.execute("ALTER TABLE crm.campaigns DROP COLUMN IF EXISTS segment_id")
    for table in ("contacts", "leads"):
        op.execute(f"ALTER TABLE crm.{table} DROP COLUMN IF EXISTS tags")
    op.execute(f"DROP TABLE IF EXISTS {TABLE}")
