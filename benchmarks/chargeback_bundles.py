"""Chargeback evidence bundles: the time to build each seeded dispute's bundle (JSON plus
the HTML document) through the ``build_dispute_bundle`` tool, and a batch of 100
disputes built one after the other, on a fresh seeded SQLite store with the fraud model
loaded (trained into a temporary folder first if the data dir has none: not timed).
Targets: every bundle under 10 s, a batch of 100 under 5 minutes.

    .venv/bin/python benchmarks/chargeback_bundles.py [--batch 100] [--out benchmarks/results/chargeback_bundles.json]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import chuhai  # noqa: E402,F401  (telemetry off)
from benchmarks.common import RESULTS, dist, finish, header  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--out", default=str(RESULTS / "chargeback_bundles.json"))
    args = ap.parse_args()

    import ml
    from chuhai.deps import Deps
    from chuhai.settings import Settings
    from store import Store
    from store import disputes as store_disputes
    from tools import call_tool
    from tools.base import ToolContext

    report = header("chargeback_bundles")
    with tempfile.TemporaryDirectory(prefix="cb-bench-") as tmp:
        tmp = Path(tmp)
        settings = Settings(data_dir=tmp / "var", llm_backend="none")
        shared = settings.shared_data_dir
        store = Store(f"sqlite:///{tmp / 'store.db'}")
        started = time.perf_counter()
        store.reset(shared / "retail")
        report["seed_s"] = round(time.perf_counter() - started, 3)
        models = Settings().models_dir if ml.is_trained("fraud", Settings().models_dir) else tmp / "models"
        if not ml.is_trained("fraud", models):
            ml.train("fraud", models, shared)
        deps = Deps(settings=settings, store=store, router=None)
        deps.fraud = ml.load("fraud", models, shared, train_if_missing=False)
        ctx = ToolContext(deps=deps, role="operator")
        ids = [d["id"] for d in sorted(store_disputes.list_disputes(store), key=lambda d: d["id"])]

        def build(dispute_id: str) -> tuple[float, dict]:
            t = time.perf_counter()
            out = call_tool("build_dispute_bundle", ctx, {"dispute_id": dispute_id, "include_html": True})
            if not out.ok:
                raise RuntimeError(f"{dispute_id}: {out.error}")
            ctx.audit.clear()
            return time.perf_counter() - t, out.result["bundle"]

        first, _ = build(ids[0])  # cold: corpus sections, templates, model
        per, families = [], {}
        for dispute_id in ids:
            seconds, bundle = build(dispute_id)
            per.append(seconds)
            families.setdefault(bundle["family"], []).append(bundle["completeness"]["score"])
        batch = ids[:args.batch]
        started = time.perf_counter()
        for dispute_id in batch:
            build(dispute_id)
        batch_s = time.perf_counter() - started
        store.close()

    report.update({
        "disputes": len(ids),
        "first_bundle_cold_s": round(first, 4),
        "per_bundle_s": {**dist(per, (50, 95, 99)), "max": round(max(per), 4)},
        "every_bundle_under_10s": max(per + [first]) < 10.0,
        "batch": {"n": len(batch), "total_s": round(batch_s, 3), "under_5_minutes": batch_s < 300.0},
        "completeness_by_family": {f: {"n": len(s), "mean": round(sum(s) / len(s), 3), "min": min(s), "max": max(s)}
                                   for f, s in sorted(families.items())},
        "note": "bundle = evidence + completeness + letter + HTML document, through the tool (audited); "
                "fresh SQLite store, no support threads in the checkpointer",
    })
    finish(report, args.out)


if __name__ == "__main__":
    main()
