"""ai.churn end to end: a real ``genius worker -Q ai.churn`` on the broker (RabbitMQ when configured)
with Redis as the feature store. ``POST /v1/crm/churn/train``'s task goes through the outbox and the relay;
the worker trains (too little history here: the heuristic stays), rescores every committed account,
stores the scores and fills the Redis feature store; ``ai.churn.score`` then serves an account from it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import redis
from celery.result import AsyncResult
from sqlalchemy import text

from genius.vettify import schemas as s
from genius.vettify import service as crm
from genius.vettify.churn import repository, service
from genius.vettify.churn.store import key
from tests.core.test_events import only_these_pending
from tests.workers.conftest import rabbit_vhost
from tests.workers.test_outbox_tasks import task_relay


def test_worker_trains_and_scores_a_tenant(
    platform, committed_tenant, owner_url, redis_url, broker_url, start_worker
) -> None:  # type: ignore[no-untyped-def]
    broker = rabbit_vhost(broker_url) if broker_url.startswith("amqp") else broker_url
    worker = start_worker(
        "ai.churn",
        broker=broker,
        ready_timeout=240.0,
        GENIUS_DATABASE_URL=owner_url.render_as_string(hide_password=False),
    )
    tid = committed_tenant.id
    who = crm.Actor(tid=tid, name="test")
    now = datetime.now(UTC)
    with platform.db.tenant_session(tid) as db:
        loyal = crm.create_account(db, who, s.AccountCreate(name="Fidel SRL"))
        gone = crm.create_account(db, who, s.AccountCreate(name="Plecat SRL"))
        repository.add_orders(
            db,
            tid,
            [(loyal.id, f"CMD-L{k}", 900.0, now - timedelta(days=7 * k + 1)) for k in range(8)]
            + [(gone.id, "CMD-G1", 5000.0, now - timedelta(days=400))],
        )
        ids = (loyal.id, gone.id)
    with platform.db.tenant_session(tid) as db:
        task_id = service.request_train(db, who)
    relay = task_relay(owner_url, broker, redis_url)
    try:
        only_these_pending(relay, [task_id])
        relay.run_once()
        assert worker.app is not None
        result = AsyncResult(str(task_id), app=worker.app).get(timeout=120)
        print(f"ai.churn.train: {result}")
        assert result["kind"] == "heuristic" and result["scored"] == 2
        with platform.db.tenant_session(tid) as db:
            low, high = (repository.churn_of(db, i) for i in ids)
            assert low is not None and high is not None
            assert (low.bucket, high.bucket) == ("low", "high")
            assert high.top_features[0]["feature"] == "recency_days"
            published = db.execute(
                text(
                    "SELECT count(*) FROM core.outbox WHERE tid = :t AND topic = 'crm.account.churn_scored'"
                ),
                {"t": tid},
            ).scalar_one()
            assert published == 2
        client = redis.Redis.from_url(redis_url)
        stored = client.hgetall(key(str(tid), str(ids[1])))
        assert float(stored[b"orders_total"]) == 1.0
        # ai.churn.score for one account: read from the store (a value changed there is what is scored).
        client.hset(key(str(tid), str(ids[0])), "recency_days", "1000")
        with platform.db.tenant_session(tid) as db:
            again = service.request_score(db, tid, [ids[0]], refresh=False)
        relay.run_once()
        assert AsyncResult(str(again), app=worker.app).get(timeout=60) == 1
        with platform.db.tenant_session(tid) as db:
            row = repository.churn_of(db, ids[0])
            assert row is not None and row.features["recency_days"] == 1000 and row.bucket != "low"
    finally:
        relay.close()
