"""The fraud model: features from the transaction fields, the store-order mapping that says
which features are real, training on a small slice (fast) and on the full data (slow)."""
from __future__ import annotations

import json

import pytest

import ml
from ml import fraud_eval
from ml.fraud_features import FEATURES, email_domain, phone_format, store_order_features, transaction_features

SMALL = ("logreg_amount", "logreg_compact")


@pytest.fixture(scope="module")
def small_shared(shared_data, tmp_path_factory):
    """A shared-data folder with a stratified slice of transactions.csv (every fraud row,
    some legitimate and unlabelled ones), for quick training."""
    import pandas as pd

    df = pd.read_csv(shared_data / "fraud" / "transactions.csv")
    parts = [df[df["EVENT_LABEL"] == 1], df[df["EVENT_LABEL"] == 0].groupby("split").head(120),
             df[df["EVENT_LABEL"].isna()].head(20)]
    out = tmp_path_factory.mktemp("fraud_shared")
    (out / "fraud").mkdir()
    pd.concat(parts).to_csv(out / "fraud" / "transactions.csv", index=False)
    return out


@pytest.fixture(scope="module")
def small_model(small_shared, tmp_path_factory):
    out = tmp_path_factory.mktemp("fraud_model")
    result = ml.module("fraud").train(out, small_shared, candidates=SMALL, bootstrap=20)
    return out, result


def test_registered():
    assert ml.MODELS["fraud"] == "ml.fraud" and ml.ARTIFACT["fraud"] == "fraud.joblib"


def test_feature_parsing(shared_data):
    import pandas as pd

    assert email_domain("a@GMAIL.com") == "gmail.com" and email_domain("x@lynch.org") == "other"
    assert phone_format("+1-021-436-2616-2085") == "plus1"
    assert phone_format("001-234-556-7788x123") == "extension" and phone_format("5855884205") == "digits"
    rows = pd.read_csv(shared_data / "fraud" / "transactions.csv", nrows=5)
    X = transaction_features(rows)
    assert list(X.columns) == FEATURES and len(X) == 5
    assert X.loc[0, "ua_browser"] == "Opera" and X.loc[0, "ua_os"] == "Linux"
    assert X.loc[3, "ua_mobile"] == 1.0 and X.loc[3, "ua_os"] == "Android"
    assert set(X["card_prefix"]) <= set("0123456789")


def test_store_order_mapping_says_what_is_real():
    fills = {f: (0.5 if f not in ("product_category", "email_domain", "ua_browser", "ua_os", "card_prefix",
                                  "phone_format") else "x") for f in FEATURES}
    values, why = store_order_features(120.0, "Mastercard", "Pat@Example.com", fills)
    assert set(why) == set(FEATURES)
    assert why["log_amount"].startswith("available") and why["card_prefix"].startswith("available")
    assert why["email_domain"].startswith("available") and values["email_domain"] == "other"
    assert values["card_prefix"] == "5"
    assert why["product_category"].startswith("proxy") and values["product_category"] == "shopping_net"
    for name in ("hour", "ua_browser", "billing_latitude", "phone_format"):
        assert why[name].startswith("filled") and values[name] == fills[name]
    _, unknown = store_order_features(10.0, "amex", None, fills)
    assert unknown["card_prefix"].startswith("filled") and unknown["email_domain"].startswith("filled")


def test_train_small_writes_model_and_card(small_model):
    out, result = small_model
    assert (out / "fraud.joblib").is_file()
    card = json.loads((out / "fraud.card.json").read_text())
    assert "Model card: fraud" in (out / "fraud.card.md").read_text()
    assert card["candidate"] in SMALL and set(card["cv"]["candidates"]) == set(SMALL)
    for view in ("test", "test_store_view"):
        m = card[view]
        assert 0 <= m["roc_auc"] <= 1 and 0 <= m["pr_auc"] <= 1
        assert m["confusion"]["tp"] + m["confusion"]["fn"] == m["fraud"] > 0
        assert 0 < m["threshold"] < 1
    assert result["features_used"] == fraud_eval.used_features(result["candidate"])


def test_loaded_model_scores_store_orders_with_provenance(small_model):
    out, _ = small_model
    model = ml.load("fraud", out, out, train_if_missing=False)
    low = model.score_store_order(5.0, "visa", "a@example.com")
    high = model.score_store_order(3000.0, "visa", "a@example.com")
    assert 0 <= low.probability <= 1 and 0 <= high.probability <= 1
    assert high.probability > low.probability  # amount is the strongest signal in this data
    assert high.flagged == (high.probability >= high.threshold)
    assert [f.name for f in high.features] == model.used
    assert high.available_share == 1.0  # both small candidates use only what a store order holds
    assert "internal" in high.note and high.test_metrics["roc_auc"] is not None


def test_metrics_helpers_agree_with_sklearn():
    import numpy as np
    from sklearn.metrics import average_precision_score, roc_auc_score

    rng = np.random.default_rng(1)
    y = (rng.random(300) < 0.2).astype(int)
    s = rng.random(300) + y * 0.3
    assert fraud_eval._fast_roc_auc(y, s) == pytest.approx(roc_auc_score(y, s))
    assert fraud_eval._fast_average_precision(y, s) == pytest.approx(average_precision_score(y, s))


@pytest.mark.slow
def test_full_training(shared_data, tmp_path):
    result = ml.train("fraud", tmp_path, shared_data)
    assert result["train_rows"] == 586 and result["test_rows"] == 224
    assert result["train_fraud"] == 75 and result["test"]["fraud"] == 20
    assert set(result["cv"]["candidates"]) == set(fraud_eval.CANDIDATES)
    assert result["test"]["roc_auc"] > 0.5  # better than chance on the held-out split
    assert "store-order view" in (tmp_path / "fraud.card.md").read_text()
