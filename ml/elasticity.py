"""Price elasticity per product from the price variation in the sales history.

Data (``elasticity_panel``): lines of registered customers (the wholesale channel; lines
without a customer id are a retail channel at about twice the price) aggregated to
product-weeks. Demand is the week's quantity. Price is the median unit price of the
week's *regular-size* lines, those of at most three times the product's median line
quantity: this shop cuts the unit price for large orders, so the average price paid
falls whenever a big order comes in, which would read as a strongly negative elasticity
(measured on the own estimates: a median of -6 with the average price paid, -2.6 with
the median line price, -1.7 with the regular-line price).
Weeks with no regular-size line have no price and are left out; so are weeks with no
sale (log demand is undefined), which is one of the limits on the card.

Model: one log-log regression per product with season/holiday and trend controls, shrunk
toward its category by empirical Bayes (``ml/elasticity_fit.py``); categories come from
keyword rules on the description (``ml/sales_categories.py``). A product with too little
own price variation gets its category's estimate (``method="pooled"``). ``trusted`` is
False, with reasons, wherever the estimate should not drive a price decision.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from ml import elasticity_fit as fit
from ml.model_files import load_model, save_model
from ml.sales_categories import categorize
from ml.sales_series import (FIRST_FULL_WEEK, TEST_START, UnknownSeries, descriptions, load_sales,
                             normalize_code)

MODEL_FILE = "elasticity.joblib"
FORMAT_VERSION = 1
REGULAR_LINE_MEDIANS = 3.0  # a line of more than 3x the product's median line quantity is a bulk order
MIN_OWN_WEEKS = 12          # fewer priced weeks: no own regression (category estimate)
MIN_LOG_PRICE_SD = 0.01     # less price variation than ~1%: no own regression
MIN_CATEGORY_PRODUCTS = 8   # a category with fewer own estimates pools with all products
TRUST_MIN_WEEKS = 16
TRUST_MIN_WEEKS_PER_PRICE = 3   # at least two price levels, each seen in this many weeks
TRUST_MAX_HALF_WIDTH = 1.0      # 95% CI no wider than +-1
CONTROLS = ("log_category_demand", "trend_years")
GLOBAL = "_all"


class ElasticityEstimate(BaseModel):
    product: str
    description: str = ""
    category: str
    estimate: float = Field(description="price elasticity of demand (d log q / d log p)")
    ci_low: float
    ci_high: float
    se: float
    n_obs: int = Field(description="product-weeks with a sale and a regular-size price")
    method: str = Field(description="'own' (own regression shrunk toward the category) or 'pooled'")
    trusted: bool
    reasons: list[str] = Field(default_factory=list, description="why not trusted")
    own_estimate: float | None = None
    own_se: float | None = None
    own_weight: float = Field(0.0, description="share of the estimate from the product's own data")
    category_estimate: float
    price_min: float | None = None
    price_max: float | None = None
    price_levels: int = 0


def elasticity_panel(sales: pd.DataFrame, category_of: dict[str, str]) -> pd.DataFrame:
    """Product-weeks: ``stock_code, week, q, price, log_q, log_p`` plus the controls."""
    lines = sales[sales["customer_id"].notna()]
    cutoff = REGULAR_LINE_MEDIANS * lines.groupby("stock_code")["quantity"].transform("median")
    regular = lines[lines["quantity"] <= cutoff]
    keys = ["stock_code", "week"]
    demand = lines.groupby(keys)["quantity"].sum().rename("q")
    price = regular.groupby(keys)["unit_price"].median().rename("price")
    panel = pd.concat([demand, price], axis=1, join="inner").reset_index()
    panel["category"] = panel["stock_code"].map(category_of).fillna("other")
    weekly = lines.assign(category=lines["stock_code"].map(category_of).fillna("other"))
    cat_q = weekly.groupby(["category", "week"])["quantity"].sum().rename("cat_q").reset_index()
    panel = panel.merge(cat_q, on=["category", "week"], how="left")
    panel["log_q"] = np.log(panel["q"].astype(float))
    panel["log_p"] = np.log(panel["price"].astype(float))
    panel["log_category_demand"] = np.log1p((panel["cat_q"] - panel["q"]).clip(lower=0))
    panel["trend_years"] = (panel["week"] - FIRST_FULL_WEEK).dt.days / 365.25
    return panel.sort_values(keys, kind="stable").reset_index(drop=True)



def _price_levels(prices: pd.Series) -> tuple[int, int]:
    """(distinct weekly prices, those seen in at least TRUST_MIN_WEEKS_PER_PRICE weeks)."""
    counts = prices.round(4).value_counts()
    return int(len(counts)), int((counts >= TRUST_MIN_WEEKS_PER_PRICE).sum())


def own_fits(panel: pd.DataFrame) -> dict[str, fit.OwnFit]:
    """An own regression for every product with enough priced weeks and price variation."""
    out = {}
    for code, rows in panel.groupby("stock_code", sort=False):
        if len(rows) < MIN_OWN_WEEKS or rows["log_p"].std() < MIN_LOG_PRICE_SD:
            continue
        own = fit.fit_own(rows["log_q"].to_numpy(), rows["log_p"].to_numpy(),
                          rows[list(CONTROLS)].to_numpy())
        if np.isfinite(own.estimate) and np.isfinite(own.se) and own.se > 0:
            out[code] = own
    return out


def pools(owns: dict[str, fit.OwnFit], category_of: dict[str, str]) -> dict[str, fit.Pool]:
    """A random-effects pool per category with enough own estimates, plus GLOBAL."""
    if not owns:
        raise ValueError("no product has enough price variation for an own estimate")
    by_cat: dict[str, list[fit.OwnFit]] = {}
    for code, own in owns.items():
        by_cat.setdefault(category_of.get(code, "other"), []).append(own)
    every = list(owns.values())
    out = {GLOBAL: fit.random_effects(np.array([o.estimate for o in every]), np.array([o.se for o in every]))}
    for cat, fits in by_cat.items():
        if len(fits) >= MIN_CATEGORY_PRODUCTS:
            out[cat] = fit.random_effects(np.array([o.estimate for o in fits]), np.array([o.se for o in fits]))
    return out


def _distrust_reasons(n_obs: int, own: fit.OwnFit | None, levels: int, lo: float, hi: float) -> list[str]:
    """Why an estimate should not drive a price decision: 'label (detail)' each."""
    reasons = []
    if own is None:
        reasons.append("no own estimate (too little own price variation: category estimate)")
    if n_obs < TRUST_MIN_WEEKS:
        reasons.append(f"few priced weeks ({n_obs} < {TRUST_MIN_WEEKS})")
    if levels < 2:
        reasons.append(f"price barely changed (fewer than two prices held {TRUST_MIN_WEEKS_PER_PRICE}+ weeks)")
    if own is not None and fit.Z95 * own.se > TRUST_MAX_HALF_WIDTH:
        reasons.append(f"own estimate noisy (95% CI +-{fit.Z95 * own.se:.2f})")
    if (hi - lo) / 2 > TRUST_MAX_HALF_WIDTH:
        reasons.append(f"wide interval (95% CI +-{(hi - lo) / 2:.2f} > {TRUST_MAX_HALF_WIDTH})")
    if lo > 0:
        reasons.append("positive elasticity (demand rose with price: likely confounded)")
    return reasons


def estimate_all(panel: pd.DataFrame, category_of: dict[str, str],
                 names: dict[str, str] | None = None) -> tuple[dict[str, ElasticityEstimate], dict[str, fit.Pool]]:
    """Estimates for every product in ``panel`` (own + shrinkage, or pooled)."""
    names = names or {}
    owns = own_fits(panel)
    pool_by = pools(owns, category_of)
    out = {}
    for code, rows in panel.groupby("stock_code", sort=False):
        category = category_of.get(code, "other")
        pool = pool_by.get(category, pool_by[GLOBAL])
        own = owns.get(code)
        if own is not None:
            est, se, weight = fit.shrink(own, pool)
        else:
            (est, se), weight = fit.pooled_only(pool), 0.0
        lo, hi = fit.ci95(est, se)
        n_levels, held = _price_levels(rows["price"])
        reasons = _distrust_reasons(len(rows), own, held, lo, hi)
        out[code] = ElasticityEstimate(
            product=code, description=names.get(code, ""), category=category,
            estimate=round(est, 4), ci_low=round(lo, 4), ci_high=round(hi, 4), se=round(se, 4),
            n_obs=len(rows), method="own" if own else "pooled", trusted=not reasons, reasons=reasons,
            own_estimate=round(own.estimate, 4) if own else None, own_se=round(own.se, 4) if own else None,
            own_weight=round(weight, 4), category_estimate=round(pool.mu, 4),
            price_min=float(rows["price"].min()), price_max=float(rows["price"].max()), price_levels=n_levels)
    return out, pool_by


class ElasticityModel:
    """Precomputed estimates: ``elasticity(product)`` is a dictionary look-up."""

    def __init__(self, estimates: dict[str, ElasticityEstimate], pools: dict[str, fit.Pool], meta: dict):
        self.estimates = {code: e.model_dump() for code, e in estimates.items()}
        self.pools = {k: vars(p).copy() for k, p in pools.items()}
        self.meta = meta

    def products(self) -> list[str]:
        return sorted(self.estimates)

    def elasticity(self, product: str) -> ElasticityEstimate:
        code = normalize_code(product)
        if code not in self.estimates:
            raise UnknownSeries(f"no elasticity for product '{product}': it has no priced sale "
                                "by a registered customer in the sales history")
        return ElasticityEstimate.model_validate(self.estimates[code])

    def save(self, path: Path) -> None:
        save_model(self, path, FORMAT_VERSION)

    @classmethod
    def load(cls, path: Path) -> ElasticityModel:
        return load_model(cls, path, FORMAT_VERSION, "elasticity model")


def build(sales: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str], dict[str, str]]:
    """(panel, category of each code, description of each code) from cleaned weekly sales."""
    names = descriptions(sales)
    category_of = categorize(names)
    return elasticity_panel(sales, category_of), category_of, names


def train(models_dir: Path, shared_data: Path) -> dict:
    """Estimate on the whole history, evaluate the price term on the last 5 weeks
    (fitting on the weeks before), write the model and its card."""
    from ml import elasticity_eval

    started = time.perf_counter()
    panel, category_of, names = build(load_sales(shared_data))
    estimates, pool_by = estimate_all(panel, category_of, names)
    holdout = elasticity_eval.holdout(panel, category_of, TEST_START)
    metrics = elasticity_eval.summarize(estimates, pool_by, holdout)
    metrics["train_seconds"] = round(time.perf_counter() - started, 2)
    model = ElasticityModel(estimates, pool_by, {"metrics": metrics})
    model.save(Path(models_dir) / MODEL_FILE)
    elasticity_eval.write_card(Path(models_dir), metrics, shared_data)
    return metrics


def load(models_dir: Path) -> ElasticityModel:
    return ElasticityModel.load(Path(models_dir) / MODEL_FILE)
