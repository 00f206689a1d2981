"""Weekly demand forecasts per product and per product x country, with 80/95% intervals.

Pipeline (``fit_sets``): one gradient-boosted model for all product series
(``ml/forecast_global.py``, features in ``ml/forecast_features.py``) is trained twice: on
the weeks up to ``BACKTEST_H`` weeks before the end, to forecast those last weeks out of
sample and calibrate the intervals (``ml/forecast_select.py``), and on all weeks, for the
forecasts served. The same model forecasts the product x country series of the top
countries, whose intervals are calibrated on their own residuals. ``fit_series_set`` runs
the same on a single set. ``train`` first runs the pipeline on the weeks before the test
horizon and scores the last 5 weeks against the classical methods
(``ml/forecast_methods.py``; the model card), then on all weeks for the forecasts that
``Forecaster.forecast`` serves: a dictionary look-up, no model fitting at query time. How
the model was chosen: ml/FORECAST.md.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from ml import forecast_features as ff
from ml import forecast_global as fg
from ml import forecast_select as sel
from ml.model_files import load_model, save_model
from ml.sales_series import (KEY_SEP, TEST_START, TEST_WEEKS, UnknownSeries, descriptions, load_sales,
                             normalize_code, series_id, split_test, weekly_panel)

MODEL_FILE = "forecast.joblib"
FORMAT_VERSION = 1
BACKTEST_H = TEST_WEEKS  # the calibration window: the last 5 weeks, forecast out of sample
H_MAX = 12               # weeks ahead served; beyond BACKTEST_H the band widens like sqrt(h)
TOP_COUNTRIES = 10
Progress = Callable[[str], None]


class WeekValue(BaseModel):
    week: str = Field(description="Saturday that starts the week (weeks run Saturday-Friday)")
    quantity: float


class ForecastWeek(BaseModel):
    week: str
    point: float
    lo80: float
    hi80: float
    lo95: float
    hi95: float


class ForecastResult(BaseModel):
    product: str
    country: str | None = None
    description: str = ""
    method: str = Field(description="the forecasting method of this series (global_gbm: one gradient-boosted model "
                                    "for all series; moving_average_4 for a set too small to train on)")
    demand_class: str = Field(description="smooth | erratic | intermittent | lumpy (Syntetos-Boylan)")
    last_week: str
    history: list[WeekValue]
    forecast: list[ForecastWeek]


@dataclass
class FittedSet:
    """The pipeline's output for one set of series."""
    forecasts: pd.DataFrame      # unique_id, ds, point, lo80, hi80, lo95, hi95
    labels: dict[str, str]       # series -> method label
    stats: pd.DataFrame          # scale, scale_sq, demand_class, weeks per series
    table: sel.IntervalTable
    info: dict = field(default_factory=dict)


def _long(ids: pd.Index, last_week: pd.Timestamp, values: dict[str, np.ndarray]) -> pd.DataFrame:
    h = next(iter(values.values())).shape[1]
    frame = pd.DataFrame({"unique_id": np.repeat(ids.to_numpy(), h),
                          "ds": np.tile(pd.date_range(last_week + pd.Timedelta(weeks=1), periods=h, freq="7D"), len(ids))})
    for name, matrix in values.items():
        frame[name] = matrix.reshape(-1)
    return frame


@dataclass
class Models:
    """The global model trained on the weeks before the calibration window (``calibration``,
    None when there are too few weeks) and on all weeks (``final``)."""
    calibration: object | None
    final: object
    origin: int  # week index of the calibration window's origin


def fit_models(m: ff.SeriesMatrix, config: fg.GlobalConfig = fg.GlobalConfig(),
               progress: Progress | None = None) -> Models:
    last = len(m.weeks) - 1
    origin = last - BACKTEST_H
    if progress:
        progress(f"global model: {len(m.ids)} series, calibration fit on weeks up to {m.weeks[max(origin, 0)].date()}")
    calibration = fg.fit_or_fallback(m, origin, config) if origin >= 1 else None
    if progress:
        progress("global model: final fit on all weeks")
    return Models(calibration, fg.fit_or_fallback(m, last, config), origin)


