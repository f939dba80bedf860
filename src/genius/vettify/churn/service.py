"""Churn rules (flush, never commit).

* **Features** (``features_for``): from the Redis feature store, rebuilt from the database for the
  accounts it lacks (or all of them on ``refresh``).
* **Scoring** (``score_accounts``): the tenant's newest trained model, else the documented heuristic
  (``heuristic.py``). Score 0 to 1, bucket low < 0.35 ≤ medium < 0.65 ≤ high, the three features with the
  largest contribution and the model version, stored in ``crm.account_churn``;
  ``crm.account.churn_scored`` is published when the account is new, its bucket or model changed or its
  score moved by ≥ 0.05.
* **Training** (``labelled_history`` → ``model.evaluate`` → ``store_model``): the label cut-off is 90
  days ago; the accounts that had ordered before it are the labelled history, churned when they did not
  order since. With at least ``model.MIN_LABELLED`` of them (and ``model.MIN_CLASS`` of each outcome) a
  model is trained, and used only when its ROC AUC on the held-out quarter beats the heuristic's;
  otherwise a heuristic row (with both AUCs when measured) records why the heuristic still scores.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from genius.core.db.base import utcnow
from genius.core.events.schemas import Envelope
from genius.core.events.service import defer, publish
from genius.vettify import service as crm
from genius.vettify import timeline
from genius.vettify.churn import heuristic, model, repository
from genius.vettify.churn.events import AccountChurnScored
from genius.vettify.churn.features import WINDOW_DAYS, vector
from genius.vettify.churn.models import AccountChurn, ChurnModel
from genius.vettify.churn.store import FeatureStore

TASK_SCORE = "ai.churn.score"
TASK_TRAIN = "ai.churn.train"
QUEUE = "ai.churn"
LOW, HIGH = 0.35, 0.65
TOP = 3
REPUBLISH_DELTA = 0.05


def bucket(score: float) -> str:
    return "low" if score < LOW else ("medium" if score < HIGH else "high")


def features_for(
    session: Session,
    store: FeatureStore,
    tid: uuid.UUID,
    account_ids: Sequence[uuid.UUID] | None = None,
    *,
    refresh: bool = False,
    now: datetime | None = None,
) -> dict[str, dict[str, float]]:
    """The accounts' features today (those given, or every live account)."""
    now = now or utcnow()
    if refresh:
        missing: Sequence[uuid.UUID] | None = account_ids
        found: dict[str, dict[str, float]] = {}
    else:
        ids = (
            [str(i) for i in account_ids] if account_ids is not None else repository.live_account_ids(session)
        )
        found = store.get_many(str(tid), ids)
        missing = [uuid.UUID(i) for i in ids if i not in found]
        if not missing:
            return found
    built = {f.account_id: vector(f, now) for f in repository.facts(session, now, missing)}
    store.put_many(str(tid), now.isoformat(), built)
    return {**found, **built}


def active_model(session: Session) -> tuple[str, model.Trained | None]:
    """(version, trained model or None for the heuristic)."""
    row = repository.latest_model(session)
    if row is None or row.kind != "model":
        return heuristic.VERSION, None
    payload = repository.model_payload(session, row.id)
    return (row.version, model.loads(payload)) if payload else (heuristic.VERSION, None)


def score_accounts(
    session: Session,
    store: FeatureStore,
    tid: uuid.UUID,
    account_ids: Sequence[uuid.UUID] | None = None,
    *,
    refresh: bool = False,
    now: datetime | None = None,
) -> list[AccountChurn]:
    now = now or utcnow()
    features = features_for(session, store, tid, account_ids, refresh=refresh, now=now)
    ids = sorted(features)
    version, trained = active_model(session)
    vectors = [features[i] for i in ids]
    results = trained.score(vectors) if trained else [heuristic.score(f) for f in vectors]
    previous = {
        str(k): (v.score, v.bucket, v.model_version)
        for k, v in repository.churns_of(session, [uuid.UUID(i) for i in ids]).items()
    }
    rows = []
    for account_id, f, (score, parts) in zip(ids, vectors, results, strict=True):
        score = round(min(1.0, max(0.0, score)), 4)
        top = sorted(parts.items(), key=lambda kv: abs(kv[1]), reverse=True)[:TOP]
        values = {
            "score": score,
            "bucket": bucket(score),
            "top_features": [
                {"feature": n, "value": round(f[n], 4), "impact": round(c, 4)}
                for n, c in top
                if abs(c) > 1e-6
            ],
            "features": {k: round(v, 4) for k, v in f.items()},
            "model_version": version,
            "scored_at": now,
        }
        before = previous.get(account_id)
        changed = (
            before is None
            or before[1] != values["bucket"]
            or before[2] != version
            or abs(before[0] - score) >= REPUBLISH_DELTA
        )
        row = repository.save_churn(session, tid, uuid.UUID(account_id), values)
        rows.append(row)
        if changed:
            publish(
                session,
                "crm.account.churn_scored",
                AccountChurnScored(
                    account_id=row.account_id,
                    score=row.score,
                    bucket=row.bucket,
                    top_features=[t["feature"] for t in row.top_features],
                    model_version=version,
                    scored_at=now,
                ),
                tid=tid,
                aggregate_id=row.account_id,
            )
    session.flush()
    return rows


