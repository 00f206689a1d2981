"""Weekly demand series from the Online Retail sales history, for forecasting and elasticity.

The lines come from ``store.sales.clean_sales_frame`` (the store's cleaning rule: product
codes only, no cancellations or write-offs). On top of that, sales that were later
cancelled are removed: a cancellation line ("C..." invoice) is matched to the latest earlier
sale of the same customer, product and quantity, and that sale is dropped. This removes
the two giant orders that were cancelled within minutes (80,995 x 23843 on 2011-12-09,
74,215 x 23166 on 2011-01-18) and about 83% of the cancelled quantity; cancellations with
no customer id or no exact match are left alone.

Weeks run Saturday to Friday (the shop does not trade on Saturdays) and are labelled by
their Saturday, so the reported test horizon is exactly the last five weeks, 2011-11-05 to
2011-12-09. The first week (2010-11-27) holds only three trading days and is dropped: 53
full weeks remain, 48 before the test horizon. A series starts at its first week with a
sale (before that the product was not on sale) and is zero-filled to the last week.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ml.data_files import shared_file
from store.sales import clean_sales_frame

SALES_FILE = Path("sales/online_retail.csv.gz")
WEEK_FREQ = "W-FRI"  # a week ends on Friday; labelled by its Saturday start
FIRST_FULL_WEEK = pd.Timestamp("2010-12-04")
TEST_START = pd.Timestamp("2011-11-05")
TEST_WEEKS = 5
KEY_SEP = "|"  # series id: "85123A" or "85123A|Germany"
_RAW_DTYPES = {"InvoiceNo": str, "StockCode": str, "Description": str, "Country": str,
               "InvoiceDate": str}


class UnknownSeries(LookupError):
    """A product (or product x country) the trained model has no series for."""


def normalize_code(stock_code: str) -> str:
    """The store's spelling of a stock code (trimmed, upper-case: 85123a -> 85123A)."""
    return str(stock_code).strip().upper()


def read_raw(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(shared_file(shared_data, SALES_FILE), dtype=_RAW_DTYPES)


def cancelled_lines(raw: pd.DataFrame) -> pd.DataFrame:
    """Cancellation lines as positive quantities, through the store's cleaning rule."""
    cancels = raw[raw["InvoiceNo"].astype(str).str.startswith("C")].copy()
    cancels["Quantity"] = -pd.to_numeric(cancels["Quantity"], errors="coerce")
    cancels["InvoiceNo"] = cancels["InvoiceNo"].str[1:]
    return clean_sales_frame(cancels)


def drop_cancelled_sales(sales: pd.DataFrame, cancels: pd.DataFrame) -> pd.DataFrame:
    """Drop each sale that a later cancellation of the same customer, product and quantity undid."""
    keys = ["customer_id", "stock_code", "quantity"]
    known = sales["customer_id"].notna()
    left = cancels[cancels["customer_id"].notna()][keys + ["invoice_date"]]
    right = sales[known][keys + ["invoice_date"]].assign(sale_row=np.flatnonzero(known.to_numpy()))
    if left.empty or right.empty:
        return sales.reset_index(drop=True)
    for frame in (left, right):
        frame["customer_id"] = frame["customer_id"].astype("int64")
    matched = pd.merge_asof(left.sort_values("invoice_date"), right.sort_values("invoice_date"),
                            on="invoice_date", by=keys, direction="backward")
    rows = matched["sale_row"].dropna().astype(int).unique()
    keep = np.ones(len(sales), dtype=bool)
    keep[rows] = False
    return sales[keep].reset_index(drop=True)


def load_sales(shared_data: Path) -> pd.DataFrame:
    """Cleaned sales lines (store rule) without the sales that were cancelled, plus ``week``."""
    raw = read_raw(shared_data)
    sales = drop_cancelled_sales(clean_sales_frame(raw), cancelled_lines(raw))
    return with_week(sales)


def with_week(sales: pd.DataFrame) -> pd.DataFrame:
    """Add ``week`` (Saturday start) and drop lines before the first full week."""
    out = sales.assign(week=sales["invoice_date"].dt.to_period(WEEK_FREQ).dt.start_time)
    return out[out["week"] >= FIRST_FULL_WEEK].reset_index(drop=True)


def series_id(stock_code: str, country: str | None = None) -> str:
    return stock_code if not country else f"{stock_code}{KEY_SEP}{country}"


def weekly_panel(sales: pd.DataFrame, by: Sequence[str] = ("stock_code",),
                 last_week: pd.Timestamp | None = None) -> pd.DataFrame:
    """Long frame ``unique_id, ds, y`` (weekly quantity), each series from its first sale
    week to ``last_week`` (default: the data's last week), missing weeks as 0."""
    by = list(by)
    last_week = pd.Timestamp(last_week) if last_week is not None else sales["week"].max()
    grouped = sales[sales["week"] <= last_week].groupby(by + ["week"], sort=False)["quantity"].sum()
    grouped = grouped.reset_index()
    ids = grouped[by[0]].astype(str)
    for col in by[1:]:
        ids = ids + KEY_SEP + grouped[col].astype(str)
    grouped["unique_id"] = ids
    weeks = pd.date_range(FIRST_FULL_WEEK, last_week, freq="7D")
    wide = grouped.pivot_table(index="unique_id", columns="week", values="quantity", aggfunc="sum")
    wide = wide.reindex(columns=weeks)
    started = wide.notna().cumsum(axis=1) > 0
    wide = wide.fillna(0.0).where(started)
    long = wide.stack(future_stack=True).dropna().rename("y").reset_index()
    long.columns = ["unique_id", "ds", "y"]
    return long.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)


def split_test(panel: pd.DataFrame, test_start: pd.Timestamp = TEST_START) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train (weeks before ``test_start``) and test (from it) parts of a long panel; a
    series with no training week is left out of both."""
    train = panel[panel["ds"] < test_start]
    test = panel[(panel["ds"] >= test_start) & panel["unique_id"].isin(train["unique_id"].unique())]
    return train.reset_index(drop=True), test.reset_index(drop=True)


def descriptions(sales: pd.DataFrame) -> dict[str, str]:
    """The most common description of each stock code."""
    counts = sales.groupby(["stock_code", "description"]).size().reset_index(name="n")
    counts = counts.sort_values(["stock_code", "n"], ascending=[True, False], kind="stable")
    return dict(zip(*counts.drop_duplicates("stock_code")[["stock_code", "description"]].T.values))
