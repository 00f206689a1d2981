"""Router latency: ``Router.predict()`` (ml/router.py) per request on the held-apart test split.

Trains the router into a temporary folder the way ``make serve`` does (routing set plus
Bitext rows from the shared data, a few seconds), or loads one with ``--models DIR``
(e.g. var/models; it may be older than the data set). Then, on every request of
ml/datasets/routing.jsonl with split == "test":

- per-request latency: each predict() timed on its own, ``--reps`` passes in a fresh
  random order each (so no request always runs right after the same one); p50/p95/p99
  overall and per language. On a shared 2-core machine single calls catch other jobs'
  time slices: p99 is the noisiest figure, p50 the one to compare between runs, and the
  same calls' CPU time (``predict_cpu_ms``) is what they cost without the waiting;
- throughput: whole passes over the split back to back, requests per second (the
  router has no batch API; predict takes one text, and the GIL keeps threads from helping);
- the LLM-fallback share: requests whose confidence is below
  ``settings.router_min_confidence``, where graphs/routing.py asks the LLM on the operator
  and schedule channels (the customer channel never asks it), with the classifier's
  exact-plan accuracy on each side of the threshold.

No LLM is called. Figures go to benchmarks/results/router_latency.json.

    .venv/bin/python benchmarks/router_latency.py [--reps 20] [--models DIR]
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import chuhai  # noqa: E402,F401  (telemetry off)
import ml  # noqa: E402
from benchmarks.common import RESULTS, dist, finish, header  # noqa: E402
from chuhai.settings import Settings  # noqa: E402
from ml.router_eval import load_examples, split  # noqa: E402

SHARED = Path(os.environ.get("CHUHAI_SHARED_DATA_DIR", ROOT.parent / "shared" / "data"))
QS = (50, 95, 99)


def load_router(models: str | None, tmp: Path):
    if models:
        return ml.load("router", Path(models), SHARED, train_if_missing=False), f"loaded from {models}"
    ml.train("router", tmp, SHARED)
    return ml.load("router", tmp, SHARED), "trained now (routing.jsonl train split + Bitext rows)"


def time_calls(router, rows: list[dict], reps: int) -> tuple[dict[str, list[float]], list[float]]:
    """Wall ms of each predict() by language, and the same calls' CPU ms (this thread's CPU
    time: what the call costs without the time other jobs held the core), over ``reps``
    shuffled passes after one warm-up pass."""
    for ex in rows:
        router.predict(ex["text"])
    by_lang: dict[str, list[float]] = defaultdict(list)
    cpu: list[float] = []
    order = list(rows)
    rng = random.Random(0)
    for _ in range(reps):
        rng.shuffle(order)
        for ex in order:
            c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
            router.predict(ex["text"])
            t1, c1 = time.perf_counter_ns(), time.thread_time_ns()
            by_lang[ex["lang"]].append((t1 - t0) / 1e6)
            cpu.append((c1 - c0) / 1e6)
    return by_lang, cpu


def throughput(router, texts: list[str], passes: int) -> list[float]:
    """Requests per second of each back-to-back pass over ``texts``."""
    rates = []
    for _ in range(passes):
        t0 = time.perf_counter()
        for text in texts:
            router.predict(text)
        rates.append(len(texts) / (time.perf_counter() - t0))
    return rates


def fallback(router, rows: list[dict], threshold: float) -> dict:
    """Share of requests under ``threshold`` (overall and per language) and accuracy on each side."""
    per_lang: dict[str, list[int]] = defaultdict(list)
    low_hits, high_hits = [], []
    for ex in rows:
        pred = router.predict(ex["text"])
        low = pred.confidence < threshold
        per_lang[ex["lang"]].append(int(low))
        (low_hits if low else high_hits).append(int(pred.plan == list(ex["labels"])))
    n_low = sum(sum(v) for v in per_lang.values())
    return {"min_confidence": threshold, "n": len(rows), "n_to_llm": n_low,
            "share_to_llm": round(n_low / len(rows), 4),
            "per_language": {k: round(sum(v) / len(v), 4) for k, v in sorted(per_lang.items())},
            "classifier_accuracy_below": round(sum(low_hits) / len(low_hits), 4) if low_hits else None,
            "classifier_accuracy_at_or_above": round(sum(high_hits) / len(high_hits), 4)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=20, help="timed passes over the test split")
    ap.add_argument("--passes", type=int, default=10, help="throughput passes")
    ap.add_argument("--models", help="folder with a trained router.joblib (default: train one now)")
    ap.add_argument("--out", default=str(RESULTS / "router_latency.json"))
    args = ap.parse_args()
    report = header("router_latency")
    rows = split(load_examples(), "test")
    threshold = Settings().router_min_confidence
    with tempfile.TemporaryDirectory() as tmp:
        router, source = load_router(args.models, Path(tmp))
    by_lang, cpu = time_calls(router, rows, args.reps)
    every = [ms for v in by_lang.values() for ms in v]
    rates = throughput(router, [ex["text"] for ex in rows], args.passes)
    report.update({
        "model": source, "requests": len(rows), "reps": args.reps,
        "note": "noisy shared 2-core machine (see the load averages): each call timed alone over shuffled "
                "passes; compare p50 between runs, read wall p95/p99 as what callers see under this load "
                "and predict_cpu_ms as the cost without other jobs' time slices",
        "predict_ms": dist(every, QS),
        "predict_cpu_ms": dist(cpu, QS),
        "predict_ms_per_language": {k: dist(v, QS) for k, v in sorted(by_lang.items())},
        "throughput_req_s": {"passes": args.passes, "median": round(sorted(rates)[len(rates) // 2], 1),
                             "best": round(max(rates), 1), "worst": round(min(rates), 1)},
        "llm_fallback": fallback(router, rows, threshold),
    })
    finish(report, args.out)


if __name__ == "__main__":
    main()
