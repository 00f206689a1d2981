"""Choosing a forecasting method per series from its backtest, and interval widths.

The rule (chosen by a nested backtest on the weeks before the test horizon: choose on
earlier windows, score on the next one, three times; see ml/FORECAST.md): rank the
candidates by the series' backtest RMSSE (root mean squared error over the root mean
squared week-to-week change, as in the M5 competition); if the best beats the default of
the series' demand class (the candidate with the best mean backtest RMSSE over the
class's series; classes as Syntetos and Boylan) by at least ``MARGIN``, use the mean of
the series' ``TOP_K`` best candidates, else that default. Picking the single best per series was worse than any fixed method: a few noisy
windows reward luck. Squared error, not MASE's absolute error: absolute error is
minimised by the median, which is 0 for a product sold in fewer than half the weeks, so
ranking by MASE picks rolling medians and forecasts zero-ish demand for such products
(measured on the test weeks: a slightly better MASE over all products, a worse one on
the top 200, and more of the demand missed; ml/FORECAST.md).

Intervals are conformal and pooled: the chosen forecast's backtest errors (each window's
choice made from the other windows), divided by the series' MASE scale, are pooled per
demand class and their quantiles give the band ``point + q * scale``, clipped at 0.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MARGIN = 0.10
TOP_K = 3
LEVELS = (80, 95)
QUANTILES = {80: (0.10, 0.90), 95: (0.025, 0.975)}
MIN_POOL = 200  # fewer backtest errors in a class: use the pool of all classes
MIN_CLASS_SERIES = 20  # fewer scored series in a demand class: it takes the overall default
FALLBACK = "MED8"  # the default when nothing could be backtested
CLASSES = ("smooth", "erratic", "intermittent", "lumpy")


@dataclass
class Choice:
    weights: dict[str, float]   # candidate -> weight (sums to 1)
    label: str
    backtest_rmsse: float | None = None


@dataclass
class IntervalTable:
    """Scaled-error quantiles per demand class and level: {class: {level: (lo, hi)}}."""
    quantiles: dict[str, dict[int, tuple[float, float]]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def band(self, demand_class: str, level: int) -> tuple[float, float]:
        table = self.quantiles.get(demand_class) or self.quantiles["all"]
        return table[level]


def scale_of(y: np.ndarray, power: int = 1) -> float:
    """Scale of a series: the mean absolute (``power=1``, MASE) or root mean squared
    (``power=2``, RMSSE) week-to-week change in the fitting weeks; the mean (at least 1)
    when the series never changed."""
    y = np.asarray(y, dtype=float)
    s = float(np.mean(np.abs(np.diff(y)) ** power) ** (1 / power)) if len(y) > 1 else 0.0
    return s if s > 0 else max(float(np.mean(y)), 1.0)


def demand_class(y: np.ndarray) -> str:
    """Syntetos-Boylan class from the average interval between sales (ADI, cut 1.32) and
    the squared coefficient of variation of non-zero weeks (CV^2, cut 0.49)."""
    y = np.asarray(y, dtype=float)
    nonzero = y[y > 0]
    if len(nonzero) < 2:
        return "lumpy"
    adi = len(y) / len(nonzero)
    cv2 = float((nonzero.std() / nonzero.mean()) ** 2)
    if adi < 1.32:
        return "smooth" if cv2 < 0.49 else "erratic"
    return "intermittent" if cv2 < 0.49 else "lumpy"


def series_stats(panel: pd.DataFrame) -> pd.DataFrame:
    """Per series: ``scale`` (MASE), ``scale_sq`` (RMSSE), ``demand_class``, ``weeks``."""
    grouped = panel.groupby("unique_id", sort=False)["y"]
    return pd.DataFrame({"scale": grouped.apply(lambda s: scale_of(s.to_numpy())),
                         "scale_sq": grouped.apply(lambda s: scale_of(s.to_numpy(), 2)),
                         "demand_class": grouped.apply(lambda s: demand_class(s.to_numpy())),
                         "weeks": grouped.size()})


def backtest_rmsse(bt: pd.DataFrame, candidates: list[str], scale_sq: pd.Series) -> pd.DataFrame:
    """Root mean squared error over all backtest weeks, divided by the series' RMSSE scale."""
    errors = bt[candidates].sub(bt["y"], axis=0) ** 2
    errors["unique_id"] = bt["unique_id"].to_numpy()
    rmse = np.sqrt(errors.groupby("unique_id", sort=False).mean())
    return rmse.div(scale_sq.reindex(rmse.index), axis=0)


