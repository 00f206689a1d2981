"""Support-intent classifier: the 27 Bitext customer-support intents.

English messages go through a TF-IDF (word 1-2 grams + char_wb 2-5 grams) linear SVM
whose scores become probabilities by a softmax with one temperature fitted on
out-of-fold decisions; trained on the Bitext `train` split, reported on `test`.

The training data is English only, so a message detected as another language is first
matched against a small per-language keyword map for the 11 intents the store acts on
(``KEYWORDS``, data at the end of this module); when no keyword fires, the English model
still answers (char n-grams catch shared tokens such as "PayPal", "refund") but its
confidence is halved and ``method`` says ``"model_fallback"``. English has a tiny map
too, for phrasings Bitext lacks ("where is my order").

Confidence is a calibrated probability for ``method == "model"``, a heuristic in
[0.55, 0.9] for ``"keywords"``, and half the model's probability for
``"model_fallback"``; callers should treat < 0.5 as "ask or fall back".

This file is long because its data (keyword map, multilingual check set) lives here.
"""

from __future__ import annotations

import math
import re
import time
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import joblib
import numpy as np
import sklearn
from pydantic import BaseModel, Field
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from ml.language import detect_language

MODEL_FILE = "intents.joblib"
CARD_MD = "intents.card.md"
CARD_JSON = "intents.card.json"
DATA_FILE = Path("support_intents") / "bitext_customer_support.csv"
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


def _fold(text: str) -> str:
    """Lower-case and strip accents (Latin keyword matching only)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def _compiled() -> dict[str, list[tuple[str, re.Pattern[str], float]]]:
    return {
        lang: [
            (intent, re.compile(pattern), weight)
            for intent, patterns in table.items()
            for pattern, weight in patterns
        ]
        for lang, table in KEYWORDS.items()
    }


_CJK = {"zh", "ja"}


def keyword_scores(text: str, language: str) -> dict[str, float]:
    """Scores of the per-language keyword map (the best pattern per intent counts)."""
    compiled = _compiled()
    if language not in compiled:
        return {}
    subject = text.lower() if language in _CJK else _fold(text)
    scores: dict[str, float] = {}
    for intent, pattern, weight in compiled[language]:
        if weight > scores.get(intent, 0.0) and pattern.search(subject):
            scores[intent] = weight
    return scores


def _keyword_match(text: str, language: str) -> tuple[str, dict[str, float]] | None:
    scores = keyword_scores(text, language)
    if not scores:  # detection may confuse neighbours (es/pt/it): try the others
        for other in _compiled():
            if other not in (language, "en") and (other in _CJK) == (language in _CJK):
                scores = keyword_scores(text, other)
                if scores:
                    return other, scores
        return None
    return language, scores


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


class _FastTfidf:
    """Single-document TF-IDF identical to a fitted TfidfVectorizer(norm='l2',
    sublinear_tf=True), without sklearn's per-call overhead (~0.5 ms -> ~0.05 ms)."""

    def __init__(self, vectorizer: TfidfVectorizer, offset: int):
        self.offset = offset
        self._analyze = vectorizer.build_analyzer()
        self._vocab = vectorizer.vocabulary_
        self._idf = vectorizer.idf_

    def transform(self, text: str) -> tuple[list[int], list[float]]:
        counts: dict[int, int] = {}
        vocab = self._vocab
        for gram in self._analyze(text):
            j = vocab.get(gram)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if not counts:
            return [], []
        idx = list(counts)
        vals = [(1.0 + math.log(counts[j])) * self._idf[j] for j in idx]
        norm = math.sqrt(sum(v * v for v in vals))
        return [j + self.offset for j in idx], [v / norm for v in vals]


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
        word = self.features.transformer_list[0][1]
        char = self.features.transformer_list[1][1]
        self._fast = [_FastTfidf(word, 0), _FastTfidf(char, len(word.vocabulary_))]
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
        doc = normalize(text)
        idx: list[int] = []
        vals: list[float] = []
        for block in self._fast:
            i, v = block.transform(doc)
            idx += i
            vals += v
        if not idx:
            return self._bias.copy()
        return np.asarray(vals) @ self._coef_t[idx] + self._bias

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
            match = _keyword_match(text, language)
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
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "format_version": FORMAT_VERSION,
            "sklearn_version": sklearn.__version__,
            "model": self,
        }
        joblib.dump(payload, path)

    @classmethod
    def load(cls, path: Path) -> IntentClassifier:
        payload = joblib.load(Path(path))
        if not isinstance(payload, dict) or payload.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{path} is not an intent model of format {FORMAT_VERSION}")
        model = payload["model"]
        if not isinstance(model, cls):
            raise ValueError(f"{path} does not hold an IntentClassifier")
        return model


