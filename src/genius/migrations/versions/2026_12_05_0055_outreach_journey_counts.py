"""outreach: the leads list's totals from running counts (``outreach.journey_counts``)

``GET /v1/outreach/leads`` returns the exact number of matching journeys in ``meta.total``. Without a
filter, or with a channel or has-reply filter, that was an index-only scan of every journey of the
tenant: 5 to 7 ms at 100,000 journeys, a third of the request (``bench --suite outreach-leads``).

Every filter of the list except the search is a column of the journey: its state, last channel, assigned
user, whether it has a reply and whether it needs review. ``journey_counts`` holds signed numbers of
journeys per combination of those five values, so any of the list's totals is the sum of a handful of
rows. Statement-level triggers with transition tables append one row per combination a statement
changes (+1 for a journey that enters it, -1 for one that leaves it): writers never wait on each
other's counter rows, and a COPY of 100,000 journeys appends a few dozen rows. The stats roll-up folds
each tenant's rows into one per combination (``repository.fold_journey_counts``); the sum stays exact
meanwhile, because a fold is one statement and a reader sees it whole or not at all.

The review index's ``INCLUDE`` columns (0049) were there for those counts. It now carries the list's
default order instead, ``(tid, requires_human_review, next_action_at, id)``: the journeys that need
review, next action first, are its first 20 entries rather than 2,000 rows sorted.

When a tenant is deleted its journeys go with it (cascade): their -1 rows are not written, since the
tenant's counts are deleted too.

Revision ID: 0055_outreach_journey_counts
Revises: 0054_crm_accounts_vat_id_index
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import context, op

from genius.core.db.rls import quote_ident, tenant_rls_sql

revision: str = "0055_outreach_journey_counts"
down_revision: str | None = "0054_crm_accounts_vat_id_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "outreach.journey_counts"
JOURNEYS = "outreach.gold_lead_journey"
COLUMNS = "tid, state_code, last_channel_used, assigned_to_user, has_reply, requires_human_review"
# A journey's combination, as read from a journey row (or a transition table of them).
DIMENSIONS = "tid, state_code, last_channel_used, assigned_to_user, reply_count > 0 AS has_reply, requires_human_review"


def _append(signed_rows: str) -> str:
    """The trigger's statement: ``signed_rows`` (the combination's columns and ``n``, +1 or -1 per
    journey) summed per combination, without the zeros and without rows of a tenant being deleted."""
    return f"""
        INSERT INTO {TABLE} ({COLUMNS}, journeys)
        SELECT {COLUMNS}, sum(n) FROM ({signed_rows}) AS signed
        WHERE EXISTS (SELECT 1 FROM core.tenants AS t WHERE t.id = signed.tid)
        GROUP BY {COLUMNS}
        HAVING sum(n) <> 0;
    """  # noqa: S608 (constant names)


ENTERED = f"SELECT {DIMENSIONS}, 1 AS n FROM new_rows"  # noqa: S608 (constant names)
LEFT = f"SELECT {DIMENSIONS}, -1 AS n FROM old_rows"  # noqa: S608 (constant names)


REVIEW_INDEX = "idx_lead_journey_review"
REVIEW_WITH_COUNTS = (
    "(tid, requires_human_review) INCLUDE (current_state, last_channel_used, reply_count, assigned_to_user)"
)
REVIEW_IN_ORDER = "(tid, requires_human_review, next_action_at, id)"


def upgrade() -> None:
    op.execute(
        f"""
        CREATE TABLE {TABLE} (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            state_code smallint NOT NULL,
            last_channel_used outreach.channel_enum,
            assigned_to_user uuid,
            has_reply boolean NOT NULL,
            requires_human_review boolean NOT NULL,
            journeys bigint NOT NULL
        )
        """
    )
    op.execute(f"CREATE INDEX ix_journey_counts_tid ON {TABLE} (tid)")
    op.execute(
        f"""
        CREATE FUNCTION outreach.count_journeys() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                {_append(ENTERED)}
            ELSIF TG_OP = 'DELETE' THEN
                {_append(LEFT)}
            ELSE
                {_append(ENTERED + " UNION ALL " + LEFT)}
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        f"""
        CREATE TRIGGER journey_counts_insert AFTER INSERT ON {JOURNEYS}
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION outreach.count_journeys();
        CREATE TRIGGER journey_counts_update AFTER UPDATE ON {JOURNEYS}
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION outreach.count_journeys();
        CREATE TRIGGER journey_counts_delete AFTER DELETE ON {JOURNEYS}
            REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION outreach.count_journeys();
        """
    )
    # The journeys already there: one row per combination, before the table's RLS is forced.
    op.execute(
        f"""
        INSERT INTO {TABLE} ({COLUMNS}, journeys)
        SELECT {DIMENSIONS}, count(*) FROM {JOURNEYS} GROUP BY {COLUMNS}
        """  # noqa: S608 (constant names)
    )
    op.execute(f"DROP INDEX IF EXISTS outreach.{REVIEW_INDEX}")
    op.execute(f"CREATE INDEX {REVIEW_INDEX} ON {JOURNEYS} {REVIEW_IN_ORDER}")
    for statement in tenant_rls_sql(TABLE):
        op.execute(statement)
    role = context.config.attributes.get("app_role")
    if role:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {TABLE} TO {quote_ident(role)}")


def downgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS outreach.{REVIEW_INDEX}")
    op.execute(f"CREATE INDEX {REVIEW_INDEX} ON {JOURNEYS} {REVIEW_WITH_COUNTS}")
    for event in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS journey_counts_{event} ON {JOURNEYS}")
    op.execute("DROP FUNCTION IF EXISTS outreach.count_journeys()")
    op.execute(f"DROP TABLE IF EXISTS {TABLE}")
