"""outreach: a search's journeys found from the (tenant, lead) index alone

A search on the leads list sends up to 1,000 CRM lead ids; the journeys of those leads are ordered
and counted before the page's 20 are read whole. Each id was an index probe plus a visit of the
journey's row for its id and sort key: 1,000 heap visits, 2 to 3 ms. The unique constraint's index
now carries the journey's id and the three sort keys (``INCLUDE``), so that step reads the index only
(on pages the visibility map marks all-visible: the journeys a vacuum has seen since their last
change). Those columns already have indexes of their own, so their updates were not HOT before either.

Revision ID: 0056_outreach_lead_covering
Revises: 0055_outreach_journey_counts
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0056_outreach_lead_covering"
down_revision: str | None = "0055_outreach_journey_counts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "outreach.gold_lead_journey"
NAME = "idx_unique_lead_journey"


def upgrade() -> None:
    op.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {NAME}")
    op.execute(
        f"ALTER TABLE {TABLE} ADD CONSTRAINT {NAME} UNIQUE (tid, lead_id)"
        " INCLUDE (id, next_action_at, last_contact_at, sentiment_score)"
    )


def downgrade() -> None:
    op.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {NAME}")
    op.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {NAME} UNIQUE (tid, lead_id)")
