"""Features of every weekly series at a forecast origin, for the global demand model.

A series set is held as a matrix (series x weeks, NaN before a series starts); a week in
which the whole store sold nothing (2010-12-25: closed for Christmas) is NaN in the
feature view, so it neither drags a moving average down nor counts as a target. All
features at origin ``t`` use weeks ``<= t`` only, and quantities are divided by the
series' level ``L`` (its mean over the last 13 weeks, else over its whole history), so
one model serves a product selling 3 units a week and one selling 3,000:

- the series: the last 8 weeks, moving averages (2/4/8/13/26 weeks, all), medians (4/8),
  spread and peak of the last 8 weeks, share of weeks with a sale (8/26), weeks since the
  last sale, age, log level, and its demand shape (ADI, CV^2 of non-zero weeks);
- orders (from the sales lines, when given): invoices a week (level and recent change),
  units per invoice, the weekly quantity with each line capped at 4x the product's median
  line so far (a wholesale order moves a mean but not this), median unit price and its
  recent change;
- the store: recent-to-longer-run ratios of the store's weekly total, and the series' own
  momentum relative to the store's (the product category's momentum, from the keyword
  rules of ``ml/sales_categories.py``, was tried and changed nothing in the backtests);
- the horizon ``h`` (the model is direct: one model, ``h`` a feature).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.sales_series import KEY_SEP

LINE_CAP = 4.0          # a line counts at most LINE_CAP x the product's median line quantity
LEVEL_WEEKS = 13
LAGS = 8


@dataclass
class SeriesMatrix:
    """A set of weekly series as matrices over the same weeks."""
    ids: pd.Index
    weeks: pd.DatetimeIndex
    y: np.ndarray                 # the panel's quantities (NaN before a series starts)
    y_open: np.ndarray            # the same with store-closed weeks as NaN
    store_total: np.ndarray       # the store's weekly total (all products)
    lines: dict[str, np.ndarray]  # invoices, capped quantity, median price (NaN when no lines were given)


def _wide(panel: pd.DataFrame) -> pd.DataFrame:
    return panel.pivot(index="unique_id", columns="ds", values="y").sort_index()


def with_line_cap(sales: pd.DataFrame) -> pd.DataFrame:
    """``sales`` plus ``capped``: each line's quantity capped at LINE_CAP x the median line of
    its product over the lines up to and including its week (so no later line moves it)."""
    if "capped" in sales.columns:
        return sales
    lines = sales[["stock_code", "week", "quantity"]].sort_values(["stock_code", "week"], kind="stable")
    running = lines.groupby("stock_code", sort=False)["quantity"].expanding().median().reset_index(level=0, drop=True)
    per_week = running.groupby([lines["stock_code"], lines["week"]], sort=False).last()
    median = per_week.reindex(pd.MultiIndex.from_frame(sales[["stock_code", "week"]])).to_numpy()
    return sales.assign(capped=np.minimum(sales["quantity"].to_numpy(), LINE_CAP * median))


def line_matrices(sales: pd.DataFrame, ids: pd.Index, weeks: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    """Invoices, capped quantity and median unit price per series and week, from the sales
    lines up to the last of ``weeks`` (a series id is a product or ``product|country``)."""
    lines = with_line_cap(sales[sales["week"] <= weeks[-1]])
    by_country = any(KEY_SEP in str(i) for i in ids[:50])
    key = lines["stock_code"].astype(str)
    if by_country:
        key = key + KEY_SEP + lines["country"].astype(str)
    frame = pd.DataFrame({"key": key.to_numpy(), "week": lines["week"].to_numpy(),
                          "invoice": lines["invoice_no"].to_numpy(), "price": lines["unit_price"].to_numpy(),
                          "capped": lines["capped"].to_numpy()})
    grouped = frame.groupby(["key", "week"], sort=False)
    out = {}
    for name, values in (("invoices", grouped["invoice"].nunique()), ("capped", grouped["capped"].sum()),
                         ("price", grouped["price"].median())):
        out[name] = values.unstack().reindex(index=ids, columns=weeks).to_numpy(dtype=float)
    return out


def series_matrix(panel: pd.DataFrame, sales: pd.DataFrame | None = None,
                  store_total: pd.Series | None = None, weeks: pd.DatetimeIndex | None = None) -> SeriesMatrix:
    """The matrices of a long ``unique_id, ds, y`` panel. ``sales`` (cleaned lines with
    ``week``) adds the order features; ``store_total`` (weekly total of all products)
    defaults to the panel's own total; ``weeks`` (default: the panel's) fixes the columns."""
    wide = _wide(panel)
    if weeks is not None:
        wide = wide.reindex(columns=weeks)
    y = wide.to_numpy(dtype=float)
    weeks = pd.DatetimeIndex(wide.columns)
    total = (store_total.reindex(weeks).fillna(0.0).to_numpy(float) if store_total is not None
             else np.nansum(y, axis=0))
    y_open = y.copy()
    y_open[:, total <= 0] = np.nan
    lines = (line_matrices(sales, wide.index, weeks) if sales is not None
             else {k: np.full_like(y, np.nan) for k in ("invoices", "capped", "price")})
    return SeriesMatrix(wide.index, weeks, y, y_open, total, lines)


def _mean_last(m: np.ndarray, k: int) -> np.ndarray:
    return np.nanmean(m[:, max(0, m.shape[1] - k):], axis=1)


def _total_ratio(total: np.ndarray, short: int, long: int) -> float:
    """Mean of the last ``short`` open weeks over the mean of the last ``long``."""
    def mean(k: int) -> float:
        v = total[max(0, len(total) - k):]
        v = v[v > 0]
        return float(v.mean()) if len(v) else np.nan
    return mean(short) / mean(long)


def level(m: SeriesMatrix, t: int) -> np.ndarray:
    """``L``: the mean of the last LEVEL_WEEKS open weeks, else of all weeks, else 1."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        hist = m.y_open[:, :t + 1]
        recent, whole = _mean_last(hist, LEVEL_WEEKS), np.nanmean(hist, axis=1)
    out = np.where(recent > 0, recent, np.where(whole > 0, whole, 1.0))
    return np.where(np.isfinite(out), out, 1.0)


