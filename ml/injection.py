"""Prompt-injection classifier: TF-IDF (word 1-2 grams + char_wb 2-5 grams) and a
linear SVM with a sigmoid fitted on out-of-fold scores (Platt), trained on the ``train``
split of ``injection/promptshield.csv``; multilingual rules (``guards/injection_rules.py``)
fire on top of it.

promptshield's benign prompts are short generic questions ("Tell me about photography
tips"): trained on them alone, the model flagged 98% of real customer messages (every
"yes" included). So the training set adds benign in-domain messages from the *train*
splits of two other data sets: every row of ``ml/datasets/routing.jsonl`` (seller and
customer requests in six languages) and 1,000 rows of the Bitext customer-support
sample. Nothing from any test split or eval set is used to train or tune.

The decision threshold is chosen on out-of-fold probabilities of the train split (5
folds, each fold a validation slice the model did not see): the lowest threshold whose
false-positive rate on benign validation prompts stays at or under ``TARGET_FPR``. The
test split and the Giskard jailbreak set are only reported (``ml/injection_eval.py``
writes the model card), never used to tune.

``InjectionClassifier.score(text)`` returns an ``InjectionScore`` with the model's
probability, the rules that fired, and ``flagged`` = rule hit or probability >= threshold.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import sklearn
from pydantic import BaseModel, Field
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from guards.injection_rules import rule_hits
from ml import injection_eval
from ml.injection_eval import CARD_JSON, CARD_MD, load_splits  # noqa: F401  (public names)
from ml.model_files import load_model, save_model
from ml.sparse_tfidf import SparseTfidf

MODEL_FILE = "injection.joblib"
FORMAT_VERSION = 1
SVM_C = 0.5
EXTRA_BITEXT_ROWS = 1000
TARGET_FPR = 0.01  # on promptshield's benign training prompts (out of fold)
TARGET_FPR_IN_DOMAIN = 0.002  # on the benign customer and seller messages (out of fold)
MAX_CHARS = 6000  # longer inputs are scored on their first and last 3000 characters


class InjectionScore(BaseModel):
    flagged: bool
    probability: float
    threshold: float
    rules: list[str] = Field(default_factory=list)
    method: str = "model"  # "model" | "rules" | "model+rules" | "none"


_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_PLACEHOLDER = re.compile(r"<(?:EMAIL|PHONE|CARD|IBAN|US_SSN|CN_RESIDENT_ID|STREET_ADDRESS|PERSON)_\d+>")
_ID = re.compile(r"#?\b[a-z]*\d[\w-]*")


def normalize(text: str) -> str:
    """NFKC, lower case; e-mails, PII placeholders and tokens with digits (order ids,
    amounts) become fixed words, so the model learns phrasing, not identifiers."""
    text = unicodedata.normalize("NFKC", text or "")
    if len(text) > MAX_CHARS:
        text = text[: MAX_CHARS // 2] + " " + text[-MAX_CHARS // 2:]
    text = _PLACEHOLDER.sub(" piitoken ", text)
    text = _EMAIL.sub(" emailtoken ", text.lower())
    return _ID.sub(" numtoken ", text)


def _make_features() -> FeatureUnion:
    return FeatureUnion([
        ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, token_pattern=r"(?u)\b\w+\b|[<>|#\[\]{}`$]")),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)),
    ])


def choose_threshold(proba: np.ndarray, labels: np.ndarray, target_fpr: float = TARGET_FPR) -> float:
    """Lowest threshold with benign false-positive rate <= target (on validation scores)."""
    benign = np.sort(proba[labels == 0])[::-1]
    k = int(np.floor(target_fpr * len(benign)))  # benign prompts allowed above the threshold
    cut = benign[k] if k < len(benign) else 0.0
    return float(min(0.99, np.nextafter(cut, 1.0)))


class InjectionClassifier:
    def __init__(self, features: FeatureUnion, model: LinearSVC, platt: tuple[float, float], threshold: float):
        self.features = features
        self.model = model
        self.platt = (float(platt[0]), float(platt[1]))
        self.threshold = float(threshold)
        self._init_fast_path()

    def _init_fast_path(self) -> None:
        self._fast = SparseTfidf(vec for _, vec in self.features.transformer_list)
        self._coef = np.ascontiguousarray(self.model.coef_[0])
        self._bias = float(self.model.intercept_[0])

    def __getstate__(self):
        state = self.__dict__.copy()
        for key in ("_fast", "_coef", "_bias"):
            state.pop(key, None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._init_fast_path()

    def _sigmoid(self, z):
        a, b = self.platt
        return 1.0 / (1.0 + np.exp(-(a * z + b)))

    @classmethod
    def train(cls, texts: Iterable[str], labels: Iterable[int], *, c: float = SVM_C,
              target_fpr: float = TARGET_FPR, folds: int = 5,
              in_domain: Iterable[bool] | None = None) -> tuple[InjectionClassifier, dict]:
        """``in_domain`` marks the benign rows that are real customer/seller messages: the
        threshold keeps their out-of-fold FPR under ``TARGET_FPR_IN_DOMAIN`` too (blocking a
        customer costs more than missing a synthetic attack the rules may still catch)."""
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        docs = [normalize(t) for t in texts]
        y = np.asarray(list(labels), dtype=int)
        features = _make_features()
        X = features.fit_transform(docs)
        n_splits = int(min(folds, np.bincount(y).min()))
        info: dict = {"validation": "none"}
        platt, threshold = (1.0, 0.0), 0.5
        if n_splits >= 2:
            cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=0)
            # the TF-IDF vocabulary is fitted once (unsupervised); the classifier never sees its fold
            oof = cross_val_predict(LinearSVC(C=c, class_weight="balanced"), X, y, cv=cv,
                                    method="decision_function")
            cal = LogisticRegression(C=1e4).fit(oof.reshape(-1, 1), y)
            platt = (float(cal.coef_[0, 0]), float(cal.intercept_[0]))
            proba = 1.0 / (1.0 + np.exp(-(platt[0] * oof + platt[1])))
            dom = np.zeros(len(y), bool) if in_domain is None else np.asarray(list(in_domain), bool)
            threshold = choose_threshold(proba[~dom], y[~dom], target_fpr)
            if dom.any():
                threshold = max(threshold, choose_threshold(proba[dom], y[dom], TARGET_FPR_IN_DOMAIN))
            flagged = proba >= threshold
            info = {
                "validation": f"{n_splits}-fold out-of-fold scores on the training rows",
                "target_fpr": target_fpr,
                "validation_recall": round(float(flagged[y == 1].mean()), 4),
                "validation_fpr": round(float(flagged[(y == 0) & ~dom].mean()), 4),
                "validation_fpr_in_domain": round(float(flagged[dom].mean()), 4) if dom.any() else None,
            }
        svm = LinearSVC(C=c, class_weight="balanced").fit(X, y)
        return cls(features, svm, platt, threshold), info

    def probability(self, text: str) -> float:
        idx, vals = self._fast.transform(normalize(text))
        z = self._bias + (float(vals @ self._coef[idx]) if len(idx) else 0.0)
        return float(self._sigmoid(z))

    def probabilities(self, texts: Iterable[str]) -> np.ndarray:
        """sklearn path, for evaluation."""
        return self._sigmoid(self.model.decision_function(self.features.transform([normalize(t) for t in texts])))

    def score(self, text: str, *, use_rules: bool = True) -> InjectionScore:
        p = self.probability(text)
        hits = rule_hits(text) if use_rules else []
        by_model = p >= self.threshold
        method = "model+rules" if (by_model and hits) else "model" if by_model else "rules" if hits else "none"
        return InjectionScore(flagged=bool(by_model or hits), probability=round(p, 4),
                              threshold=round(self.threshold, 4), rules=hits, method=method)

    def save(self, path: Path) -> None:
        save_model(self, path, FORMAT_VERSION)

    @classmethod
    def load(cls, path: Path) -> InjectionClassifier:
        return load_model(cls, path, FORMAT_VERSION, "injection model")


def train(out_dir: Path, shared_data: Path) -> dict:
    """Train on the promptshield train split (+ benign in-domain train rows), evaluate on
    the test split, Giskard and the project's own messages, write model + model card."""
    out_dir = Path(out_dir)
    train_df, test_df = load_splits(shared_data)
    extra = injection_eval.benign_in_domain(shared_data, EXTRA_BITEXT_ROWS)
    texts = train_df["prompt"].tolist() + extra
    labels = train_df["label"].tolist() + [0] * len(extra)
    start = time.perf_counter()
    model, validation = InjectionClassifier.train(texts, labels,
                                                  in_domain=[False] * len(train_df) + [True] * len(extra))
    train_s = time.perf_counter() - start
    result = injection_eval.evaluate_all(model, shared_data, test_df)
    result.update({
        "validation": validation,
        "threshold": round(model.threshold, 4),
        "train_rows": len(train_df),
        "extra_benign_rows": len(extra),
        "test_rows": len(test_df),
        "train_seconds": round(train_s, 2),
        "predict_ms": injection_eval.predict_ms(model, test_df["prompt"].tolist()[:200]),
        "sklearn_version": sklearn.__version__,
        "C": SVM_C,
    })
    # headline numbers at the top level (the CLI prints the scalar ones)
    result["test_detection_rate"] = result["test"]["combined"]["detection_rate"]
    result["test_fpr"] = result["test"]["combined"]["fpr"]
    result["giskard_detection_rate"] = result["giskard"]["combined"]["detection_rate"]
    result["support_benign_fpr"] = result["support_benign"]["fpr"]
    model.save(out_dir / MODEL_FILE)
    injection_eval.write_card(out_dir, result, injection_eval.data_path(shared_data))
    return result


def load(out_dir: Path) -> InjectionClassifier:
    return InjectionClassifier.load(Path(out_dir) / MODEL_FILE)


__all__ = ["InjectionClassifier", "InjectionScore", "train", "load", "normalize", "choose_threshold"]
