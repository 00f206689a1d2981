"""Product categoriser: a product title -> one of the 10 PriceRunner categories (or none),
and the compliance-relevant product kinds that follow from it.

TF-IDF (word 1-2 grams + char_wb 2-5 grams, min_df=2) and a linear SVM, trained on the
``train`` split of ``product_titles/pricerunner_titles.csv`` (titles from 306 merchants,
some German) and reported on ``test`` (split by product cluster: no product is in both).

PriceRunner has only 10 categories, all electronics and large appliances (phones, CPUs,
cameras, TVs, fridges, freezers, fridge-freezers, dishwashers, washing machines,
microwaves), so most products of a general store are outside it. A title is placed in a
category only when the best SVM score reaches ``min_score``: the 5th percentile of the
best scores on a held-out 20% of the train clusters (so about 95% of in-taxonomy titles
pass); below it ``category`` is None and only the keyword kinds of ``ml/product_kinds.py``
apply. Probabilities are a softmax of the scores with a temperature fitted on the same
held-out part. Data, evaluation, the fit check on the store's and Online Retail's
products and the model card are in ``ml/categories_eval.py``.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import sklearn
from pydantic import BaseModel, Field
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from ml.intents import _fit_temperature
from ml.model_files import load_model, save_model
from ml.product_kinds import kinds_for_product
from ml.sparse_tfidf import SparseTfidf

MODEL_FILE = "categories.joblib"
FORMAT_VERSION = 1
SVM_C = 1.0  # 5-fold CV macro-F1 on train: C=0.3 0.9892, C=1 0.9903 (grouped by cluster: 0.9849, 0.9862)
IN_TAXONOMY_QUANTILE = 0.05  # share of held-out in-taxonomy titles allowed below min_score
HOLDOUT = 0.2


class ProductCategory(BaseModel):
    title: str
    category: str | None = Field(description="PriceRunner category, None when the title fits none of the 10")
    best_guess: str = Field(description="the classifier's best category even when it does not fit")
    confidence: float = Field(description="probability of best_guess among the 10 (says nothing about fit)")
    score: float = Field(description="best SVM score; the title is in the taxonomy when >= min_score")
    kinds: list[str] = Field(description="compliance-relevant product kinds, general_consumer_product first")
    maybe_kinds: list[str] = Field(default_factory=list, description="kinds that apply if the product has the "
                                   "feature (e.g. Wi-Fi)")
    evidence: dict[str, list[str]] = Field(default_factory=dict, description="kind -> why: 'category: X' or keywords")


def normalize(title: str) -> str:
    return unicodedata.normalize("NFKC", str(title)).lower().strip()


def _make_features() -> FeatureUnion:
    return FeatureUnion([
        ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)),
    ])


class CategoryModel:
    def __init__(self, features: FeatureUnion, svm: LinearSVC, temperature: float, min_score: float):
        self.features = features
        self.svm = svm
        self.temperature = float(temperature)
        self.min_score = float(min_score)
        self.categories: list[str] = [str(c) for c in svm.classes_]
        self._init_fast_path()

    def _init_fast_path(self) -> None:
        self._fast = SparseTfidf(vec for _, vec in self.features.transformer_list)  # word, char
        self._coef_t = np.ascontiguousarray(self.svm.coef_.T)  # (features, categories)
        self._bias = np.asarray(self.svm.intercept_, dtype=float).copy()

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k not in ("_fast", "_coef_t", "_bias")}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._init_fast_path()

    @classmethod
    def train(cls, titles: Sequence[str], labels: Sequence[str], groups: Sequence[object],
              c: float = SVM_C) -> tuple[CategoryModel, dict]:
        """Fit on all rows; temperature and ``min_score`` from a model fitted on 80% of the
        groups (product clusters) and scored on the other 20%."""
        from sklearn.metrics import f1_score
        from sklearn.model_selection import GroupShuffleSplit

        docs = [normalize(t) for t in titles]
        y = np.asarray(list(labels))
        features = _make_features()
        X = features.fit_transform(docs)  # vocabulary only: unsupervised, shared with the holdout
        fit_rows, held = next(GroupShuffleSplit(n_splits=1, test_size=HOLDOUT, random_state=0)
                              .split(X, y, groups=list(groups)))
        holdout_svm = LinearSVC(C=c).fit(X[fit_rows], y[fit_rows])
        decisions = holdout_svm.decision_function(X[held])
        truth = np.searchsorted(holdout_svm.classes_, y[held])
        temperature = _fit_temperature(decisions, truth)
        min_score = float(np.quantile(decisions.max(axis=1), IN_TAXONOMY_QUANTILE))
        predicted = holdout_svm.classes_[decisions.argmax(axis=1)]
        validation = {
            "holdout_rows": int(len(held)),
            "holdout_accuracy": round(float((predicted == y[held]).mean()), 4),
            "holdout_macro_f1": round(float(f1_score(y[held], predicted, average="macro")), 4),
            "min_score": round(min_score, 4),
            "temperature": round(float(temperature), 4),
        }
        return cls(features, LinearSVC(C=c).fit(X, y), temperature, min_score), validation

    def decisions(self, titles: Sequence[str]) -> np.ndarray:
        """SVM scores (titles x categories), scikit-learn path (for evaluation)."""
        return self.svm.decision_function(self.features.transform([normalize(t) for t in titles]))

    def fast_decisions(self, titles: Sequence[str]) -> np.ndarray:
        """The same scores title by title without scikit-learn's per-call overhead."""
        out = np.tile(self._bias, (len(titles), 1))
        for row, title in enumerate(titles):
            idx, vals = self._fast.transform(normalize(title))
            if len(idx):
                out[row] += vals @ self._coef_t[idx]
        return out

    def predict_batch(self, titles: Sequence[str]) -> list[str]:
        """Best category for each title, fit or not (for evaluation)."""
        return [self.categories[i] for i in self.decisions(titles).argmax(axis=1)]

    def categorize(self, titles: Sequence[str], details: Sequence[str] | None = None) -> list[ProductCategory]:
        """Category (or None) and product kinds of each title. ``details`` (one string a
        title, e.g. its attribute values) add keyword evidence for kinds only."""
        titles = [str(t) for t in titles]
        if details is not None and len(details) != len(titles):
            raise ValueError(f"details has {len(details)} entries for {len(titles)} titles")
        if not titles:
            return []
        scores = self.fast_decisions(titles)
        z = scores * self.temperature
        proba = np.exp(z - z.max(axis=1, keepdims=True))
        proba /= proba.sum(axis=1, keepdims=True)
        out = []
        for i, title in enumerate(titles):
            best = int(scores[i].argmax())
            category = self.categories[best] if scores[i, best] >= self.min_score else None
            evidence, maybe = kinds_for_product(title, details[i] if details else "", category)
            out.append(ProductCategory(title=title, category=category, best_guess=self.categories[best],
                                       confidence=round(float(proba[i, best]), 4),
                                       score=round(float(scores[i, best]), 4), kinds=list(evidence),
                                       maybe_kinds=maybe, evidence=evidence))
        return out

    def save(self, path: Path) -> None:
        save_model(self, path, FORMAT_VERSION)

    @classmethod
    def load(cls, path: Path) -> CategoryModel:
        return load_model(cls, path, FORMAT_VERSION, "product category model")


