"""Every SQL statement on ``core.job_leases``."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

_REGISTER = text(
    """
    INSERT INTO core.job_leases (id, tid, kind, task, args, lease_until)
    VALUES (:id, :tid, :kind, :task, CAST(:args AS jsonb), now() + make_interval(secs => :pickup))
    ON CONFLICT (id) DO UPDATE SET
        kind = EXCLUDED.kind, task = EXCLUDED.task, args = EXCLUDED.args, holder = NULL,
        lease_until = EXCLUDED.lease_until, finished_at = NULL
    """
)

# A job is taken when it is unfinished and nobody holds a live lease on it.
_ACQUIRE = text(
    """
    UPDATE core.job_leases
    SET holder = :holder, lease_until = now() + make_interval(secs => :seconds), renewed_at = now()
    WHERE id = :id AND finished_at IS NULL
      AND (holder IS NULL OR holder = :holder OR lease_until < now())
    RETURNING id
    """
)
_STATE = text("SELECT finished_at IS NOT NULL AS finished FROM core.job_leases WHERE id = :id")
_RENEW = text(
    """
    UPDATE core.job_leases
    SET lease_until = now() + make_interval(secs => :seconds), renewed_at = now()
    WHERE id = :id AND holder = :holder AND finished_at IS NULL
    RETURNING id
    """
)
_FINISH = text(
    """
    UPDATE core.job_leases SET finished_at = now(), holder = NULL, lease_until = NULL
    WHERE id = :id AND finished_at IS NULL AND (holder IS NULL OR holder = :holder)
    """
)
# Let go without finishing (the task yields, or fails and will be retried): whoever takes the job next
# may; if nobody has within ``pickup`` seconds, the relay queues it again.
_RELEASE = text(
    """
    UPDATE core.job_leases SET holder = NULL, lease_until = now() + make_interval(secs => :pickup)
    WHERE id = :id AND holder = :holder
    """
)

# The relay, across tenants: renew every lapsed lease by ``grace`` and write its task's outbox row, in
# one statement (SKIP LOCKED keeps two relays, or a relay and a renewing worker, out of each other's way).
_REQUEUE_LAPSED = text(
    """
    WITH lapsed AS (
        SELECT id FROM core.job_leases
        WHERE finished_at IS NULL AND lease_until < now()
        ORDER BY lease_until
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
    ), bumped AS (
        UPDATE core.job_leases l
        SET lease_until = now() + make_interval(secs => :grace), holder = NULL, requeues = l.requeues + 1
        FROM lapsed WHERE l.id = lapsed.id
        RETURNING l.id, l.tid, l.kind, l.task, l.args, l.requeues
    ), queued AS (
        INSERT INTO core.outbox (id, tid, topic, kind, data, correlation_id, aggregate_id)
        SELECT gen_random_uuid(), tid, task, 'task', jsonb_build_object('args', args, 'kwargs', '{}'::jsonb),
               'lease-' || id::text, NULL
        FROM bumped
    )
    SELECT id, tid, kind, task, requeues FROM bumped
    """
)


def register(
    session: Session,
    *,
    job_id: uuid.UUID,
    tid: uuid.UUID,
    kind: str,
    task: str,
    args: list[Any],
    pickup: float,
) -> None:
    session.execute(
        _REGISTER,
        {"id": job_id, "tid": tid, "kind": kind, "task": task, "args": json.dumps(args), "pickup": pickup},
    )


def acquire(session: Session, job_id: uuid.UUID, holder: str, seconds: float) -> bool:
    return session.execute(_ACQUIRE, {"id": job_id, "holder": holder, "seconds": seconds}).first() is not None


def is_finished(session: Session, job_id: uuid.UUID) -> bool | None:
    """``None`` when the job has no lease row (started before leases existed, or never registered)."""
    return session.execute(_STATE, {"id": job_id}).scalar()


def renew(session: Session, job_id: uuid.UUID, holder: str, seconds: float) -> bool:
    return session.execute(_RENEW, {"id": job_id, "holder": holder, "seconds": seconds}).first() is not None


def finish(session: Session, job_id: uuid.UUID, holder: str | None) -> None:
    session.execute(_FINISH, {"id": job_id, "holder": holder})


def release(session: Session, job_id: uuid.UUID, holder: str, pickup: float) -> None:
    session.execute(_RELEASE, {"id": job_id, "holder": holder, "pickup": pickup})


def requeue_lapsed(conn: Connection, *, grace: float, limit: int = 100) -> list[dict[str, Any]]:
    rows = conn.execute(_REQUEUE_LAPSED, {"grace": grace, "limit": limit}).mappings().all()
    return [dict(r) for r in rows]
