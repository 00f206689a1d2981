"""The selection researcher's arithmetic and data layer: reorder quantities against
hand-computed cases, the weekly cube in SQL against ml/sales_series.py's weeks (both SQL
paths), the cache, the category prefilter against ml.sales_categories, and the slow-mover
and opportunity rules at their thresholds."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from selection_fakes import OUTLIER_UNITS, load_into, synthetic_sales

from agents import selection_analysis as an
from agents.selection_data import build_cube, config, sales_cube
from agents.selection_stock import Z90, Z975, reorder, weekly_sigma
from ml.forecast import ForecastResult, ForecastWeek
from ml.sales_categories import category_of
from ml.sales_series import weekly_panel, with_week


def _result(points: list[float], band80: float, band95: float) -> ForecastResult:
    weeks = [ForecastWeek(week=f"2011-12-{10 + i:02d}", point=p, lo80=max(0, p - band80), hi80=p + band80,
                          lo95=max(0, p - band95), hi95=p + band95) for i, p in enumerate(points)]
    return ForecastResult(product="X", method="m", demand_class="smooth", last_week="2011-12-03", history=[],
                          forecast=weeks)


def test_weekly_sigma_reads_the_upper_side_of_both_intervals():
    w = ForecastWeek(week="w", point=10, lo80=0, hi80=10 + Z90 * 4, lo95=0, hi95=10 + Z975 * 6)
    assert weekly_sigma(w) == pytest.approx(5.0)


def test_reorder_by_hand():
    # 10/week, sigma 5/week (80% and 95% bands agree), lead 2 + review 1 = 3 weeks, 95%
    res = _result([10.0] * 12, band80=Z90 * 5, band95=Z975 * 5)
    r = reorder("X", "thing", res, 1.0, "product_country", 2, 1, 0.95, on_hand=7)
    z = 1.6448536
    assert r.demand_lead_time == 20 and r.demand_protection == 30
    assert r.sigma_protection == pytest.approx(5 * math.sqrt(3), abs=0.05)
    assert r.safety_stock == pytest.approx(z * 5 * math.sqrt(3), abs=0.05)
    assert r.order_quantity == math.ceil(30 + z * 5 * math.sqrt(3) - 7) == 38
    assert r.reorder_point == pytest.approx(20 + z * 5 * math.sqrt(3), abs=0.05)
    none_needed = reorder("X", "thing", res, 1.0, "product_country", 2, 1, 0.95, on_hand=500)
    assert none_needed.order_quantity == 0 and none_needed.on_hand_given


def test_reorder_part_weeks_and_past_the_forecasts():
    # lead 30 days = 4 2/7 weeks: the fifth week counts 2/7 (demand and variance)
    res = _result([7.0, 7.0, 7.0, 7.0, 14.0] + [7.0] * 7, band80=0, band95=0)
    r = reorder("X", "thing", res, 1.0, "product", 30 / 7, 0, 0.5, on_hand=None)
    assert r.demand_protection == pytest.approx(28 + 14 * 2 / 7, abs=0.05) and r.safety_stock == 0
    assert not r.on_hand_given and r.on_hand == 0 and not r.horizon_capped
    # 14 + 2 weeks against 12 forecast weeks: the last four weeks' mean carries on
    long = reorder("X", "thing", _result([1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2], 0, 0), 1.0, "product", 14, 2, 0.9, None)
    assert long.horizon_capped and long.demand_protection == pytest.approx(8 * 1 + 4 * 2 + 4 * 2)


def test_cube_weeks_match_the_forecast_models_weeks_on_both_sql_paths(make_store):
    frame = synthetic_sales()
    store = make_store("cube")
    load_into(store, frame)
    max_q = config()["outliers"]["max_line_quantity"]
    expected = weekly_panel(with_week(frame[frame["quantity"] <= max_q]), ("stock_code", "country"))
    expected = expected[expected["y"] > 0].set_index(["unique_id", "ds"])["y"].sort_index()
    for portable in (False, True):
        with store.transaction() as conn:
            cube = build_cube(conn, max_q, portable=portable)
        got = cube.weekly.assign(unique_id=cube.weekly["stock_code"] + "|" + cube.weekly["country"].astype(str))
        got = got.rename(columns={"week": "ds"}).set_index(["unique_id", "ds"])["units"].sort_index()
        pd.testing.assert_series_equal(got, expected, check_names=False, check_dtype=False)
        assert cube.excluded_lines == 1 and cube.excluded_units == OUTLIER_UNITS
        assert len(cube.weeks) == 53 and str(cube.weeks[0].date()) == "2010-12-04"
        assert cube.lines["United Kingdom"] == 53 * 21 + 1   # the dropped first-week line still counts as a line


def test_cube_is_cached_per_history_version(make_store):
    store = make_store("cache")
    frame = synthetic_sales()
    load_into(store, frame)
    first = sales_cube(store)
    assert sales_cube(store) is first
    load_into(store, frame[frame["country"] != "USA"])
    again = sales_cube(store)
    assert again is not first and "USA" not in again.lines


@pytest.mark.parametrize("description", [
    "WHITE HANGING HEART T-LIGHT HOLDER", "SET OF 3 CAKE TINS PANTRY DESIGN", "HOT WATER BOTTLE KEEP CALM",
    "JUMBO BAG RED RETROSPOT", "PAPER CHAIN KIT 50'S CHRISTMAS", "REGENCY CAKESTAND 3 TIER", "LUNCH BOXES",
    "ASSORTED COLOUR BIRD ORNAMENT", "", "SILVER HEARTS NECKLACE", "GARDEN PARASOL", "PLASTERS IN TIN SPACEBOY"])
def test_category_prefilter_gives_the_same_answers(description):
    assert an.category(description) == category_of(description)


def test_slow_mover_and_opportunity_rules_at_their_thresholds():
    weeks = list(pd.date_range("2010-12-04", periods=30, freq="7D"))
    win = {"recent_weeks": 8, "trend_weeks": 26}

    def product(code: str, units: list[float]) -> pd.DataFrame:
        return pd.DataFrame({"stock_code": code, "week": weeks, "units": units, "revenue": np.array(units) * 2.0,
                             "lines": 1})
    early = [10.0] * 22
    frame = pd.concat([
        product("SLOW", early + [5, 5, 0, 0, 0, 0, 0, 0]),     # 2 of 8 weeks, 10/8 = 1.25/week <= 5: slow
        product("THREE", early + [5, 5, 5, 0, 0, 0, 0, 0]),    # sold in 3 of 8 weeks: not slow
        product("HALF", early + [40, 0, 0, 0, 0, 0, 0, 0]),    # 1 week, 5/week = half the rate: slow (<=)
        product("MORE", early + [41, 0, 0, 0, 0, 0, 0, 0]),    # just over half the rate: not slow
        product("NEWISH", [0.0] * 25 + [0, 0, 3, 3, 3]),        # few earlier weeks: not established
        product("GROW", [0.0] * 14 + [1] * 8 + [2] * 8),        # growing repeat seller: an opportunity
        product("SHRINK", [0.0] * 14 + [4] * 8 + [3] * 8),      # repeat seller, -25%: not an opportunity
    ])
    frame = frame[frame["units"] > 0]
    stats = an.product_stats(frame, weeks, win, {})
    slow = an.slow_movers(stats, config()["slow_movers"], 8)
    assert set(slow.index) == {"SLOW", "HALF"}
    pool = an.opportunity_pool(stats, config()["opportunities"])
    assert "GROW" in pool.index and "SHRINK" not in pool.index and "HALF" not in pool.index
    assert stats.loc["GROW", "growth_pct"] == 100.0 and stats.loc["SHRINK", "growth_pct"] == -25.0
    assert an.trend_pct(np.array([1.0, 2.0, 3.0])) == pytest.approx(50.0) and an.trend_pct(np.zeros(5)) is None
