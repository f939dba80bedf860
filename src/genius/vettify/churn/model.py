"""The per-tenant churn model: XGBoost (gradient-boosted trees, ``xgboost-cpu``) on ``FEATURES``.

Top contributing features are per account and in log-odds: XGBoost's own TreeSHAP values
(``pred_contribs``), which add up with the base value to the model's log-odds exactly (the heuristic's
contributions are its terms, also in log-odds). The fitted model, its medians and version are pickled
into ``crm.churn_models.payload``: only payloads this code wrote in the tenant's own row are ever
loaded. A payload of the model this module fitted before XGBoost (scikit-learn's
``HistGradientBoostingClassifier``) still scores, its contributions by occlusion against the training
medians, until the next retrain replaces it.
"""

from __future__ import annotations

import math
import pickle
from dataclasses import dataclass
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from genius.vettify.churn import heuristic
from genius.vettify.churn.features import FEATURES, row

ALGORITHM = "xgboost.XGBClassifier"
# A tenant trains a model once it has this much labelled history (accounts that were customers at the
# label cut-off), with at least MIN_CLASS of each outcome; until then the heuristic scores it.
MIN_LABELLED = 200
MIN_CLASS = 20
# One OpenMP thread: a worker shares its cores with the rest of the fleet (and threads fighting over two
# cores are slower than one).
THREADS = 1


@dataclass
class Trained:
    estimator: Any
    medians: list[float]
    version: str

    def log_odds(self, x: np.ndarray) -> np.ndarray:
        if _is_xgboost(self.estimator):
            return np.asarray(self.estimator.predict(x, output_margin=True), dtype=float)
        with threadpool_limits(THREADS):
            p = np.clip(self.estimator.predict_proba(x)[:, 1], 1e-6, 1 - 1e-6)
        return np.log(p / (1 - p))

    def contributions(self, x: np.ndarray, base: np.ndarray) -> np.ndarray:
        """Per account and feature, in log-odds: TreeSHAP for XGBoost, occlusion otherwise."""
        if _is_xgboost(self.estimator):
            import xgboost

            shap = self.estimator.get_booster().predict(xgboost.DMatrix(x), pred_contribs=True)
            return np.asarray(shap, dtype=float)[:, : x.shape[1]]  # the last column is the bias
        contributions = np.zeros_like(x)
        for j in range(x.shape[1]):
            occluded = x.copy()
            occluded[:, j] = self.medians[j]
            contributions[:, j] = base - self.log_odds(occluded)
        return contributions

    def score(self, features: list[dict[str, float]]) -> list[tuple[float, dict[str, float]]]:
        """(score, contributions) per account."""
        if not features:
            return []
        x = np.array([row(f) for f in features], dtype=float)
        base = self.log_odds(x)
        contributions = self.contributions(x, base)
        return [
            (
                1.0 / (1.0 + math.exp(-float(base[i]))),
                {name: float(contributions[i, j]) for j, name in enumerate(FEATURES)},
            )
            for i in range(x.shape[0])
        ]

    def dumps(self) -> bytes:
        return pickle.dumps({"estimator": self.estimator, "medians": self.medians, "version": self.version})


def loads(payload: bytes) -> Trained:
    data = pickle.loads(payload)  # noqa: S301 - only rows this module wrote, in the tenant's own table
    return Trained(data["estimator"], list(data["medians"]), str(data["version"]))


def enough(labels: list[int]) -> bool:
    positives = sum(labels)
    return len(labels) >= MIN_LABELLED and positives >= MIN_CLASS and len(labels) - positives >= MIN_CLASS


def _is_xgboost(estimator: Any) -> bool:
    return type(estimator).__module__.startswith("xgboost")


def fit(features: list[dict[str, float]], labels: list[int], version: str, *, seed: int = 0) -> Trained:
    import xgboost  # imported when used

    x = np.array([row(f) for f in features], dtype=float)
    estimator = xgboost.XGBClassifier(
        n_estimators=150,
        learning_rate=0.05,
        max_depth=3,
        min_child_weight=5,
        reg_lambda=1.0,
        subsample=0.9,
        tree_method="hist",
        n_jobs=THREADS,
        random_state=seed,
        eval_metric="logloss",
    )
    estimator.fit(x, np.array(labels))
    return Trained(estimator, [float(v) for v in np.median(x, axis=0)], version)


def auc(labels: list[int], scores: list[float]) -> float | None:
    """ROC AUC, or None when only one outcome is present."""
    from sklearn.metrics import roc_auc_score

    if len(set(labels)) < 2:
        return None
    return float(roc_auc_score(labels, scores))


def heuristic_scores(features: list[dict[str, float]]) -> list[float]:
    return [heuristic.score(f)[0] for f in features]


def holdout(
    features: list[dict[str, float]], labels: list[int], *, seed: int = 0, share: float = 0.25
) -> tuple[list[int], list[int]]:
    """(train, test) indices: a seeded, stratified split."""
    rng = np.random.default_rng(seed)
    train: list[int] = []
    test: list[int] = []
    for outcome in (0, 1):
        idx = [i for i, y in enumerate(labels) if y == outcome]
        rng.shuffle(idx)
        cut = max(1, round(len(idx) * share))
        test += idx[:cut]
        train += idx[cut:]
    return sorted(train), sorted(test)


def evaluate(
    features: list[dict[str, float]], labels: list[int], version: str, *, seed: int = 0
) -> tuple[Trained, float | None, float | None]:
    """Fit on the training share, measure model and heuristic ROC AUC on the held-out share, then refit
    on everything: (model, model AUC, heuristic AUC)."""
    train, test = holdout(features, labels, seed=seed)
    held = fit([features[i] for i in train], [labels[i] for i in train], version, seed=seed)
    test_f, test_y = [features[i] for i in test], [labels[i] for i in test]
    model_auc = auc(test_y, [s for s, _ in held.score(test_f)])
    heuristic_auc = auc(test_y, heuristic_scores(test_f))
    return fit(features, labels, version, seed=seed), model_auc, heuristic_auc
