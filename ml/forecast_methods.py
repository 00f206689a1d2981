"""Classical forecasting methods: the baselines the global model is scored against.

Every method gives a flat or model-based path for the next ``h`` weeks of each series:

- window methods, computed in numpy on the last weeks of every series at once: naive
  (last week), moving averages of 2/4/8 weeks, the historic mean, and rolling medians of
  4/6/8/12 weeks; a series shorter than the window uses the weeks it has;
- statsforecast models: simple exponential smoothing with an optimised alpha, AutoETS
  (``slow``: products only), and the intermittent-demand methods Croston (classic,
  optimised, SBA), TSB, ADIDA and IMAPA.

Until 2026-11 a method per series was chosen among these (and fixed ensembles of them)
by a rolling-origin backtest; the global model replaced that choice (ml/FORECAST.md), and
these now serve as the test table's baselines. statsforecast is imported only here, and
only by the training run's evaluation.
"""
from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd

FREQ = "7D"
MIN_FIT_WEEKS = 4  # shorter series are forecast by the mean of their weeks
ROLLING_MEDIANS = (4, 6, 8, 12)
MOVING_AVERAGES = (2, 4, 8)
WINDOW_METHODS = ["Naive", *(f"MA{k}" for k in MOVING_AVERAGES), "HistoricAverage",
                  *(f"MED{k}" for k in ROLLING_MEDIANS)]
def _stats_models(include_slow: bool) -> list:
    os.environ.setdefault("NIXTLA_ID_AS_COL", "1")
    from statsforecast.models import (ADIDA, IMAPA, TSB, AutoETS, CrostonClassic, CrostonOptimized,
                                      CrostonSBA, SimpleExponentialSmoothingOptimized)

    models = [SimpleExponentialSmoothingOptimized(), CrostonClassic(), CrostonOptimized(), CrostonSBA(),
              TSB(0.1, 0.1), ADIDA(), IMAPA()]
    if include_slow:
        models.append(AutoETS(season_length=1))
    return models


STATS_NAMES = ["SESOpt", "CrostonClassic", "CrostonOptimized", "CrostonSBA", "TSB", "ADIDA", "IMAPA"]


def base_names(include_slow: bool) -> list[str]:
    return WINDOW_METHODS + STATS_NAMES + (["AutoETS"] if include_slow else [])


def _future_weeks(last: pd.Series, h: int) -> pd.DataFrame:
    steps = np.arange(1, h + 1)
    ids = np.repeat(last.index.to_numpy(), h)
    ds = np.repeat(last.to_numpy(), h) + np.tile(steps * np.timedelta64(7, "D"), len(last))
    return pd.DataFrame({"unique_id": ids, "ds": ds})


def window_forecasts(panel: pd.DataFrame) -> pd.DataFrame:
    """The window methods' level for each series (rows: unique_id), from its last weeks."""
    grouped = panel.groupby("unique_id", sort=False)["y"]
    back = grouped.cumcount(ascending=False).to_numpy()  # 0 = the series' last week
    longest = max(max(ROLLING_MEDIANS), max(MOVING_AVERAGES))
    recent = panel[back < longest].assign(back=back[back < longest])
    tail = recent.pivot(index="unique_id", columns="back", values="y").reindex(columns=range(longest))
    values = tail.to_numpy(dtype=float)
    out = {"Naive": values[:, 0], "HistoricAverage": grouped.mean().reindex(tail.index).to_numpy()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a window can be all NaN only if the series is empty
        for k in MOVING_AVERAGES:
            out[f"MA{k}"] = np.nanmean(values[:, :k], axis=1)
        for k in ROLLING_MEDIANS:
            out[f"MED{k}"] = np.nanmedian(values[:, :k], axis=1)
    return pd.DataFrame(out, index=tail.index)[WINDOW_METHODS]


def forecast_all(panel: pd.DataFrame, h: int, include_slow: bool = True, n_jobs: int = 1) -> pd.DataFrame:
    """Every method's forecast ``h`` weeks past each series' last week.

    ``panel``: long ``unique_id, ds, y``. Returns ``unique_id, ds`` plus one column per
    method; a series shorter than MIN_FIT_WEEKS gets the mean of its weeks in every
    column."""
    from statsforecast import StatsForecast
    from statsforecast.models import SimpleExponentialSmoothingOptimized

    lengths = panel.groupby("unique_id", sort=False)["y"].size()
    long_ids = lengths.index[lengths >= MIN_FIT_WEEKS]
    fit_panel = panel[panel["unique_id"].isin(long_ids)]
    parts = []
    if len(fit_panel):
        sf = StatsForecast(models=_stats_models(include_slow), freq=FREQ, n_jobs=n_jobs,
                           fallback_model=SimpleExponentialSmoothingOptimized())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stats = sf.forecast(df=fit_panel[["unique_id", "ds", "y"]], h=h)
        stats = stats.join(window_forecasts(fit_panel), on="unique_id")
        parts.append(stats)
    short = panel[~panel["unique_id"].isin(long_ids)]
    if len(short):
        means = short.groupby("unique_id", sort=False)["y"].mean()
        future = _future_weeks(short.groupby("unique_id", sort=False)["ds"].max(), h)
        for name in base_names(include_slow):
            future[name] = future["unique_id"].map(means).to_numpy()
        parts.append(future)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["unique_id", "ds"])
    numeric = [c for c in out.columns if c not in ("unique_id", "ds")]
    out[numeric] = out[numeric].clip(lower=0.0).fillna(0.0)
    return out.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