def data_path(shared_data: Path) -> Path:
    """Accept the shared data folder, its support_intents/ folder, or the CSV itself."""
    shared_data = Path(shared_data)
    for candidate in (shared_data / DATA_FILE, shared_data / DATA_FILE.name, shared_data):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no {DATA_FILE} under {shared_data}")


def load_splits(shared_data: Path):
    import pandas as pd

    df = pd.read_csv(data_path(shared_data), usecols=["instruction", "intent", "category", "split"])
    df = df.dropna(subset=["instruction", "intent"])
    return df[df["split"] == "train"], df[df["split"] == "test"]


def multilingual_check(model: IntentClassifier) -> dict:
    """Accuracy on the hand-written multilingual check set, with and without keywords."""
    by_lang: dict[str, list[int]] = {}
    model_only: dict[str, list[int]] = {}
    misses = []
    for lang, text, expected in MULTILINGUAL_CHECK:
        got = model.predict(text)
        by_lang.setdefault(lang, []).append(int(got.intent == expected))
        model_only.setdefault(lang, []).append(int(model.model_proba(text)[0][0] == expected))
        if got.intent != expected:
            misses.append({"language": lang, "text": text, "expected": expected, "got": got.intent})

    def summary(table):
        total = [x for xs in table.values() for x in xs]
        return {
            "accuracy": round(sum(total) / len(total), 4),
            "per_language": {k: round(sum(v) / len(v), 4) for k, v in table.items()},
        }

    return {
        "n": len(MULTILINGUAL_CHECK),
        "with_keywords": summary(by_lang),
        "english_model_only": summary(model_only),
        "misses": misses,
    }


def evaluate(model: IntentClassifier, texts: list[str], intents: list[str]) -> dict:
    from sklearn.metrics import accuracy_score, classification_report, confusion_matrix

    predicted = model.predict_batch(texts)
    report = classification_report(intents, predicted, output_dict=True, zero_division=0)
    labels = model.intents
    matrix = confusion_matrix(intents, predicted, labels=labels)
    confusions = [
        {"true": labels[i], "predicted": labels[j], "count": int(matrix[i, j])}
        for i in range(len(labels))
        for j in range(len(labels))
        if i != j and matrix[i, j] > 0
    ]
    confusions.sort(key=lambda c: -c["count"])
    return {
        "n": len(texts),
        "accuracy": round(float(accuracy_score(intents, predicted)), 4),
        "macro_f1": round(float(report["macro avg"]["f1-score"]), 4),
        "per_intent_f1": {k: round(float(report[k]["f1-score"]), 4) for k in labels},
        "confusions": confusions[:10],
    }


def write_card(out_dir: Path, result: dict, csv_path: Path) -> None:
    """Model card as JSON (everything) and Markdown (for people)."""
    import json

    test, ml = result["test"], result["multilingual_check"]
    card = {
        "model": "intents",
        "task": "classify a customer-support message into one of 27 Bitext intents",
        "data": {
            "source": "Bitext customer-support sample (CDLA-Sharing-1.0)",
            "path": str(csv_path),
            "train_rows": result["train_rows"],
            "test_rows": result["test_rows"],
            "intents": result["intents"],
            "language": "English only",
        },
        "features": "lower-cased text, digit/e-mail tokens -> 'num'; TF-IDF word 1-2 grams "
        "+ TF-IDF char_wb 2-5 grams (min_df=2), sublinear tf",
        "estimator": f"LinearSVC(C={SVM_C}); probabilities = softmax(decision * "
        f"{result.get('temperature', '?')}), the temperature fitted on 5-fold out-of-fold "
        "decisions of the train split (C chosen by 5-fold CV on train; test never used "
        "for tuning)",
        "non_english": "per-language keyword map (zh, es, de, fr, ja, it, pt) for 11 "
        "actionable intents, English model as fallback with halved confidence; a 4-pattern "
        "English map for phrasings Bitext lacks ('where is my order', 'card declined')",
        **result,
        "limits": [
            "Training data is English only and machine-generated (Bitext templates with "
            "noise and profanity); real customer messages are messier.",
            "Non-English messages rely on hand-written keyword patterns for 11 intents; "
            "the other 16 intents fall back to the English model, which mostly fails.",
            "The multilingual check set was written by the same engineer who wrote the "
            "keyword map and the map was widened after each blind round, so its figure is "
            "optimistic: on messages the map had not seen, non-English accuracy was 18/32 "
            "(56%) and then 23/32 (72%); expect roughly 70% on real phrasings.",
            "One intent per message; multi-intent messages get the dominant one.",
            "Bitext phrasing is templated and lacks common phrasings (it has no 'where is "
            "my order'): on the 11 natural English messages of the check set the model "
            "alone got 9 right; the small English pattern map, written after seeing one of "
            "the misses, adds one.",
            "No out-of-scope class: unrelated messages still get an intent, usually with "
            "low confidence but not always ('what's the weather in Paris' -> "
            "check_refund_policy, 0.72).",
        ],
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / CARD_JSON).write_text(json.dumps(card, indent=2, ensure_ascii=False))
    worst = sorted(test["per_intent_f1"].items(), key=lambda kv: kv[1])[:5]
    lines = [
        "# Model card: support intents",
        "",
        f"- Task: {card['task']}.",
        f"- Data: {card['data']['source']}, `{csv_path.name}`: {result['train_rows']} train / "
        f"{result['test_rows']} test rows, {result['intents']} intents, English only.",
        f"- Features: {card['features']}.",
        f"- Estimator: {card['estimator']}.",
        f"- Non-English: {card['non_english']}.",
        f"- Train time {result['train_seconds']} s; predict {result['predict_ms']} ms/message "
        f"(scikit-learn {result['sklearn_version']}).",
        "",
        "## Test split",
        "",
        f"Accuracy **{test['accuracy']:.4f}**, macro-F1 **{test['macro_f1']:.4f}** "
        f"on {test['n']} messages (English model). Full `predict()` path, with language "
        f"detection and keyword layers: accuracy {result['test_accuracy_with_keyword_layer']:.4f}.",
        "",
        "Lowest per-intent F1: " + ", ".join(f"{k} {v:.3f}" for k, v in worst) + ".",
        "",
        "| true | predicted | count |",
        "|---|---|---|",
        *[f"| {c['true']} | {c['predicted']} | {c['count']} |" for c in test["confusions"]],
        "",
        "## Multilingual check (hand-written, "
        f"{ml['n']} messages)",
        "",
        "| | all | " + " | ".join(ml["with_keywords"]["per_language"]) + " |",
        "|---|---|" + "---|" * len(ml["with_keywords"]["per_language"]),
    ]
    for name in ("with_keywords", "english_model_only"):
        row = ml[name]
        lines.append(
            f"| {name} | {row['accuracy']:.3f} | "
            + " | ".join(f"{v:.2f}" for v in row["per_language"].values())
            + " |"
        )
    lines += ["", "## Limits", "", *[f"- {x}" for x in card["limits"]], ""]
    (out_dir / CARD_MD).write_text("\n".join(lines))


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


