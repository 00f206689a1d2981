"""Router: data-set contract, held-out accuracy, persistence, speed.

Accuracy thresholds are the values measured on the test split (see the model card and
ml/datasets/ROUTING.md) minus a small margin; they are not targets. Measured with the
shared data after the train-only fourth writing round (2026-11-23): overall 0.914;
en 0.904, zh 0.904, es 0.911, de 0.933, fr 0.911, ja 0.956; multi-agent exact order
0.958. Before round 4: 0.907 (zh 0.872); before round 3: 0.881.
"""
from __future__ import annotations

import json
import re
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from ml import router as R
from ml.router import AGENTS, LABELS, LANGS, RoutePrediction, Router

MIN_PER_CELL = {"en": 48, "zh": 48, "es": 12, "de": 12, "fr": 12, "ja": 12}
MIN_MULTI = 60

MIN_OVERALL = 0.90
MIN_PER_LANGUAGE = {"en": 0.90, "zh": 0.88, "es": 0.88, "de": 0.91, "fr": 0.88, "ja": 0.93}
MIN_MULTI_EXACT_ORDER = 0.91
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


@pytest.fixture(scope="module")
def examples() -> list[dict]:
    return R.load_examples()


@pytest.fixture(scope="module")
def trained(tmp_path_factory, examples):
    """One run of ``train()``: fits on the train split, scores the test split."""
    out = tmp_path_factory.mktemp("router")
    start = time.perf_counter()
    metrics = R.train(out)
    return out, metrics, time.perf_counter() - start


@pytest.fixture(scope="module")
def router(trained) -> Router:
    return R.load(trained[0])


# ------------------------------------------------------------------ the data set


def test_rows_are_well_formed(examples):
    assert len(examples) >= 7 * (48 + 48 + 4 * 12) + MIN_MULTI
    for ex in examples:
        assert set(ex) == {"text", "lang", "labels", "split"}, ex
        assert ex["text"].strip() and ex["lang"] in LANGS and ex["split"] in ("train", "test")
        assert all(label in AGENTS for label in ex["labels"]), ex
        assert len(set(ex["labels"])) == len(ex["labels"]), ex


def test_every_label_language_cell_has_the_minimum(examples):
    cells = Counter((R.plan_key(ex["labels"]), ex["lang"]) for ex in examples)
    for label in LABELS:
        for lang, least in MIN_PER_CELL.items():
            assert cells[(label, lang)] >= least, (label, lang, cells[(label, lang)])
    multi = [ex for ex in examples if len(ex["labels"]) > 1]
    assert len(multi) >= MIN_MULTI
    assert {ex["lang"] for ex in multi} == set(LANGS)
    assert {ex["split"] for ex in multi} == {"train", "test"}


def test_every_cell_has_held_apart_rows(examples):
    """Rounds 1-2 were split every 4th row per cell (about a quarter); round 3 added
    train rows only, so es/de/fr/ja cells now hold 12-14% test rows. Each cell keeps at
    least 3 (multi-agent) or 6 (single label) held-apart rows."""
    cells: dict[tuple, Counter] = {}
    for ex in examples:
        cells.setdefault((R.plan_key(ex["labels"]), ex["lang"]), Counter())[ex["split"]] += 1
    single = {(R.plan_key([a]) if a else R.plan_key([]), lang) for a in (*AGENTS, None) for lang in LANGS}
    for cell, n in cells.items():
        if cell in single:
            assert n["test"] >= 6 and 0.12 <= n["test"] / (n["test"] + n["train"]) <= 0.30, (cell, n)
    total = Counter(ex["split"] for ex in examples)
    assert 0.15 <= total["test"] / len(examples) <= 0.27


def test_no_test_text_appears_in_train(examples):
    train = {_norm(ex["text"]) for ex in examples if ex["split"] == "train"}
    train_exact = {ex["text"] for ex in examples if ex["split"] == "train"}
    for ex in examples:
        if ex["split"] == "test":
            assert ex["text"] not in train_exact, ex["text"]
            assert _norm(ex["text"]) not in train, ex["text"]
    # no duplicates inside the file either
    assert len({_norm(ex["text"]) for ex in examples}) == len(examples)


# ------------------------------------------------------------------ held-out accuracy


def test_overall_exact_plan_accuracy(trained):
    test = trained[1]["test"]
    assert test["n"] >= 400
    assert test["exact_plan_accuracy"] >= MIN_OVERALL, test["errors"][:20]


def test_accuracy_per_language(trained):
    per_language = trained[1]["test"]["per_language"]
    for lang, least in MIN_PER_LANGUAGE.items():
        assert per_language[lang] >= least, (lang, per_language)


