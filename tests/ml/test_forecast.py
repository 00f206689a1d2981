"""Demand forecasting: the global model, intervals and the query object on synthetic
series with known structure (fast), and a full training run on the real history (slow)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ml import forecast as fc
from ml import forecast_eval as fe
from ml import forecast_global as fg
from ml import forecast_select as sel
from ml.sales_series import UnknownSeries

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
    return fc.fit_series_set(synthetic_panel(), h=5)


def test_demand_classes_follow_syntetos_boylan():
    assert sel.demand_class(np.full(20, 10.0)) == "smooth"
    assert sel.demand_class(np.array([1, 30, 2, 40, 1, 25, 3, 50] * 3, float)) == "erratic"
    assert sel.demand_class(np.array([0, 0, 5, 0, 0, 6, 0, 0, 5, 0] * 3, float)) == "intermittent"
    assert sel.demand_class(np.array([0, 0, 1, 0, 0, 90, 0, 0, 2, 0] * 3, float)) == "lumpy"
    rows = np.array([[np.nan, np.nan, 4, 5, 4, 5], [np.nan] * 5 + [3.0]])
    assert sel.demand_classes(rows).tolist() == ["smooth", "lumpy"]  # weeks before a start do not count


def test_a_set_of_series_gets_one_global_model(fitted):
    assert set(fitted.labels.values()) == {fg.GlobalModel.label}
    assert fitted.info["training_rows"] > 1000
    classes = fitted.stats["demand_class"]
    assert (classes[classes.index.str.startswith("I")] == "intermittent").all()
    assert (classes[classes.index.str.startswith("S")] == "smooth").all()


def test_forecasts_track_the_new_level(fitted):
    point = fitted.forecasts.groupby("unique_id")["point"].mean()
    smooth, intermittent = point[point.index.str.startswith("S")], point[point.index.str.startswith("I")]
    assert 50 < smooth.mean() < 70         # level after the shift is 60 (before: 30)
    assert 0.5 < intermittent.mean() < 5   # median-like: below the mean of 3.5 a week, not zero


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


def test_calibration_quantiles_and_bands_on_a_hand_case():
    rng = np.random.default_rng(1)
    pred = np.full((300, 5), np.log1p(1.0))                  # forecast = L everywhere
    actual = np.expm1(pred + rng.normal(0, 0.5, pred.shape))  # log-space noise sd 0.5
    lvl = np.ones(300)
    table = sel.calibrate(actual, pred, lvl, np.array(["smooth"] * 300))
    lo, hi = table.band("smooth", 80)
    assert lo == pytest.approx(-0.5 * 1.2816, abs=0.06) and hi == pytest.approx(0.5 * 1.2816, abs=0.06)
    assert table.band("lumpy", 80) == table.band("all", 80)   # an empty class uses the pool
    out = sel.bands(np.log1p(np.full((1, 10), 1.0)), np.array([4.0]), np.array(["smooth"]), table, window=5)
    assert out["point"][0, 0] == pytest.approx(4.0)
    assert out["hi80"][0, 0] == pytest.approx(4 * np.expm1(np.log(2) + hi))
    widths = out["hi95"][0] - out["lo95"][0]
    assert np.allclose(widths[:5], widths[0]) and widths[9] > widths[4]  # wider only past the window


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
    pairs = products.assign(unique_id=products["unique_id"] + "|Germany")
    fitted = [fc.fit_series_set(p, fc.H_MAX) for p in (products, pairs)]
    return fc.Forecaster(fitted, [products, pairs], {"S0": "SMOOTH THING"}, {})


def test_a_set_too_small_to_train_on_falls_back_to_the_moving_average(small_forecaster):
    out = small_forecaster.forecast("S0", horizon=3)
    assert out.method == fg.MovingAverageModel.label
    history = [w.quantity for w in out.history]
    assert out.forecast[0].point == pytest.approx(np.mean(history[-4:]), abs=0.01)


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


def test_new_series_get_a_forecast_from_the_global_model():
    panel = pd.concat([synthetic_panel(n=20),
                       pd.DataFrame({"unique_id": "NEW", "ds": WEEKS[-2:], "y": [40.0, 50.0]})])
    fitted = fc.fit_series_set(panel, h=3)
    new = fitted.forecasts.set_index("unique_id").loc["NEW"]
    assert fitted.labels["NEW"] == fg.GlobalModel.label
    assert (new["point"] > 5).all() and (new["point"] < 120).all()


@pytest.mark.slow
def test_full_training_writes_a_card_with_sane_metrics(tmp_path, shared_data):
    metrics = fc.train(tmp_path, shared_data)
    card = json.loads((tmp_path / fe.CARD_JSON).read_text())
    assert (tmp_path / fe.CARD_MD).read_text().startswith("# Demand forecast model card")
    products = card["test"]["products"]
    served = products["metrics"][fe.CHOSEN]
    yardstick = min(products["metrics"][b]["top"]["mase"] for b in fe.YARDSTICK)
    assert products["series"] > 3000 and products["model"]["model"] == fg.GlobalModel.label
    assert served["top"]["mase"] < yardstick  # beats the better of naive and MA4 (by how much: the card)
    for scope in ("top", "all"):
        assert 0.3 < served[scope]["mase"] < 3 and 0 < served[scope]["smape"] < 200
    assert 0.6 < products["coverage_all"]["coverage80"] <= 1 and products["coverage_all"]["coverage95"] > 0.8
    assert card["nightly"]["products_series"] > 3000 and card["nightly"]["product_country_series"] > 3000
    assert metrics["test"]["product_country"]["series"] > 1000
    model = fc.load(tmp_path)
    assert model.forecast("85123A", horizon=4).forecast[0].point > 0
    assert model.forecast("85123A", country="United Kingdom", horizon=2).country == "United Kingdom"
