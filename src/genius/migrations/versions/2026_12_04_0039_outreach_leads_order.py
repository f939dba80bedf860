"""outreach: indexes in the leads list's own orders (``GET /v1/outreach/leads``)

The list sorts by next action (ascending, empty last) or last contact (descending, empty last), each with
the id as the tie-breaker, under the tenant's RLS predicate. The seed's indexes do not match those orders
(``next_action_at`` alone, partial; ``last_contact_at DESC`` with empty values first and the id
ascending), so every page sorted all of a tenant's journeys. With these, a page reads its 20 rows in
order: `bench --suite outreach-leads` measures it on 100,000 journeys.

Revision ID: 0039_outreach_leads_order
Revises: 0038_outreach_provider_keys
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0039_outreach_leads_order"
down_revision: str | None = "0038_outreach_provider_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_lead_journey_next_action_page": "(tid, next_action_at, id)",
    "ix_lead_journey_last_contact_page": "(tid, last_contact_at DESC NULLS LAST, id DESC)",
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON outreach.gold_lead_journey {columns}")


def downgrade() -> None:
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS outreach.{name}")