# --------------------------------------------------------------------------- data
# Keyword map for non-English messages: language -> intent -> [(regex, weight)].
# Latin-script patterns see lower-cased, accent-stripped text ("ruckerstattung");
# zh/ja patterns see the text as written. The best-weighted intent wins; on a tie the
# intent listed first wins, so the more specific intents come first.
KEYWORDS: dict[str, dict[str, list[tuple[str, float]]]] = {
    # English: a few high-precision patterns for phrasings Bitext lacks entirely (it has
    # no "where is my order"; its package questions are all delivery_period).
    "en": {
        "track_refund": [(r"\bwhere('s| is)( my| the)? (refund|money)\b", 3)],
        "payment_issue": [(r"\b(card|payment)s? (was |were |got |is |keeps? (getting |being )?)?(declined|rejected|refused)\b", 3)],
        "track_order": [(r"\bwhere('s| is| are)( my| the)? (order|package|parcel|delivery|stuff|items?|shipment|purchase)s?\b", 3),
                        (r"\b(hasn'?t|has not|have not|haven'?t|never|didn'?t|did not|still not|not yet) (arrived|come|shown up|been delivered)\b", 3)],
    },
    "zh": {
        "check_refund_policy": [(r"(退款|退货|退换货?|退换)的?(政策|规则|条件|规定)", 4),
                                (r"(几天|多少天|多久).{0,4}(内)?(可以)?退", 4)],
        "track_refund": [(r"(什么时候|何时|多久|怎么还没).{0,4}(退|到账)", 3),
                         (r"退款.{0,6}(到账|进度|状态|多久|什么时候|到哪|处理|还没|没到)", 3),
                         (r"(钱|款).{0,4}(还没|没有)(退|到账)", 3)],
        "change_shipping_address": [(r"新地址|搬家|换(个|一个)?地址|(寄|送|发)到(别的|另一个|新的?)(地方|地址)", 4),
                                    (r"(改|修改|更改|换|变更|更新).{0,6}(收货|送货|寄送|邮寄)?地址", 4),
                                    (r"地址.{0,6}(改|修改|更改|写错|错了|不对)", 4)],
        "payment_issue": [(r"(付款|支付|付钱|扣款|信用卡|银行卡|刷卡|结账).{0,10}(失败|不了|不成功|问题|被拒|错误|报错)", 3),
                          (r"(扣|收)了两次|重复扣款|付不了|无法(付款|支付)", 3)],
        "contact_human_agent": [(r"(跟|和|找|联系|转).{0,4}客服|不要机器人|机器人", 3),
                                (r"人工|真人|活人|客服人员|转人工|找个人", 3)],
        "complaint": [(r"投诉|不满意|太差|差评|举报", 3)],
        "cancel_order": [(r"不要?发货|别发(货)?了|买错了", 2),
                         (r"取消|撤销订单|不想要了|不要了", 3)],
        "change_order": [(r"(修改|更改|改一下|改)(订单|下单)", 2),
                         (r"(换成|改成|换一?个|换).{0,6}(颜色|尺码|尺寸|大小|款式|色|码)", 2),
                         (r"(颜色|尺码|尺寸|大小|款式).{0,6}(换|改)", 2)],
        "track_order": [(r"查.{0,6}(快递|物流|包裹|订单|单号)|(到了|发货了|发出了|寄出了)(吗|没)", 2),
                        (r"(包裹|快递|订单|货|东西|商品).{0,6}(到哪|在哪|哪里|哪儿|状态|进度|还没到|还没收到|没收到)", 2),
                        (r"物流|快递单号|运单号|查(询)?(一下)?(订单|快递|物流)|跟踪|追踪", 2)],
        "delivery_period": [(r"多久|多长时间|几天|多少天", 2),
                            (r"(寄|送|发|运)到.{0,8}(多久|几天|要多久)|配送时间|运输时间|发货时间", 2)],
        "get_refund": [(r"退款|退钱|把钱退|退回.{0,4}钱|退货", 2)],
    },
    "ja": {
        "check_refund_policy": [(r"返品(でき|可能)", 4),
                                (r"(返品|返金)(ポリシー|規定|条件|について)", 4)],
        "track_refund": [(r"返金.{0,10}(まだ|いつ|状況|確認|届い|されて)", 3)],
        "change_shipping_address": [(r"(住所|配送先|届け先|送り先|お届け先).{0,10}(変更|変え|修正|間違)", 4)],
        "payment_issue": [(r"(支払|決済|カード|払え|お支払い).{0,10}(できない|失敗|エラー|通らない|ません|できません)", 3),
                          (r"二重(に)?(請求|引き落とし)", 3)],
        "contact_human_agent": [(r"(担当者|オペレーター|人間|スタッフ|人と).{0,10}(話|繋|つな|連絡)", 3)],
        "complaint": [(r"苦情|クレーム|不満", 3)],
        "cancel_order": [(r"キャンセル|取り消", 3)],
        "change_order": [(r"注文.{0,10}(変更|変え)", 2), (r"(サイズ|色|カラー).{0,10}(変更|変え|交換)", 2)],
        "track_order": [(r"(荷物|注文|商品|配送|パッケージ).{0,10}(どこ|状況|届いていない|届かない|まだ)", 2),
                        (r"追跡|配送状況", 2)],
        "delivery_period": [(r"(何日|どのくらい|どれくらい|いつ).{0,10}(届|かか|着)", 2), (r"配送日数|お届け日数", 2)],
        "get_refund": [(r"返金|払い戻", 2)],
    },
    "es": {
        "check_refund_policy": [(r"(puedo|se puede|se pueden) (devolver|regresar)", 4),
                                (r"politicas? de (reembolso|devolucion)", 4),
                                (r"(plazo|dias|cuanto tiempo) (tengo )?para (devolver|devoluci|pedir (un )?reembolso)", 4)],
        "track_refund": [(r"reembolso.{0,20}(y nada|sin respuesta|no (me )?(ha )?llegado)|(pedi|solicite).{0,20}reembolso", 3),
                         (r"cuando.{0,20}(devuelven|devolveran|reembols|regresan)", 3),
                         (r"(reembolso|devolucion del dinero|mi dinero).{0,30}(proces|lleg|estado|cuando|todavia|aun|ya)", 3),
                         (r"(ya|todavia|aun|cuando|estado).{0,20}(reembolso|devuelven el dinero)", 3)],
        "change_shipping_address": [(r"(puse|escribi|di) mal.{0,10}direccion", 4),
                                    (r"me mude|me cambie de casa|otra direccion|nueva direccion|direccion nueva", 4),
                                    (r"(cambiar|modificar|actualizar|corregir).{0,25}direccion", 4),
                                    (r"direccion.{0,25}(equivocada|incorrecta|mal)", 4)],
        "payment_issue": [(r"no (me )?(deja|dejan|puedo) pagar|no se puede pagar", 3),
                          (r"(pago|tarjeta|cobro).{0,25}(rechaz|fall|error|problema|no funciona|no pasa)", 3),
                          (r"(rechaz|fall).{0,20}(pago|tarjeta)", 3), (r"cobr\w+ dos veces|doble cobro", 3)],
        "contact_human_agent": [(r"(hablar|contactar|comunicarme).{0,20}(persona|humano|agente|alguien|operador|asesor)", 3),
                                (r"agente humano|persona real|\bhumano\b|pasame con|comunicame con", 3)],
        "complaint": [(r"queja|quejarme|reclamacion|reclamo|denuncia", 3)],
        "cancel_order": [(r"ya no (lo |la )?quiero", 2),
                         (r"cancel|anul", 3)],
        "change_order": [(r"(cambiar|modificar).{0,30}(pedido|compra|talla|color|producto|articulo)", 2),
                         (r"(anadir|agregar|quitar).{0,20}(pedido|compra)", 2)],
        "track_order": [(r"ya (enviaron|salio|mandaron)|(fue|ha sido) enviado", 2),
                        (r"sigue sin llegar|no (me )?llega|(aun|todavia) no (me )?(ha )?llegado|no (he|hemos) recibido", 2),
                        (r"donde.{0,15}(pedido|paquete|compra|orden|envio)", 2),
                        (r"seguimiento|rastre|estado de mi (pedido|compra|envio)|no (me )?ha llegado", 2)],
        "delivery_period": [(r"(tiempo|dias) de (envio|entrega)", 2),
                            (r"cuanto (tarda|tiempo|demora)|cuantos dias|plazo de entrega|tiempo de entrega|cuando llega", 2)],
        "get_refund": [(r"reembols|devuelvan|devolver el dinero|mi dinero|la plata|devolucion", 2)],
    },
    "de": {
        "check_refund_policy": [(r"(kann|darf|konnen|durfen) (ich|man|wir).{0,30}(zuruckschicken|zurucksenden|zuruckgeben|umtauschen)", 4),
                                (r"(ruckgabe|erstattungs|umtausch|widerrufs)(bedingungen|richtlinie|regeln|politik|frist|recht)", 4),
                                (r"ruckgaberecht|widerrufsrecht", 4)],
        "track_refund": [(r"(ru(e)?ckerstattung|erstattung|geld).{0,30}(wann|status|bearbeitet|angekommen|noch nicht|immer noch|kommt)", 3),
                         (r"(wann|status).{0,30}(ru(e)?ckerstattung|erstattung|mein geld)", 3)],
        "change_shipping_address": [(r"adresse.{0,30}(andern|korrigieren|aktualisieren|falsch|anpassen)", 4),
                                    (r"(andern|korrigieren|aktualisieren).{0,30}adresse|neue adresse|umgezogen", 4)],
        "payment_issue": [(r"(zahlung|bezahlung|bezahlen|karte|kreditkarte|paypal|abbuchung).{0,30}(funktioniert nicht|klappt nicht|fehlgeschlagen|abgelehnt|problem|geht nicht|fehler)", 3),
                          (r"(zweimal|doppelt) (abgebucht|belastet|bezahlt)", 3)],
        "contact_human_agent": [(r"(mensch|mitarbeiter|echte[nm]? person|kundenberater|berater|jemandem?).{0,20}(sprechen|reden|verbinden)", 3),
                                (r"(sprechen|reden).{0,20}(mensch|mitarbeiter|person)", 3)],
        "complaint": [(r"beschwer|reklamation|unzufrieden", 3)],
        "cancel_order": [(r"widerruf(en)?\b", 3),
                         (r"stornier|storno|(bestellung|auftrag).{0,20}(abbrechen|zuruckziehen|annullieren)", 3)],
        "change_order": [(r"(bestellung|auftrag).{0,30}(andern|anpassen|bearbeiten)", 2),
                         (r"(andern|tauschen).{0,20}(grosse|farbe|artikel)|(grosse|farbe).{0,30}andern", 2)],
        "track_order": [(r"stand (meiner|der|von)|wo (steckt|bleibt)|(lieferung|sendung|paket|bestellung).{0,20}(status|stand)|(schon|bereits) (verschickt|versendet|unterwegs)|unterwegs", 2),
                        (r"wo (ist|bleibt) (meine|mein)|sendungsverfolgung|sendungsnummer|tracking|verfolgen", 2),
                        (r"(paket|bestellung|lieferung).{0,20}(wo|status|noch nicht)|status (meiner|der) bestellung", 2)],
        "delivery_period": [(r"wann (ist|sind|kommt|kommen|wird|werden)\b", 2),
                            (r"wie lange.{0,30}(dauert|lieferung|versand|braucht)|lieferzeit|versanddauer|lieferdauer", 2),
                            (r"wann (kommt|kommen|wird).{0,30}(an|geliefert)", 2)],
        "get_refund": [(r"ru(e)?ckerstattung|erstatten|geld zuruck|ruckzahlung|zuruckerstatt|gutschrift", 2)],
    },
    "fr": {
        "check_refund_policy": [(r"(puis-je|je peux|est-ce que je peux|peut-on|on peut).{0,20}(retourner|renvoyer|rendre)", 4),
                                (r"politique de (remboursement|retour)|conditions de (retour|remboursement)", 4),
                                (r"delai de (retour|retractation)", 4)],
        "track_refund": [(r"(ou en est|statut|quand|toujours pas|pas encore).{0,30}rembours", 3),
                         (r"rembours.{0,30}(toujours pas|pas encore|quand|recu|traite|statut)", 3)],
        "change_shipping_address": [(r"(modifier|changer|corriger|mettre a jour).{0,30}adresse", 4),
                                    (r"adresse.{0,30}(incorrecte|erronee|fausse)", 4)],
        "payment_issue": [(r"(paiement|carte|prelevement).{0,30}(refuse|echoue|probleme|ne (marche|fonctionne|passe) pas|erreur)", 3),
                          (r"debite deux fois|double (debit|prelevement)|preleve deux fois", 3)],
        "contact_human_agent": [(r"vrai (conseiller|humain|personne)|pas (un|a un) (robot|bot)|un humain|conseiller|operateur", 3),
                                (r"(parler|discuter|contacter).{0,20}(humain|conseiller|personne|agent|quelqu'un|operateur)", 3)],
        "complaint": [(r"reclamation|plainte|me plaindre|mecontent", 3)],
        "cancel_order": [(r"annul", 3)],
        "change_order": [(r"(modifier|changer).{0,30}(commande|taille|couleur|article|produit)", 2)],
        "track_order": [(r"(deja|bien) (ete )?expedi|(a|est) (ete )?expedie", 2),
                        (r"ou (est|en est).{0,15}(commande|colis)|suivi|suivre|pas (encore )?(recu|arrive)", 2)],
        "delivery_period": [(r"arrive(ra)? quand|quand (est-ce que )?(ca|il|elle|mon colis|ma commande) (arrive|sera livre)", 2),
                            (r"delai de livraison|combien de temps|combien de jours|en combien de jours|temps de livraison", 2),
                            (r"quand (vais-je|est-ce que je vais|vais je) recevoir", 2)],
        "get_refund": [(r"rembours|recuperer mon argent", 2)],
    },
    "it": {
        "check_refund_policy": [(r"(posso|si puo|e possibile) (restituire|rendere)", 4),
                                (r"politica di (rimborso|reso)|condizioni di reso", 4)],
        "track_refund": [(r"rimborso.{0,20}(quando|stato|ancora|arrivato)|(quando|stato).{0,20}rimborso", 3)],
        "change_shipping_address": [(r"(cambiare|modificare|correggere).{0,30}indirizzo|indirizzo.{0,20}sbagliato", 4)],
        "payment_issue": [(r"(pagamento|carta).{0,20}(rifiutat|non funziona|errore|problema|fallit)|addebitato due volte", 3)],
        "contact_human_agent": [(r"parlare.{0,20}(operatore|persona|umano|qualcuno)", 3)],
        "complaint": [(r"reclamo|lamentel", 3)],
        "cancel_order": [(r"annull|cancellare", 3)],
        "change_order": [(r"(cambiare|modificare).{0,30}(ordine|taglia|colore|articolo)", 2)],
        "track_order": [(r"dov'?e.{0,15}(ordine|pacco)|tracciamento|traccia|non (e )?arrivato", 2)],
        "delivery_period": [(r"quanto tempo|tempi di consegna|quanti giorni", 2)],
        "get_refund": [(r"rimbors|soldi indietro", 2)],
    },
    "pt": {
        "check_refund_policy": [(r"(posso|da para|da pra|e possivel) devolver", 4),
                                (r"politica de (reembolso|devolucao|troca)", 4)],
        "track_refund": [(r"reembolso.{0,20}(quando|status|ainda|caiu)|(quando|status).{0,20}reembolso", 3)],
        "change_shipping_address": [(r"(mudar|alterar|trocar|corrigir).{0,30}endereco|endereco.{0,20}errado", 4)],
        "payment_issue": [(r"(pagamento|cartao).{0,20}(recusad|falh|erro|problema|nao passa)|cobrad[oa] duas vezes", 3)],
        "contact_human_agent": [(r"falar.{0,20}(atendente|pessoa|humano|alguem)", 3)],
        "complaint": [(r"reclamacao|reclamar", 3)],
        "cancel_order": [(r"cancel", 3)],
        "change_order": [(r"(mudar|alterar|trocar).{0,30}(pedido|encomenda|tamanho|cor)", 2)],
        "track_order": [(r"(onde|cade).{0,15}(encomenda|pedido|pacote)|rastre|nao chegou", 2)],
        "delivery_period": [(r"quanto tempo|prazo de entrega|quantos dias", 2)],
        "get_refund": [(r"reembols|dinheiro de volta|devolucao do dinheiro", 2)],
    },
}