def defaults_by_class(scores: pd.DataFrame, classes: pd.Series) -> dict[str, str]:
    """The candidate with the best mean backtest score per demand class (``all`` too); a
    class with fewer than MIN_CLASS_SERIES scored series takes the ``all`` default."""
    if scores.empty:
        return {"all": FALLBACK}
    out = {"all": str(scores.mean().idxmin())}
    cls = classes.reindex(scores.index)
    for name in CLASSES:
        rows = scores[cls == name]
        out[name] = str(rows.mean().idxmin()) if len(rows) >= MIN_CLASS_SERIES else out["all"]
    return out


def choose(scores: pd.DataFrame, classes: pd.Series, defaults: dict[str, str],
           margin: float = MARGIN, top_k: int = TOP_K) -> dict[str, Choice]:
    """A Choice for every series in ``classes`` (series -> demand class); ``scores``
    (rows: series, columns: candidates) may lack some series, which get their default."""
    names = list(scores.columns)
    values = scores.reindex(classes.index).to_numpy(dtype=float)
    ranked = np.where(np.isfinite(values), values, np.inf)
    order = np.argsort(ranked, axis=1, kind="stable")[:, :top_k]
    best = np.take_along_axis(ranked, order[:, :1], axis=1)[:, 0] if len(names) else np.full(len(values), np.inf)
    default_of = [defaults.get(c, defaults["all"]) for c in classes]
    at_default = np.array([ranked[i, names.index(d)] if d in names else np.inf for i, d in enumerate(default_of)])
    use_default = ~(best < (1 - margin) * at_default)  # ties (e.g. all zero errors) keep the default
    out = {}
    for i, uid in enumerate(classes.index):
        if use_default[i]:
            out[uid] = Choice({default_of[i]: 1.0}, default_of[i], _f(at_default[i]))
            continue
        picked = [names[j] for j in order[i] if np.isfinite(ranked[i, j])]
        label = picked[0] if len(picked) == 1 else "mean(" + ", ".join(picked) + ")"
        out[uid] = Choice({b: 1.0 / len(picked) for b in picked}, label,
                          _f(float(np.mean([values[i, names.index(b)] for b in picked]))))
    return out


def cross_window_chosen(bt: pd.DataFrame, names: list[str], stats: pd.DataFrame) -> np.ndarray:
    """Each backtest window's chosen forecast, choosing from the *other* windows only, so
    the errors used for the intervals are not those that the choice was made on."""
    out = np.zeros(len(bt))
    for cutoff in bt["cutoff"].unique():
        mask = (bt["cutoff"] == cutoff).to_numpy()
        scores = backtest_rmsse(bt[~mask], names, stats["scale_sq"])
        window = bt[mask]
        classes = stats["demand_class"].reindex(window["unique_id"].unique())
        defaults = defaults_by_class(scores, stats["demand_class"])
        out[mask] = combine(window, choose(scores, classes, defaults), defaults["all"])
    return out


def _f(x) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def combine(frame: pd.DataFrame, choices: dict[str, Choice], default: str) -> np.ndarray:
    """The chosen forecast for each row of ``frame`` (a series without a Choice gets the default)."""
    names = [c for c in frame.columns if c not in ("unique_id", "ds", "y", "cutoff")]
    col = {c: i for i, c in enumerate(names)}
    weights = np.zeros((len(choices) + 1, len(names)))
    weights[-1, col[default]] = 1.0
    row_of = {}
    for i, (uid, choice) in enumerate(choices.items()):
        row_of[uid] = i
        for name, w in choice.weights.items():
            weights[i, col[name]] = w
    idx = frame["unique_id"].map(row_of).fillna(len(choices)).astype(int).to_numpy()
    return (frame[names].to_numpy(dtype=float) * weights[idx]).sum(axis=1)


def interval_table(bt: pd.DataFrame, chosen: np.ndarray, stats: pd.DataFrame) -> IntervalTable:
    """Quantiles of (actual - chosen) / scale over the backtest, per demand class."""
    scaled = (bt["y"].to_numpy() - chosen) / bt["unique_id"].map(stats["scale"]).to_numpy()
    classes = bt["unique_id"].map(stats["demand_class"]).to_numpy()
    table = IntervalTable()
    groups = {"all": np.ones(len(scaled), dtype=bool), **{c: classes == c for c in CLASSES}}
    for name, mask in groups.items():
        values = scaled[mask & np.isfinite(scaled)]
        table.counts[name] = int(len(values))
        if len(values) >= MIN_POOL or name == "all":
            table.quantiles[name] = {lvl: (float(np.quantile(values, lo)), float(np.quantile(values, hi)))
                                     for lvl, (lo, hi) in QUANTILES.items()} if len(values) else \
                {lvl: (0.0, 0.0) for lvl in LEVELS}
    return table
