"""Support-intent classifier: the 27 Bitext customer-support intents.

English messages go through a TF-IDF (word 1-2 grams + char_wb 2-5 grams) linear SVM
whose scores become probabilities by a softmax with one temperature fitted on
out-of-fold decisions; trained on the Bitext `train` split, reported on `test`.

The training data is English only, so a message detected as another language is first
matched against a small per-language keyword map for the 11 intents the store acts on
(``KEYWORDS``, data in ``ml/data/intent_keywords.json``); when no keyword fires, the
English model still answers (char n-grams catch shared tokens such as "PayPal",
"refund") but its confidence is halved and ``method`` says ``"model_fallback"``. English has a tiny map
too, for phrasings Bitext lacks ("where is my order").

Confidence is a calibrated probability for ``method == "model"``, a heuristic in
[0.55, 0.9] for ``"keywords"``, and half the model's probability for
``"model_fallback"``; callers should treat < 0.5 as "ask or fall back".

Parts: the keyword layer in ``ml/intents_keywords.py``; data splits, evaluation, the
multilingual check set and the model card in ``ml/intents_eval.py``; the TF-IDF predict
path in ``ml/sparse_tfidf.py``. Their public names are importable from here too.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import sklearn
from pydantic import BaseModel, Field
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from ml import intents_eval
from ml.intents_eval import (  # noqa: F401  (re-exported: the classifier's public names)
    CARD_JSON,
    CARD_MD,
    DATA_FILE,
    MULTILINGUAL_CHECK,
    data_path,
    evaluate,
    load_splits,
    multilingual_check,
)
from ml.intents_keywords import KEYWORDS, keyword_match, keyword_scores
from ml.language import detect_language
from ml.model_files import load_model, save_model
from ml.sparse_tfidf import SparseTfidf

MODEL_FILE = "intents.joblib"
FORMAT_VERSION = 1
SVM_C = 1.0  # chosen by 5-fold CV on the train split (C in {0.5, 1}: 0.9945, 0.9956)


class IntentPrediction(BaseModel):
    intent: str
    category: str
    confidence: float
    top: list[tuple[str, float]] = Field(default_factory=list)  # best 3, best first
    language: str = "en"
    method: str = "model"  # "model" | "keywords" | "model_fallback"


_ID_TOKEN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|#?\w*\d[\w-]*")


def normalize(text: str) -> str:
    """Lower-case; e-mails, order ids, amounts and other digit tokens become ``num``."""
    return _ID_TOKEN.sub(" num ", text.lower())


def _make_features() -> FeatureUnion:
    return FeatureUnion(
        [
            ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)),
        ]
    )


def _fit_temperature(decisions: np.ndarray, labels: np.ndarray) -> float:
    """Scale for softmax(decision * t) minimising log-loss on out-of-fold decisions."""
    best_t, best_loss = 1.0, np.inf
    for t in np.logspace(-0.5, 2.0, 61):
        z = decisions * t
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -log_p[np.arange(len(labels)), labels].mean()
        if loss < best_loss:
            best_t, best_loss = float(t), loss
    return best_t


def _two_columns(decisions: np.ndarray) -> np.ndarray:
    """Binary LinearSVC gives one score column; make it (0, score) like the fast path."""
    if decisions.ndim == 1:
        return np.column_stack([np.zeros_like(decisions), decisions])
    return decisions


class IntentClassifier:
    """English Bitext intent model (+ keyword map for other languages in `predict`)."""

    def __init__(
        self,
        features: FeatureUnion,
        svm: LinearSVC,
        temperature: float,
        categories_by_intent: Mapping[str, str],
    ):
        self.features = features
        self.svm = svm
        self.temperature = float(temperature)
        self.categories_by_intent = dict(categories_by_intent)
        self.intents: list[str] = [str(c) for c in svm.classes_]
        self._init_fast_path()

    def _init_fast_path(self) -> None:
        self._fast = SparseTfidf(vec for _, vec in self.features.transformer_list)  # word, char
        coef, bias = self.svm.coef_, self.svm.intercept_
        if coef.shape[0] == 1:  # binary: score of class 1 vs a fixed 0 for class 0
            coef = np.vstack([np.zeros_like(coef), coef])
            bias = np.concatenate([[0.0], bias])
        self._coef_t = np.ascontiguousarray(coef.T)  # (features, intents)
        self._bias = np.asarray(bias, dtype=float).copy()

    def __getstate__(self):
        state = self.__dict__.copy()
        for key in ("_fast", "_coef_t", "_bias"):
            state.pop(key, None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._init_fast_path()

    @classmethod
    def train(
        cls,
        texts: Iterable[str],
        intents: Iterable[str],
        categories_by_intent: Mapping[str, str],
    ) -> IntentClassifier:
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        docs = [normalize(t) for t in texts]
        y = np.asarray(list(intents))
        features = _make_features()
        X = features.fit_transform(docs)
        svm = LinearSVC(C=SVM_C).fit(X, y)
        labels = np.searchsorted(svm.classes_, y)
        n_splits = min(5, int(np.bincount(labels).min()))
        temperature = 1.0
        if n_splits >= 2:
            folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=0)
            oof = cross_val_predict(LinearSVC(C=SVM_C), X, y, cv=folds, method="decision_function")
            temperature = _fit_temperature(_two_columns(oof), labels)
        return cls(features, svm, temperature, categories_by_intent)

    def decision(self, text: str) -> np.ndarray:
        """Raw SVM scores for one message (fast path, no sklearn call)."""
        idx, vals = self._fast.transform(normalize(text))
        if not len(idx):
            return self._bias.copy()
        return vals @ self._coef_t[idx] + self._bias

    def model_proba(self, text: str) -> list[tuple[str, float]]:
        """All intents with the English model's probability, best first."""
        z = self.decision(text) * self.temperature
        p = np.exp(z - z.max())
        p /= p.sum()
        order = np.argsort(-p)
        return [(self.intents[k], float(p[k])) for k in order]

    def predict_batch(self, texts: Iterable[str]) -> list[str]:
        """English-model intents for many messages (sklearn path; for evaluation)."""
        return [str(x) for x in self.svm.predict(self.features.transform([normalize(t) for t in texts]))]

    def _prediction(self, intent, confidence, top, language, method) -> IntentPrediction:
        return IntentPrediction(
            intent=intent,
            category=self.categories_by_intent.get(intent, ""),
            confidence=round(float(confidence), 4),
            top=[(i, round(float(p), 4)) for i, p in top[:3]],
            language=language,
            method=method,
        )

    def predict(self, text: str, language: str | None = None) -> IntentPrediction:
        language = language or detect_language(text)
        ranked = self.model_proba(text)
        if language == "en":
            scores = keyword_scores(text, "en")
            if not scores:
                return self._prediction(ranked[0][0], ranked[0][1], ranked, language, "model")
            match: tuple[str, dict[str, float]] | None = ("en", scores)
        else:
            match = keyword_match(text, language)
        if match is None:
            halved = [(i, p / 2) for i, p in ranked]
            return self._prediction(halved[0][0], halved[0][1], halved, language, "model_fallback")
        _, scores = match
        order = sorted(scores.items(), key=lambda kv: -kv[1])
        best, best_score = order[0]
        runner_up = order[1][1] if len(order) > 1 else 0.0
        confidence = min(0.9, 0.55 + 0.35 * (best_score - runner_up) / best_score + 0.05 * best_score)
        top: list[tuple[str, float]] = [(best, confidence)]
        rest = 1.0 - confidence
        for intent, score in order[1:]:
            top.append((intent, rest * score / (score + best_score)))
        for intent, p in ranked:
            if all(intent != t for t, _ in top):
                top.append((intent, rest * p / 2))
        top = sorted(top, key=lambda p: -p[1])
        return self._prediction(best, confidence, top, language, "keywords")

    def save(self, path: Path) -> None:
        save_model(self, path, FORMAT_VERSION)

    @classmethod
    def load(cls, path: Path) -> IntentClassifier:
        return load_model(cls, path, FORMAT_VERSION, "intent model")


