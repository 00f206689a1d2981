"""Candidate forecasting methods for weekly demand, and rolling-origin backtests.

Every candidate gives a flat or model-based path for the next ``h`` weeks of each series:

- window methods, computed in numpy on the last weeks of every series at once: naive
  (last week), moving averages of 2/4/8 weeks, the historic mean, and rolling medians of
  4/6/8/12 weeks (robust to the one big wholesale order that lifts every mean-based
  method); a series shorter than the window uses the weeks it has;
- statsforecast models: simple exponential smoothing with an optimised alpha, AutoETS
  (``slow``: skipped for the product x country series), and the intermittent-demand
  methods Croston (classic, optimised, SBA), TSB, ADIDA and IMAPA;
- fixed ensembles (``ENSEMBLES``): means or medians of the above.

Left out after measuring them on the training weeks and the top-200 test (ml/FORECAST.md):
AutoARIMA (0.47 s a series, MASE 1.135 on the top 200 vs 1.046 for SES) and AutoTheta
(~2x AutoETS's time, no gain in the backtest). statsforecast 2.x runs compiled code (no
numba JIT), and it is imported only when a forecast is fitted, never at query time.
"""
from __future__ import annotations

import os
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

FREQ = "7D"
MIN_FIT_WEEKS = 4  # shorter series are forecast by the mean of their weeks (``SHORT``)
SHORT = "short_history_mean"
ROLLING_MEDIANS = (4, 6, 8, 12)
MOVING_AVERAGES = (2, 4, 8)
WINDOW_METHODS = ["Naive", *(f"MA{k}" for k in MOVING_AVERAGES), "HistoricAverage",
                  *(f"MED{k}" for k in ROLLING_MEDIANS)]
ENSEMBLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "ens_med_MA4_SES_IMAPA": ("median", ("MA4", "SESOpt", "IMAPA")),
    "ens_mean_MA4_SES": ("mean", ("MA4", "SESOpt")),
    "ens_mean_MED8_SES_IMAPA": ("mean", ("MED8", "SESOpt", "IMAPA")),
    "ens_med_MED8_MA4_SES_IMAPA": ("median", ("MED8", "MA4", "SESOpt", "IMAPA")),
    "ens_med_MED4_MED8_SES_IMAPA": ("median", ("MED4", "MED8", "SESOpt", "IMAPA")),
    "ens_mean_MED6_SES": ("mean", ("MED6", "SESOpt")),
    "ens_mean_MED8_SES_ETS_IMAPA": ("mean", ("MED8", "SESOpt", "AutoETS", "IMAPA")),
}


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


def candidate_names(include_slow: bool) -> list[str]:
    base = set(base_names(include_slow))
    return base_names(include_slow) + [n for n, (_, members) in ENSEMBLES.items() if base.issuperset(members)]


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


def add_ensembles(frame: pd.DataFrame) -> pd.DataFrame:
    for name, (how, members) in ENSEMBLES.items():
        if set(members).issubset(frame.columns):
            values = frame[list(members)]
            frame[name] = values.median(axis=1) if how == "median" else values.mean(axis=1)
    return frame


def forecast_all(panel: pd.DataFrame, h: int, include_slow: bool = True, n_jobs: int = 1) -> pd.DataFrame:
    """Every candidate's forecast ``h`` weeks past each series' last week.

    ``panel``: long ``unique_id, ds, y``. Returns ``unique_id, ds`` plus one column per
    candidate; a series shorter than MIN_FIT_WEEKS gets the mean of its weeks in every
    column (the caller labels it SHORT)."""
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
    out = add_ensembles(out)
    numeric = [c for c in out.columns if c not in ("unique_id", "ds")]
    out[numeric] = out[numeric].clip(lower=0.0).fillna(0.0)
    return out.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)


def backtest(panel: pd.DataFrame, h: int, cutoffs: list[pd.Timestamp], include_slow: bool = True,
             min_weeks: int = MIN_FIT_WEEKS, n_jobs: int = 1,
             progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Rolling-origin backtest: for each cutoff, fit on weeks <= cutoff (series with at
    least ``min_weeks`` weeks by then) and forecast the next ``h``; returns the forecasts
    with the actual ``y`` and the ``cutoff``."""
    frames = []
    for cutoff in cutoffs:
        history = panel[panel["ds"] <= cutoff]
        n = history.groupby("unique_id", sort=False)["y"].size()
        history = history[history["unique_id"].isin(n.index[n >= min_weeks])]
        if history.empty:
            continue
        if progress:
            progress(f"backtest cutoff {pd.Timestamp(cutoff).date()}: {history['unique_id'].nunique()} series")
        fc = forecast_all(history, h, include_slow, n_jobs)
        fc = fc.merge(panel[["unique_id", "ds", "y"]], on=["unique_id", "ds"], how="inner")
        frames.append(fc.assign(cutoff=pd.Timestamp(cutoff)))
    if not frames:
        return pd.DataFrame(columns=["unique_id", "ds", "y", "cutoff"])
    return pd.concat(frames, ignore_index=True)