def forecast_set(m: ff.SeriesMatrix, models: Models, h: int) -> FittedSet:
    """Forecasts of every series of ``m`` (which may be another set than the one the models
    were trained on, over the same weeks) with intervals calibrated on ``m`` itself."""
    last = len(m.weeks) - 1
    stats = sel.matrix_stats(m.ids, m.y)
    classes = stats["demand_class"].to_numpy()
    table = sel.IntervalTable()
    if models.calibration is not None:
        cal_log, cal_lvl = models.calibration.predict_log(m, models.origin, BACKTEST_H)
        cal_log[np.isnan(m.y[:, :models.origin + 1]).all(axis=1)] = np.nan  # no history at the origin yet
        table = sel.calibrate(m.y_open[:, models.origin + 1:], cal_log, cal_lvl, classes)
    else:
        table.quantiles["all"] = {level: (0.0, 0.0) for level in sel.LEVELS}
    pred_log, lvl = models.final.predict_log(m, last, h)
    forecasts = _long(m.ids, m.weeks[-1], sel.bands(pred_log, lvl, classes, table, BACKTEST_H))
    label = models.final.label
    return FittedSet(forecasts, dict.fromkeys(m.ids, label), stats, table,
                     {"model": label, "training_rows": models.final.rows})


def fit_series_set(panel: pd.DataFrame, h: int, include_slow: bool = False, n_jobs: int = 1,
                   progress: Progress | None = None, *, sales: pd.DataFrame | None = None,
                   store_total: pd.Series | None = None, config: fg.GlobalConfig = fg.GlobalConfig()) -> FittedSet:
    """Train the global model on one set of series and forecast it ``h`` weeks with intervals.
    ``sales`` (cleaned lines) adds the order features, ``store_total`` (the store's weekly
    units; default: the set's own total) the store's; without lines the order features are
    missing (the model still trains). ``include_slow`` and ``n_jobs`` are
    accepted for callers of the per-series pipeline this replaced; they change nothing."""
    m = ff.series_matrix(panel, sales, store_total)
    return forecast_set(m, fit_models(m, config, progress), h)


class Forecaster:
    """Precomputed forecasts and histories of every served series."""

    def __init__(self, fitted: list[FittedSet], panels: list[pd.DataFrame], names: dict[str, str], meta: dict):
        panel = pd.concat(panels, ignore_index=True)
        fc = pd.concat([f.forecasts for f in fitted], ignore_index=True)
        self.weeks = [str(d.date()) for d in sorted(panel["ds"].unique())]
        self.ids = sorted(fc["unique_id"].unique())
        self.row = {uid: i for i, uid in enumerate(self.ids)}
        hist = panel.pivot(index="unique_id", columns="ds", values="y").reindex(self.ids)
        self.history = hist.to_numpy(dtype=np.float32)
        h = int(fc.groupby("unique_id").size().max())
        self.future_weeks = [str(d.date()) for d in sorted(fc["ds"].unique())][:h]
        self.values = {k: fc.pivot(index="unique_id", columns="ds", values=k).reindex(self.ids).to_numpy(np.float32)
                       for k in ("point", "lo80", "hi80", "lo95", "hi95")}
        self.method = {uid: label for f in fitted for uid, label in f.labels.items()}
        self.demand_class = {uid: cls for f in fitted for uid, cls in f.stats["demand_class"].items()}
        self.names = names
        self.countries = sorted({uid.split(KEY_SEP, 1)[1] for uid in self.ids if KEY_SEP in uid})
        self.meta = meta

    def forecast(self, product: str, country: str | None = None, horizon: int = 4,
                 history_weeks: int | None = None) -> ForecastResult:
        if not 1 <= int(horizon) <= H_MAX:
            raise ValueError(f"horizon must be 1 to {H_MAX} weeks, got {horizon}")
        code = normalize_code(product)
        place = self._country(country) if country else None
        uid = series_id(code, place)
        if uid not in self.row:
            raise UnknownSeries(self._unknown_message(code, place, country))
        i = self.row[uid]
        hist = [(w, float(v)) for w, v in zip(self.weeks, self.history[i]) if not np.isnan(v)]
        if history_weeks is not None:
            hist = hist[-history_weeks:] if history_weeks > 0 else []
        v = self.values
        weeks = [ForecastWeek(week=self.future_weeks[s], **{k: round(float(v[k][i, s]), 2) for k in v})
                 for s in range(int(horizon))]
        return ForecastResult(product=code, country=place, description=self.names.get(code, ""),
                              method=self.method.get(uid, ""), demand_class=self.demand_class.get(uid, ""),
                              last_week=self.weeks[-1], history=[WeekValue(week=w, quantity=q) for w, q in hist],
                              forecast=weeks)

    def _country(self, country: str) -> str:
        wanted = country.strip().casefold()
        for c in self.countries:
            if c.casefold() == wanted:
                return c
        raise UnknownSeries(f"no forecasts for country '{country}': per-country forecasts cover "
                            f"{', '.join(self.countries)}")

    def _unknown_message(self, code: str, place: str | None, asked: str | None) -> str:
        if code not in self.row:
            return f"unknown product '{code}': no sale of it in the sales history"
        return f"product '{code}' was never sold to {place or asked}"

    def save(self, path: Path) -> None:
        save_model(self, path, FORMAT_VERSION)

    @classmethod
    def load(cls, path: Path) -> Forecaster:
        return load_model(cls, path, FORMAT_VERSION, "forecast model")