def write_card(out_dir: Path, result: dict, csv_path: Path) -> None:
    """Model card as JSON (everything) and Markdown (for people)."""
    intents_eval.write_card(out_dir, result, csv_path, SVM_C)


def train(out_dir: Path, shared_data: Path) -> dict:
    """Train on the Bitext train split, evaluate on test, write model + model card."""
    out_dir = Path(out_dir)
    train_df, test_df = load_splits(shared_data)
    categories = dict(zip(train_df["intent"], train_df["category"]))
    start = time.perf_counter()
    model = IntentClassifier.train(train_df["instruction"], train_df["intent"], categories)
    train_s = time.perf_counter() - start
    metrics = evaluate(model, test_df["instruction"].tolist(), test_df["intent"].tolist())
    sample = test_df["instruction"].tolist()[:200]
    start = time.perf_counter()
    for text in sample:
        model.predict(text)
    predict_ms = (time.perf_counter() - start) * 1000 / len(sample)
    result = {
        "test": metrics,
        "test_accuracy_with_keyword_layer": round(
            sum(model.predict(t).intent == i for t, i in zip(test_df["instruction"], test_df["intent"]))
            / len(test_df),
            4,
        ),
        "multilingual_check": multilingual_check(model),
        "train_rows": len(train_df),
        "test_rows": len(test_df),
        "intents": len(model.intents),
        "temperature": round(model.temperature, 4),
        "train_seconds": round(train_s, 2),
        "predict_ms": round(predict_ms, 3),
        "sklearn_version": sklearn.__version__,
    }
    model.save(out_dir / MODEL_FILE)
    write_card(out_dir, result, data_path(shared_data))
    return result


def load(out_dir: Path) -> IntentClassifier:
    return IntentClassifier.load(Path(out_dir) / MODEL_FILE)


__all__ = [
    "IntentPrediction",
    "IntentClassifier",
    "train",
    "load",
    "normalize",
    "keyword_scores",
    "multilingual_check",
    "KEYWORDS",
    "MULTILINGUAL_CHECK",
]
