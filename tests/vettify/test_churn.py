"""ai.churn: features (Redis store rebuilt from the database), the documented heuristic, the per-tenant
model that beats it on held-out synthetic data, scores stored on the account and published
(``crm.account.churn_scored``, checked against its contract), the API, the consumed
``sales.order.created`` rescoring, and the demo."""

from __future__ import annotations

import math
import pickle
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import text

from genius.core.platform import Platform
from genius.vettify.churn import heuristic, model, repository, service, synthetic, tasks
from genius.vettify.churn.features import FEATURES, row, vector
from genius.vettify.churn.store import FeatureStore, key
from genius.vettify.demo import seed_demo_churn, seed_demo_crm
from genius.workers.celery_app import route_by_name
from genius.workers.fleet import IMPLEMENTED, TAGS
from tests.vettify.conftest import Crm
from tests.vettify.test_contracts import _validate
from tests.vettify.test_summaries import outbox
from tests.vettify.test_timeline import _deliver

AS_OF = datetime(2026, 9, 1, tzinfo=UTC)


def test_the_queue_is_served_and_retrained_daily() -> None:
    from genius.modules import beat_entries

    assert "ai.churn" in IMPLEMENTED and TAGS["ai.churn"].module == "genius.vettify.churn.tasks"
    assert route_by_name(service.TASK_SCORE, None, None, None)["queue"] == "ai.churn"
    beats = [b for b in beat_entries() if b.task == service.TASK_TRAIN]
    assert beats and beats[0].queue == "ai.churn" and beats[0].seconds == 86400.0


def test_model_beats_the_heuristic_on_held_out_synthetic_data() -> None:
    features, labels = synthetic.dataset(3000, AS_OF, seed=1)
    assert 0.2 < sum(labels) / len(labels) < 0.7
    assert model.enough(labels)
    trained, model_auc, heuristic_auc = model.evaluate(features, labels, "xgb-test", seed=1)
    print(f"held-out ROC AUC: model {model_auc:.4f}, heuristic {heuristic_auc:.4f}")
    assert model_auc is not None and heuristic_auc is not None
    assert model_auc > heuristic_auc > 0.5
    # And on a fresh synthetic population the model never saw.
    fresh, fresh_labels = synthetic.dataset(1000, AS_OF, seed=2)
    fresh_model = model.auc(fresh_labels, [s for s, _ in trained.score(fresh)])
    fresh_heuristic = model.auc(fresh_labels, model.heuristic_scores(fresh))
    print(f"fresh population ROC AUC: model {fresh_model:.4f}, heuristic {fresh_heuristic:.4f}")
    assert fresh_model is not None and fresh_heuristic is not None and fresh_model > fresh_heuristic
    # XGBoost's TreeSHAP contributions: one per feature, in log-odds, adding up (with the model's base
    # value) to the account's log-odds; the payload round-trips.
    assert model.ALGORITHM == "xgboost.XGBClassifier" and type(trained.estimator).__name__ == "XGBClassifier"
    scored = trained.score(fresh[:50])
    spread = []
    for score, parts in scored:
        assert 0 <= score <= 1 and set(parts) == set(FEATURES)
        spread.append(math.log(score / (1 - score)) - sum(parts.values()))
    assert max(spread) - min(spread) < 1e-4  # the same base value for every account
    again = model.loads(trained.dumps())
    assert again.score(fresh[:1])[0][0] == scored[0][0] and again.version == "xgb-test"