def panels(sales: pd.DataFrame, top_countries: int = TOP_COUNTRIES) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(product panel, product x country panel for the ``top_countries`` countries by lines)."""
    countries = sales["country"].value_counts().index[:top_countries]
    return weekly_panel(sales), weekly_panel(sales[sales["country"].isin(countries)], ("stock_code", "country"))


def fit_sets(sales: pd.DataFrame, h: int = H_MAX, progress: Progress | None = None,
             config: fg.GlobalConfig = fg.GlobalConfig()) -> tuple[list[FittedSet], list[pd.DataFrame], dict]:
    """The nightly pipeline on ``sales`` (cleaned lines with ``week``): the global model is
    trained on the product series and forecasts them and the product x country series (in
    the nested backtests that beat a model trained on the pairs, and costs no second
    training). Returns ([products, pairs] fitted, [products, pairs] panels, timings)."""
    timings = {}
    started = time.perf_counter()
    products, pairs = panels(sales)
    sales = ff.with_line_cap(sales)
    m_products = ff.series_matrix(products, sales)
    store_total = pd.Series(m_products.store_total, index=m_products.weeks)
    m_pairs = ff.series_matrix(pairs, sales, store_total, weeks=m_products.weeks)
    timings["features_seconds"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    models = fit_models(m_products, config, progress)
    timings["training_seconds"] = round(time.perf_counter() - started, 2)
    fitted = []
    for label, m in (("products", m_products), ("product_country", m_pairs)):
        started = time.perf_counter()
        fitted.append(forecast_set(m, models, h))
        timings[f"{label}_forecast_seconds"] = round(time.perf_counter() - started, 2)
        timings[f"{label}_series"] = len(m.ids)
    timings["training_rows"] = models.final.rows
    return fitted, [products, pairs], timings


def build_forecaster(sales: pd.DataFrame, n_jobs: int = 1, progress: Progress | None = None,
                     meta: dict | None = None, products_ets: bool = False) -> tuple[Forecaster, dict]:
    """The nightly job: fit every product and product x country series on all weeks.
    (``n_jobs`` and ``products_ets`` belonged to the per-series pipeline this replaced.)"""
    fitted, sets, timings = fit_sets(sales, H_MAX, progress)
    return Forecaster(fitted, sets, descriptions(sales), meta or {}), timings


def train(models_dir: Path, shared_data: Path, progress: Progress | None = None) -> dict:
    """Score the pipeline on the last 5 weeks (fitted on the weeks before them only), then
    fit on all weeks; write model + card."""
    from ml import forecast_eval

    started = time.perf_counter()
    sales = load_sales(shared_data)
    before = sales[sales["week"] < TEST_START]
    fitted, sets, _ = fit_sets(before, BACKTEST_H, progress)
    test = {}
    for label, fit, panel, slow in zip(("products", "product_country"), fitted, panels(sales), (True, False)):
        train_part, test_part = split_test(panel, TEST_START)
        if progress:
            progress(f"{label}: classical baselines for the test table")
        test[label] = forecast_eval.score(fit, train_part, test_part, slow)
    forecaster, timings = build_forecaster(sales, progress=progress)
    metrics = {"test": test, "nightly": timings, "train_seconds": round(time.perf_counter() - started, 2)}
    forecaster.meta = {"metrics": metrics}
    forecaster.save(Path(models_dir) / MODEL_FILE)
    forecast_eval.write_card(Path(models_dir), metrics)
    return metrics


def load(models_dir: Path) -> Forecaster:
    return Forecaster.load(Path(models_dir) / MODEL_FILE)
