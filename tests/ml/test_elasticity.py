"""Price elasticity: recovery of a known elasticity from synthetic sales lines, pooling for
products with little data, the trusted flag, the query object (fast), and a full
training run on the real history (slow)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ml import elasticity as el
from ml import elasticity_eval
from ml import elasticity_fit as fit
from ml.sales_series import UnknownSeries

TRUE = -1.5
WEEKS = pd.date_range("2011-01-01", periods=40, freq="7D")


def synthetic_lines(seed: int = 0, n_products: int = 30) -> pd.DataFrame:
    """Sales lines like ``load_sales`` gives: mugs with step-wise prices (four levels, each
    held for five weeks, in two shuffled rounds), demand = season x price^-1.5 x noise,
    spread over four small orders at the list price, plus now and then a bulk order at 20%
    off (a quantity break, which must not leak into the price)."""
    rng = np.random.default_rng(seed)
    season = 0.5 * np.sin(np.arange(len(WEEKS)) / 6)
    rows = []
    for i in range(n_products):
        levels = 3.0 * np.exp(np.linspace(-0.25, 0.25, 4) + rng.normal(0, 0.03, 4))
        blocks = np.concatenate([rng.permutation(levels), rng.permutation(levels)])
        prices = np.round(np.repeat(blocks, len(WEEKS) // 8), 2)
        for k, week in enumerate(WEEKS):
            response = np.exp(season[k] + TRUE * np.log(prices[k] / 3) + rng.normal(0, 0.1))
            for j in range(4):
                rows.append((f"2{i:04d}", f"RED MUG {i}", int(round(50 * response)), week, prices[k], 1000 + j))
            if rng.random() < 0.1:  # bulk buyers respond to the list price too
                rows.append((f"2{i:04d}", f"RED MUG {i}", int(round(200 * response)), week,
                             round(prices[k] * 0.8, 2), 2000))
    for k, week in enumerate(WEEKS[:6]):  # a mug with little data: six weeks at one price
        rows.append(("29999", "SPARSE BLUE MUG", 10, week, 2.5, 1000))
    frame = pd.DataFrame(rows, columns=["stock_code", "description", "quantity", "week", "unit_price", "customer_id"])
    frame["customer_id"] = frame["customer_id"].astype("Int64")
    frame["invoice_date"] = frame["week"] + pd.Timedelta(days=2)
    frame["country"] = "United Kingdom"
    return frame


@pytest.fixture(scope="module")
def estimated():
    lines = synthetic_lines()
    panel, category_of, names = el.build(lines)
    estimates, pools = el.estimate_all(panel, category_of, names)
    return panel, estimates, pools


def test_price_is_the_regular_line_price_not_the_bulk_discount(estimated):
    panel, _, _ = estimated
    lines = synthetic_lines()
    list_price = lines[lines["customer_id"] != 2000].groupby(["stock_code", "week"])["unit_price"].first()
    merged = panel.set_index(["stock_code", "week"])["price"]
    assert np.allclose(merged.to_numpy(), list_price.reindex(merged.index).to_numpy())
    assert (panel["category"] == "kitchen_dining").all()


def test_known_elasticity_is_recovered_within_the_interval(estimated):
    _, estimates, pools = estimated
    mugs = [e for code, e in estimates.items() if code != "29999"]
    assert len(mugs) == 30 and all(e.method == "own" for e in mugs)
    inside = [e.ci_low <= TRUE <= e.ci_high for e in mugs]
    own_inside = [abs(e.own_estimate - TRUE) <= fit.Z95 * e.own_se for e in mugs]
    assert sum(inside) >= 24 and sum(own_inside) >= 24, [(e.own_estimate, e.own_se) for e in mugs]
    pool = pools["kitchen_dining"]
    assert abs(pool.mu - TRUE) <= fit.Z95 * np.sqrt(pool.mu_var) + 0.05
    assert sum(e.trusted for e in mugs) >= 24


def test_a_product_with_little_data_borrows_from_its_category(estimated):
    _, estimates, pools = estimated
    sparse = estimates["29999"]
    assert sparse.method == "pooled" and sparse.own_estimate is None and sparse.own_weight == 0
    assert sparse.estimate == pytest.approx(pools["kitchen_dining"].mu, abs=1e-3)
    assert sparse.ci_low < sparse.estimate < sparse.ci_high
    assert not sparse.trusted
    assert any(r.startswith("no own estimate") for r in sparse.reasons)
    assert any(r.startswith("few priced weeks") for r in sparse.reasons)


def test_shrinkage_pulls_a_noisy_estimate_more_than_a_precise_one():
    pool = fit.Pool(mu=-1.5, mu_var=0.01, tau2=0.25, n_products=20)
    precise, noisy = fit.OwnFit(-0.5, 0.1, 40, 0.5), fit.OwnFit(-0.5, 1.0, 40, 0.1)
    mean_p, se_p, w_p = fit.shrink(precise, pool)
    mean_n, se_n, w_n = fit.shrink(noisy, pool)
    assert w_p > 0.8 > 0.3 > w_n
    assert mean_p > -0.8 and mean_n < -1.2
    assert se_n < 1.0  # the pool makes the noisy one more precise than on its own


def test_random_effects_sees_spread_only_when_there_is_some():
    same = fit.random_effects(np.full(30, -1.5) + np.random.default_rng(1).normal(0, 0.1, 30), np.full(30, 0.1))
    spread = fit.random_effects(np.linspace(-3.5, 0.5, 30), np.full(30, 0.1))
    assert same.tau2 < 0.01 and same.mu == pytest.approx(-1.5, abs=0.1)
    assert spread.tau2 > 1.0 and spread.mu == pytest.approx(-1.5, abs=0.1)


def test_untrustworthy_estimates_say_why():
    noisy = fit.OwnFit(0.8, 0.3, 40, 0.2)
    reasons = el._distrust_reasons(40, noisy, 3, 0.2, 1.4)
    assert any(r.startswith("positive elasticity") for r in reasons)
    assert any(r.startswith("wide interval") for r in reasons) is False
    assert el._distrust_reasons(40, fit.OwnFit(-1.5, 0.2, 40, 0.5), 3, -1.9, -1.1) == []
    assert any(r.startswith("price barely changed") for r in el._distrust_reasons(40, noisy, 1, -2.0, -1.0))


def test_model_answers_by_look_up_and_refuses_unknown_products(estimated, tmp_path):
    _, estimates, pools = estimated
    model = el.ElasticityModel(estimates, pools, {})
    model.save(tmp_path / el.MODEL_FILE)
    model = el.load(tmp_path)
    out = model.elasticity(" 20001 ")
    assert out.product == "20001" and out.description == "RED MUG 1" and out.category == "kitchen_dining"
    assert out.n_obs == len(WEEKS) and out.price_levels == 4
    with pytest.raises(UnknownSeries, match="no elasticity for product"):
        model.elasticity("85123A")


def test_holdout_compares_the_price_term_with_none(estimated):
    panel, _, _ = estimated
    category_of = dict(zip(panel["stock_code"], panel["category"]))
    rows = elasticity_eval.holdout(panel, category_of, WEEKS[-5])
    assert set(rows["product"]) == {f"2{i:04d}" for i in range(30)}
    moved = rows[rows["moved"]]
    assert len(moved) > 0
    assert moved["final"].mean() < moved["no_price"].mean()


@pytest.mark.slow
def test_numpy_ols_matches_statsmodels():
    import statsmodels.api as sm

    rng = np.random.default_rng(3)
    X = fit.design(rng.normal(0, 0.2, 50), rng.normal(0, 1, (50, 2)))
    y = X @ np.array([1.0, -1.5, 0.3, 0.1]) + rng.normal(0, 0.3, 50) * (1 + np.abs(X[:, 1]))
    beta, se, r2 = fit.ols_hc1(y, X)
    ref = sm.OLS(y, X).fit(cov_type="HC1")
    assert np.allclose(beta, ref.params) and np.allclose(se, ref.bse) and r2 == pytest.approx(ref.rsquared)


@pytest.mark.slow
def test_full_training_writes_a_card_with_sane_metrics(tmp_path, shared_data):
    metrics = el.train(tmp_path, shared_data)
    card = json.loads((tmp_path / elasticity_eval.CARD_JSON).read_text())
    assert (tmp_path / elasticity_eval.CARD_MD).read_text().startswith("# Price elasticity model card")
    assert card["products"] > 3000 and card["method_own"] > 500
    assert 0 < card["share_trusted"] < 1
    assert -4 < card["distribution_all"]["median"] < 0
    assert card["holdout_price_moved"]["product_weeks"] > 100
    assert metrics["holdout_price_moved"]["mae_final"] is not None
    model = el.load(tmp_path)
    top = model.elasticity("85123A")
    assert top.ci_low <= top.estimate <= top.ci_high and top.n_obs > 20