def test_a_payload_of_the_earlier_scikit_learn_model_still_scores() -> None:
    """Tenants trained before XGBoost keep a scikit-learn payload until the next retrain: it scores, with
    contributions by occlusion."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    features, labels = synthetic.dataset(600, AS_OF, seed=3)
    x = np.array([row(f) for f in features], dtype=float)
    earlier = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(x, np.array(labels))
    payload = pickle.dumps({"estimator": earlier, "medians": list(np.median(x, axis=0)), "version": "old"})
    score, parts = model.loads(payload).score(features[:1])[0]
    assert 0 <= score <= 1 and set(parts) == set(FEATURES)


def test_heuristic_is_the_documented_formula() -> None:
    quiet = {name: 0.0 for name in FEATURES} | {"recency_days": 400.0, "compliance_risk": 1.0}
    busy = {name: 0.0 for name in FEATURES} | {
        "recency_days": 5.0,
        "orders_90d": 4.0,
        "open_rate": 0.5,
        "activities_90d": 3.0,
    }
    high, parts = heuristic.score(quiet)
    low, _ = heuristic.score(busy)
    assert parts == {
        "recency_days": 3.6,
        "orders_90d": -0.0,
        "open_rate": 1.2,
        "activities_90d": -0.0,
        "compliance_risk": 1.5,
    }
    assert service.bucket(high) == "high" and service.bucket(low) == "low"
    assert service.bucket(0.5) == "medium"
    assert not model.enough([1] * 10 + [0] * 10)  # below MIN_LABELLED: the heuristic scores


def _histories(
    platform: Platform, tid: uuid.UUID, n: int, as_of: datetime, seed: int
) -> list[tuple[uuid.UUID, synthetic.History]]:
    """``n`` accounts with the orders of ``n`` synthetic histories, written in one transaction."""
    histories = synthetic.histories(n, as_of, seed=seed)
    with platform.db.tenant_session(tid) as s:
        by_name = {
            name: uuid.UUID(str(i))
            for i, name in s.execute(
                text(
                    "INSERT INTO crm.accounts (tid, name, created_at, compliance_status)"
                    " SELECT :t, 'Client ' || n, c, st FROM unnest(CAST(:c AS timestamptz[]),"
                    " CAST(:st AS text[])) WITH ORDINALITY AS x(c, st, n) RETURNING id, name"
                ),
                {
                    "t": tid,
                    "c": [h.created_at for h in histories],
                    "st": [h.compliance_status for h in histories],
                },
            ).all()
        }
        ids = [by_name[f"Client {n}"] for n in range(1, len(histories) + 1)]
        repository.add_orders(
            s,
            tid,
            [
                (account_id, f"CMD-{i:04d}-{k:03d}", amount, at)
                for i, (account_id, h) in enumerate(zip(ids, histories, strict=True))
                for k, (at, amount) in enumerate(h.orders)
            ],
        )
    return list(zip(ids, histories, strict=True))


def test_database_facts_match_the_history_and_the_store_is_rebuilt(platform: Platform, tenant: Any) -> None:
    now = datetime.now(UTC)
    accounts = _histories(platform, tenant.id, 6, now, seed=3)
    with platform.db.tenant_session(tenant.id) as s:
        facts = {f.account_id: f for f in repository.facts(s, now)}
    for account_id, h in accounts:
        want, got = h.facts(now), facts[str(account_id)]
        assert (got.orders_total, got.orders_90d, got.orders_prev_90d, got.last_order_at) == (
            want.orders_total,
            want.orders_90d,
            want.orders_prev_90d,
            want.last_order_at,
        )
        assert abs(got.monetary - want.monetary) < 0.05
        assert vector(got, now)["compliance_risk"] == vector(want, now)["compliance_risk"]
    assert platform.redis is not None
    store = FeatureStore(platform.redis)
    tid = str(tenant.id)
    first = str(accounts[0][0])
    platform.redis.delete(*(key(tid, str(a)) for a, _ in accounts))
    with platform.db.tenant_session(tenant.id) as s:
        built = service.features_for(s, store, tenant.id, now=now)  # Redis empty: rebuilt from the database
    assert set(built) == {str(a) for a, _ in accounts}
    stored = platform.redis.hgetall(key(tid, first))
    assert float(stored[b"orders_total"]) == built[first]["orders_total"] and b"as_of" in stored
    assert store.get_many(tid, [first]) == {first: built[first]}
    # Served from Redis now: a changed value in the store is what is read back.
    platform.redis.hset(key(tid, first), "orders_total", "999")
    with platform.db.tenant_session(tenant.id) as s:
        assert service.features_for(s, store, tenant.id, [accounts[0][0]])[first]["orders_total"] == 999
        # A refresh rebuilds it from the database.
        assert (
            service.features_for(s, store, tenant.id, [accounts[0][0]], refresh=True)[first]["orders_total"]
            == built[first]["orders_total"]
        )
    assert FeatureStore(None).get_many(tid, [first]) == {}  # no Redis: computed from the database


def test_score_store_publish_and_api(crm: Crm, platform: Platform, tenant: Any, make_tenant: Any) -> None:
    a = crm.create("accounts", name="Alfa Distribuție SRL", cui="18547290")
    b = crm.create("accounts", name="Beta SRL")
    now = datetime.now(UTC)
    with platform.db.tenant_session(tenant.id) as s:
        repository.add_orders(
            s, tenant.id, [(uuid.UUID(a["id"]), "CMD-1", 1200.0, now - timedelta(days=200))]
        )
    store = FeatureStore(platform.redis)
    with platform.db.tenant_session(tenant.id) as s:
        rows = service.score_accounts(s, store, tenant.id, refresh=True)
    assert len(rows) == 2 and all(r.model_version == heuristic.VERSION for r in rows)
    r = crm.call("GET", f"/accounts/{a['id']}/churn")
    assert r.status_code == 200, r.text
    body = r.json()
    assert 0 <= body["score"] <= 1 and body["bucket"] in ("low", "medium", "high")
    assert body["model_version"] == "heuristic-v1"
    assert body["top_features"][0]["feature"] == "recency_days" and body["top_features"][0]["impact"] > 0
    events = outbox(platform, tenant.id, "crm.account.churn_scored")
    assert len(events) == 2
    for _kind, _queue, data in events:
        _validate("crm.account.churn_scored", data)
    with platform.db.tenant_session(tenant.id) as s:  # nothing changed: nothing published again
        service.score_accounts(s, store, tenant.id)
    assert len(outbox(platform, tenant.id, "crm.account.churn_scored")) == 2
    # Unknown account, another tenant's account: 404.
    assert crm.call("GET", f"/accounts/{uuid.uuid4()}/churn").status_code == 404
    other = make_tenant()
    r = crm.client.get(f"/v1/crm/accounts/{a['id']}/churn", headers=other.headers)
    assert r.status_code == 404
    # POST /churn/train defers ai.churn.train on the ai.churn queue.
    r = crm.call("POST", "/churn/train")
    assert r.status_code == 202, r.text
    deferred = outbox(platform, tenant.id, service.TASK_TRAIN)
    assert len(deferred) == 1 and deferred[0][1] == "ai.churn"
    # Train with too little history: a heuristic row, the heuristic still scores.
    result = tasks.train(platform.db, store, tenant.id, "test")
    assert result["kind"] == "heuristic" and result["scored"] == 2
    assert crm.call("GET", f"/accounts/{b['id']}/churn").json()["model_version"] == "heuristic-v1"


def test_consumed_order_defers_a_rescore(crm: Crm, platform: Platform, tenant: Any) -> None:
    account = crm.create("accounts", name="Gama SRL", cui="18547290")
    order = {
        "order_id": "SO-9",
        "number": "CMD 9",
        "account_id": account["id"],
        "total_amount": "100.00",
        "currency": "RON",
        "ordered_at": datetime.now(UTC).isoformat(),
    }
    assert _deliver(platform, tenant.id, "sales.order.created", order) == "handled"
    rows = outbox(platform, tenant.id, service.TASK_SCORE)
    assert len(rows) == 1 and rows[0][1] == "ai.churn"


def test_tenant_with_labelled_history_trains_a_model(platform: Platform, tenant: Any) -> None:
    now = datetime.now(UTC)
    cutoff = now - timedelta(days=90)
    _histories(platform, tenant.id, 320, cutoff, seed=5)
    with platform.db.tenant_session(tenant.id) as s:
        history = service.labelled_history(s, now)
    assert len(history.labels) >= model.MIN_LABELLED
    result = tasks.train(platform.db, FeatureStore(platform.redis), tenant.id, "test")
    print(f"tenant model: {result}")
    assert result["auc"] is not None and result["heuristic_auc"] is not None and result["scored"] == 320
    # The model replaces the heuristic only when it beats it on the held-out quarter of the history.
    assert result["kind"] == ("model" if result["auc"] > result["heuristic_auc"] else "heuristic")
    with platform.db.tenant_session(tenant.id) as s:
        row = repository.latest_model(s)
        assert row is not None and row.kind == result["kind"] and row.samples == len(history.labels)
    # A trained model (fitted on synthetic history) stored for the tenant scores every account.
    features, labels = synthetic.dataset(1500, cutoff, seed=6)
    trained, model_auc, heuristic_auc = model.evaluate(features, labels, "hgb-synthetic", seed=6)
    with platform.db.tenant_session(tenant.id) as s:
        service.store_model(
            s,
            tenant.id,
            service.History(features, labels, cutoff),
            trained,
            model_auc,
            heuristic_auc,
            version="hgb-synthetic",
            by="test",
        )
        assert service.active_model(s)[0] == "hgb-synthetic"
        rows = service.score_accounts(s, FeatureStore(platform.redis), tenant.id)
        assert len(rows) == 320 and {r.model_version for r in rows} == {"hgb-synthetic"}
        assert len({r.bucket for r in rows}) >= 2
        assert all(len(r.top_features) == service.TOP for r in rows[:20])


def test_demo_accounts_get_scores(platform: Platform, tenant: Any, crm: Crm) -> None:
    seed_demo_crm(platform.db, tenant.id)
    assert seed_demo_churn(platform.db, tenant.id, platform.redis) is True
    assert seed_demo_churn(platform.db, tenant.id, platform.redis) is False  # once per tenant
    with platform.db.tenant_session(tenant.id) as s:
        n = s.execute(text("SELECT count(*), count(DISTINCT bucket) FROM crm.account_churn")).one()
        orders = s.execute(text("SELECT count(*) FROM crm.sales_orders")).scalar_one()
    assert n[0] >= 5 and n[1] >= 2 and orders > 0


def test_account_360_shows_the_churn_badge(crm: Crm, platform: Platform, tenant: Any) -> None:
    from tests.vettify.test_account_pages import login

    a = crm.create("accounts", name="Delta Agro SRL")
    login(crm.client, tenant)
    page = crm.client.get(f"/crm/accounts/{a['id']}")
    assert page.status_code == 200 and "Încă neevaluat" in page.text  # not scored yet
    now = datetime.now(UTC)
    with platform.db.tenant_session(tenant.id) as s:
        repository.add_orders(
            s, tenant.id, [(uuid.UUID(a["id"]), "CMD-7", 3000.0, now - timedelta(days=300))]
        )
        (row,) = service.score_accounts(s, FeatureStore(platform.redis), tenant.id, refresh=True)
    page = crm.client.get(f"/crm/accounts/{a['id']}")
    text_ = page.text
    assert "Risc de abandon" in text_ and "Risc ridicat" in text_ and row.bucket == "high"
    assert f"{round(row.score * 100)} %" in text_
    assert "Ce cântărește cel mai mult" in text_ and "Zile de la ultima comandă" in text_
    assert "regulă empirică" in text_