@dataclass(frozen=True)
class History:
    features: list[dict[str, float]]
    labels: list[int]
    cutoff: datetime


def labelled_history(session: Session, now: datetime | None = None) -> History:
    """The accounts that were customers 90 days ago, with their features then and whether they churned."""
    now = now or utcnow()
    cutoff = now - timedelta(days=WINDOW_DAYS)
    customers = [f for f in repository.facts(session, cutoff) if f.orders_total > 0]
    ordered = repository.ordered_between(session, cutoff, now)
    return History(
        [vector(f, cutoff) for f in customers],
        [0 if f.account_id in ordered else 1 for f in customers],
        cutoff,
    )


def fit(
    history: History, version: str, *, seed: int = 0
) -> tuple[model.Trained | None, float | None, float | None]:
    """(model, its held-out AUC, the heuristic's) or (None, None, heuristic AUC) when the history is too
    small. Runs with no transaction open."""
    if not model.enough(history.labels):
        return None, None, model.auc(history.labels, model.heuristic_scores(history.features))
    trained, model_auc, heuristic_auc = model.evaluate(history.features, history.labels, version, seed=seed)
    if model_auc is None or (heuristic_auc is not None and model_auc <= heuristic_auc):
        return None, model_auc, heuristic_auc  # not better than the heuristic on held-out data: keep it
    return trained, model_auc, heuristic_auc


def store_model(
    session: Session,
    tid: uuid.UUID,
    history: History,
    trained: model.Trained | None,
    model_auc: float | None,
    heuristic_auc: float | None,
    *,
    version: str,
    by: str,
) -> ChurnModel:
    return repository.add_model(
        session,
        ChurnModel(
            tid=tid,
            version=version if trained else f"{heuristic.VERSION}@{version}",
            kind="model" if trained else "heuristic",
            algorithm=model.ALGORITHM if trained else "",
            samples=len(history.labels),
            positives=sum(history.labels),
            auc=model_auc,
            heuristic_auc=heuristic_auc,
            payload=trained.dumps() if trained else None,
            trained_by=by[:200],
        ),
    )


def new_version(now: datetime | None = None) -> str:
    return f"hgb-{(now or utcnow()):%Y%m%d%H%M%S}"


def get(session: Session, account_id: uuid.UUID) -> AccountChurn | None:
    """The account's score (404 for an unknown account)."""
    crm.get_record(session, crm.ACCOUNTS, account_id)
    return repository.churn_of(session, account_id)


def request_score(
    session: Session, tid: uuid.UUID, account_ids: Sequence[uuid.UUID] | None, *, refresh: bool = True
) -> uuid.UUID:
    """Defer ``ai.churn.score`` (features rebuilt from the database first unless ``refresh`` is off)."""
    kwargs: dict[str, object] = {"tid": str(tid), "refresh": refresh}
    if account_ids is not None:
        kwargs["account_ids"] = [str(i) for i in account_ids]
    return defer(session, TASK_SCORE, tid=tid, kwargs=kwargs, queue=QUEUE).id


def request_train(session: Session, actor: crm.Actor) -> uuid.UUID:
    """Defer ``ai.churn.train`` for the actor's tenant (it rescores every account after training)."""
    row = defer(
        session,
        TASK_TRAIN,
        tid=actor.tid,
        kwargs={"tid": str(actor.tid), "by": actor.name[:200]},
        queue=QUEUE,
        correlation_id=actor.correlation_id,
    )
    session.flush()
    return row.id


def on_sales_order_created(session: Session, envelope: Envelope) -> bool:
    """The CRM's handler (timeline and order link), then a rescoring of the order's account."""
    linked = timeline.on_sales_order_created(session, envelope)
    account_id = repository.account_of_order(session, str(envelope.data.get("order_id", "")))
    if linked and account_id is not None:
        request_score(session, envelope.tid, [account_id])
    return linked
