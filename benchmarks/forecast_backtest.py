"""Nested backtest of the nightly forecast pipeline on the weeks BEFORE the test horizon.

For each origin (default: 2011-08-27, 09-10 and 09-24, so the last window ends on
2011-10-29, the week before the test horizon), the whole pipeline of
``ml.forecast.fit_sets`` runs on the sales up to the origin and is scored on the next 5
weeks, against the window baselines (naive, moving averages, rolling medians), for the
products and the product x country series: MASE, RMSSE, bias, and interval coverage. This
is how the model's settings were chosen (ml/FORECAST.md); the test weeks are never read.

    .venv/bin/python benchmarks/forecast_backtest.py [--origins 2011-08-27,2011-09-10,2011-09-24]
        [--config '{"top_weight": 1}']

Figures go to benchmarks/results/forecast_backtest.json (or --out).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import chuhai  # noqa: E402,F401  (telemetry off)
from benchmarks.common import RESULTS, finish, header  # noqa: E402
from chuhai.settings import Settings  # noqa: E402
from ml import forecast as fc  # noqa: E402
from ml import forecast_eval as fe  # noqa: E402
from ml import forecast_global as fg  # noqa: E402
from ml import forecast_methods as fm  # noqa: E402
from ml.sales_series import TEST_START, load_sales  # noqa: E402

ORIGINS = "2011-08-27,2011-09-10,2011-09-24"
BASELINES = ("Naive", "MA4", "MED8")


def score_window(fitted: fc.FittedSet, panel: pd.DataFrame, origin: pd.Timestamp) -> dict:
    """MASE / RMSSE / bias of the served point and of the window baselines on the 5 weeks
    after ``origin``; interval coverage."""
    train = panel[panel["ds"] <= origin]
    test = panel[(panel["ds"] > origin) & (panel["ds"] <= origin + pd.Timedelta(weeks=fc.BACKTEST_H))]
    test = test[test["unique_id"].isin(train["unique_id"].unique())]
    window = fm.window_forecasts(train)[list(BASELINES)]
    aligned = test.merge(fitted.forecasts[["unique_id", "ds", "point"]], on=["unique_id", "ds"], how="left")
    columns = {"served": aligned["point"]}
    columns.update({b: aligned["unique_id"].map(window[b]) for b in BASELINES})
    scales = fe.naive_scales(train)
    top = train.groupby("unique_id")["y"].sum().sort_values(ascending=False).index[:fe.TOP_N]
    every = aligned["unique_id"].unique()
    out = {name: {"top": fe.summary_of(errors, top), "all": fe.summary_of(errors, every)}
           for name, values in columns.items()
           for errors in [fe.per_series_errors(values.fillna(0.0), aligned, scales)]}
    out["coverage_all"] = fe.interval_coverage(test, fitted.forecasts, fitted.stats, every)
    return out


def mean_of(windows: list[dict], name: str, scope: str, metric: str) -> float:
    return round(float(np.mean([w[name][scope][metric] for w in windows])), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--origins", default=ORIGINS)
    parser.add_argument("--config", default="{}", help="GlobalConfig fields as JSON")
    parser.add_argument("--out", default=str(RESULTS / "forecast_backtest.json"))
    args = parser.parse_args()
    config = fg.GlobalConfig(**json.loads(args.config))
    origins = [pd.Timestamp(o) for o in args.origins.split(",")]
    if max(origins) + pd.Timedelta(weeks=fc.BACKTEST_H) >= TEST_START:
        raise SystemExit(f"an origin's window reaches the test horizon ({TEST_START.date()}): not a backtest")
    report = header("forecast_backtest")
    report["config"] = dataclasses.asdict(config)
    sales = load_sales(Settings().shared_data_dir)
    sales = sales[sales["week"] < TEST_START]
    results = {"products": [], "product_country": []}
    scored_panels = fc.panels(sales)
    for origin in origins:
        started, cpu = time.perf_counter(), time.process_time()
        fitted, _, _ = fc.fit_sets(sales[sales["week"] <= origin], fc.BACKTEST_H, config=config)
        seconds = {"wall_s": round(time.perf_counter() - started, 1), "cpu_s": round(time.process_time() - cpu, 1)}
        for label, fit, panel in zip(results, fitted, scored_panels):
            window = {"origin": str(origin.date()), **seconds, **score_window(fit, panel, origin)}
            results[label].append(window)
            print(label, origin.date(), {k: window[k]["top"]["mase"] for k in ("served", *BASELINES)}, flush=True)
    summary = {}
    for label, windows in results.items():
        names = ["served", *BASELINES]
        summary[label] = {f"{scope}_{metric}": {n: mean_of(windows, n, scope, metric) for n in names}
                          for scope in ("top", "all") for metric in ("mase", "rmsse", "bias")}
        yardstick = min(summary[label]["top_mase"][b] for b in ("Naive", "MA4"))
        summary[label]["top_mase_reduction_vs_better_of_naive_ma4"] = round(1 - summary[label]["top_mase"]["served"] / yardstick, 4)
        summary[label]["coverage80"] = round(float(np.mean([w["coverage_all"]["coverage80"] for w in windows])), 4)
        summary[label]["coverage95"] = round(float(np.mean([w["coverage_all"]["coverage95"] for w in windows])), 4)
    report["summary"], report["windows"] = summary, results
    print(json.dumps(summary, indent=1))
    finish(report, args.out)


if __name__ == "__main__":
    main()
