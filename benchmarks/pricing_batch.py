"""The repricing pass, end to end: how long the pricing agent takes to price N products
("propose nightly repricing for all products": candidate selection, one audited
`optimize_price` call per product and market, the pending actions, the chart and the
Markdown report) over the full sales history with the trained elasticity and forecast
models, for several N (CHUHAI_PRICING_BATCH_MAX_PRODUCTS; trusted-only off so N is
reachable: only ~105 products have a trusted elasticity), and one product's
recommendation with its chart (the chat path) warm.

Each pass is split into the tool calls (``tools_s``, from their audit entries) and the
rest (``rest_s``: candidates, proposals, chart, report). A fresh store with the full sales
history is built in a temporary folder first (timed too).

    .venv/bin/python benchmarks/pricing_batch.py [--sizes 25 100 250] [--repeat 3]

Figures go to benchmarks/results/pricing_batch.json.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import chuhai  # noqa: E402,F401  (telemetry off)
from benchmarks.common import RESULTS, dist, finish, header  # noqa: E402
from chuhai.settings import Settings  # noqa: E402


def run_agent(deps, text: str) -> tuple[dict, float, float, int]:
    """(typed result, wall s, tool s, pending actions) of one request through the agent."""
    from agents import pricing
    from agents.base import AgentRequest

    req = AgentRequest(text=text, redacted_text=text, channel="schedule", language="en", role="scheduler", deps=deps)
    started = time.perf_counter()
    out = pricing.run(req)
    wall = time.perf_counter() - started
    return out.data, wall, sum(c["ms"] for c in out.tool_calls) / 1000, len(out.pending_actions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[25, 100, 250])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import ml
    from store import Store

    shared = Settings().shared_data_dir
    models_dir = Settings().models_dir
    report = header("pricing_batch")
    with tempfile.TemporaryDirectory(prefix="chuhai-pricing-bench-") as tmp:
        started = time.perf_counter()
        store = Store(f"sqlite:///{Path(tmp) / 'store.db'}")
        store.ensure_seeded(shared / "retail", shared / "sales" / "online_retail.csv.gz")
        report["store_build_s"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        models = {name: ml.load(name, models_dir, shared, train_if_missing=False) for name in ("elasticity", "forecast")}
        report["models_load_s"] = round(time.perf_counter() - started, 2)
        settings = Settings(data_dir=Path(tmp) / "var", shared_data_dir=shared, llm_backend="none",
                            pricing_batch_trusted_only=False)
        deps = SimpleNamespace(settings=settings, store=store, llm_enabled=False,
                               clock=lambda: datetime.now(timezone.utc), **models)
        data, wall, tools_s, _ = run_agent(deps, "price 85123A in Germany")
        report["one_product_cold_s"] = round(wall, 3)
        warm = [run_agent(deps, "price 85123A in Germany")[1] for _ in range(args.repeat)]
        report["one_product_warm_s"] = dist(warm)
        passes = []
        for n in args.sizes:
            settings.pricing_batch_max_products = n
            runs = [run_agent(deps, "propose nightly repricing for all products") for _ in range(args.repeat)]
            data = runs[-1][0]
            walls = [r[1] for r in runs]
            passes.append({"products": len(data["products"]), "checked": data["batch"]["checked"],
                           "proposed": runs[-1][3], "failures": len(data["failures"]), "wall_s": dist(walls),
                           "per_product_ms": round(min(walls) / max(1, len(data["products"])) * 1000, 1),
                           "tools_s": round(runs[-1][2], 3), "rest_s": round(runs[-1][1] - runs[-1][2], 3)})
        report["passes"] = passes
        settings.pricing_batch_trusted_only, settings.pricing_batch_max_products = True, 25
        data, wall, _, proposed = run_agent(deps, "propose nightly repricing for all products")
        report["default_pass"] = {"criteria": data["batch"]["criteria"], "products": len(data["products"]),
                                  "proposed": proposed, "wall_s": round(wall, 3)}
        store.close()
    finish(report, RESULTS / "pricing_batch.json")


if __name__ == "__main__":
    main()
