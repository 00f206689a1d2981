"""Demand classes, series scales, and conformal intervals.

Calibration uses one out-of-sample window: the global model is refitted on the weeks up to
``BACKTEST_H`` weeks before the end and forecasts those last weeks (``ml/forecast.py``).
The residuals ``log1p(y / L) - prediction`` (``L`` the series' level) of that window are
pooled per demand class (all classes together when a class has fewer than ``MIN_POOL``
residuals) and their quantiles give the band ``L * expm1(prediction + q)``, clipped at 0
and widened like ``sqrt(h / BACKTEST_H)`` past the window.

The point is the model's, close to the conditional median: for a product sold in fewer
than half the weeks that is well below its mean demand (in the nested backtests the
served points summed to ~75% of the units sold). Scaling the intermittent and lumpy
classes' points up to their mean by the window's actual/forecast ratio was tried and made
MASE and RMSSE worse (ml/FORECAST.md); plan stock on the upper band, not the point.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

LEVELS = (80, 95)
QUANTILES = {80: (0.10, 0.90), 95: (0.025, 0.975)}
MIN_POOL = 200
CLASSES = ("smooth", "erratic", "intermittent", "lumpy")


@dataclass
class IntervalTable:
    """Log-space residual quantiles per demand class and level: {class: {level: (lo, hi)}}."""
    quantiles: dict[str, dict[int, tuple[float, float]]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def band(self, demand_class: str, level: int) -> tuple[float, float]:
        table = self.quantiles.get(demand_class) or self.quantiles["all"]
        return table[level]


def scale_of(y: np.ndarray, power: int = 1) -> float:
    """Scale of a series: the mean absolute (``power=1``, MASE) or root mean squared
    (``power=2``, RMSSE) week-to-week change; the mean (at least 1) when it never changed."""
    y = np.asarray(y, dtype=float)
    s = float(np.mean(np.abs(np.diff(y)) ** power) ** (1 / power)) if len(y) > 1 else 0.0
    return s if s > 0 else max(float(np.mean(y)), 1.0)


def demand_class(y: np.ndarray) -> str:
    """Syntetos-Boylan class from the average interval between sales (ADI, cut 1.32) and
    the squared coefficient of variation of non-zero weeks (CV^2, cut 0.49)."""
    return str(demand_classes(np.asarray(y, dtype=float)[None, :])[0])


def demand_classes(y: np.ndarray) -> np.ndarray:
    """``demand_class`` of every row of a series x weeks matrix (NaN: the series did not exist)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        nonzero = np.where(y > 0, y, np.nan)
        count = (y > 0).sum(axis=1)
        adi = (~np.isnan(y)).sum(axis=1) / np.maximum(count, 1)
        cv2 = (np.nanstd(nonzero, axis=1) / np.nanmean(nonzero, axis=1)) ** 2
    smooth_cv = cv2 < 0.49
    out = np.where(adi < 1.32, np.where(smooth_cv, "smooth", "erratic"),
                   np.where(smooth_cv, "intermittent", "lumpy"))
    return np.where(count < 2, "lumpy", out).astype(object)


def matrix_stats(ids: pd.Index, y: np.ndarray) -> pd.DataFrame:
    """Per series: ``scale`` (MASE), ``scale_sq`` (RMSSE), ``demand_class``, ``weeks``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        diff = np.diff(y, axis=1)
        mean = np.nan_to_num(np.nanmean(y, axis=1))
        mae, rmse = np.nanmean(np.abs(diff), axis=1), np.sqrt(np.nanmean(diff ** 2, axis=1))
    fallback = np.maximum(mean, 1.0)
    return pd.DataFrame({"scale": np.where(mae > 0, mae, fallback), "scale_sq": np.where(rmse > 0, rmse, fallback),
                         "demand_class": demand_classes(y), "weeks": (~np.isnan(y)).sum(axis=1)},
                        index=pd.Index(ids, name="unique_id"))


def calibrate(actual: np.ndarray, pred_log: np.ndarray, lvl: np.ndarray, classes: np.ndarray) -> IntervalTable:
    """The interval table from one out-of-sample window: ``actual`` and ``pred_log`` are
    series x weeks (NaN: not scored), ``lvl`` the levels at the window's origin."""
    known = ~np.isnan(actual) & np.isfinite(pred_log)
    residual = (np.log1p(np.nan_to_num(actual) / lvl[:, None]) - pred_log)[known]
    row_class = np.broadcast_to(classes[:, None], actual.shape)[known]
    table = IntervalTable()
    for name in ("all", *CLASSES):
        mask = np.ones(len(residual), dtype=bool) if name == "all" else row_class == name
        values = residual[mask]
        table.counts[name] = int(len(values))
        if len(values) >= MIN_POOL or (name == "all" and len(values)):
            table.quantiles[name] = {lvl_: (float(np.quantile(values, lo)), float(np.quantile(values, hi)))
                                     for lvl_, (lo, hi) in QUANTILES.items()}
    if "all" not in table.quantiles:
        table.quantiles["all"] = {lvl_: (0.0, 0.0) for lvl_ in LEVELS}
    return table


def bands(pred_log: np.ndarray, lvl: np.ndarray, classes: np.ndarray, table: IntervalTable,
          window: int) -> dict[str, np.ndarray]:
    """Point and 80/95% bands (series x weeks) from log-space predictions and the table."""
    steps = np.arange(1, pred_log.shape[1] + 1)
    widen = np.sqrt(np.maximum(1.0, steps / window))[None, :]
    point = np.expm1(pred_log) * lvl[:, None]
    out = {"point": point}
    for level in LEVELS:
        lo_q = np.array([table.band(c, level)[0] for c in classes])[:, None]
        hi_q = np.array([table.band(c, level)[1] for c in classes])[:, None]
        lo = np.maximum(0.0, np.expm1(pred_log + lo_q * widen) * lvl[:, None])
        hi = np.expm1(pred_log + hi_q * widen) * lvl[:, None]
        out[f"lo{level}"], out[f"hi{level}"] = np.minimum(lo, point), np.maximum(hi, point)
    out["lo95"] = np.minimum(out["lo95"], out["lo80"])
    out["hi95"] = np.maximum(out["hi95"], out["hi80"])
    return out
