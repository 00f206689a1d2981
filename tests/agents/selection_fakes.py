"""A small, fully known sales history for the selection researcher's tests, a real
Forecaster fitted on it (no USA series, so the USA gets share-scaled forecasts), and a
keyword sentiment model standing in for the trained review model. The fixtures (`sales`,
`forecaster`, `sales_store`) are imported by the test modules that use them."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml import forecast as fc
from ml.sales_series import descriptions, weekly_panel, with_week

FIRST_SATURDAY = pd.Timestamp("2010-12-04")
WEEKS = 53
PRODUCTS = {
    "10001A": ("WHITE HANGING HEART T-LIGHT HOLDER", 2.55),
    "10002": ("REGENCY CAKESTAND 3 TIER", 10.95),
    "10003": ("PICNIC BASKET WICKER SMALL", 5.95),
    "10004": ("SPACEBOY BIRTHDAY CARD", 0.42),
    "10005": ("CHRISTMAS TREE DECORATION", 1.25),
    "10006": ("RED RETROSPOT MUG", 2.10),
}
OUTLIER_UNITS = 80_000


def _line(rows: list, code: str, qty: int, week: int, country: str, customer: int) -> None:
    day = FIRST_SATURDAY + pd.Timedelta(weeks=week, days=2)  # the Monday of that week
    description, price = PRODUCTS[code]
    rows.append({"invoice_no": str(500000 + len(rows)), "stock_code": code, "description": description,
                 "quantity": qty, "invoice_date": day + pd.Timedelta(hours=10), "unit_price": price,
                 "customer_id": customer, "country": country})


def synthetic_sales() -> pd.DataFrame:
    """Clean sales lines (store/sales.py columns). What each product does:
    10001A UK 20 lines a week; Germany 10/week, doubling to 20/week in the last 8 weeks;
           USA 5 units in weeks 50 and 52 only (a thin market)
    10002  Germany 4/week from week 30, France 3/week throughout
    10003  Germany 12/week until week 40, then nothing (slow mover)
    10004  UK 50/week, never Germany (sells elsewhere); one 80,000-unit line (left out)
    10005  Germany 15/week in the last 8 weeks only (new, seasonal)
    10006  Germany 6/week until week 44, then 1 unit in two of the last 8 weeks (slow mover)
    plus one line in the three-day week before the first full week (dropped)."""
    rows: list[dict] = []
    for w in range(WEEKS):
        recent = w >= WEEKS - 8
        for _ in range(20):
            _line(rows, "10001A", 2, w, "United Kingdom", 17001)
        _line(rows, "10001A", 20 if recent else 10, w, "Germany", 12601)
        _line(rows, "10004", 50, w, "United Kingdom", 17002)
        _line(rows, "10002", 3, w, "France", 12701)
        if w >= 30:
            _line(rows, "10002", 4, w, "Germany", 12602)
        if w <= 40:
            _line(rows, "10003", 12, w, "Germany", 12603)
        if recent:
            _line(rows, "10005", 15, w, "Germany", 12604)
        if w <= 44 or w in (47, 50):
            _line(rows, "10006", 6 if w <= 44 else 1, w, "Germany", 12605)
    for w in (50, 52):
        _line(rows, "10001A", 5, w, "USA", 12901)
    _line(rows, "10004", OUTLIER_UNITS, WEEKS - 1, "United Kingdom", 17003)
    frame = pd.DataFrame(rows)
    early = frame.iloc[[0]].assign(invoice_no="499999", invoice_date=pd.Timestamp("2010-12-01 09:00"))
    frame = pd.concat([early, frame], ignore_index=True)
    frame["customer_id"] = frame["customer_id"].astype("Int64")
    return frame


def load_into(store, frame: pd.DataFrame) -> None:
    from store.sales import replace_sales

    with store.transaction(write=True) as conn:
        replace_sales(conn, frame)


def small_forecaster(frame: pd.DataFrame) -> fc.Forecaster:
    """A real Forecaster on the synthetic history; product x country series for every
    country but the USA (as for countries outside the top 10)."""
    sales = with_week(frame[frame["quantity"] < OUTLIER_UNITS])
    products = weekly_panel(sales)
    pairs = weekly_panel(sales[sales["country"] != "USA"], ("stock_code", "country"))
    fitted = [fc.fit_series_set(p, fc.H_MAX, include_slow=False) for p in (products, pairs)]
    return fc.Forecaster(fitted, [products, pairs], descriptions(sales), {})


@pytest.fixture(scope="module")
def sales() -> pd.DataFrame:
    return synthetic_sales()


@pytest.fixture(scope="module")
def forecaster(sales) -> fc.Forecaster:
    return small_forecaster(sales)


@pytest.fixture
def sales_store(make_store, sales):
    """A fresh copy of the seeded store holding the synthetic sales history."""
    store = make_store("selection")
    load_into(store, sales)
    return store


class KeywordSentiment:
    """P(positive) from a few complaint words (the trained model's interface: proba)."""

    NEGATIVE = ("broke", "broken", "small", "late", "cheap", "kaputt", "klein", "坏", "小")

    def proba(self, texts):
        return np.array([0.1 if any(w in t.lower() for w in self.NEGATIVE) else 0.9 for t in texts])
