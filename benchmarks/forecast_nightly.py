"""Nightly forecast job, end to end: how long forecasting every product (and every
product x country of the top-N countries) takes on this machine, and what a query costs.

Steps timed: reading and cleaning the sales file (``ml.sales_series.load_sales``), the
pipeline of ``ml.forecast.build_forecaster`` (feature matrices, the global model trained
twice on the product series: on the weeks before the calibration window and on all weeks;
forecasts and calibrated intervals for the product and the product x country series), and
saving the artifact. Then the saved artifact is loaded and
``Forecaster.forecast`` is timed on random products (the per-request cost a specialist
pays). Wall and CPU seconds are both reported: on this shared 2-core machine wall time
moves with other people's jobs (see the load averages in the report).

    .venv/bin/python benchmarks/forecast_nightly.py [--top-countries 10] [--queries 2000]

Figures go to benchmarks/results/forecast_nightly.json.
"""
from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import chuhai  # noqa: E402,F401  (telemetry off)
from benchmarks.common import RESULTS, dist, finish, header  # noqa: E402
from chuhai.settings import Settings  # noqa: E402
from ml import forecast as fc  # noqa: E402
from ml import forecast_global as fg  # noqa: E402
from ml.sales_series import load_sales  # noqa: E402


def timed(fn, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return out, round(time.perf_counter() - wall, 2), round(time.process_time() - cpu, 2)


def query_latency(model: fc.Forecaster, n: int) -> dict:
    rng = random.Random(0)
    products = [uid for uid in model.ids if fc.KEY_SEP not in uid]
    pairs = [uid.split(fc.KEY_SEP, 1) for uid in model.ids if fc.KEY_SEP in uid]
    out = {}
    for label, calls in (("product", [(rng.choice(products), None) for _ in range(n)]),
                         ("product_country", [tuple(rng.choice(pairs)) for _ in range(n)])):
        ms = []
        for product, country in calls:
            start = time.perf_counter()
            model.forecast(product, country, horizon=8, history_weeks=12)
            ms.append((time.perf_counter() - start) * 1000)
        out[label] = {"ms": dist(ms, (50, 95, 99))}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top-countries", type=int, default=fc.TOP_COUNTRIES)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--out", default=str(RESULTS / "forecast_nightly.json"))
    args = parser.parse_args()
    fc.TOP_COUNTRIES = args.top_countries
    report = header("forecast_nightly")
    report["settings"] = {"top_countries": args.top_countries, "calibration_weeks": fc.BACKTEST_H,
                          "horizon_weeks": fc.H_MAX, "model": dataclasses.asdict(fg.GlobalConfig())}
    wall0, cpu0 = time.perf_counter(), time.process_time()
    sales, load_wall, load_cpu = timed(load_sales, Settings().shared_data_dir)
    (model, parts), fit_wall, fit_cpu = timed(fc.build_forecaster, sales)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / fc.MODEL_FILE
        _, save_wall, _ = timed(model.save, path)
        size_mb = round(path.stat().st_size / 1e6, 2)
        total_wall, total_cpu = round(time.perf_counter() - wall0, 2), round(time.process_time() - cpu0, 2)
        loaded, load_model_wall, _ = timed(fc.Forecaster.load, path)
    report["nightly"] = {
        "total_wall_s": total_wall, "total_cpu_s": total_cpu,
        "load_sales_wall_s": load_wall, "load_sales_cpu_s": load_cpu,
        "fit_wall_s": fit_wall, "fit_cpu_s": fit_cpu, **parts,
        "save_wall_s": save_wall, "artifact_mb": size_mb, "series": len(model.ids),
    }
    report["query"] = {"load_artifact_wall_s": load_model_wall, **query_latency(loaded, args.queries)}
    finish(report, args.out)


if __name__ == "__main__":
    main()