def train(out_dir: Path, shared_data: Path) -> dict:
    """Train on the PriceRunner train split, report on test and on the store's and Online
    Retail's products, write model + model card."""
    from ml import categories_eval

    out_dir = Path(out_dir)
    train_df, test_df = categories_eval.load_splits(shared_data)
    start = time.perf_counter()
    model, validation = CategoryModel.train(train_df["product_title"].tolist(), train_df["category_label"].tolist(),
                                            train_df["cluster_id"].tolist())
    train_s = time.perf_counter() - start
    result = {
        "test": categories_eval.evaluate(model, test_df["product_title"].tolist(),
                                         test_df["category_label"].tolist()),
        "validation": validation,
        "fit_check": categories_eval.fit_check(model, shared_data),
        "train_rows": len(train_df),
        "test_rows": len(test_df),
        "C": SVM_C,
        "train_seconds": round(train_s, 2),
        "predict_ms": categories_eval.predict_ms(model, test_df["product_title"].tolist()[:200]),
        "sklearn_version": sklearn.__version__,
    }
    result["test_macro_f1"] = result["test"]["macro_f1"]
    result["test_accuracy"] = result["test"]["accuracy"]
    model.save(out_dir / MODEL_FILE)
    categories_eval.write_card(out_dir, result, categories_eval.data_path(shared_data))
    return result


def load(out_dir: Path) -> CategoryModel:
    return CategoryModel.load(Path(out_dir) / MODEL_FILE)


__all__ = ["CategoryModel", "ProductCategory", "train", "load", "normalize"]
