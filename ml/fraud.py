"""Fraud risk of a card-not-present payment, for fraud chargebacks (Visa 10.x, Mastercard
4837/4863/...): trained on shared/data/fraud/transactions.csv (features in
ml/fraud_features.py; candidates, split, metrics and card in ml/fraud_eval.py).

At dispute time ``score_store_order`` maps a store order onto the model's features and
returns the probability with each feature's provenance (available / proxy / filled) and
the share of features that were really available: a store order lacks most of what the
model was trained on, and the score must say so.
"""
from __future__ import annotations

import time
from pathlib import Path

import sklearn
from pydantic import BaseModel, Field

from ml.model_files import load_model, save_model

MODEL_FILE = "fraud.joblib"
FORMAT_VERSION = 1


class FeatureUse(BaseModel):
    name: str
    value: str
    provenance: str


class FraudScore(BaseModel):
    probability: float = Field(description="model probability of fraud (0-1)")
    threshold: float
    flagged: bool = Field(description="probability >= the model's threshold (best F1 on train CV)")
    band: str = Field(description="low | elevated | high")
    available_share: float = Field(description="share of the model's features that the store really holds")
    features: list[FeatureUse]
    test_metrics: dict = Field(default_factory=dict, description="the model card's test figures")
    note: str


class FraudModel:
    def __init__(self, pipeline, fills: dict, threshold: float, candidate: str, used: list[str],
                 test_metrics: dict):
        self.pipeline, self.fills, self.threshold = pipeline, dict(fills), float(threshold)
        self.candidate, self.used, self.test_metrics = candidate, list(used), dict(test_metrics)

    def proba_frame(self, frame) -> list[float]:
        return [float(p) for p in self.pipeline.predict_proba(frame)[:, 1]]

    def score_store_order(self, amount: float, card_brand: str | None, email: str | None) -> FraudScore:
        import pandas as pd

        from ml.fraud_features import FEATURES, is_available, store_order_features

        values, why = store_order_features(amount, card_brand, email, self.fills)
        p = self.proba_frame(pd.DataFrame([values])[FEATURES])[0]
        held = [f for f in self.used if is_available(why[f])]
        band = "high" if p >= self.threshold else "elevated" if p >= self.threshold / 2 else "low"
        uses = [FeatureUse(name=f, value=f"{values[f]:.3f}" if isinstance(values[f], float) else str(values[f]),
                           provenance=why[f]) for f in self.used]
        missing = [f for f in self.used if f not in held]
        note = (f"The model uses {len(self.used)} feature(s), {len(held)} held for this order"
                + (f"; {', '.join(missing)} filled with training values" if missing else "")
                + f". Test ROC-AUC {self.test_metrics.get('roc_auc')}, PR-AUC {self.test_metrics.get('pr_auc')} "
                  f"(base rate {self.test_metrics.get('base_rate')}): weak evidence, for internal triage only.")
        return FraudScore(probability=round(p, 4), threshold=round(self.threshold, 4), flagged=p >= self.threshold,
                          band=band, available_share=round(len(held) / max(1, len(self.used)), 3), features=uses,
                          test_metrics={k: self.test_metrics.get(k) for k in
                                        ("roc_auc", "pr_auc", "precision", "recall", "base_rate", "rows", "fraud")},
                          note=note)

    def save(self, path: Path) -> None:
        save_model(self, path, FORMAT_VERSION)

    @classmethod
    def load(cls, path: Path) -> FraudModel:
        return load_model(cls, path, FORMAT_VERSION, "fraud model")


def train(out_dir: Path, shared_data: Path, *, candidates=None, bootstrap: int | None = None) -> dict:
    """Choose and fit on the train split, score the test split once, write model + card.
    ``candidates`` / ``bootstrap`` shrink the work for quick tests."""
    from ml import fraud_eval

    out_dir = Path(out_dir)
    started = time.perf_counter()
    train_df, test_df = fraud_eval.load_splits(shared_data)
    pipeline, fills, result = fraud_eval.fit_and_report(
        train_df, test_df, candidates or fraud_eval.CANDIDATES,
        fraud_eval.BOOTSTRAP if bootstrap is None else bootstrap)
    result["train_seconds"] = round(time.perf_counter() - started, 2)
    result["sklearn_version"] = sklearn.__version__
    result["test_roc_auc"], result["test_pr_auc"] = result["test"]["roc_auc"], result["test"]["pr_auc"]
    FraudModel(pipeline, fills, result["threshold"], result["candidate"], result["features_used"],
               result["test"]).save(out_dir / MODEL_FILE)
    fraud_eval.write_card(out_dir, result, fraud_eval.data_path(shared_data))
    return result


def load(out_dir: Path) -> FraudModel:
    return FraudModel.load(Path(out_dir) / MODEL_FILE)


__all__ = ["FraudModel", "FraudScore", "train", "load", "MODEL_FILE"]