def features_at(m: SeriesMatrix, t: int) -> tuple[pd.DataFrame, np.ndarray]:
    """(features of every series at origin week index ``t``, the level ``L``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _features(m, t)


def _features(m: SeriesMatrix, t: int) -> tuple[pd.DataFrame, np.ndarray]:
    hist = m.y_open[:, :t + 1]
    n = hist.shape[1]
    lvl = level(m, t)
    exists = ~np.isnan(m.y[:, :t + 1])
    f: dict[str, np.ndarray | float] = {}
    for k in range(LAGS):
        f[f"lag{k}"] = hist[:, n - 1 - k] / lvl if k < n else np.nan
    for k in (2, 4, 8, 13, 26):
        f[f"ma{k}"] = _mean_last(hist, k) / lvl
    f["mean_all"] = np.nanmean(hist, axis=1) / lvl
    f["med4"] = np.nanmedian(hist[:, -4:], axis=1) / lvl
    f["med8"] = np.nanmedian(hist[:, -8:], axis=1) / lvl
    f["std8"] = np.nanstd(hist[:, -8:], axis=1) / lvl
    f["max8"] = np.nanmax(hist[:, -8:], axis=1) / lvl
    sold = np.where(np.isnan(hist), np.nan, (hist > 0).astype(float))
    f["sold8"], f["sold26"] = _mean_last(sold, 8), _mean_last(sold, 26)
    any_sale = (hist > 0).any(axis=1)
    f["weeks_since_sale"] = np.where(any_sale, np.argmax(hist[:, ::-1] > 0, axis=1), 99)
    f["age"] = exists.sum(axis=1)
    f["log_level"] = np.log1p(lvl)
    nonzero = np.where(hist > 0, hist, np.nan)
    sales_weeks = (hist > 0).sum(axis=1)
    f["adi"] = np.where(sales_weeks > 0, (~np.isnan(hist)).sum(axis=1) / np.maximum(sales_weeks, 1), 99)
    f["cv2"] = (np.nanstd(nonzero, axis=1) / np.nanmean(nonzero, axis=1)) ** 2
    total = m.store_total[:t + 1]
    store_4_13 = _total_ratio(total, 4, 13)
    f["store_1_8"], f["store_4_13"] = _total_ratio(total, 1, 8), store_4_13
    f["store_8_26"], f["store_4_all"] = _total_ratio(total, 8, 26), _total_ratio(total, 4, len(total))
    recent13 = _mean_last(hist, 13)
    f["own_vs_store"] = _mean_last(hist, 4) / np.where(recent13 > 0, recent13, np.nan) / store_4_13
    f.update(_order_features(m, t, hist, exists, lvl))
    frame = pd.DataFrame({k: np.broadcast_to(np.asarray(v, dtype=float), (len(hist),)) for k, v in f.items()})
    return frame, lvl


def _order_features(m: SeriesMatrix, t: int, hist: np.ndarray, exists: np.ndarray, lvl: np.ndarray) -> dict:
    def own(name: str) -> np.ndarray:  # a week the series existed without a line is 0
        return np.where(exists, np.nan_to_num(m.lines[name][:, :t + 1]), np.nan)
    invoices, capped = own("invoices"), own("capped")
    inv13 = _mean_last(invoices, 13)
    inv13_pos = np.where(inv13 > 0, inv13, np.nan)
    price = m.lines["price"][:, :t + 1]
    typical_price = np.nanmedian(price, axis=1)
    return {"invoices_log": np.log1p(inv13), "invoices_4_13": _mean_last(invoices, 4) / inv13_pos,
            "invoices_1_13": invoices[:, -1] / inv13_pos, "units_per_invoice": np.log1p(_mean_last(hist, 13) / inv13_pos),
            **{f"capped{k}": _mean_last(capped, k) / lvl for k in (1, 4, 8, 13)},
            "log_price": np.log(typical_price), "price_4_all": np.nanmedian(price[:, -4:], axis=1) / typical_price}


def training_rows(m: SeriesMatrix, origins, horizon: int, last_target: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows (features + ``h``) for every origin in ``origins`` and h = 1..``horizon`` whose
    target week is open and ``<= last_target``. Returns (X, target y / L, L, series row, origin)."""
    xs, targets, levels, rows, when = [], [], [], [], []
    for t in origins:
        feats, lvl = features_at(m, t)
        for h in range(1, horizon + 1):
            if t + h > last_target:
                break
            y = m.y_open[:, t + h]
            keep = ~np.isnan(y)
            if not keep.any():
                continue
            xs.append(feats[keep].assign(h=float(h)))
            targets.append(y[keep] / lvl[keep])
            levels.append(lvl[keep])
            rows.append(np.flatnonzero(keep))
            when.append(np.full(int(keep.sum()), t))
    if not xs:
        return pd.DataFrame(), *(np.empty(0) for _ in range(4))
    return (pd.concat(xs, ignore_index=True), np.concatenate(targets), np.concatenate(levels),
            np.concatenate(rows), np.concatenate(when))


def mase_scale(y: np.ndarray, t: int) -> np.ndarray:
    """Per series: the mean absolute week-to-week change up to week ``t`` (NaN: fewer than 2 weeks)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(np.abs(np.diff(y[:, :t + 1], axis=1)), axis=1)
