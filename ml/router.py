"""Request router: which of the six specialists handle a request, and in what order.

A classical, multilingual classifier (en, zh, es, de, fr, ja) that the supervisor asks
first; the LLM is only a fallback when ``confidence`` is low (DESIGN.md: SmolLM2 must
not be trusted to route). Predict takes well under a millisecond.

How it decides:
1. ``normalize``: NFKC (full-width punctuation and digits become ASCII), lower-case,
   order ids such as ``#W2809253`` become one token ``#wid``.
2. Features: TF-IDF char_wb 1-4 grams (works for Chinese and Japanese without a
   tokenizer) + word 1-2 grams + a cue lexicon in the six languages (one log-count
   feature per label, data in ``ml/data/router_cues.json``) that carries domain words
   the small data set lacks.
3. A LinearSVC over the seven labels (six agents + "none"); probabilities are a softmax
   of its decisions at a temperature fitted on out-of-fold decisions of the train split.
4. ``split_clauses`` cuts the text at sequencing cues ("and then", "after that", "also",
   "然后", "之后", "，再", "y luego", "und dann", "danach", "puis", "ensuite", "そして",
   "その後", "それから" ...) and sentence ends; ``weak=True`` also at plain conjunctions
   ("and", "y", "und", "et", "和", "并", "〜て、").
5. Plan: if the strong clauses give two or more distinct agents (each clause's top label,
   probability >= ``clause_min_p``, "none" clauses skipped), those in order of first
   appearance. Else, if the weak clauses do and a one-vs-rest logistic regression on the
   whole text (trained with the full label sets, multi-agent requests included) gives
   every one of them >= ``set_min_p``, those. Else the whole text's top label
   ("none" -> ``[]``). The one-vs-rest check gates only the weak split: as a filter on
   strong splits it cost 13 points of multi-agent accuracy in cross-validation.
6. ``confidence``: the probability of the chosen label; for a multi-agent plan the
   smallest of its clause probabilities (and one-vs-rest scores for a weak split). Low
   when the text is ambiguous or unlike the training data; callers fall back to the LLM
   below ``settings.router_min_confidence``. ``scores``: per agent the highest probability
   over the whole text and its clauses; "none" of the whole text.

Training data: ``ml/datasets/routing.jsonl`` (written by the project, see ROUTING.md),
plus a few real English support messages (Bitext) when ``train`` gets the shared data.

Parts: text handling and features in ``ml/router_features.py``; data set, evaluation and
model card in ``ml/router_eval.py``; the TF-IDF predict path in ``ml/sparse_tfidf.py``.
Their public names are importable from here too.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import sklearn
from pydantic import BaseModel, Field
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from ml.router_eval import (  # noqa: F401  (re-exported: the router's public names)
    BITEXT_FILE,
    BITEXT_PER_INTENT,
    CARD_JSON,
    CARD_MD,
    DATA_PATH,
    LIMITS,
    bitext_examples,
    counts,
    evaluate,
    latency_ms,
    load_examples,
    plan_key,
    split,
    write_card,
)
from ml.router_features import (  # noqa: F401
    AGENTS,
    LABELS,
    LANGS,
    LEXICON_WEIGHT,
    NONE,
    LexiconFeatures,
    make_features,
    lexicon_hits,
    normalize,
    split_clauses,
)
from ml.model_files import load_model, save_model
from ml.sparse_tfidf import SparseTfidf

MODEL_FILE = "router.joblib"
FORMAT_VERSION = 1


# Chosen by 5-fold cross-validation on the train split only (see ROUTING.md).
SVM_C = 0.5
OVR_C = 10.0
CLAUSE_MIN_P = 0.4
SET_MIN_P = 0.3


class RoutePrediction(BaseModel):
    plan: list[str] = Field(default_factory=list)  # ordered agent names, [] = none of these
    confidence: float = 0.0  # 0..1 confidence in the plan
    scores: dict[str, float] = Field(default_factory=dict)  # per label incl. "none"


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _units(examples: list[dict]) -> tuple[list[str], list[str]]:
    """Single-label training units: whole single-label texts, and the clauses of
    multi-agent texts whose clause count equals their label count."""
    texts, labels = [], []
    for ex in examples:
        norm = normalize(ex["text"])
        gold = list(ex.get("labels") or [])
        if len(gold) <= 1:
            texts.append(norm)
            labels.append(gold[0] if gold else NONE)
            continue
        for weak in (False, True):
            clauses = split_clauses(norm, weak)
            if len(clauses) == len(gold):
                texts.extend(clauses)
                labels.extend(gold)
                break
    return texts, labels


# ---------------------------------------------------------------- the model


class Router:
    """Trained routing classifier; see the module docstring for how it decides."""

    def __init__(self, features: FeatureUnion, clf: LinearSVC, ovr: list,
                 temperature: float, clause_min_p: float = CLAUSE_MIN_P,
                 set_min_p: float = SET_MIN_P) -> None:
        self.features = features
        self.clf = clf
        self.ovr = ovr  # one LogisticRegression per agent, or None where it never occurs
        self.temperature = temperature
        self.clause_min_p = clause_min_p
        self.set_min_p = set_min_p
        self.classes = [str(c) for c in clf.classes_]

    @classmethod
    def train(cls, examples: list[dict], c: float = SVM_C, clause_min_p: float = CLAUSE_MIN_P,
              set_min_p: float = SET_MIN_P, lexicon_weight: float = LEXICON_WEIGHT,
              calibrate: bool = True) -> Router:
        """Fit on ``examples`` (dicts with ``text`` and ``labels``; every row given is used)."""
        texts, labels = _units(examples)
        features = make_features(lexicon_weight)
        x = features.fit_transform(texts)
        y = np.array(labels)
        temperature = _fit_temperature(x, y, c) if calibrate else 1.0
        clf = LinearSVC(C=c, random_state=0).fit(x, y)
        xw = features.transform([normalize(ex["text"]) for ex in examples])
        ovr = []
        for agent in AGENTS:
            target = np.array([int(agent in (ex.get("labels") or [])) for ex in examples])
            ovr.append(LogisticRegression(C=OVR_C, solver="liblinear", random_state=0).fit(xw, target)
                       if 0 < target.sum() < len(target) else None)
        return cls(features, clf, ovr, temperature, clause_min_p, set_min_p)

    # -- scoring (a direct sparse path: the same numbers as ``features.transform`` +
    # ``clf.decision_function``, without sklearn's per-call overhead; see the tests)
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_cache", None)
        return state

    def _fast(self) -> dict:
        cache = getattr(self, "_cache", None)
        if cache is None:
            parts = [vec for _, vec in self.features.transformer_list]
            tfidf = SparseTfidf(vec for vec in parts if isinstance(vec, TfidfVectorizer))
            weight = next(vec.weight for vec in parts if isinstance(vec, LexiconFeatures))
            w = np.zeros((len(AGENTS), tfidf.n_features + len(LABELS)))  # the lexicon comes last
            b = np.full(len(AGENTS), -50.0)  # an agent never seen in training: score ~0
            for i, model in enumerate(self.ovr):
                if model is not None:
                    w[i], b[i] = model.coef_[0], model.intercept_[0]
            cache = self._cache = {"tfidf": tfidf, "lexicon": (tfidf.n_features, weight),
                                   "coef": self.clf.coef_, "intercept": self.clf.intercept_,
                                   "ovr_w": w, "ovr_b": b}
        return cache

    def _vectorize(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Sparse feature vector (indices, values) of one normalized text."""
        cache = self._fast()
        idx, val = cache["tfidf"].transform(text)
        offset, weight = cache["lexicon"]
        lexicon = [(offset + j, float(np.log1p(h)) * weight) for j, h in enumerate(lexicon_hits(text)) if h]
        if lexicon:
            idx = np.concatenate([idx, np.array([j for j, _ in lexicon], dtype=np.int64)])
            val = np.concatenate([val, np.array([v for _, v in lexicon])])
        return idx, val

    def _scores(self, texts: list[str]) -> tuple[np.ndarray, dict[str, float]]:
        """Tempered class probabilities per text, and the one-vs-rest agent scores of
        the first (whole) text."""
        cache = self._fast()
        rows, ovr = [], None
        for k, text in enumerate(texts):
            idx, val = self._vectorize(text)
            rows.append(cache["coef"][:, idx] @ val + cache["intercept"])
            if k == 0:
                z = cache["ovr_w"][:, idx] @ val + cache["ovr_b"]
                ovr = dict(zip(AGENTS, (1.0 / (1.0 + np.exp(-z))).tolist()))
        return _softmax(np.array(rows) / self.temperature), ovr

    def _clause_plan(self, probs: np.ndarray, gate: dict[str, float] | None):
        plan: list[str] = []
        confs: list[float] = []
        for row in probs:
            best = self.classes[int(row.argmax())]
            p = float(row.max())
            if best == NONE or p < self.clause_min_p:
                continue
            if gate is not None and gate[best] < self.set_min_p:
                return [], []
            if best in plan:
                confs[plan.index(best)] = max(confs[plan.index(best)], p)
            else:
                plan.append(best)
                confs.append(p)
        return plan, confs

    def predict(self, text: str) -> RoutePrediction:
        norm = normalize(text or "")
        if not norm:
            return RoutePrediction(plan=[], confidence=1.0,
                                   scores={lab: float(lab == NONE) for lab in LABELS})
        strong = split_clauses(norm)
        weak = split_clauses(norm, weak=True)
        segments = [norm] + (strong if len(strong) > 1 else []) + (weak if len(weak) > len(strong) else [])
        probs, gate = self._scores(segments)
        idx = {lab: i for i, lab in enumerate(self.classes)}
        scores = {lab: float(probs[:, idx[lab]].max()) for lab in AGENTS}
        scores[NONE] = float(probs[0, idx[NONE]])

        n_strong = len(strong) if len(strong) > 1 else 0
        if n_strong:
            plan, confs = self._clause_plan(probs[1:1 + n_strong], None)
            if len(plan) >= 2:
                return RoutePrediction(plan=plan, confidence=round(min(confs), 4), scores=_rounded(scores))
        if len(weak) > len(strong):
            plan, confs = self._clause_plan(probs[1 + n_strong:], gate)
            if len(plan) >= 2:
                conf = min(min(confs), *(gate[a] for a in plan))
                return RoutePrediction(plan=plan, confidence=round(conf, 4), scores=_rounded(scores))
        best_i = int(probs[0].argmax())
        best = self.classes[best_i]
        return RoutePrediction(plan=[] if best == NONE else [best],
                               confidence=round(float(probs[0, best_i]), 4),
                               scores=_rounded(scores))

    # -- persistence
    def save(self, path: Path) -> None:
        save_model(self, path, FORMAT_VERSION, key="router")

    @classmethod
    def load(cls, path: Path) -> Router:
        return load_model(cls, path, FORMAT_VERSION, "router model", key="router")


