"""Test metrics and model card of the elasticity model.

There is no true elasticity to compare with, so the test asks whether the price term
predicts: refit on the weeks before the test horizon, then predict log demand of the
last five weeks with the elasticity set to 0 (season and trend only), to the product's
own OLS estimate, and to the final (shrunk or pooled) estimate, the other coefficients
refitted given each. The weeks that matter are those whose price moved from the
product's last training price; elsewhere the three differ only through the intercept.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ml import elasticity_fit as fit
from ml.model_card import md_table, write_card_files

CARD_JSON = "elasticity.card.json"
CARD_MD = "elasticity.card.md"
MOVED = 0.02  # a test week's price differs from the last training price by 2%+
VARIANTS = ("no_price", "own", "final")


def _predict(train_rows: pd.DataFrame, test_rows: pd.DataFrame, slope: float) -> np.ndarray:
    from ml.elasticity import CONTROLS

    coef = fit.refit_given_slope(train_rows["log_q"].to_numpy(), train_rows["log_p"].to_numpy(),
                                 train_rows[list(CONTROLS)].to_numpy(), slope)
    return fit.design(test_rows["log_p"].to_numpy(), test_rows[list(CONTROLS)].to_numpy()) @ coef


def holdout(panel: pd.DataFrame, category_of: dict[str, str], test_start: pd.Timestamp) -> pd.DataFrame:
    """One row per test product-week: method, moved, and abs log error of each variant."""
    from ml.elasticity import estimate_all

    train, test = panel[panel["week"] < test_start], panel[panel["week"] >= test_start]
    estimates, _ = estimate_all(train, category_of)
    rows = []
    train_by = dict(tuple(train.groupby("stock_code", sort=False)))
    for code, test_rows in test.groupby("stock_code", sort=False):
        train_rows, est = train_by.get(code), estimates.get(code)
        if est is None or train_rows is None or len(train_rows) < 4:
            continue
        last_log_p = train_rows.sort_values("week")["log_p"].iloc[-1]
        slopes = {"no_price": 0.0, "final": est.estimate,
                  "own": est.own_estimate if est.own_estimate is not None else est.estimate}
        actual = test_rows["log_q"].to_numpy()
        errors = {name: np.abs(actual - _predict(train_rows, test_rows, s)) for name, s in slopes.items()}
        moved = np.abs(test_rows["log_p"].to_numpy() - last_log_p) >= MOVED
        for i in range(len(actual)):
            rows.append({"product": code, "method": est.method, "trusted": est.trusted,
                         "moved": bool(moved[i]), **{v: float(errors[v][i]) for v in VARIANTS}})
    return pd.DataFrame(rows, columns=["product", "method", "trusted", "moved", *VARIANTS])


def _errors(frame: pd.DataFrame) -> dict:
    out = {"product_weeks": int(len(frame)), "products": int(frame["product"].nunique()) if len(frame) else 0}
    for v in VARIANTS:
        out[f"mae_{v}"] = round(float(frame[v].mean()), 4) if len(frame) else None
        out[f"median_ae_{v}"] = round(float(frame[v].median()), 4) if len(frame) else None
    return out


def _quantiles(values: list[float]) -> dict:
    if not values:
        return {}
    q = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95])
    return {"n": len(values), "mean": round(float(np.mean(values)), 3),
            **{k: round(float(x), 3) for k, x in zip(("p05", "p25", "median", "p75", "p95"), q)},
            "share_negative": round(float(np.mean(np.array(values) < 0)), 3)}


def summarize(estimates: dict, pool_by: dict, holdout_rows: pd.DataFrame) -> dict:
    ests = list(estimates.values())
    own = [e for e in ests if e.method == "own"]
    trusted = [e for e in ests if e.trusted]
    reasons: dict[str, int] = {}
    for e in ests:
        for r in e.reasons:
            key = r.split(" (")[0]
            reasons[key] = reasons.get(key, 0) + 1
    moved = holdout_rows[holdout_rows["moved"]]
    return {
        "products": len(ests),
        "method_own": len(own),
        "method_pooled": len(ests) - len(own),
        "trusted": len(trusted),
        "share_trusted": round(len(trusted) / len(ests), 4) if ests else 0.0,
        "distribution_all": _quantiles([e.estimate for e in ests]),
        "distribution_own_unshrunk": _quantiles([e.own_estimate for e in own]),
        "distribution_trusted": _quantiles([e.estimate for e in trusted]),
        "median_ci_half_width": round(float(np.median([(e.ci_high - e.ci_low) / 2 for e in ests])), 3) if ests else None,
        "not_trusted_reasons": dict(sorted(reasons.items(), key=lambda kv: -kv[1])),
        "pools": {k: {"mu": round(p.mu, 3), "se_mu": round(float(np.sqrt(p.mu_var)), 3),
                      "tau": round(float(np.sqrt(p.tau2)), 3), "products": p.n_products}
                  for k, p in sorted(pool_by.items())},
        "holdout_all": _errors(holdout_rows),
        "holdout_price_moved": _errors(moved),
        "holdout_price_moved_own": _errors(moved[moved["method"] == "own"]),
        "holdout_price_moved_trusted": _errors(moved[moved["trusted"]]),
    }


def write_card(out_dir: Path, metrics: dict, shared_data: Path) -> None:
    from ml import elasticity as el

    card = {
        "model": "elasticity",
        "task": "price elasticity of demand per product, with a 95% confidence interval and a trusted flag",
        "data": {"source": "UCI Online Retail (CC BY 4.0), shared/data/sales/online_retail.csv.gz",
                 "rows": "registered-customer lines after the store's cleaning rule, cancelled sales removed",
                 "unit": "product-week (weeks Saturday-Friday, 2010-12-04 to 2011-12-09)"},
        "features": {"demand": "log weekly quantity",
                     "price": f"log median unit price of the week's regular-size lines (quantity <= "
                              f"{el.REGULAR_LINE_MEDIANS:g} x the product's median line quantity)",
                     "controls": "log weekly quantity of the product's category without the product (season, "
                                 "holidays), linear trend in years"},
        "estimator": f"per-product OLS with HC1 SEs when >= {el.MIN_OWN_WEEKS} priced weeks and log-price sd >= "
                     f"{el.MIN_LOG_PRICE_SD}; DerSimonian-Laird random-effects pool per keyword category "
                     f"(>= {el.MIN_CATEGORY_PRODUCTS} own estimates, else all products); empirical-Bayes "
                     "shrinkage of own estimates; pooled estimate for the rest",
        "trusted_rule": f">= {el.TRUST_MIN_WEEKS} priced weeks, an own estimate, two prices each held "
                        f"{el.TRUST_MIN_WEEKS_PER_PRICE}+ weeks, own and final 95% CI within +-{el.TRUST_MAX_HALF_WIDTH}, "
                        "not significantly positive",
        "test": "fit on weeks before 2011-11-05, predict log demand in the last 5 weeks; abs error in log units",
        **metrics,
        "limits": [
            "Observational prices: the shop set them, often for reasons linked to demand (new lines, clearance, "
            "price list changes across many products at once, which the category control partly absorbs); "
            "estimates are associations, not experiments.",
            "Weeks without a sale are dropped (log of zero), so demand at high prices is over-represented for "
            "slow sellers.",
            "Quantity breaks: the regular-line price reduces, but does not remove, the link between order size "
            "and unit price.",
            "Categories are keyword rules on descriptions (ml/data/sales_categories.json), not a curated taxonomy.",
            "One year of data: season and trend are controlled only through the category's own demand and a "
            "linear trend.",
        ],
    }
    d, h, hm = metrics["distribution_all"], metrics["holdout_all"], metrics["holdout_price_moved"]
    rows = [(name, f["product_weeks"], f["products"], f["mae_no_price"], f["mae_own"], f["mae_final"],
             f["median_ae_no_price"], f["median_ae_own"], f["median_ae_final"])
            for name, f in (("all test weeks", h), ("price moved", hm),
                            ("price moved, own", metrics["holdout_price_moved_own"]),
                            ("price moved, trusted", metrics["holdout_price_moved_trusted"]))]
    lines = [
        "# Price elasticity model card", "",
        f"Products: {metrics['products']} (own estimate {metrics['method_own']}, pooled "
        f"{metrics['method_pooled']}); trusted {metrics['trusted']} ({metrics['share_trusted']:.1%}).", "",
        f"Estimates: median {d.get('median')}, IQR {d.get('p25')} to {d.get('p75')}, "
        f"negative {d.get('share_negative')}; median 95% CI half-width {metrics['median_ci_half_width']}.", "",
        "## Test: log-demand error on the last 5 weeks", "",
        *md_table(["weeks", "product-weeks", "products", "MAE no price", "MAE own", "MAE final",
                   "MedAE no price", "MedAE own", "MedAE final"], rows), "",
        "## Category pools", "",
        *md_table(["category", "mu", "se(mu)", "tau", "products"],
                  [(k, p["mu"], p["se_mu"], p["tau"], p["products"]) for k, p in metrics["pools"].items()]), "",
        "## Not trusted because", "",
        *[f"- {k}: {v}" for k, v in metrics["not_trusted_reasons"].items()], "",
        "## Limits", "", *[f"- {x}" for x in card["limits"]], "",
    ]
    write_card_files(Path(out_dir) / CARD_JSON, Path(out_dir) / CARD_MD, card, lines)
