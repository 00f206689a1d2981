"""Weekly series from sales lines: cancelled sales removed, Saturday-Friday weeks, series
from the first sale, zero-filled; and the keyword categories."""
from __future__ import annotations

import pandas as pd

from ml import sales_categories as cats
from ml.sales_series import (FIRST_FULL_WEEK, TEST_START, cancelled_lines, drop_cancelled_sales, split_test,
                             weekly_panel, with_week)
from store.sales import clean_sales_frame

COLS = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]
RAW = pd.DataFrame([
    ("540001", "23166", "JAR", 74215, "2011-01-18 10:01:00", 1.04, 12346.0, "United Kingdom"),
    ("C540002", "23166", "JAR", -74215, "2011-01-18 10:17:00", 1.04, 12346.0, "United Kingdom"),
    ("540003", "23166", "JAR", 12, "2011-01-20 09:00:00", 1.25, 13047.0, "France"),
    ("540004", "23166", "JAR", 12, "2011-01-22 09:00:00", 1.25, 13047.0, "France"),   # a Saturday
    ("C540005", "23166", "JAR", -5, "2011-01-25 09:00:00", 1.25, 14000.0, "France"),  # no matching sale
    ("540006", "85123A", "HEART", 6, "2011-02-03 09:00:00", 2.55, None, "United Kingdom"),
    ("540007", "85123A", "HEART", 1, "2010-12-01 09:00:00", 2.55, 17850.0, "United Kingdom"),  # partial week
], columns=COLS)


def lines() -> pd.DataFrame:
    return with_week(drop_cancelled_sales(clean_sales_frame(RAW), cancelled_lines(RAW)))


def test_a_cancelled_sale_is_removed_and_unmatched_cancellations_change_nothing():
    out = lines()
    assert 74215 not in out["quantity"].tolist()
    assert out["quantity"].tolist() == [12, 12, 6]  # the partial first week is dropped too


def test_weeks_run_saturday_to_friday_and_series_start_at_the_first_sale():
    out = lines()
    assert out["week"].dt.dayofweek.eq(5).all()  # labelled by their Saturday
    assert out["week"].min() >= FIRST_FULL_WEEK
    panel = weekly_panel(out, last_week=pd.Timestamp("2011-02-05"))
    jar = panel[panel["unique_id"] == "23166"]
    assert jar["ds"].min() == pd.Timestamp("2011-01-15") and jar["y"].tolist() == [12.0, 12.0, 0.0, 0.0]
    heart = panel[panel["unique_id"] == "85123A"]
    assert heart["y"].tolist() == [6.0, 0.0]  # week of Sat 2011-01-29 holds Thu 02-03; then an empty week
    by_country = weekly_panel(out, ("stock_code", "country"))
    assert set(by_country["unique_id"]) == {"23166|France", "85123A|United Kingdom"}


def test_split_puts_the_last_five_weeks_in_the_test_part():
    weeks = pd.date_range("2011-10-01", "2011-12-03", freq="7D")
    panel = pd.DataFrame({"unique_id": "a", "ds": weeks, "y": 1.0})
    train, test = split_test(panel)
    assert test["ds"].min() == TEST_START and len(test) == 5 and train["ds"].max() < TEST_START


def test_categories_come_from_the_keyword_rules():
    assert cats.category_of("WHITE HANGING HEART T-LIGHT HOLDER") == "candles_lighting"
    assert cats.category_of("JUMBO BAG RED RETROSPOT") == "bags_storage"
    assert cats.category_of("SET OF 6 T-LIGHTS SANTA") == "seasonal"      # first rule wins
    assert cats.category_of("REGENCY CAKESTAND 3 TIER") == "kitchen_dining"
    assert cats.category_of("PINK PAINTED KASHMIRI CHAIRS") == "other"
    assert cats.category_of("") == "other"
    assert set(cats.counts(["seasonal", "other"])) == set(cats.categories())
