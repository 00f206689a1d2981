"""Demand forecasting: the selection rule, intervals and the query object on synthetic
series with known structure (fast), and a full training run on the real history (slow)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ml import forecast as fc
from ml import forecast_eval as fe
from ml import forecast_select as sel
from ml.sales_series import UnknownSeries

INTERMITTENT_METHODS = ("Croston", "TSB", "ADIDA", "IMAPA")
WEEKS = pd.date_range("2011-01-01", periods=48, freq="7D")


def synthetic_panel(seed: int = 0, n: int = 20, future: int = 0) -> pd.DataFrame:
    """Smooth series S* (level 30 -> 60 at week 30, noise sd 5) and intermittent series I*
    (a sale in 10% of weeks, then 35%, of 8-12 units): both shift, as real products do."""
    rng = np.random.default_rng(seed)
    weeks = pd.date_range(WEEKS[0], periods=len(WEEKS) + future, freq="7D")
    rows = []
    for i in range(n):
        for k, week in enumerate(weeks):
            rows.append((f"S{i}", week, max(0.0, (30 if k < 30 else 60) + rng.normal(0, 5))))
            rows.append((f"I{i}", week, float(rng.random() < (0.10 if k < 30 else 0.35)) * rng.integers(8, 13)))
    return pd.DataFrame(rows, columns=["unique_id", "ds", "y"])


@pytest.fixture(scope="module")
def fitted():
    return fc.fit_series_set(synthetic_panel(), h=5, include_slow=False)


def test_demand_classes_follow_syntetos_boylan():
    assert sel.demand_class(np.full(20, 10.0)) == "smooth"
    assert sel.demand_class(np.array([1, 30, 2, 40, 1, 25, 3, 50] * 3, float)) == "erratic"
    assert sel.demand_class(np.array([0, 0, 5, 0, 0, 6, 0, 0, 5, 0] * 3, float)) == "intermittent"
    assert sel.demand_class(np.array([0, 0, 1, 0, 0, 90, 0, 0, 2, 0] * 3, float)) == "lumpy"


def test_intermittent_series_pick_intermittent_methods(fitted):
    classes = fitted.stats["demand_class"]
    assert (classes[classes.index.str.startswith("I")] == "intermittent").all()
    assert (classes[classes.index.str.startswith("S")] == "smooth").all()
    labels = pd.Series({uid: c.label for uid, c in fitted.choices.items()})
    intermittent = labels[labels.index.str.startswith("I")]
    uses = intermittent.str.contains("|".join(INTERMITTENT_METHODS))
    assert uses.mean() >= 0.8, intermittent.value_counts()
    assert any(m in fitted.defaults["intermittent"] for m in INTERMITTENT_METHODS)


def test_forecasts_track_the_current_level_and_rate(fitted):
    point = fitted.forecasts.groupby("unique_id")["point"].mean()
    smooth, intermittent = point[point.index.str.startswith("S")], point[point.index.str.startswith("I")]
    assert 50 < smooth.mean() < 70          # level after the shift is 60 (before: 30)
    assert 2.0 < intermittent.mean() < 5.0  # 0.35 x 10 = 3.5 a week; a median would say 0


def test_intervals_are_ordered_and_cover_new_draws(fitted):
    f = fitted.forecasts
    assert (f["lo95"] <= f["lo80"] + 1e-9).all() and (f["lo80"] <= f["point"] + 1e-9).all()
    assert (f["point"] <= f["hi80"] + 1e-9).all() and (f["hi80"] <= f["hi95"] + 1e-9).all()
    assert (f["lo95"] >= 0).all()
    truth = synthetic_panel(future=5)
    future = truth[truth["ds"] > WEEKS[-1]].merge(f, on=["unique_id", "ds"])
    assert len(future) == 40 * 5
    covered80 = ((future["y"] >= future["lo80"]) & (future["y"] <= future["hi80"])).mean()
    covered95 = ((future["y"] >= future["lo95"]) & (future["y"] <= future["hi95"])).mean()
    assert 0.65 <= covered80 <= 0.97 and covered95 >= 0.85, (covered80, covered95)


def test_choose_keeps_the_default_unless_clearly_beaten():
    scores = pd.DataFrame({"A": [1.0, 0.80, np.nan], "B": [0.95, 1.0, np.nan], "C": [1.2, 0.85, np.nan],
                           "D": [1.3, 0.70, np.nan]}, index=["close", "beaten", "unscored"])
    classes = pd.Series({"close": "smooth", "beaten": "smooth", "unscored": "lumpy", "new": "smooth"})
    choices = sel.choose(scores, classes, {"all": "A", "smooth": "A", "lumpy": "B"})
    assert choices["close"].weights == {"A": 1.0}           # B is better, but by less than 10%
    assert set(choices["beaten"].weights) == {"D", "A", "C"}  # top 3, equal weights
    assert choices["beaten"].label == "mean(D, A, C)"
    assert choices["unscored"].weights == {"B": 1.0}         # its class default
    assert choices["new"].weights == {"A": 1.0}


def test_test_metrics_on_a_hand_computed_case():
    train = pd.DataFrame({"unique_id": ["a"] * 3, "ds": WEEKS[:3], "y": [2.0, 4.0, 2.0]})
    test = pd.DataFrame({"unique_id": ["a"] * 2, "ds": WEEKS[3:5], "y": [3.0, 0.0]})
    errors = fe.per_series_errors(pd.Series([2.0, 0.0]), test, fe.naive_scales(train))
    row = errors.loc["a"]
    assert row["mase"] == pytest.approx(0.5 / 2.0)            # MAE 0.5, naive MAE 2
    assert row["rmsse"] == pytest.approx(np.sqrt(0.5) / 2.0)  # RMSE sqrt(1/2), naive RMSE 2
    assert row["smape"] == pytest.approx((200 * 1 / 5 + 0) / 2)  # 0/0 counts as 0


@pytest.fixture(scope="module")
def small_forecaster() -> fc.Forecaster:
    products = synthetic_panel(n=3)
    products = products[products["unique_id"].str.startswith(("S", "I"))]
    pairs = products.assign(unique_id=products["unique_id"] + "|Germany")
    fitted = [fc.fit_series_set(p, fc.H_MAX, include_slow=False) for p in (products, pairs)]
    return fc.Forecaster(fitted, [products, pairs], {"S0": "SMOOTH THING"}, {})


def test_forecaster_answers_from_precomputed_series(tmp_path, small_forecaster):
    small_forecaster.save(tmp_path / fc.MODEL_FILE)
    model = fc.load(tmp_path)
    out = model.forecast("s0", horizon=6, history_weeks=4)
    assert out.product == "S0" and out.description == "SMOOTH THING" and out.country is None
    assert [w.week for w in out.history] == [str(d.date()) for d in WEEKS[-4:]]
    assert len(out.forecast) == 6 and out.forecast[0].week == str((WEEKS[-1] + pd.Timedelta(weeks=1)).date())
    assert all(w.lo95 <= w.lo80 <= w.point <= w.hi80 <= w.hi95 for w in out.forecast)
    assert out.method and out.demand_class == "smooth"
    assert model.forecast("I1", country="germany").country == "Germany"
    assert len(model.forecast("S0").history) == len(WEEKS)


def test_forecaster_refuses_unknown_series_and_bad_horizons(small_forecaster):
    model = small_forecaster
    with pytest.raises(UnknownSeries, match="unknown product"):
        model.forecast("99999")
    with pytest.raises(UnknownSeries, match="per-country forecasts cover Germany"):
        model.forecast("S0", country="Atlantis")
    with pytest.raises(ValueError, match="horizon"):
        model.forecast("S0", horizon=fc.H_MAX + 1)


def test_short_series_get_the_mean_of_their_weeks():
    panel = pd.concat([synthetic_panel(n=2),
                       pd.DataFrame({"unique_id": "NEW", "ds": WEEKS[-2:], "y": [4.0, 8.0]})])
    fitted = fc.fit_series_set(panel, h=3, include_slow=False)
    assert fitted.choices["NEW"].label == "short_history_mean"
    assert fitted.forecasts.set_index("unique_id").loc["NEW", "point"].tolist() == [6.0, 6.0, 6.0]


@pytest.mark.slow
def test_full_training_writes_a_card_with_sane_metrics(tmp_path, shared_data):
    metrics = fc.train(tmp_path, shared_data)
    card = json.loads((tmp_path / fe.CARD_JSON).read_text())
    assert (tmp_path / fe.CARD_MD).read_text().startswith("# Demand forecast model card")
    products = card["test"]["products"]
    chosen = products["metrics"][fe.CHOSEN]
    best = products["best_single_baseline"]
    assert products["series"] > 3000
    for scope in ("top", "all"):
        assert 0.3 < chosen[scope]["mase"] < 3 and 0 < chosen[scope]["smape"] < 200
        assert chosen[scope]["mase"] <= 1.1 * best[scope]["mase"]
    assert 0.5 < products["coverage_all"]["coverage80"] <= 1 and products["coverage_all"]["coverage95"] > 0.7
    assert card["nightly"]["products_series"] > 3000 and card["nightly"]["product_country_series"] > 3000
    assert metrics["test"]["product_country"]["series"] > 1000
    model = fc.load(tmp_path)
    assert model.forecast("85123A", horizon=4).forecast[0].point > 0
    assert model.forecast("85123A", country="United Kingdom", horizon=2).country == "United Kingdom"
