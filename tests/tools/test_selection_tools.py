"""The selection tools: registered with schemas, typed results from the store's sales
history and a real (small) forecaster, typed failures for unknown markets, an empty
history and bad input, and the same through POST /v1/tools/{name}."""
from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "agents"))
from selection_fakes import forecaster, load_into, sales, sales_store  # noqa: E402,F401 (fixtures)

from tools import REGISTRY, call_tool  # noqa: E402
from tools.base import ToolContext  # noqa: E402
from tools.selection_schemas import MarketTrends, SelectionReport  # noqa: E402


@pytest.fixture
def ctx(settings, sales_store, forecaster):
    return ToolContext(deps=SimpleNamespace(settings=settings, store=sales_store, forecast=forecaster), role="operator")


def test_tools_are_registered_with_schemas():
    for name in ("market_trends", "selection_report"):
        schema = REGISTRY[name].schema()
        assert schema["agents"] == ["selection"] and not schema["write"] and schema["description"]
        assert schema["input_schema"]["properties"] and schema["output_schema"]["properties"]


def test_market_trends_per_country_and_category(ctx):
    out = call_tool("market_trends", ctx, {"market": "Deutschland"})
    assert out.ok, out
    trends = MarketTrends.model_validate(out.result)
    assert trends.market == "DE" and [c.country for c in trends.countries][0] == "United Kingdom"
    assert {m.id for m in trends.markets_with_data} == {"GB", "DE", "FR", "US"}
    kitchen = next(c for c in trends.categories if c.category == "kitchen_dining")
    assert kitchen.recent_units == 8 * 4 + 2 and kitchen.products == 2   # 10002 every week, 10006 twice
    assert ctx.audit[-1]["tool"] == "market_trends" and ctx.audit[-1]["ok"]


def test_selection_report_with_arguments(ctx):
    out = call_tool("selection_report", ctx, {"market": "FR", "products": ["10002"],
                                              "lead_time_weeks": 2, "service_level": 0.99, "on_hand": {"10002": 4},
                                              "horizon_weeks": 6, "top": 3})
    assert out.ok, out
    rep = SelectionReport.model_validate(out.result)
    assert rep.market.country == "France" and rep.horizon_weeks == 6 and rep.service_level == 0.99
    r = rep.reorders[0]
    assert (r.product, r.requested, r.on_hand, r.lead_time_weeks) == ("10002", True, 4, 2.0)
    assert all(len(c.forecast) == 6 for c in rep.forecasts)
    by_category = call_tool("selection_report", ctx, {"market": "DE", "category": "kitchen_dining"})
    assert {o.category for o in SelectionReport.model_validate(by_category.result).opportunities} == {"kitchen_dining"}


@pytest.mark.parametrize("args, code, words", [
    ({"market": "Narnia"}, "not_found", "Unknown market 'Narnia'"),
    ({"market": "Japan"}, "not_found", "No sales to Japan"),
    ({"market": "DE", "service_level": 1.5}, "invalid", "service_level"),
    ({"market": "DE", "category": "weapons"}, "invalid", "unknown category"),
    ({"market": "DE", "products": ["drop table"]}, "invalid", "products.0"),
    ({"market": "DE", "lead_time_weeks": -1}, "invalid", "lead_time_weeks"),
])
def test_typed_failures(ctx, args, code, words):
    out = call_tool("selection_report", ctx, args)
    assert not out.ok and out.code == code and words in out.error
    if code == "not_found":
        assert "Germany (DE)" in out.error   # names the markets that have data


def test_empty_history_is_unavailable_with_the_fix(settings, make_store):
    ctx = ToolContext(deps=SimpleNamespace(settings=settings, store=make_store("nosales")))
    for name in ("market_trends", "selection_report"):
        out = call_tool(name, ctx, {})
        assert not out.ok and out.code == "unavailable" and "chuhai store reset" in out.error


def test_through_the_tools_api(api, sales, forecaster):
    client, deps = api
    load_into(deps.store, sales)
    deps.forecast = forecaster
    auth = {"Authorization": "Bearer op-key"}
    r = client.post("/v1/tools/selection_report", json={"market": "DE", "products": ["10001A"]}, headers=auth)
    assert r.status_code == 200, r.text
    rep = SelectionReport.model_validate(r.json())
    assert rep.market.id == "DE" and rep.reorders[0].product == "10001A"
    r = client.post("/v1/tools/selection_report", json={"market": "Narnia"}, headers=auth)
    assert r.status_code == 404 and "Narnia" in r.json()["error"]["message"]
    r = client.post("/v1/tools/market_trends", json={"market": "DE", "category": 5}, headers=auth)
    assert r.status_code in (400, 422)
