"""Sales history: the cleaning rule on a hand-made frame, loading, and the real file."""
from __future__ import annotations

import time

import pandas as pd
import pytest

from store import Store, clean_sales_frame

COLS = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
        "CustomerID", "Country"]
KEEP = [
    ("536365", "85123A", " WHITE HANGING HEART T-LIGHT HOLDER ", 6, "2010-12-01 08:26:00",
     2.55, 17850.0, "United Kingdom"),
    ("536366", "22633", "HAND WARMER UNION JACK", 6, "2010-12-01 08:28:00", 1.85, None,
     "France"),
    ("536367", "85123a", "WHITE HANGING HEART T-LIGHT HOLDER", 1, "2010-12-02 09:00:00",
     2.95, 13047.0, "United Kingdom"),
    ("536368", "15056BL", "EDWARDIAN PARASOL BLACK", 2, "2010-12-02 10:00:00", 5.95, 13047.0,
     "Germany"),
]
DROP = [
    ("C536379", "22556", "PLASTERS IN TIN CIRCUS PARADE", -12, "2010-12-01 09:41:00", 1.65,
     14527.0, "United Kingdom"),                                       # cancellation
    ("A563185", "B", "Adjust bad debt", 1, "2011-08-12 14:50:00", 11062.06, None,
     "United Kingdom"),                                                # bad-debt adjustment
    ("536370", "22728", "ALARM CLOCK BAKELIKE PINK", 0, "2010-12-01 08:45:00", 3.75, 12583.0,
     "France"),                                                        # zero quantity
    ("536371", "22728", "ALARM CLOCK BAKELIKE PINK", -3, "2010-12-01 08:45:00", 3.75, 12583.0,
     "France"),                                                        # negative quantity
    ("536414", "22139", None, 56, "2010-12-01 11:52:00", 0.0, None, "United Kingdom"),
    ("536372", "22728", "ALARM CLOCK", 2, "2010-12-01 08:45:00", -1.0, 12583.0, "France"),
]
NON_PRODUCTS = ["POST", "DOT", "M", "m", "D", "S", "B", "C2", "BANK CHARGES", "AMAZONFEE",
                "CRUK", "PADS", "gift_0001_10", "DCGSSBOY", "DCGS0003"]


def tiny_frame() -> pd.DataFrame:
    fees = [("536400", code, "fee or service", 1, "2010-12-03 10:00:00", 18.0, 12583.0,
             "France") for code in NON_PRODUCTS]
    return pd.DataFrame(KEEP + DROP + fees, columns=COLS)


def test_clean_sales_frame_keeps_only_product_sales():
    out = clean_sales_frame(tiny_frame())
    assert list(out["invoice_no"]) == [r[0] for r in KEEP]
    assert list(out["stock_code"]) == ["85123A", "22633", "85123A", "15056BL"]
    assert out.loc[0, "description"] == "WHITE HANGING HEART T-LIGHT HOLDER"
    assert list(out.columns) == ["invoice_no", "stock_code", "description", "quantity",
                                 "invoice_date", "unit_price", "customer_id", "country"]
    assert str(out["customer_id"].dtype) == "Int64"
    assert out["customer_id"].isna().tolist() == [False, True, False, False]
    assert out.loc[0, "customer_id"] == 17850
    assert pd.api.types.is_datetime64_any_dtype(out["invoice_date"])
    assert out["quantity"].dtype == "int64" and out["unit_price"].dtype == "float64"


def test_clean_sales_frame_on_empty_input():
    out = clean_sales_frame(pd.DataFrame(columns=COLS))
    assert len(out) == 0


@pytest.fixture
def tiny_csv(tmp_path):
    path = tmp_path / "tiny_retail.csv.gz"
    tiny_frame().to_csv(path, index=False)
    return path


def test_load_tiny_sales_file_and_summary(tmp_path, retail_dir, tiny_csv, seed_data):
    st = Store(f"sqlite:///{tmp_path / 'sales.db'}")
    try:
        counts = st.reset(retail_dir, tiny_csv)
        assert counts["sales_lines"] == len(KEEP)
        summary = st.sales_summary()
        assert summary == {"rows": 4, "first_date": "2010-12-01T08:26:00",
                           "last_date": "2010-12-02T10:00:00", "countries": 3,
                           "products": 3, "invoices": 4, "customers": 2}
        st.reset(retail_dir)  # without sales_csv the history is kept
        assert st.sales_summary()["rows"] == 4
        assert st.export() == seed_data
    finally:
        st.close()


def test_ensure_seeded_loads_missing_sales(store, retail_dir, tiny_csv):
    assert store.sales_summary()["rows"] == 0
    assert store.ensure_seeded(retail_dir) is False
    assert store.ensure_seeded(retail_dir, tiny_csv) is True
    assert store.sales_summary()["rows"] == len(KEEP)
    assert store.ensure_seeded(retail_dir, tiny_csv) is False


@pytest.mark.slow
def test_load_the_real_sales_history(tmp_path, data_paths):
    retail, sales_csv = data_paths
    st = Store(f"sqlite:///{tmp_path / 'full.db'}")
    try:
        t0 = time.perf_counter()
        counts = st.reset(retail, sales_csv)
        seconds = time.perf_counter() - t0
        summary = st.sales_summary()
        print(f"\nreset with sales: {seconds:.1f} s, {counts['sales_lines']} lines; {summary}")
        assert 500_000 < summary["rows"] < 541_909
        assert summary["first_date"].startswith("2010-12-01")
        assert summary["last_date"].startswith("2011-12-09")
        assert summary["countries"] == 38
        assert 3_500 < summary["products"] < 4_100
        assert 4_000 < summary["customers"] < 4_400
        assert seconds < 60
    finally:
        st.close()
