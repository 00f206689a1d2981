"""Selection reports, end to end: how long one market's report takes (the selection
agent: the `selection_report` tool over the store's sales history and the trained
forecast model, then the PNG charts and the Markdown file), cold and warm, and the weekly
scheduled job's five markets (CHUHAI_SCHEDULE_SELECTION_MARKETS) in a row, cold (caches
emptied, as in a fresh process) and warm.

Cold = the first report in a fresh process. Its SQL aggregation of the 530k sales lines
(country x product x week, cached per history version) is timed on its own
(``aggregate_s``), as is loading the forecast and review models; the cold report then
pays categorising every product, loading the market table and matplotlib's first figure.
Each report is split into the `selection_report` tool (the figures, ``tool_s``) and the
rest (``rest_s``: reading the request, charts, Markdown). A fresh store with the full
sales history is built in a temporary folder first (timed too).

    .venv/bin/python benchmarks/selection_report.py [--market UK] [--repeat 5]

Figures go to benchmarks/results/selection_report.json.
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
from benchmarks.forecast_nightly import timed  # noqa: E402
from chuhai.settings import Settings  # noqa: E402


def one_report(deps, market: str) -> dict:
    """One report through the agent, with the tool's own time from its audit entry."""
    from agents import selection
    from agents.base import AgentRequest

    text = f"weekly selection report for market {market}"
    req = AgentRequest(text=text, redacted_text=text, channel="schedule", language="en", role="scheduler", deps=deps)
    out, wall, cpu = timed(selection.run, req)
    tool_ms = sum(c["ms"] for c in out.tool_calls if c["tool"] == "selection_report")
    data = out.data
    return {"market": market, "kind": data["kind"], "wall_s": wall, "cpu_s": cpu, "tool_s": round(tool_ms / 1000, 3),
            "rest_s": round(wall - tool_ms / 1000, 3), "charts": len(data.get("charts") or []),
            "thin": (data.get("report") or {}).get("market", {}).get("thin")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--market", default="UK", help="the market timed cold and warm (default: the largest)")
    parser.add_argument("--repeat", type=int, default=5, help="warm reports of that market")
    args = parser.parse_args()

    import ml
    from agents import selection_analysis, selection_data
    from store import Store

    settings = Settings()
    report = header("selection_report")
    with tempfile.TemporaryDirectory(prefix="chuhai-selection-bench-") as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'store.db'}")
        shared = settings.shared_data_dir
        _, report["seed_store_s"], _ = timed(store.reset, shared / "retail", shared / "sales" / "online_retail.csv.gz")
        models, report["model_load_s"], _ = timed(lambda: {n: ml.load(n, settings.models_dir, shared,
                                                                     train_if_missing=False)
                                                          for n in ("forecast", "reviews")})
        data_dir = Path(tmp) / "var"
        data_dir.mkdir()
        deps = SimpleNamespace(settings=SimpleNamespace(state_dir=data_dir, models_dir=settings.models_dir),
                               store=store, clock=lambda: datetime.now(timezone.utc), **models)
        try:
            _, report["aggregate_s"], _ = timed(selection_data.sales_cube, store)
            report["cold"] = one_report(deps, args.market)
            warm = [one_report(deps, args.market) for _ in range(args.repeat)]
            report["warm"] = {"market": args.market, "wall_s": dist([w["wall_s"] for w in warm]),
                              "tool_s": dist([w["tool_s"] for w in warm]), "rest_s": dist([w["rest_s"] for w in warm])}
            markets = [m.strip() for m in settings.schedule_selection_markets if m.strip()]
            for label in ("scheduled_markets_cold", "scheduled_markets_warm"):
                if label.endswith("cold"):  # as in a fresh process: no aggregation, no categories yet
                    selection_data._CACHE.clear()
                    selection_analysis.category.cache_clear()
                started = time.perf_counter()
                runs = [one_report(deps, m) for m in markets]
                report[label] = {"markets": markets, "total_wall_s": round(time.perf_counter() - started, 3),
                                 "reports": runs}
        finally:
            store.close()
    finish(report, RESULTS / "selection_report.json")


if __name__ == "__main__":
    main()
