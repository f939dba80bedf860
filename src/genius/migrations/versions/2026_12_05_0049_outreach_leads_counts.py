"""outreach: the leads list's filtered pages and counts read from indexes (``GET /v1/outreach/leads``)

``bench --suite outreach-leads`` (100,000 journeys) showed where the time went after 0039:

* the page's ``total`` counted the channel and has-reply filters by visiting the heap for every one of
  the tenant's journeys (14 to 16 ms): the seed's review index now also carries the filtered columns
  (``INCLUDE``), so those counts are index-only;
* a state filter in the default order skipped 25,000 other journeys to find its 20 rows (9.6 ms): the
  seed's ``(tid, current_state)`` index is widened by the order's columns, a prefix it keeps;
* sentiment, most positive first (``DESC NULLS LAST, id DESC``), had no index in that order (the seed's
  ascending one read backwards puts empty values first), so every such page sorted the matches.

Revision ID: 0049_outreach_leads_counts
Revises: 0048_crm_sequence_edits
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0049_outreach_leads_counts"
down_revision: str | None = "0048_crm_sequence_edits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "outreach.gold_lead_journey"
WIDENED = {
    "idx_lead_journey_tenant_state": ("(tid, current_state)", "(tid, current_state, next_action_at, id)"),
    "idx_lead_journey_review": (
        "(tid, requires_human_review)",
        "(tid, requires_human_review) INCLUDE (current_state, last_channel_used, reply_count, "
        "assigned_to_user)",
    ),
}
ADDED = {"ix_lead_journey_sentiment_page": "(tid, sentiment_score DESC NULLS LAST, id DESC)"}


def upgrade() -> None:
    for name, (_seed, widened) in WIDENED.items():
        op.execute(f"DROP INDEX IF EXISTS outreach.{name}")
        op.execute(f"CREATE INDEX {name} ON {TABLE} {widened}")
    for name, columns in ADDED.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {TABLE} {columns}")


def downgrade() -> None:
    for name in ADDED:
        op.execute(f"DROP INDEX IF EXISTS outreach.{name}")
    for name, (seed, _widened) in WIDENED.items():
        op.execute(f"DROP INDEX IF EXISTS outreach.{name}")
        op.execute(f"CREATE INDEX {name} ON {TABLE} {seed}")