def test_multi_agent_plans_keep_the_asked_order(trained):
    multi = trained[1]["test"]["multi_agent"]
    assert multi["n"] >= 20
    assert multi["exact_order_accuracy"] >= MIN_MULTI_EXACT_ORDER, multi


def test_confident_predictions_are_more_accurate(trained):
    table = trained[1]["test"]["by_confidence"]
    by_t = {row["min_confidence"]: row for row in table}
    assert by_t[0.8]["accuracy"] >= trained[1]["test"]["exact_plan_accuracy"]
    assert by_t[0.8]["accuracy"] >= 0.93


def test_train_writes_model_and_card(trained):
    out, metrics, seconds = trained
    assert (out / R.MODEL_FILE).is_file()
    card = json.loads((out / R.CARD_JSON).read_text(encoding="utf-8"))
    assert card["test"]["exact_plan_accuracy"] == metrics["test"]["exact_plan_accuracy"]
    assert set(card["test"]["per_language"]) == set(LANGS)
    md = (out / R.CARD_MD).read_text(encoding="utf-8")
    assert "## Limits" in md and "overall" in md
    assert seconds < 30  # ~3 s on 2 cores


# ------------------------------------------------------------------ behaviour


@pytest.mark.parametrize("text, plan", [
    ("Research what I should sell in Germany and then write the listing for it", ["selection", "copywriter"]),
    ("price it and check it is compliant in Japan", ["pricing", "compliance"]),
    ("先帮我看看法国卖什么好，然后写一个法语listing", ["selection", "copywriter"]),
    ("the customer filed a chargeback for order #W2809253, what evidence do I need?", ["chargeback"]),
    ("I want a refund for order #W2809253", ["support"]),
    ("write me a python script", []),
    ("what's the weather in Paris", []),
])
def test_examples_from_the_brief(router, text, plan):
    assert router.predict(text).plan == plan


def test_prediction_shape(router, examples):
    for ex in examples[::25] + [{"text": "???"}, {"text": "asdf qwer zxcv"}]:
        pred = router.predict(ex["text"])
        assert isinstance(pred, RoutePrediction)
        assert 0.0 <= pred.confidence <= 1.0
        assert set(pred.scores) == set(LABELS)
        assert all(0.0 <= v <= 1.0 for v in pred.scores.values())
        assert len(pred.plan) == len(set(pred.plan)) and set(pred.plan) <= set(AGENTS)


def test_empty_text_routes_nowhere(router):
    assert router.predict("").plan == []
    assert router.predict("   ").plan == []


def test_clause_splitting_in_six_languages():
    cases = {
        "write the title and then check the claims": 2,
        "写标题，然后检查宣称": 2,
        "escribe el título y luego revisa las afirmaciones": 2,
        "schreib den Titel und dann prüf die Aussagen": 2,
        "écris le titre puis vérifie les allégations": 2,
        "タイトルを書いて、それから表現を確認して": 2,
        "Puis-je vendre des bougies ?": 1,
        "Calcula mi margen después de las tarifas de FBA": 1,
    }
    for text, n in cases.items():
        assert len(R.split_clauses(R.normalize(text))) == n, text


def test_fast_scoring_matches_sklearn(router, examples):
    texts = [R.normalize(ex["text"]) for ex in examples[:300]] + ["", "x"]
    fast, gate = router._scores(texts)
    reference = R._softmax(router.clf.decision_function(router.features.transform(texts)) / router.temperature)
    assert np.allclose(fast, reference, atol=1e-9)
    x = router.features.transform(texts[:1])
    for agent, model in zip(AGENTS, router.ovr):
        if model is not None:
            assert gate[agent] == pytest.approx(model.predict_proba(x)[0, 1], abs=1e-9)


def test_save_load_round_trip_gives_identical_predictions(router, examples, tmp_path):
    path = tmp_path / "again.joblib"
    router.save(path)
    again = Router.load(path)
    for ex in examples[::7]:
        assert again.predict(ex["text"]) == router.predict(ex["text"])


def test_load_rejects_other_files(tmp_path):
    import joblib

    joblib.dump({"format_version": 999}, tmp_path / "x.joblib")
    with pytest.raises(ValueError):
        Router.load(tmp_path / "x.joblib")


def test_real_customer_messages_go_to_support(tmp_path, shared_data):
    """With the shared data, a few Bitext messages join training; its test split
    (872 real English customer messages, never trained on) must reach support."""
    metrics = R.train(tmp_path, shared_data=shared_data)
    assert metrics["bitext_train_rows"] > 0
    assert metrics["bitext_test"]["routed_to_support"] >= 0.92  # 0.943 measured
    assert metrics["test"]["exact_plan_accuracy"] >= MIN_OVERALL
