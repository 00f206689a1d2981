"""The sales-model tools: typed input, the models' answers, typed failures."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from ml import forecast as fc
from ml.elasticity import ElasticityEstimate, ElasticityModel
from tools.base import ToolContext, ToolFailure
from tools.ml_tools import ML_TOOLS, ElasticityIn, ForecastIn, forecast_demand, price_elasticity


@pytest.fixture(scope="module")
def deps():
    rng = np.random.default_rng(0)
    weeks = pd.date_range("2011-01-01", periods=30, freq="7D")
    panel = pd.DataFrame({"unique_id": "85123A", "ds": weeks, "y": rng.poisson(40, 30).astype(float)})
    pairs = panel.assign(unique_id="85123A|France")
    fitted = [fc.fit_series_set(p, fc.H_MAX, include_slow=False) for p in (panel, pairs)]
    forecaster = fc.Forecaster(fitted, [panel, pairs], {"85123A": "WHITE HANGING HEART T-LIGHT HOLDER"}, {})
    estimate = ElasticityEstimate(product="85123A", category="candles_lighting", estimate=-1.4, ci_low=-1.9,
                                  ci_high=-0.9, se=0.25, n_obs=40, method="own", trusted=True,
                                  category_estimate=-1.6)
    elasticity = ElasticityModel({"85123A": estimate}, {}, {})
    return SimpleNamespace(forecast=forecaster, elasticity=elasticity)


def test_tools_have_schemas_and_descriptions():
    assert [t.name for t in ML_TOOLS] == ["forecast_demand", "price_elasticity"]
    for t in ML_TOOLS:
        schema = t.schema()
        assert schema["description"] and not schema["write"] and schema["input_schema"]["properties"]


def test_forecast_tool_answers_from_the_model(deps):
    out = forecast_demand.fn(ToolContext(deps=deps), ForecastIn(product="85123a", country="france", horizon=3))
    assert out.product == "85123A" and out.country == "France" and len(out.forecast) == 3
    assert len(out.history) == 12 and out.forecast[0].lo95 <= out.forecast[0].point <= out.forecast[0].hi95


def test_elasticity_tool_answers_from_the_model(deps):
    out = price_elasticity.fn(ToolContext(deps=deps), ElasticityIn(product="85123A"))
    assert out.estimate == -1.4 and out.trusted and out.method == "own"


def test_unknown_series_and_missing_models_are_typed_failures(deps):
    with pytest.raises(ToolFailure) as e:
        forecast_demand.fn(ToolContext(deps=deps), ForecastIn(product="22423"))
    assert e.value.code == "not_found"
    with pytest.raises(ToolFailure) as e:
        forecast_demand.fn(ToolContext(deps=deps), ForecastIn(product="85123A", country="Germany"))
    assert e.value.code == "not_found" and "France" in e.value.message
    with pytest.raises(ToolFailure) as e:
        price_elasticity.fn(ToolContext(deps=SimpleNamespace()), ElasticityIn(product="85123A"))
    assert "chuhai models train" in e.value.message


def test_bad_input_is_refused_by_the_schema():
    with pytest.raises(ValidationError):
        ForecastIn(product="85123A", horizon=fc.H_MAX + 1)
    with pytest.raises(ValidationError):
        ElasticityIn(product="85123A; drop table")
