"""``outreach.stats.rollup`` (``genius beat``, every five minutes, queue ``outreach``): per tenant, rebuild
yesterday's and today's ``outreach_daily_stats`` rows from the communication log and copy the quota
guardian's Redis counters into the ``wa_quota_usage`` audit table, fold the leads list's running counts;
then it sets the outreach gauges the alert rules read (``overview/metrics.py``).

Each tenant is one short transaction; a run that overlaps another only writes the same figures again
(upserts keyed by day, counters merged with ``GREATEST``)."""

from __future__ import annotations

import redis
import structlog

from genius.config import get_settings
from genius.core.directory import repository as directory
from genius.outreach.overview import metrics, service
from genius.workers.celery_app import celery_app
from genius.workers.context import worker_database, worker_redis

log = structlog.get_logger("genius.outreach.tasks")


@celery_app.task(name="outreach.stats.rollup", acks_late=True)
def rollup() -> dict[str, int]:
    settings = get_settings()
    db = worker_database(settings)
    client: redis.Redis | None = worker_redis(settings)
    with db.platform_session() as session:
        tids = directory.active_ids(session)
    tenants = 0
    for tid in tids:
        with db.tenant_session(tid) as session:
            service.rollup(session, tid, client)
            health = service.health(session, tid, client)
        metrics.export(tid, health)
        tenants += 1
    return {"tenants": tenants}