def _rounded(scores: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 4) for k, v in scores.items()}


def _fit_temperature(x, y: np.ndarray, c: float, folds: int = 5) -> float:
    """One softmax temperature minimising the log-loss of out-of-fold decisions."""
    classes = np.unique(y)
    decisions = np.zeros((len(y), len(classes)))
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for tr, te in skf.split(np.zeros(len(y)), y):
        model = LinearSVC(C=c, random_state=0).fit(x[tr], y[tr])
        decisions[te] = model.decision_function(x[te])
    target = np.searchsorted(classes, y)
    best_t, best_loss = 1.0, float("inf")
    for t in np.exp(np.linspace(np.log(0.02), np.log(3.0), 120)):
        p = _softmax(decisions / t)[np.arange(len(y)), target]
        loss = float(-np.log(np.clip(p, 1e-12, 1)).mean())
        if loss < best_loss:
            best_t, best_loss = float(t), loss
    return round(best_t, 4)


# ---------------------------------------------------------------- training entry points


def train(out_dir: Path, shared_data: Path | None = None) -> dict:
    """Train on the train split, evaluate on the test split, write ``router.joblib`` and
    the model card (``router.card.md`` + ``router.card.json``); return the metrics.
    With ``shared_data`` (the folder of shared/data), a few real English support
    messages from Bitext are added to training and its test split is scored too."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    examples = load_examples()
    train_rows, test_rows = split(examples, "train"), split(examples, "test")
    extra = []
    if shared_data is not None and (Path(shared_data) / BITEXT_FILE).is_file():
        extra = bitext_examples(Path(shared_data), "train")
    start = time.perf_counter()
    router = Router.train(train_rows + extra)
    train_s = time.perf_counter() - start
    router.save(out_dir / MODEL_FILE)
    metrics = evaluate(router, test_rows)
    result = {
        "model": "router",
        "sklearn_version": sklearn.__version__,
        "train_rows": len(train_rows),
        "test_rows": len(test_rows),
        "bitext_train_rows": len(extra),
        "train_seconds": round(train_s, 2),
        "temperature": router.temperature,
        "params": {"svm_c": SVM_C, "ovr_c": OVR_C, "clause_min_p": router.clause_min_p,
                   "set_min_p": router.set_min_p, "lexicon_weight": LEXICON_WEIGHT},
        "counts": counts(examples),
        "test": metrics,
        "latency_ms": latency_ms(router, [ex["text"] for ex in test_rows[:200]]),
    }
    if extra:
        bitext_test = bitext_examples(Path(shared_data), "test", per_intent=None)
        routed = [router.predict(ex["text"]).plan for ex in bitext_test]
        result["bitext_test"] = {"n": len(routed),
                                 "routed_to_support": round(sum(p == ["support"] for p in routed) / len(routed), 4)}
    write_card(out_dir, result)
    return result


def load(out_dir: Path) -> Router:
    return Router.load(Path(out_dir) / MODEL_FILE)
