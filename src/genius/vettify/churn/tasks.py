"""The ``ai.churn`` queue.

* ``ai.churn.score`` (tid, account_ids?, refresh?): scores the accounts (all when none are given) in one
  tenant transaction; ``refresh`` rebuilds their features in the Redis store from the database first.
  Deferred by the CRM's ``sales.order.created`` handler for the order's account.
* ``ai.churn.train`` (tid?, by?): the labelled history is read in a short transaction, the model is fitted
  with no transaction open (seconds), then stored and every account rescored (features refreshed) in a
  transaction of its own. Without ``tid`` (``genius beat``, daily) it trains every active tenant.
"""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from celery import Task

from genius.core.db.session import Database
from genius.core.directory import repository as directory
from genius.vettify.churn import service
from genius.vettify.churn.store import FeatureStore
from genius.workers.celery_app import celery_app
from genius.workers.context import ProcessContext, task_tenant, worker_database, worker_redis

log = structlog.get_logger("genius.crm.churn")
context = ProcessContext(lambda settings: (worker_database(settings), FeatureStore(worker_redis(settings))))


def use_context(value: tuple[Database, FeatureStore] | None) -> None:
    """Point the tasks at another database and store (tests); ``None`` resets."""
    context.use(value)


def train(db: Database, store: FeatureStore, tid: uuid.UUID, by: str = "genius beat") -> dict[str, Any]:
    with db.tenant_session(tid) as session:
        history = service.labelled_history(session)
    version = service.new_version()
    trained, model_auc, heuristic_auc = service.fit(history, version)
    with db.tenant_session(tid) as session:
        row = service.store_model(
            session, tid, history, trained, model_auc, heuristic_auc, version=version, by=by
        )
        scored = service.score_accounts(session, store, tid, refresh=True)
        result = {
            "kind": row.kind,
            "version": row.version,
            "samples": row.samples,
            "auc": model_auc,
            "heuristic_auc": heuristic_auc,
            "scored": len(scored),
        }
    log.info("churn_trained", tid=str(tid), **result)
    return result


@celery_app.task(name=service.TASK_SCORE, bind=True, acks_late=True)
def score_task(
    self: Task, tid: str | None = None, account_ids: list[str] | None = None, refresh: bool = False, **_: Any
) -> int:
    tenant = task_tenant(self, tid)
    db, store = context()
    ids = [uuid.UUID(i) for i in account_ids] if account_ids is not None else None
    with db.tenant_session(tenant) as session:
        return len(service.score_accounts(session, store, tenant, ids, refresh=refresh))


@celery_app.task(name=service.TASK_TRAIN, bind=True, acks_late=True)
def train_task(self: Task, tid: str | None = None, by: str = "genius beat", **_: Any) -> dict[str, Any]:
    db, store = context()
    if tid is None and not (getattr(self.request, "headers", None) or {}).get("genius_tid"):
        with db.platform_session() as session:
            tenants = directory.active_ids(session)
        return {str(t): train(db, store, t, by) for t in tenants}
    return train(db, store, task_tenant(self, tid), by)


def health() -> str:
    """Deep check: the database and the feature store answer."""
    db, store = context()
    db.ping()
    if store.client is not None:
        store.client.ping()
    return "database ok, feature store ok"
