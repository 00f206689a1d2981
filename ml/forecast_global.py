"""One gradient-boosted model for every series of a set (a "global" model).

Target: ``log1p(y / L)`` of the week ``h`` weeks after the origin (``L``: the series'
level, ``ml/forecast_features.py``), squared loss, so the forecast ``L * expm1(pred)`` is
close to the conditional median: what MASE rewards, and robust to the single wholesale
order that lifts a mean. One model for h = 1..``horizon`` (``h`` is a feature); past
``horizon`` the forecast stays at the last modelled week.

Rows: every origin of the last ``origins`` weeks whose target is known, drawn (``max_rows``,
with replacement) with probability proportional to ``L / scale`` (so the loss is in the
units of the series' MASE) x ``exp(-age / recency)`` (recent origins count more: the
store's season moves) x ``top_weight`` for the ``top_series`` series with the most units
(the ones the business plans around). Settings chosen by nested backtests on the weeks
before the test horizon (ml/FORECAST.md, benchmarks/forecast_backtest.py).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from ml import forecast_features as ff


@dataclass(frozen=True)
class GlobalConfig:
    horizon: int = 5
    origins: int = 26             # training origins: the last N weeks with a known target
    recency_weeks: float = 10.0
    top_series: int = 500
    top_weight: float = 5.0
    max_rows: int = 200_000       # rows drawn for the fit (speed of the nightly job)
    max_iter: int = 100
    learning_rate: float = 0.1
    max_leaf_nodes: int = 31
    min_samples_leaf: int = 500   # scaled down for small sets (at most 2% of the rows)
    l2_regularization: float = 1.0
    min_rows: int = 1000          # fewer rows: no model (the caller falls back)
    bags: int = 1                 # models on independent draws of the rows, averaged
    seed: int = 0


class TooLittleData(ValueError):
    """The set has too few (origin, week) rows to train a global model."""


@dataclass
class GlobalModel:
    label = "global_gbm"
    config: GlobalConfig
    estimators: list            # one per bag; the prediction is their mean in log space
    features: list[str]
    rows: int

    @classmethod
    def fit(cls, m: ff.SeriesMatrix, last_target: int, config: GlobalConfig = GlobalConfig()) -> GlobalModel:
        """Train on origins whose targets are all ``<= last_target`` (a week index of ``m``)."""
        from sklearn.ensemble import HistGradientBoostingRegressor

        first = max(1, last_target - 1 - config.origins)
        X, target, lvl, rows, origin = ff.training_rows(m, range(first, last_target), config.horizon, last_target)
        if len(target) < config.min_rows:
            raise TooLittleData(f"{len(target)} training rows (< {config.min_rows})")
        weight = sample_weights(m, last_target, config, lvl, rows, origin)
        weight = weight if weight.sum() > 0 else np.ones_like(weight)
        X = X.loc[:, X.notna().any()]  # e.g. the order features of a panel without sales lines
        estimators = []
        for bag in range(config.bags):
            # Rows drawn with probability proportional to their weight, then an unweighted
            # fit: the same loss in expectation, and sklearn's binning with sample weights
            # (a sort per bin edge per feature) took 3/4 of the training time.
            rng = np.random.default_rng(config.seed + bag)
            drawn = rng.choice(len(weight), size=min(config.max_rows, len(weight)), p=weight / weight.sum())
            model = HistGradientBoostingRegressor(
                loss="squared_error", max_iter=config.max_iter, learning_rate=config.learning_rate,
                max_leaf_nodes=config.max_leaf_nodes, l2_regularization=config.l2_regularization,
                min_samples_leaf=int(max(20, min(config.min_samples_leaf, 0.02 * len(drawn)))),
                early_stopping=False, random_state=config.seed + bag)
            with threadpool_limits(limits=1, user_api="openmp"):  # 2 threads on this busy 2-core box: 4x slower
                model.fit(X.iloc[drawn], np.log1p(target[drawn]))
            estimators.append(model)
        return cls(config, estimators, list(X.columns), int(len(drawn)) * config.bags)

    def predict_log(self, m: ff.SeriesMatrix, t: int, h: int) -> tuple[np.ndarray, np.ndarray]:
        """(predicted log1p(y / L), series x ``h`` weeks after week index ``t``; the level ``L``)."""
        feats, lvl = ff.features_at(m, t)
        steps = [min(k, self.config.horizon) for k in range(1, h + 1)]
        with threadpool_limits(limits=1, user_api="openmp"):
            out = np.column_stack([np.mean([e.predict(feats.assign(h=float(k))[self.features])
                                            for e in self.estimators], axis=0)
                                   for k in sorted(set(steps))])
        return np.maximum(out[:, [sorted(set(steps)).index(k) for k in steps]], 0.0), lvl


class MovingAverageModel:
    """The fallback for a set too small to train on: the mean of the last 4 open weeks,
    with the same interface as GlobalModel (so calibration and bands work the same way)."""
    label = "moving_average_4"
    rows = 0

    def predict_log(self, m: ff.SeriesMatrix, t: int, h: int) -> tuple[np.ndarray, np.ndarray]:
        lvl = ff.level(m, t)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            recent = np.nan_to_num(np.nanmean(m.y_open[:, max(0, t - 3):t + 1], axis=1))
        return np.repeat(np.log1p(recent / lvl)[:, None], h, axis=1), lvl


def fit_or_fallback(m: ff.SeriesMatrix, last_target: int, config: GlobalConfig):
    """A GlobalModel trained up to week index ``last_target``, or the moving average when
    the set is too small."""
    try:
        return GlobalModel.fit(m, last_target, config)
    except TooLittleData:
        return MovingAverageModel()


def sample_weights(m: ff.SeriesMatrix, last_target: int, config: GlobalConfig, lvl: np.ndarray,
                   rows: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """``L / scale`` x recency x the top-series weight for each training row."""
    scale = ff.mase_scale(m.y, last_target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(m.y[:, :last_target + 1], axis=1)
    scale = np.where(scale > 0, scale, np.maximum(np.nan_to_num(mean), 1.0))
    units = np.nansum(m.y[:, :last_target + 1], axis=1)
    top = np.zeros(len(units), dtype=bool)
    top[np.argsort(-units, kind="stable")[:config.top_series]] = True
    weight = lvl / scale[rows] * np.exp(-(last_target - origin) / config.recency_weeks)
    weight *= np.where(top[rows], config.top_weight, 1.0)
    return np.where(np.isfinite(weight), weight, 0.0)
