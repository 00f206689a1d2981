"""A small, fully known sales history for the pricing agent's tests, with stand-ins for the
trained elasticity and forecast models (their interfaces: ``elasticity(code)`` /
``pools``, ``forecast(product, country, horizon, history_weeks)``). The fixtures
(`pricing_sales`, `pricing_store`, `pricing_deps`) are imported by the modules that use them.

Products (UK prices are the home reference: the median of the last 90 days of UK lines):
  20001A WHITE HANGING HEART T-LIGHT HOLDER  UK 2.95 (older lines 2.55), Germany too; own,
         trusted elasticity -1.3; forecast 100/week in the UK, 10/week in Germany
  20002  REGENCY CAKESTAND 3 TIER            UK 12.75; untrusted, pooled -1.6; no forecast
  20003  PARTY BUNTING                       UK 4.95; positive elasticity +0.8 (hold)
  20004  SPACEBOY BIRTHDAY CARD              UK 0.42; inelastic, trusted -0.5
  20005  JUMBO BAG RED RETROSPOT             UK 2.08, sold only without a customer id (the retail
         channel): the elasticity model has no estimate, so its category's pool is used
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from types import SimpleNamespace

import pandas as pd
import pytest

from ml.elasticity import ElasticityEstimate
from ml.sales_series import UnknownSeries, normalize_code

START = pd.Timestamp("2011-01-03 10:00")
PRODUCTS = {
    "20001A": "WHITE HANGING HEART T-LIGHT HOLDER",
    "20002": "REGENCY CAKESTAND 3 TIER",
    "20003": "PARTY BUNTING",
    "20004": "SPACEBOY BIRTHDAY CARD",
    "20005": "JUMBO BAG RED RETROSPOT",
}
CLOCK = datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)


def synthetic_sales() -> pd.DataFrame:
    rows = []

    def line(code, week, price, qty=6, country="United Kingdom", customer=17001):
        rows.append({"invoice_no": str(600000 + len(rows)), "stock_code": code, "description": PRODUCTS[code],
                     "quantity": qty, "invoice_date": START + pd.Timedelta(weeks=week), "unit_price": price,
                     "customer_id": customer, "country": country})

    for w in range(48):
        line("20001A", w, 2.55 if w < 30 else 2.95)
        line("20001A", w, 2.95, country="Germany", customer=12601)
        line("20002", w, 12.75)
        line("20003", w, 4.95)
        line("20004", w, 0.42, qty=24)
        line("20005", w, 2.08, customer=None)
    frame = pd.DataFrame(rows)
    frame["customer_id"] = frame["customer_id"].astype("Int64")
    return frame


def load_into(store, frame: pd.DataFrame) -> None:
    from store.sales import replace_sales

    with store.transaction(write=True) as conn:
        replace_sales(conn, frame)


def estimate(code: str, e: float, trusted: bool, method: str = "own", category: str = "home_decor") -> ElasticityEstimate:
    return ElasticityEstimate(product=code, description=PRODUCTS[code], category=category, estimate=e,
                              ci_low=e - 0.4, ci_high=e + 0.4, se=0.2, n_obs=40, method=method, trusted=trusted,
                              reasons=[] if trusted else ["wide interval (95% CI +-1.2 > 1.0)"], category_estimate=-1.6)


class FakeElasticity:
    """The trained model's interface over fixed estimates."""

    def __init__(self, estimates: dict[str, ElasticityEstimate] | None = None):
        self.estimates = estimates or {
            "20001A": estimate("20001A", -1.3, True, category="candles_lighting"),
            "20002": estimate("20002", -1.6, False, "pooled", "kitchen_dining"),
            "20003": estimate("20003", 0.8, False, category="toys_party"),
            "20004": estimate("20004", -0.5, True, category="stationery_wrap"),
        }
        self.pools = {"_all": {"mu": -1.66, "mu_var": 0.003, "tau2": 2.0, "n_products": 1092},
                      "bags_storage": {"mu": -1.9, "mu_var": 0.02, "tau2": 0.9, "n_products": 109}}

    def elasticity(self, product: str) -> ElasticityEstimate:
        code = normalize_code(product)
        if code not in self.estimates:
            raise UnknownSeries(f"no elasticity for product '{product}'")
        return self.estimates[code]


@dataclass
class _Week:
    point: float


class FakeForecaster:
    """Weekly points per (product, country); None = all countries."""

    def __init__(self, points: dict[tuple[str, str | None], float] | None = None):
        self.points = points or {("20001A", "United Kingdom"): 100.0, ("20001A", "Germany"): 10.0,
                                 ("20001A", None): 110.0, ("20003", "United Kingdom"): 20.0,
                                 ("20004", "United Kingdom"): 300.0}

    def forecast(self, product, country=None, horizon=4, history_weeks=None):
        key = (normalize_code(product), country)
        if key not in self.points:
            raise UnknownSeries(f"no forecast for {key}")
        return SimpleNamespace(forecast=[_Week(self.points[key]) for _ in range(horizon)])


@pytest.fixture(scope="module")
def pricing_sales() -> pd.DataFrame:
    return synthetic_sales()


@pytest.fixture
def pricing_store(make_store, pricing_sales):
    store = make_store("pricing")
    load_into(store, pricing_sales)
    return store


@pytest.fixture
def pricing_deps(settings, pricing_store):
    """Agent-level deps: the real store with the synthetic history, the fake models."""
    return SimpleNamespace(settings=settings, store=pricing_store, elasticity=FakeElasticity(),
                           forecast=FakeForecaster(), clock=lambda: CLOCK, llm_enabled=False)
