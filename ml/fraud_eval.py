"""The fraud model's data, candidates, evaluation and model card.

Split: the file's own ``split`` column (train 586 labelled rows, 75 fraud; test 224, 20
fraud); unlabelled rows (blank EVENT_LABEL) are not used. The candidate and the
decision threshold are chosen by 5-fold stratified cross-validation on train only
(PR-AUC; threshold = best F1 of the out-of-fold scores); the test split is scored once.
Besides the test metrics the card reports the same test rows with only the features a
store order has (``store_view``): what a dispute-time score can be worth.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ml.data_files import shared_file
from ml.fraud_features import CATEGORICAL, FEATURES, NUMERIC, is_available, store_order_features, \
    transaction_features, typical_values
from ml.model_card import md_table, write_card_files

DATA_FILE = Path("fraud") / "transactions.csv"
CARD_JSON, CARD_MD = "fraud.card.json", "fraud.card.md"
FOLDS, SEED, BOOTSTRAP = 5, 0, 1000


def data_path(shared_data: Path) -> Path:
    return shared_file(shared_data, DATA_FILE)


def load_splits(shared_data: Path):
    """(train, test) labelled rows of transactions.csv, by its split column."""
    import pandas as pd

    df = pd.read_csv(data_path(shared_data))
    df = df[df["EVENT_LABEL"].notna()].copy()
    df["EVENT_LABEL"] = df["EVENT_LABEL"].astype(int)
    return (df[df["split"] == "train"].reset_index(drop=True), df[df["split"] == "test"].reset_index(drop=True))


# name -> (numeric features, categorical features, estimator); "compact" and "amount" use
# only what a store order really holds, "all" every transaction feature
CANDIDATES = {
    "logreg_all": (NUMERIC, CATEGORICAL, "logreg"),
    "boosting_all": (NUMERIC, CATEGORICAL, "boosting"),
    "logreg_compact": (["log_amount"], ["email_domain", "card_prefix"], "logreg"),
    "logreg_amount": (["log_amount"], [], "logreg"),
}


def used_features(candidate: str) -> list[str]:
    numeric, categorical, _ = CANDIDATES[candidate]
    return [*numeric, *categorical]


def make_pipeline(candidate: str):
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric, categorical, estimator = CANDIDATES[candidate]
    parts = [("num", StandardScaler(), numeric)]
    if categorical:
        parts.append(("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=5), categorical))
    model = (LogisticRegression(C=0.3, class_weight="balanced", max_iter=2000) if estimator == "logreg" else
             HistGradientBoostingClassifier(max_depth=3, learning_rate=0.1, max_iter=100, l2_regularization=1.0,
                                            random_state=SEED))
    return Pipeline([("prep", ColumnTransformer(parts)), ("model", model)])


def out_of_fold(candidate: str, X, y) -> np.ndarray:
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    return cross_val_predict(make_pipeline(candidate), X, y, cv=folds, method="predict_proba")[:, 1]


def best_threshold(y, scores) -> float:
    """The score cut with the best F1 on (out-of-fold) train scores."""
    from sklearn.metrics import precision_recall_curve

    precision, recall, cuts = precision_recall_curve(y, scores)
    f1 = 2 * precision[:-1] * recall[:-1] / np.maximum(precision[:-1] + recall[:-1], 1e-12)
    return float(cuts[int(np.argmax(f1))])


def compare(X, y, candidates=CANDIDATES) -> dict:
    from sklearn.metrics import average_precision_score, roc_auc_score

    rows = {}
    for name in candidates:
        oof = out_of_fold(name, X, y)
        rows[name] = {"cv_pr_auc": round(float(average_precision_score(y, oof)), 4),
                      "cv_roc_auc": round(float(roc_auc_score(y, oof)), 4), "oof": oof}
    chosen = max(rows, key=lambda n: rows[n]["cv_pr_auc"])
    return {"chosen": chosen, "threshold": round(best_threshold(y, rows[chosen]["oof"]), 4),
            "candidates": {n: {k: v for k, v in r.items() if k != "oof"} for n, r in rows.items()}}


def metrics(y, scores, threshold: float, bootstrap: int = BOOTSTRAP) -> dict:
    from sklearn.metrics import average_precision_score, roc_auc_score

    y, scores = np.asarray(y), np.asarray(scores)
    flagged = scores >= threshold
    tp, fp = int((flagged & (y == 1)).sum()), int((flagged & (y == 0)).sum())
    fn, tn = int((~flagged & (y == 1)).sum()), int((~flagged & (y == 0)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    out = {"rows": int(len(y)), "fraud": int(y.sum()), "base_rate": round(float(y.mean()), 4),
           "roc_auc": round(float(roc_auc_score(y, scores)), 4),
           "pr_auc": round(float(average_precision_score(y, scores)), 4),
           "threshold": threshold, "precision": round(precision, 4), "recall": round(recall, 4),
           "f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
           "confusion": {"tp": tp, "fp": fp, "fn": fn, "tn": tn}}
    rng, roc, pr = np.random.default_rng(SEED), [], []
    for _ in range(bootstrap):
        idx = rng.integers(0, len(y), len(y))
        if 0 < y[idx].sum() < len(idx):
            roc.append(_fast_roc_auc(y[idx], scores[idx]))
            pr.append(_fast_average_precision(y[idx], scores[idx]))
    if roc:
        out["roc_auc_95ci"] = [round(float(np.percentile(roc, q)), 4) for q in (2.5, 97.5)]
        out["pr_auc_95ci"] = [round(float(np.percentile(pr, q)), 4) for q in (2.5, 97.5)]
    return out


def _fast_roc_auc(y, scores) -> float:
    """ROC-AUC from ranks (ties averaged), as roc_auc_score, without its overhead."""
    from scipy.stats import rankdata

    ranks = rankdata(scores)
    pos = y == 1
    n1, n0 = int(pos.sum()), int((~pos).sum())
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def _fast_average_precision(y, scores) -> float:
    """Average precision (mean precision at each positive, by descending score)."""
    order = np.argsort(-scores, kind="mergesort")
    hits = (y[order] == 1).astype(float)
    precision_at = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float((precision_at * hits).sum() / hits.sum())


def store_view(test_df, fills: dict):
    """The test rows as a store order would present them: amount, card brand (from the
    BIN's first digit) and e-mail domain kept, everything else proxied or filled."""
    import pandas as pd

    brands = {"4": "visa", "5": "mastercard"}
    rows = []
    for r in test_df.itertuples():
        values, _ = store_order_features(r.order_price, brands.get(str(r.card_bin)[0]), r.customer_email, fills)
        rows.append(values)
    return pd.DataFrame(rows)[FEATURES]


def available_features(fills: dict) -> list[str]:
    _, why = store_order_features(1.0, "visa", "a@example.com", fills)
    return [f for f, w in why.items() if is_available(w)]


def write_card(out_dir: Path, result: dict, csv_path: Path) -> None:
    test, store = result["test"], result["test_store_view"]
    card = {
        "model": "fraud",
        "task": "probability that a card-not-present transaction is fraud (EVENT_LABEL 1)",
        "data": {"source": "aws-fraud-detector-samples transactions.csv (synthetic, MIT-0)", "path": str(csv_path),
                 "split": "the file's split column; unlabelled rows unused",
                 "train_rows": result["train_rows"], "test_rows": result["test_rows"]},
        "features": FEATURES,
        "excluded": ["payment_currency (random codes)", "merchant (generator artefact)",
                     "identifying values: ENTITY_ID, e-mail address, IP, card BIN digits beyond the first, phone, "
                     "name, street, job"],
        **result,
        "limits": [
            f"Small: {result['train_fraud']} fraud rows to learn from and {test['fraud']} to test on; the 95% "
            "intervals are wide.",
            "Synthetic data: patterns are those of the generator, not of a real shop's customers.",
            "Store orders have no timestamp, device, IP, phone or billing coordinates: at dispute time those "
            "features are filled with training values (test_store_view shows what is left of the signal).",
            "190 of the 195 test customers also appear in train; identifying features are excluded, so the "
            "test figure is about transactions, not about unseen customers only.",
        ],
    }
    lines = [
        "# Model card: fraud risk (card-not-present transactions)", "",
        f"- Task: {card['task']}.",
        f"- Data: `{csv_path.name}` ({card['data']['source']}): {result['train_rows']} train rows "
        f"({result['train_fraud']} fraud), {result['test_rows']} test rows ({test['fraud']} fraud); "
        "split = the file's split column.",
        f"- Chosen: **{result['candidate']}** by {FOLDS}-fold CV PR-AUC on train; threshold "
        f"{result['threshold']} = best F1 of the out-of-fold train scores. Test used once.",
        f"- Features of the chosen model: {', '.join(result['features_used'])} (of {len(FEATURES)} built from the "
        "transaction fields: the others did not raise CV PR-AUC).", "",
        "## Candidates (CV on train)", "",
        *md_table(["candidate", "CV PR-AUC", "CV ROC-AUC"],
                  [[n, c["cv_pr_auc"], c["cv_roc_auc"]] for n, c in result["cv"]["candidates"].items()]),
        "", "## Test metrics", "",
        *md_table(["input", "ROC-AUC (95% CI)", "PR-AUC (95% CI)", "precision", "recall", "F1", "base rate"],
                  [[name, f"{m['roc_auc']} {m.get('roc_auc_95ci', '')}", f"{m['pr_auc']} {m.get('pr_auc_95ci', '')}",
                    m["precision"], m["recall"], m["f1"], m["base_rate"]]
                   for name, m in (("all features", test), ("store-order view", store))]),
        "", f"Store-order view: of all features only {', '.join(result['store_available'])} are held for store "
        "orders; the rest are proxied or filled with the training median / most frequent value.", "",
        "## Limits", "",
        *[f"- {x}" for x in card["limits"]], "",
    ]
    write_card_files(Path(out_dir) / CARD_JSON, Path(out_dir) / CARD_MD, card, lines)


def fit_and_report(train_df, test_df, candidates=CANDIDATES, bootstrap: int = BOOTSTRAP) -> tuple:
    """(fitted pipeline, fills, result dict) from the two splits."""
    X, y = transaction_features(train_df), train_df["EVENT_LABEL"].to_numpy()
    comparison = compare(X, y, candidates)
    pipeline = make_pipeline(comparison["chosen"]).fit(X, y)
    fills = typical_values(X)
    threshold = comparison["threshold"]
    y_test = test_df["EVENT_LABEL"].to_numpy()
    result = {
        "candidate": comparison["chosen"], "features_used": used_features(comparison["chosen"]),
        "threshold": threshold, "cv": comparison,
        "train_rows": int(len(train_df)), "train_fraud": int(y.sum()), "test_rows": int(len(test_df)),
        "test": metrics(y_test, pipeline.predict_proba(transaction_features(test_df))[:, 1], threshold, bootstrap),
        "test_store_view": metrics(y_test, pipeline.predict_proba(store_view(test_df, fills))[:, 1], threshold,
                                   bootstrap),
        "store_available": available_features(fills),
        "fills": fills,
    }
    return pipeline, fills, result
