"""Text-model latency: the review_insights and categorize_products tools per request.

Trains both models into a temporary folder (about 1-2 minutes on 2 cores; the training
times are reported too), or loads them with ``--models DIR``. Then:

- review_insights on one review per call (``--reps`` calls, each review new to the
  embedding cache, so every call embeds), and on batches of 50 and 300 test reviews;
- categorize_products on one title per call (PriceRunner test titles and the store's
  product names) and on the store's 50 products in one call;
- cold start: loading each model from disk, and the first call after it (which loads the
  sentence encoder, ~0.4 s).

Figures go to benchmarks/results/text_ml_latency.json.

    .venv/bin/python benchmarks/text_ml_latency.py [--reps 100] [--models DIR]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import chuhai  # noqa: E402,F401  (telemetry off)
import ml  # noqa: E402
from benchmarks.common import RESULTS, dist, finish, header  # noqa: E402
from ml import categories_eval, reviews_eval  # noqa: E402
from tools.base import ToolContext  # noqa: E402
from tools.text_ml_tools import CategorizeIn, ReviewInsightsIn, categorize_products, review_insights  # noqa: E402
from vectorstore.embeddings import load_embedder  # noqa: E402

SHARED = Path(os.environ.get("CHUHAI_SHARED_DATA_DIR", ROOT.parent / "shared" / "data"))
QS = (50, 95, 99)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument("--models", help="folder with trained reviews.joblib and categories.joblib")
    args = parser.parse_args()
    report = header("text_ml_latency")
    with tempfile.TemporaryDirectory() as tmp:
        models = Path(args.models) if args.models else Path(tmp)
        if not args.models:
            for name in ("reviews", "categories"):
                start = time.perf_counter()
                metrics = ml.train(name, models, SHARED)
                report[f"{name}_train_wall_s"] = round(time.perf_counter() - start, 1)
                report[f"{name}_headline"] = {k: metrics[k] for k in ("test_accuracy", "test_macro_f1",
                                                                       "multilingual_accuracy") if k in metrics}
        report["models"] = "trained in a temporary folder" if not args.models else f"loaded from {models}"
        # cold start: a fresh load of each model file; the first embedding loads the encoder
        load_embedder.cache_clear()
        start = time.perf_counter()
        reviews = ml.module("reviews").load(models)
        report["reviews_load_ms"] = round((time.perf_counter() - start) * 1000, 1)
        report["reviews_first_call_ms"] = round(timed(lambda: reviews.proba(["first call after load"])), 1)
        start = time.perf_counter()
        categories = ml.module("categories").load(models)
        report["categories_load_ms"] = round((time.perf_counter() - start) * 1000, 1)

        ctx = ToolContext(deps=SimpleNamespace(reviews=reviews, categories=categories))
        _, test_df = reviews_eval.load_splits(SHARED)
        texts = test_df["text"].tolist()
        multilingual = [r["text"] for r in reviews_eval.load_multilingual()]
        pool = [f"{t} #{i}" for i, t in enumerate((texts + multilingual) * (1 + args.reps // 300))][:args.reps]
        one = [timed(lambda t=t: review_insights.fn(ctx, ReviewInsightsIn(texts=[t]))) for t in pool]
        report["review_insights_1_review_ms"] = dist(one, QS)
        for n in (50, 300):
            batch = [f"{t} ~{n}" for t in texts[:n]]
            report[f"review_insights_{n}_reviews_ms"] = round(
                timed(lambda b=batch: review_insights.fn(ctx, ReviewInsightsIn(texts=b))), 1)

        _, titles_df = categories_eval.load_splits(SHARED)
        titles = titles_df["product_title"].tolist()[:args.reps]
        store = categories_eval.store_products(SHARED)
        per_title = [timed(lambda t=t: categorize_products.fn(ctx, CategorizeIn(products=[{"title": t}])))
                     for t in titles + [p["name"] for p in store]]
        report["categorize_1_product_ms"] = dist(per_title, QS)
        products = [{"title": p["name"]} for p in store]
        report["categorize_50_store_products_ms"] = round(
            timed(lambda: categorize_products.fn(ctx, CategorizeIn(products=products))), 1)
    finish(report, RESULTS / "text_ml_latency.json")


if __name__ == "__main__":
    main()