# Hand-written multilingual check set (language, message, expected intent); the first
# block was written before the keyword map. Reported in the model card, never used for training.
MULTILINGUAL_CHECK: list[tuple[str, str, str]] = [
    # (language, message, expected intent)
    ("en", "I want to cancel my order #W2378156", "cancel_order"),
    ("en", "where is my package? it's been 10 days", "track_order"),
    ("en", "please send my money back, the item is broken", "get_refund"),
    ("en", "has my refund been processed yet?", "track_refund"),
    ("en", "I need to update the delivery address on my order", "change_shipping_address"),
    ("en", "can I swap the blue one in my order for the red one", "change_order"),
    ("en", "let me speak to a real person", "contact_human_agent"),
    ("en", "your service is terrible, I want to file a complaint", "complaint"),
    ("en", "my card keeps getting declined at checkout", "payment_issue"),
    ("en", "how many days can I return something for a refund?", "check_refund_policy"),
    ("en", "how long will shipping to Germany take?", "delivery_period"),
    ("zh", "我要取消订单 #W2378156", "cancel_order"),
    ("zh", "我的包裹到哪里了？", "track_order"),
    ("zh", "东西坏了，我要退款", "get_refund"),
    ("zh", "退款什么时候到账？", "track_refund"),
    ("zh", "我想修改收货地址", "change_shipping_address"),
    ("zh", "能把订单里的蓝色换成红色吗", "change_order"),
    ("zh", "我要转人工客服", "contact_human_agent"),
    ("zh", "我要投诉你们的服务", "complaint"),
    ("zh", "付款一直失败", "payment_issue"),
    ("zh", "你们的退款政策是什么？", "check_refund_policy"),
    ("zh", "寄到德国要多久？", "delivery_period"),
    ("es", "Quiero cancelar mi pedido", "cancel_order"),
    ("es", "¿Dónde está mi paquete?", "track_order"),
    ("es", "El artículo llegó roto, quiero que me devuelvan el dinero", "get_refund"),
    ("es", "¿Ya procesaron mi reembolso?", "track_refund"),
    ("es", "Necesito cambiar la dirección de envío", "change_shipping_address"),
    ("es", "¿Puedo cambiar la talla de un producto de mi pedido?", "change_order"),
    ("es", "Quiero hablar con una persona, no con un bot", "contact_human_agent"),
    ("es", "Quiero poner una queja", "complaint"),
    ("es", "Me rechazan la tarjeta al pagar", "payment_issue"),
    ("es", "¿Cuál es su política de reembolsos?", "check_refund_policy"),
    ("es", "¿Cuánto tarda en llegar a Madrid?", "delivery_period"),
    ("de", "Ich möchte meine Bestellung stornieren", "cancel_order"),
    ("de", "Wo ist mein Paket?", "track_order"),
    ("de", "Der Artikel ist kaputt, ich will mein Geld zurück", "get_refund"),
    ("de", "Wann kommt meine Rückerstattung an?", "track_refund"),
    ("de", "Ich muss die Lieferadresse ändern", "change_shipping_address"),
    ("de", "Kann ich in meiner Bestellung die Farbe ändern?", "change_order"),
    ("de", "Ich möchte mit einem Menschen sprechen", "contact_human_agent"),
    ("de", "Ich möchte mich beschweren", "complaint"),
    ("de", "Die Zahlung funktioniert nicht", "payment_issue"),
    ("de", "Wie sind Ihre Rückgabebedingungen?", "check_refund_policy"),
    ("de", "Wie lange dauert die Lieferung?", "delivery_period"),
    ("fr", "Je veux annuler ma commande", "cancel_order"),
    ("fr", "Où est mon colis ?", "track_order"),
    ("fr", "L'article est cassé, je veux être remboursé", "get_refund"),
    ("fr", "Où en est mon remboursement ?", "track_refund"),
    ("fr", "Je dois modifier mon adresse de livraison", "change_shipping_address"),
    ("fr", "Puis-je changer la taille d'un article de ma commande ?", "change_order"),
    ("fr", "Je veux parler à un humain", "contact_human_agent"),
    ("fr", "Je souhaite déposer une réclamation", "complaint"),
    ("fr", "Mon paiement a été refusé", "payment_issue"),
    ("fr", "Quelle est votre politique de remboursement ?", "check_refund_policy"),
    ("fr", "Quel est le délai de livraison ?", "delivery_period"),
    ("ja", "注文をキャンセルしたい", "cancel_order"),
    ("ja", "荷物はどこですか", "track_order"),
    ("ja", "返金してください", "get_refund"),
    ("ja", "配送先の住所を変更したい", "change_shipping_address"),
    ("ja", "担当者と話したい", "contact_human_agent"),
    # Blind round 1 (written after the first keyword map; 18/32 right before the map
    # was widened).
    ('zh', '麻烦帮我把订单取消掉', 'cancel_order'),
    ('zh', '我买错了，能不能不发货', 'cancel_order'),
    ('zh', '快递怎么还没到', 'track_order'),
    ('zh', '钱什么时候退给我', 'track_refund'),
    ('zh', '我搬家了，新地址是北京市朝阳区', 'change_shipping_address'),
    ('zh', '信用卡付不了款', 'payment_issue'),
    ('zh', '我要跟客服说话，不要机器人', 'contact_human_agent'),
    ('zh', '质量太差了，我要投诉', 'complaint'),
    ('es', 'ya no quiero el pedido, anúlenlo', 'cancel_order'),
    ('es', 'mi paquete sigue sin llegar, ¿qué pasa?', 'track_order'),
    ('es', '¿cuándo me devuelven la plata?', 'track_refund'),
    ('es', 'me mudé, ¿pueden enviarlo a otra dirección?', 'change_shipping_address'),
    ('es', 'no me deja pagar con PayPal', 'payment_issue'),
    ('es', 'pásame con un humano', 'contact_human_agent'),
    ('es', '¿en cuántos días llega a Chile?', 'delivery_period'),
    ('es', '¿puedo devolverlo si no me gusta?', 'check_refund_policy'),
    ('de', 'Bitte Bestellung abbrechen, brauche sie nicht mehr', 'cancel_order'),
    ('de', 'Mein Paket ist immer noch nicht da', 'track_order'),
    ('de', 'Ich hätte gerne mein Geld zurück', 'get_refund'),
    ('de', 'Ich bin umgezogen, bitte an die neue Adresse schicken', 'change_shipping_address'),
    ('de', 'Meine Karte wird beim Bezahlen abgelehnt', 'payment_issue'),
    ('de', 'Kann ich bitte einen echten Menschen sprechen?', 'contact_human_agent'),
    ('de', 'Wann ist mein Paket da?', 'delivery_period'),
    ('de', 'Kann ich die Sachen zurückschicken, wenn sie nicht passen?', 'check_refund_policy'),
    ('fr', 'Annulez ma commande svp', 'cancel_order'),
    ('fr', "Je n'ai toujours pas reçu mon colis", 'track_order'),
    ('fr', 'Je voudrais récupérer mon argent, le produit est défectueux', 'get_refund'),
    ('fr', "J'ai déménagé, il faut changer l'adresse", 'change_shipping_address'),
    ('fr', 'Impossible de payer avec ma carte', 'payment_issue'),
    ('fr', 'Je veux un vrai conseiller, pas un robot', 'contact_human_agent'),
    ('fr', 'Ça arrive quand en France ?', 'delivery_period'),
    ('fr', 'Je peux retourner un article ?', 'check_refund_policy'),
    # Blind round 2 (written after round 1's fixes; 23/32 right before the last fixes).
    ('zh', '这个订单我不要了', 'cancel_order'),
    ('zh', '帮我查一下我的快递', 'track_order'),
    ('zh', '衣服有洞，我想退钱', 'get_refund'),
    ('zh', '申请的退款到现在还没收到', 'track_refund'),
    ('zh', '收件地址填错了', 'change_shipping_address'),
    ('zh', '支付的时候一直显示错误', 'payment_issue'),
    ('zh', '请给我人工服务', 'contact_human_agent'),
    ('zh', '发货要几天', 'delivery_period'),
    ('es', 'por favor cancelen la orden', 'cancel_order'),
    ('es', '¿me pasan el número de seguimiento?', 'track_order'),
    ('es', 'quiero que me regresen mi dinero', 'get_refund'),
    ('es', 'hace dos semanas pedí el reembolso y nada', 'track_refund'),
    ('es', 'puse mal mi dirección', 'change_shipping_address'),
    ('es', 'mi tarjeta no pasa', 'payment_issue'),
    ('es', 'estoy muy molesto con el servicio, quiero presentar una queja', 'complaint'),
    ('es', '¿cuál es el tiempo de envío?', 'delivery_period'),
    ('de', 'Ich will die Bestellung widerrufen', 'cancel_order'),
    ('de', 'Wie ist der Stand meiner Lieferung?', 'track_order'),
    ('de', 'Bitte erstatten Sie mir den Betrag', 'get_refund'),
    ('de', 'Ist meine Erstattung schon bearbeitet worden?', 'track_refund'),
    ('de', 'Die Adresse auf der Bestellung ist falsch', 'change_shipping_address'),
    ('de', 'PayPal-Zahlung klappt nicht', 'payment_issue'),
    ('de', 'Ich möchte eine Beschwerde einreichen', 'complaint'),
    ('de', 'Wie lange braucht die Lieferung nach Zürich?', 'delivery_period'),
    ('fr', 'je ne veux plus la commande, annulez-la', 'cancel_order'),
    ('fr', 'pouvez-vous me donner le numéro de suivi ?', 'track_order'),
    ('fr', 'je demande un remboursement', 'get_refund'),
    ('fr', "je n'ai pas encore reçu mon remboursement", 'track_refund'),
    ('fr', 'mon adresse est fausse sur la commande', 'change_shipping_address'),
    ('fr', 'ma carte est refusée', 'payment_issue'),
    ('fr', 'je veux me plaindre du service', 'complaint'),
    ('fr', 'combien de jours pour recevoir le colis ?', 'delivery_period'),
]

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
