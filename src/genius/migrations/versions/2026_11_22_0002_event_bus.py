"""event bus: outbox ordering and retry columns, consumer inbox

Revision ID: 0002_event_bus
Revises: 0001_core_platform
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

from genius.core.db.rls import tenant_rls_sql

revision: str = "0002_event_bus"
down_revision: str | None = "0001_core_platform"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE core.outbox
            ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY,
            ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now();
        DROP INDEX core.ix_outbox_pending;
        CREATE INDEX ix_outbox_pending ON core.outbox (seq) WHERE published_at IS NULL AND NOT dead;
        CREATE INDEX ix_outbox_aggregate_pending ON core.outbox (tid, aggregate_id, seq)
            WHERE published_at IS NULL AND NOT dead;
        CREATE TABLE core.inbox (
            tid uuid NOT NULL,
            consumer varchar(100) NOT NULL,
            event_id uuid NOT NULL,
            topic varchar(120) NOT NULL,
            processed_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_inbox PRIMARY KEY (consumer, event_id)
        );
        CREATE INDEX ix_inbox_tid ON core.inbox (tid);
        """
    )
    for statement in tenant_rls_sql("core.inbox"):
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE core.inbox")
    op.execute("ALTER TABLE core.outbox DROP COLUMN seq, DROP COLUMN next_attempt_at")
