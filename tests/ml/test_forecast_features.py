"""Features of the global demand model: no look-ahead, store-closed weeks, order lines,
and the nightly pipeline on synthetic sales lines (products and product x country)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml import forecast as fc
from ml import forecast_features as ff
from ml import forecast_global as fg

WEEKS = pd.date_range("2010-12-04", periods=40, freq="7D")
CLOSED = 3  # week index with no sale anywhere (as 2010-12-25)


def synthetic_sales(n_products: int = 24, seed: int = 0) -> pd.DataFrame:
    """Cleaned sales lines: each product sells in the UK and Germany every week (Poisson
    lines of 1-6 units), none in week CLOSED; product P0 has one 500-unit wholesale line."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(n_products):
        rate = 2 + p % 5
        for w, week in enumerate(WEEKS):
            if w == CLOSED:
                continue
            for country in ("United Kingdom", "Germany"):
                for _ in range(rng.poisson(rate if country == "United Kingdom" else rate / 2)):
                    rows.append((f"P{p}", f"{'CANDLE' if p % 2 else 'MUG'} {p}", int(rng.integers(1, 7)),
                                 week + pd.Timedelta(days=2), 1.5 + p / 10, 12000 + p, country, week))
    rows.append(("P0", "MUG 0", 500, WEEKS[20] + pd.Timedelta(days=2), 1.5, 99999, "United Kingdom", WEEKS[20]))
    frame = pd.DataFrame(rows, columns=["stock_code", "description", "quantity", "invoice_date", "unit_price",
                                        "customer_id", "country", "week"])
    frame["invoice_no"] = [str(500000 + i) for i in range(len(frame))]
    return frame


@pytest.fixture(scope="module")
def sales() -> pd.DataFrame:
    return synthetic_sales()


@pytest.fixture(scope="module")
def matrix(sales) -> ff.SeriesMatrix:
    products, _ = fc.panels(sales)
    return ff.series_matrix(products, sales)


def test_features_at_an_origin_ignore_later_weeks(sales, matrix):
    t = 25
    before, _ = ff.features_at(matrix, t)
    changed = ff.series_matrix(*_panel_with_future_spike(sales, t))
    after, _ = ff.features_at(changed, t)
    pd.testing.assert_frame_equal(before, after)


def _panel_with_future_spike(sales: pd.DataFrame, t: int):
    later = sales["week"] > WEEKS[t]
    spiked = sales.assign(quantity=np.where(later, sales["quantity"] * 50, sales["quantity"]),
                          unit_price=np.where(later, 99.0, sales["unit_price"]))
    products, _ = fc.panels(spiked)
    return products, spiked


def test_a_store_closed_week_is_missing_not_zero(matrix):
    assert np.nansum(matrix.y[:, CLOSED]) == 0 and np.isnan(matrix.y_open[:, CLOSED]).all()
    X, target, lvl, rows, origin = ff.training_rows(matrix, range(1, 10), 5, 30)
    assert not ((origin + X["h"].to_numpy()) == CLOSED).any()     # never a target
    feats, lvl4 = ff.features_at(matrix, CLOSED + 1)
    assert np.isnan(feats["lag1"]).all() and (feats["ma4"] > 0).all()  # skipped, not averaged in as 0


def test_training_rows_stop_at_the_last_target_and_scale_by_the_level(matrix):
    X, target, lvl, rows, origin = ff.training_rows(matrix, range(5, 30), 5, 30)
    assert ((origin + X["h"].to_numpy()) <= 30).all() and set(X["h"]) == {1.0, 2.0, 3.0, 4.0, 5.0}
    k = 17
    week = int(origin[k] + X["h"].iloc[k])
    assert target[k] * lvl[k] == pytest.approx(matrix.y[rows[k], week])


def test_order_lines_give_invoices_capped_units_and_price(sales, matrix):
    row = list(matrix.ids).index("P0")
    week = 20
    lines = sales[(sales["stock_code"] == "P0") & (sales["week"] == WEEKS[week])]
    assert matrix.lines["invoices"][row, week] == lines["invoice_no"].nunique()
    cap = 4 * sales.loc[(sales["stock_code"] == "P0") & (sales["week"] <= WEEKS[week]), "quantity"].median()
    assert matrix.lines["capped"][row, week] == pytest.approx(np.minimum(lines["quantity"], cap).sum())
    assert matrix.y[row, week] == lines["quantity"].sum() and matrix.y[row, week] > 500
    assert matrix.lines["price"][row, week] == pytest.approx(1.5)


def test_the_product_model_forecasts_products_and_pairs(sales):
    fitted, (products, pairs), timings = fc.fit_sets(sales, h=fc.H_MAX)
    assert timings["training_rows"] > 1000
    for fit, panel in zip(fitted, (products, pairs)):
        assert set(fit.labels.values()) == {fg.GlobalModel.label}
        assert fit.forecasts["unique_id"].nunique() == panel["unique_id"].nunique()
        assert (fit.forecasts.groupby("unique_id").size() == fc.H_MAX).all()
        assert np.isfinite(fit.forecasts[["point", "lo80", "hi95"]]).all().all()
    point = fitted[0].forecasts.groupby("unique_id")["point"].first()
    true_rate = pd.Series({uid: 2 + int(uid[1:]) % 5 for uid in point.index})
    assert point.groupby(true_rate).mean().is_monotonic_increasing   # bigger sellers, bigger forecasts
    uk, de = (fitted[1].forecasts[fitted[1].forecasts["unique_id"].str.endswith(c)]["point"].mean()
              for c in ("United Kingdom", "Germany"))
    assert uk > de > 0   # the UK sells twice Germany's rate
