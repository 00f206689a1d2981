"""Weekly demand forecasts per product and per product x country, with 80/95% intervals.

Pipeline (``fit_series_set``), run for the product series and for the product x country
series of the top countries: a rolling-origin backtest over the last weeks of the data
(``N_WINDOWS`` windows of ``BACKTEST_H`` weeks, ``STEP`` weeks apart), a method per series
from it (``ml/forecast_select.py``), every candidate refitted on all weeks
(``ml/forecast_methods.py``), the chosen forecast, and conformal intervals from the
backtest errors. ``train`` first runs the pipeline on the weeks before the test horizon
and scores the last 5 weeks (the model card), then on all weeks for the forecasts that
``Forecaster.forecast`` serves: a dictionary look-up, no model fitting at query time.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from ml import forecast_methods as fm
from ml import forecast_select as sel
from ml.model_files import load_model, save_model
from ml.sales_series import (KEY_SEP, TEST_START, TEST_WEEKS, UnknownSeries, descriptions, load_sales,
                             normalize_code, series_id, split_test, weekly_panel)

MODEL_FILE = "forecast.joblib"
FORMAT_VERSION = 1
BACKTEST_H = TEST_WEEKS
N_WINDOWS = 6
STEP = 2
MIN_BACKTEST_WEEKS = 8   # a series joins a backtest window once it has this many weeks
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
    method: str = Field(description="the forecasting method chosen for this series by backtest")
    demand_class: str = Field(description="smooth | erratic | intermittent | lumpy (Syntetos-Boylan)")
    last_week: str
    history: list[WeekValue]
    forecast: list[ForecastWeek]


@dataclass
class FittedSet:
    """The pipeline's output for one set of series."""
    forecasts: pd.DataFrame      # unique_id, ds, point, lo80, hi80, lo95, hi95
    candidates: pd.DataFrame     # every candidate's forecast (for scoring against baselines)
    choices: dict[str, sel.Choice]
    stats: pd.DataFrame          # scale, demand_class, weeks per series
    defaults: dict[str, str]     # demand class (and 'all') -> default candidate
    table: sel.IntervalTable
    backtest_rows: int


def backtest_cutoffs(last_week: pd.Timestamp) -> list[pd.Timestamp]:
    """Cutoffs, oldest first; the newest window ends on ``last_week``."""
    newest = pd.Timestamp(last_week) - pd.Timedelta(weeks=BACKTEST_H)
    return [newest - pd.Timedelta(weeks=STEP * i) for i in reversed(range(N_WINDOWS))]


def _bands(forecasts: pd.DataFrame, point: np.ndarray, stats: pd.DataFrame, table: sel.IntervalTable) -> pd.DataFrame:
    out = forecasts[["unique_id", "ds"]].copy()
    out["point"] = point
    step = out.groupby("unique_id", sort=False).cumcount().to_numpy() + 1
    widen = np.sqrt(np.maximum(1.0, step / BACKTEST_H))
    scale = out["unique_id"].map(stats["scale"]).to_numpy()
    classes = out["unique_id"].map(stats["demand_class"]).to_numpy()
    for level in sel.LEVELS:
        lo_q = np.array([table.band(c, level)[0] for c in classes])
        hi_q = np.array([table.band(c, level)[1] for c in classes])
        out[f"lo{level}"] = np.maximum(0.0, point + lo_q * scale * widen)
        out[f"hi{level}"] = np.maximum(point, point + hi_q * scale * widen)
    return out


def fit_series_set(panel: pd.DataFrame, h: int, include_slow: bool = True, n_jobs: int = 1,
                   progress: Progress | None = None) -> FittedSet:
    """Backtest, choose per series, refit on all weeks, forecast ``h`` weeks with intervals."""
    stats = sel.series_stats(panel)
    names = fm.candidate_names(include_slow)
    bt = fm.backtest(panel, BACKTEST_H, backtest_cutoffs(panel["ds"].max()), include_slow,
                     MIN_BACKTEST_WEEKS, n_jobs, progress)
    scores = sel.backtest_rmsse(bt, names, stats["scale_sq"])
    defaults = sel.defaults_by_class(scores, stats["demand_class"])
    choices = sel.choose(scores, stats["demand_class"], defaults)
    table = sel.interval_table(bt, sel.cross_window_chosen(bt, names, stats), stats)
    if progress:
        progress(f"final fit: {panel['unique_id'].nunique()} series")
    candidates = fm.forecast_all(panel, h, include_slow, n_jobs)
    for uid in stats.index[stats["weeks"] < fm.MIN_FIT_WEEKS]:
        choices[uid] = sel.Choice({defaults["all"]: 1.0}, fm.SHORT)
    forecasts = _bands(candidates, sel.combine(candidates, choices, defaults["all"]), stats, table)
    return FittedSet(forecasts, candidates, choices, stats, defaults, table, len(bt))


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
        self.method = {uid: c.label for f in fitted for uid, c in f.choices.items()}
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


def build_forecaster(sales: pd.DataFrame, n_jobs: int = 1, progress: Progress | None = None,
                     meta: dict | None = None, products_ets: bool = True) -> tuple[Forecaster, dict]:
    """The nightly job: fit every product and product x country series on all weeks
    (AutoETS only for the product series, and not at all with ``products_ets=False``)."""
    timings = {}
    products, pairs = panels(sales)
    fitted = []
    for label, panel, slow in (("products", products, products_ets), ("product_country", pairs, False)):
        started = time.perf_counter()
        fitted.append(fit_series_set(panel, H_MAX, slow, n_jobs, progress))
        timings[f"{label}_seconds"] = round(time.perf_counter() - started, 2)
        timings[f"{label}_series"] = int(panel["unique_id"].nunique())
    forecaster = Forecaster(fitted, [products, pairs], descriptions(sales), meta or {})
    return forecaster, timings


def train(models_dir: Path, shared_data: Path, progress: Progress | None = None) -> dict:
    """Score the pipeline on the last 5 weeks, then fit on all weeks; write model + card."""
    from ml import forecast_eval

    started = time.perf_counter()
    sales = load_sales(shared_data)
    products, pairs = panels(sales)
    test = {}
    for label, panel, slow in (("products", products, True), ("product_country", pairs, False)):
        train_part, test_part = split_test(panel, TEST_START)
        fitted = fit_series_set(train_part, BACKTEST_H, slow, progress=progress)
        test[label] = forecast_eval.score(fitted, train_part, test_part)
    forecaster, timings = build_forecaster(sales, progress=progress)
    metrics = {"test": test, "nightly": timings, "train_seconds": round(time.perf_counter() - started, 2)}
    forecaster.meta = {"metrics": metrics}
    forecaster.save(Path(models_dir) / MODEL_FILE)
    forecast_eval.write_card(Path(models_dir), metrics)
    return metrics


def load(models_dir: Path) -> Forecaster:
    return Forecaster.load(Path(models_dir) / MODEL_FILE)
