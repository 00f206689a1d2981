"""Intent classifier: trained on the full Bitext train split (about 3 s, so fast tier),
reported on the test split, plus the multilingual keyword layer."""

from __future__ import annotations

import json
import time

import joblib
import numpy as np
import pytest

from ml import intents as intents_mod
from ml.intents import (
    MULTILINGUAL_CHECK,
    IntentClassifier,
    IntentPrediction,
    keyword_scores,
    load,
    train,
)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, shared_data):
    out = tmp_path_factory.mktemp("intents")
    start = time.perf_counter()
    metrics = train(out, shared_data)
    return metrics, out, time.perf_counter() - start


@pytest.fixture(scope="module")
def model(trained):
    return load(trained[1])


def test_test_split_metrics(trained):
    metrics, _, _ = trained
    test = metrics["test"]
    # measured: accuracy 0.9966, macro-F1 0.9967 on 872 test messages
    assert test["n"] == 872
    assert test["accuracy"] >= 0.99
    assert test["macro_f1"] >= 0.99
    assert len(test["per_intent_f1"]) == 27
    assert min(test["per_intent_f1"].values()) >= 0.95


def test_training_is_fast(trained):
    metrics, _, wall = trained
    assert metrics["train_seconds"] < 30
    assert wall < 60  # includes evaluation and the model card


def test_model_card_written(trained):
    metrics, out, _ = trained
    card = json.loads((out / "intents.card.json").read_text())
    assert card["test"]["accuracy"] == metrics["test"]["accuracy"]
    assert card["data"]["language"] == "English only"
    assert any("English only" in limit for limit in card["limits"])
    md = (out / "intents.card.md").read_text()
    assert "macro-F1" in md and "Multilingual check" in md and "## Limits" in md


def test_save_load_round_trip(model, tmp_path):
    path = tmp_path / "copy.joblib"
    model.save(path)
    again = IntentClassifier.load(path)
    for text in ["cancel order 123", "where is my refund", "I want to talk to a person"]:
        assert again.predict(text) == model.predict(text)


def test_load_rejects_other_files(tmp_path):
    bogus = tmp_path / "bogus.joblib"
    joblib.dump({"something": "else"}, bogus)
    with pytest.raises(ValueError):
        IntentClassifier.load(bogus)


def test_prediction_shape(model):
    pred = model.predict("I want to cancel my order #W2378156")
    assert isinstance(pred, IntentPrediction)
    assert pred.intent == "cancel_order" and pred.category == "ORDER"
    assert pred.method == "model" and pred.language == "en"
    assert len(pred.top) == 3 and pred.top[0][0] == pred.intent
    assert pred.top[0][1] == pred.confidence >= 0.5
    assert [p for _, p in pred.top] == sorted((p for _, p in pred.top), reverse=True)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("where is my package", "track_order"),
        ("I need to change the shipping address", "change_shipping_address"),
        ("has my refund been processed?", "track_refund"),
        ("what's your refund policy", "check_refund_policy"),
        ("my payment didn't go through", "payment_issue"),
        ("can I talk to a real person", "contact_human_agent"),
    ],
)
def test_english_examples(model, text, intent):
    assert model.predict(text).intent == intent


def test_fast_path_matches_sklearn(model, shared_data):
    _, test_df = intents_mod.load_splits(shared_data)
    texts = test_df["instruction"].tolist()[:50] + ["", "12345", "¿dónde está mi pedido?"]
    reference = model.svm.decision_function(
        model.features.transform([intents_mod.normalize(t) for t in texts])
    )
    fast = np.array([model.decision(t) for t in texts])
    assert np.allclose(reference, fast, atol=1e-9)


def test_multilingual_check(trained):
    check = trained[0]["multilingual_check"]
    assert check["n"] == len(MULTILINGUAL_CHECK) >= 40
    assert len({lang for lang, _, _ in MULTILINGUAL_CHECK}) >= 5
    # measured: 0.992 (123/124) with the keyword layers, 0.194 with the English model only.
    # Blind rounds on unseen phrasings scored 56% and 72% for non-English: see the card.
    assert check["with_keywords"]["accuracy"] >= 0.95
    for lang in ("zh", "es", "de", "fr"):
        assert check["with_keywords"]["per_language"][lang] >= 0.9
    assert check["english_model_only"]["accuracy"] < check["with_keywords"]["accuracy"]


@pytest.mark.parametrize(
    ("text", "language", "intent"),
    [
        ("我要退款", "zh", "get_refund"),
        ("退款什么时候到账", "zh", "track_refund"),
        ("quiero cancelar mi pedido", "es", "cancel_order"),
        ("Wo ist mein Paket?", "de", "track_order"),
        ("je veux parler à un humain", "fr", "contact_human_agent"),
        ("注文をキャンセルしたい", "ja", "cancel_order"),
        ("vorrei annullare l'ordine", "it", "cancel_order"),
        ("quero falar com um atendente", "pt", "contact_human_agent"),
    ],
)
def test_keyword_layer(model, text, language, intent):
    pred = model.predict(text)
    assert (pred.language, pred.intent, pred.method) == (language, intent, "keywords")
    assert 0.55 <= pred.confidence <= 0.9
    assert pred.category == model.categories_by_intent[intent]


def test_keyword_scores_prefer_specific_intent():
    scores = keyword_scores("¿Cuál es su política de reembolsos?", "es")
    assert max(scores, key=scores.get) == "check_refund_policy"
    assert keyword_scores("hello", "xx") == {}


def test_non_english_without_keyword_falls_back_with_low_confidence(model):
    pred = model.predict("Ich möchte ein Konto eröffnen")  # create_account: no keywords
    assert pred.method == "model_fallback" and pred.language == "de"
    assert pred.confidence <= 0.5


def test_language_can_be_given(model):
    assert model.predict("annuler", language="fr").method == "keywords"


def test_train_on_small_sample():
    texts = ["cancel my order", "please cancel the order", "where is my order", "track my order"] * 3
    labels = ["cancel_order", "cancel_order", "track_order", "track_order"] * 3
    clf = IntentClassifier.train(texts, labels, {"cancel_order": "ORDER", "track_order": "ORDER"})
    assert clf.predict("cancel order now").intent == "cancel_order"
    assert clf.predict("track order").intent == "track_order"
    assert clf.temperature > 0
