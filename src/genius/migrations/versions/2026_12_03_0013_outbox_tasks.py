"""core: the outbox carries tasks too, and long jobs hold leases

Revision ID: 0013_outbox_tasks
Revises: 0012_crm_search_words
Create Date: 2026-12-03

A request or consumer that wants a task run writes an outbox row (``kind = 'task'``: the task's name
in ``topic``, its arguments in ``data``, its ``queue``) in its own transaction; the relay publishes it
after commit, as it does for events, so a broker outage only delays the work. ``traceparent`` carries
the W3C trace context of the writer into the event envelope and the task headers.

``core.job_leases``: a long job (CSV import, SAF-T build, campaign send) holds a lease that its worker
renews; the relay requeues a job whose lease lapsed (its worker died) through the outbox, on either
broker, without waiting for the broker's own redelivery (an hour on Redis).
"""

from collections.abc import Sequence

from alembic import op

from genius.core.db.rls import tenant_rls_sql

revision: str = "0013_outbox_tasks"
down_revision: str | None = "0012_crm_search_words"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE core.outbox
            ADD COLUMN kind varchar(10) NOT NULL DEFAULT 'event',
            ADD COLUMN queue varchar(120),
            ADD COLUMN traceparent varchar(64),
            ADD CONSTRAINT ck_outbox_kind CHECK (kind IN ('event', 'task'));
        CREATE TABLE core.job_leases (
            id uuid PRIMARY KEY,
            tid uuid NOT NULL,
            kind varchar(60) NOT NULL,
            task varchar(120) NOT NULL,
            args jsonb NOT NULL DEFAULT '[]'::jsonb,
            holder varchar(200),
            lease_until timestamptz,
            requeues integer NOT NULL DEFAULT 0,
            created_at timestamptz NOT NULL DEFAULT now(),
            renewed_at timestamptz,
            finished_at timestamptz
        );
        CREATE INDEX ix_job_leases_tid ON core.job_leases (tid);
        CREATE INDEX ix_job_leases_lapsing ON core.job_leases (lease_until) WHERE finished_at IS NULL;
        """
    )
    for statement in tenant_rls_sql("core.job_leases"):
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE core.job_leases")
    op.execute(
        "ALTER TABLE core.outbox DROP CONSTRAINT ck_outbox_kind, DROP COLUMN kind, DROP COLUMN queue, "
        "DROP COLUMN traceparent"
    )
