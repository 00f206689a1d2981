"""The pricing tools (tools/pricing_tools.py): registered once with typed schemas, audited
calls, typed failures for unknown products, markets and currencies and a missing model,
the write tools' checks (stale price, bad currency or decimals), and the HTTP surface."""
from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "agents"))
from pricing_fakes import CLOCK, FakeForecaster, pricing_deps, pricing_sales, pricing_store  # noqa: E402,F401

from store import prices as db  # noqa: E402
from tools import REGISTRY, call_tool  # noqa: E402
from tools.base import ToolContext  # noqa: E402

NAMES = {"landed_cost": False, "optimize_price": False, "apply_price": True, "record_pricing_input": True,
         "price_history": False}


def call(deps, name, role="operator", **args):
    ctx = ToolContext(deps=deps, role=role)
    return call_tool(name, ctx, args), ctx


def test_registered_once_typed_and_for_the_pricing_agent():
    for name, write in NAMES.items():
        tool = REGISTRY[name]
        assert tool.write is write and tool.agents == ("pricing",)
        schema = tool.schema()
        assert schema["description"] and schema["input_schema"]["properties"] and schema["output_schema"]["properties"]
    assert REGISTRY["price_elasticity"].agents == ("pricing",)


def test_optimize_price_is_audited_and_typed(pricing_deps):
    res, ctx = call(pricing_deps, "optimize_price", product="20001a", market="Germany", competitor_prices=[3.5, 3.7],
                    competitor_currency="EUR", curve=False)
    assert res.ok and res.result["product"] == "20001A" and res.result["market"] == "DE"
    assert res.result["curve"] == [] and res.result["competitor_prices"] == [3.5, 3.7]
    assert ctx.audit[0]["tool"] == "optimize_price" and ctx.audit[0]["ok"]


def test_landed_cost_without_a_product_needs_cost_and_price(pricing_deps):
    res, _ = call(pricing_deps, "landed_cost", market="DE", unit_cost=2.0, price=11.9, category="kitchen_dining",
                  units_per_shipment=24)
    assert res.ok and res.result["duty_gbp"] == 0.766 and res.result["landed_cost_gbp"] == 3.0986
    res, _ = call(pricing_deps, "landed_cost", market="DE", price=11.9)
    assert not res.ok and res.code == "invalid"


@pytest.mark.parametrize("args, code, said", [
    ({"product": "10999", "market": "GB"}, "not_found", "unknown product"),
    ({"product": "20001A", "market": "Narnia"}, "not_found", "unknown market"),
    ({"product": "20001A", "market": "BR"}, "not_found", "no VAT, duty and shipping rates"),
    ({"product": "20001A", "market": "DE", "competitor_prices": [3.0], "competitor_currency": "XYZ"}, "invalid",
     "no exchange rate"),
    ({"product": "20001A", "market": "DE", "min_margin_pct": -5}, "invalid", "Invalid input"),
])
def test_typed_failures(pricing_deps, args, code, said):
    res, _ = call(pricing_deps, "optimize_price", **args)
    assert not res.ok and res.code == code and said in res.error


def test_a_missing_elasticity_model_is_unavailable(settings, pricing_store):
    deps = SimpleNamespace(settings=settings, store=pricing_store, forecast=FakeForecaster(), clock=lambda: CLOCK)
    res, _ = call(deps, "optimize_price", product="20001A", market="GB")
    assert not res.ok and res.code == "unavailable" and "chuhai models train elasticity" in res.error


def test_apply_price_checks_the_price_did_not_move_and_records_the_change(pricing_deps):
    base = {"product": "20001A", "market": "GB", "currency": "GBP"}
    res, _ = call(pricing_deps, "apply_price", **base, old_price=2.50, new_price=3.00)
    assert not res.ok and res.code == "refused" and "is 2.95 now" in res.error and db.change_count(pricing_deps.store) == 0
    res, _ = call(pricing_deps, "apply_price", **base, old_price=2.95, new_price=3.005)
    assert not res.ok and res.code == "invalid"
    res, _ = call(pricing_deps, "apply_price", **{**base, "currency": "EUR"}, old_price=2.95, new_price=3.0)
    assert not res.ok and res.code == "invalid"
    res, _ = call(pricing_deps, "apply_price", **base, old_price=2.95, new_price=3.10, reason="test")
    assert res.ok and res.result["old_price"] == 2.95 and res.result["actor"] == "operator"
    res, _ = call(pricing_deps, "apply_price", **base, old_price=2.95, new_price=3.20)   # the same proposal twice
    assert not res.ok and "is 3.1 now" in res.error
    hist, _ = call(pricing_deps, "price_history", product="20001A")
    assert hist.result["prices"][0]["price"] == 3.1 and [c["new_price"] for c in hist.result["changes"]] == [3.1]


def test_a_first_price_abroad_is_checked_against_the_converted_reference(pricing_deps):
    rec, _ = call(pricing_deps, "optimize_price", product="20001A", market="DE", curve=False)
    ref = rec.result["current_price"]
    res, _ = call(pricing_deps, "apply_price", product="20001A", market="DE", currency="EUR", old_price=ref,
                  new_price=round(ref * 1.05, 2))
    assert res.ok and db.current_price(pricing_deps.store, "20001A", "DE")["currency"] == "EUR"


def test_recorded_inputs_feed_the_optimiser(pricing_deps):
    res, _ = call(pricing_deps, "record_pricing_input", kind="unit_cost", product="20001A", value=1.25)
    assert res.ok and res.result["currency"] == "GBP" and res.result["market"] is None
    res, _ = call(pricing_deps, "record_pricing_input", kind="competitor_price", product="20001A", market="UK",
                  value=3.10, source="shop A")
    assert res.ok and res.result["market"] == "GB"
    res, _ = call(pricing_deps, "record_pricing_input", kind="map_price", product="20001A", value=2.5)
    assert not res.ok and res.code == "invalid"
    rec, _ = call(pricing_deps, "optimize_price", product="20001A", market="GB", curve=False)
    assert rec.result["landed_current"]["cost_source"] == "stored" and rec.result["landed_current"]["unit_cost_gbp"] == 1.25
    assert rec.result["competitor_prices"] == [3.1] and rec.result["competitor_source"] == "stored"


def test_http_surface(api):
    client, deps = api
    op, admin = {"Authorization": "Bearer op-key"}, {"Authorization": "Bearer admin-key"}
    names = {t["name"] for t in client.get("/v1/tools", headers=op).json()}
    assert set(NAMES) <= names
    r = client.post("/v1/tools/landed_cost", json={"market": "JP", "unit_cost": 1.5, "price": 1100,
                                                   "category": "jewellery_accessories"}, headers=op)
    assert r.status_code == 200 and r.json()["net_price"] == 1000.0
    r = client.post("/v1/tools/optimize_price", json={"product": "85123A", "market": "GB"}, headers=op)
    assert r.status_code in (404, 503)  # the API fixture's store has no sales history (or no trained model)
    r = client.post("/v1/tools/apply_price", json={"product": "85123A", "market": "GB", "currency": "GBP",
                                                   "old_price": 2.95, "new_price": 3.0}, headers=op)
    assert r.status_code == 403  # writes outside an approval: admin only
    r = client.post("/v1/tools/apply_price", json={"product": "85123A", "market": "GB", "currency": "GBP",
                                                   "old_price": 2.95, "new_price": 3.0}, headers=admin)
    assert r.status_code == 404 and "unknown product" in r.json()["error"]["message"]
