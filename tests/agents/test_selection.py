"""The selection researcher end to end on a small known sales history (tests/agents/
selection_fakes.py) with a real Forecaster fitted on it: the typed report, the Markdown
report and its PNG charts, reorder arithmetic checked by hand, thin markets, unknown
markets/products/currencies, an empty history, a missing model, competitor reviews, six
languages, and requests through the API. The slow test runs the real trained models over
the real store."""
from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path
from statistics import NormalDist
from types import SimpleNamespace

import pytest
from selection_fakes import KeywordSentiment, forecaster, sales, sales_store  # noqa: F401 (fixtures)

from agents import selection
from agents.base import AgentRequest
from agents.selection import SelectionResult

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def deps(settings, sales_store, forecaster):
    """Agent-level deps: the real store with the synthetic history, the fitted forecaster."""
    return SimpleNamespace(settings=settings, store=sales_store, forecast=forecaster, reviews=KeywordSentiment(),
                           clock=lambda: datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc), llm_enabled=False)


def ask(deps, text: str, lang: str = "en", session: dict | None = None):
    out = selection.run(AgentRequest(text=text, redacted_text=text, channel="operator", language=lang,
                                     role="operator", deps=deps, session=session or {}))
    return out, SelectionResult.model_validate(out.data)


def test_market_report_ranks_opportunities_and_slow_movers(deps):
    out, res = ask(deps, "What should I sell in Germany, and what should I stop restocking?")
    rep = res.report
    assert res.kind == "report" and res.market == "DE" and rep.market.country == "Germany"
    assert rep.market.forecast_source == "product_country"
    codes = [o.product for o in rep.opportunities]
    assert codes[0] == "10001A" and "10002" in codes and "10003" not in codes
    top = rep.opportunities[0]
    assert top.growth_pct == 100.0 and top.recent_units == 160 and top.forecast_units > 0
    assert top.forecast_low <= top.forecast_units <= top.forecast_high
    assert {s.product for s in rep.slow_movers} == {"10003", "10006"} and rep.slow_mover_count == 2
    gone = next(s for s in rep.slow_movers if s.product == "10003")
    assert gone.recent_selling_weeks == 0 and gone.earlier_weekly_units == pytest.approx(41 * 12 / 45, abs=0.01)
    new = next(o for o in rep.opportunities if o.product == "10005")
    assert new.growth_pct is None and new.seasonal
    assert [e.product for e in rep.elsewhere] == ["10004"]        # sold in the UK, never in Germany
    germany = next(c for c in rep.countries if c.country == "Germany")
    assert germany.recent_units == 8 * (20 + 4 + 15) + 2 and germany.market_id == "DE"
    assert rep.market.thin  # 172 lines: under the threshold
    assert {n.code for n in rep.notes} >= {"thin_data", "outliers_excluded", "on_hand_assumed_zero", "one_year"}
    assert [c["tool"] for c in out.tool_calls] == ["selection_report"] and out.tool_calls[0]["ok"]
    assert "Germany" in out.text and "10003" in out.text and "reviews:" in out.text


def test_report_file_and_charts_land_in_the_data_folder(deps):
    _, res = ask(deps, "selection report for Germany")
    root = Path(deps.settings.state_dir)
    md = (root / res.report_path).read_text(encoding="utf-8")
    assert res.report_path.startswith("reports/selection/DE-")
    for heading in ("Top opportunities", "Slow movers", "Reorder quantities", "Forecasts with intervals",
                    "Trend and growth per country", "Definitions"):
        assert f"## {heading}" in md
    names = {Path(c["path"]).name for c in res.charts}
    assert {"market_weekly.png", "opportunities.png", "forecast_10001A.png"} <= names
    for chart in res.charts:
        path = root / chart["path"]
        assert path.read_bytes().startswith(PNG) and path.parent == (root / res.report_path).parent
        assert f"({path.name})" in md or path.name == "market_weekly.png" and "market_weekly.png" in md


def test_reorder_quantity_matches_a_hand_computation(deps, forecaster):
    _, res = ask(deps, "How much 10001A should I reorder for Germany? Lead time 3 weeks, 90% service level, "
                       "on hand 10001A=15")
    r = next(x for x in res.report.reorders if x.product == "10001A")
    assert r.requested and r.on_hand == 15 and r.on_hand_given and r.lead_time_weeks == 3.0 and r.service_level == 0.9
    weeks = forecaster.forecast("10001A", "Germany", 12, 0).forecast[:4]   # lead 3 + review 1
    demand = sum(w.point for w in weeks)
    sigmas = [((w.hi80 - w.point) / NormalDist().inv_cdf(0.9) + (w.hi95 - w.point) / NormalDist().inv_cdf(0.975)) / 2
              for w in weeks]
    safety = NormalDist().inv_cdf(0.9) * math.sqrt(sum(s * s for s in sigmas))
    assert r.demand_protection == pytest.approx(demand, abs=0.1)
    assert r.safety_stock == pytest.approx(safety, abs=0.1)
    assert r.order_quantity == math.ceil(demand + safety - 15)
    assert r.reorder_point == pytest.approx(sum(w.point for w in weeks[:3]) + safety, abs=0.1)


def test_thin_market_uses_the_products_forecast_times_its_share(deps, forecaster, sales):
    out, res = ask(deps, "weekly selection report for market US")
    rep = res.report
    assert rep.market.id == "US" and rep.market.thin and rep.market.forecast_source == "product_share"
    assert {"thin_data", "share_scaled"} <= {n.code for n in rep.notes}
    usa = sales[sales["country"] == "USA"]["quantity"].sum()
    recent = sales[(sales["stock_code"] == "10001A") & (sales["invoice_date"] >= "2011-06-11")
                   & (sales["quantity"] < 80_000)]["quantity"].sum()   # the last 26 weeks
    share = usa / recent
    r = next(x for x in rep.reorders if x.product == "10001A")
    assert r.source == "product_share" and r.share == pytest.approx(share, abs=1e-4)
    whole = forecaster.forecast("10001A", None, 5, 0).forecast
    assert r.demand_protection == pytest.approx(sum(w.point for w in whole) * share, abs=0.1)
    assert "thin" in out.text


def test_unknown_market_and_market_without_sales(deps):
    out, res = ask(deps, "selection report for Narnia")
    assert res.kind == "unknown_market" and "Narnia" in out.text
    assert {m.id for m in res.markets_with_data} == {"GB", "DE", "FR", "US"}
    assert "Germany (DE)" in out.text
    out, res = ask(deps, "What should I sell in Japan?")
    assert res.kind == "no_data" and "Japan" in out.text and "Germany (DE)" in out.text
    out, res = ask(deps, "Qué vender en México", "es")
    assert res.kind == "no_data" and "México" in out.text and res.report is None


def test_unknown_products_and_currency_get_clear_answers(deps):
    out, res = ask(deps, "forecast SKU 99999 and 10004 for Germany, revenue in XYZ")
    reasons = {u.product: u.reason for u in res.report.unknown_products}
    assert reasons == {"99999": "unknown", "10004": "not_sold_in_market"}
    assert "Unknown product 99999" in out.text and "10004 was never sold to Germany" in out.text
    assert res.asked["unknown_currency"] == "XYZ" and '"XYZ" is not a currency' in out.text
    out, _ = ask(deps, "report for Germany in EUR")
    assert "not converted" in out.text


def test_empty_sales_history_and_missing_forecast_model(deps, settings, make_store):
    empty = SimpleNamespace(**{**vars(deps), "store": make_store("empty")})
    out, res = ask(empty, "selection report for Germany")
    assert res.kind == "no_sales_history" and "chuhai store reset" in out.text
    untrained = SimpleNamespace(**{k: v for k, v in vars(deps).items() if k != "forecast"})
    out, res = ask(untrained, "selection report for Germany with 10001A")
    rep = res.report
    assert res.kind == "report" and rep.market.forecast_source == "none" and rep.reorders == []
    assert "forecast_unavailable" in {n.code for n in rep.notes} and "chuhai models train forecast" in out.text
    assert [o.forecast_units for o in rep.opportunities] == [None] * len(rep.opportunities)
    assert rep.opportunities and rep.slow_movers   # the history figures stand


def test_competitor_review_pain_points(deps):
    out, res = ask(deps, "Selection report for Germany. Competitor reviews:\nThe lid broke after a week\n"
                         "Far too small for the price\nLovely colours, arrived fast")
    assert res.reviews_status == "analyzed" and res.reviews.n_reviews == 3 and res.reviews.negative == 2
    assert {p.aspect for p in res.reviews.pain_points} >= {"size_fit"}
    assert [c["tool"] for c in out.tool_calls] == ["selection_report", "review_insights"]
    assert "Competitor review pain points (3 reviews, 2 negative)" in out.text
    _, plain = ask(deps, "Selection report for Germany")
    assert plain.reviews_status == "not_given" and plain.reviews is None


def test_the_session_keeps_the_market(deps):
    first, _ = ask(deps, "selection report for France")
    _, res = ask(deps, "and how much 10002 should I reorder?", session=first.session)
    assert res.market == "FR" and [r.product for r in res.report.reorders if r.requested] == ["10002"]


@pytest.mark.parametrize("lang, text, word", [
    ("en", "What should I stock in Germany?", "Selection report for Germany"),
    ("zh", "德国市场我应该卖什么？哪些该停止补货？", "德国选品报告"),
    ("es", "¿Qué debería vender en Alemania?", "Informe de selección para Alemania"),
    ("de", "Was soll ich in Deutschland verkaufen?", "Sortimentsbericht für Deutschland"),
    ("fr", "Que dois-je vendre en Allemagne ?", "Rapport de sélection pour Allemagne"),
    ("ja", "ドイツで何を売るべきですか？", "ドイツの商品選定レポート"),
])
def test_replies_in_six_languages(deps, lang, text, word):
    out, res = ask(deps, text, lang)
    assert res.kind == "report" and res.market == "DE" and out.text.startswith(word)
    md = (Path(deps.settings.state_dir) / res.report_path).read_text(encoding="utf-8")
    assert "{" not in out.text and "10001A" in md


def test_requests_through_the_api_reach_the_agent(make_deps, sales_store, forecaster):
    from fastapi.testclient import TestClient

    from api.main import create_app

    deps = make_deps(store=sales_store)
    deps.forecast = forecaster
    requests = {"en": "Which products should I stop restocking in Germany?", "zh": "德国市场我应该卖什么？",
                "es": "¿Qué productos debería vender en Alemania?", "de": "Was sollte ich in Deutschland verkaufen?",
                "fr": "Quels produits devrais-je vendre en Allemagne ?", "ja": "ドイツ市場で何を売るべきですか？"}
    with TestClient(create_app(deps=deps)) as client:
        for lang, text in requests.items():
            r = client.post("/v1/runs", json={"input": text, "channel": "operator"},
                            headers={"Authorization": "Bearer op-key"})
            body = r.json()
            assert r.status_code == 200 and body["route"] == ["selection"], (lang, body["route"])
            res = SelectionResult.model_validate(body["output"]["data"]["selection"])
            assert res.kind == "report" and res.market == "DE" and body["output"]["language"] == lang
            assert any(c["tool"] == "selection_report" and c["ok"] for c in body["tool_calls"])


@pytest.mark.slow
def test_real_models_over_the_real_store(tmp_path, shared_data):
    """The trained forecast and review models (settings.models_dir; trained if missing, as
    `chuhai serve` does) over the full sales history in a fresh store."""
    import ml
    from agents.selection_analysis import category
    from chuhai.settings import Settings
    from ml.sales_categories import category_of
    from store import Store

    models_dir = Settings().models_dir
    for name in ("forecast", "reviews"):
        if not ml.is_trained(name, models_dir):
            ml.train(name, models_dir, shared_data)
    store = Store(f"sqlite:///{tmp_path / 'full.db'}")
    store.reset(shared_data / "retail", shared_data / "sales" / "online_retail.csv.gz")
    settings = SimpleNamespace(state_dir=tmp_path / "var", models_dir=models_dir)
    settings.state_dir.mkdir()
    deps = SimpleNamespace(settings=settings, store=store, clock=lambda: datetime.now(timezone.utc))
    try:
        out, res = ask(deps, "weekly selection report for market UK. reviews:\nbroke after two days\nlove it")
        rep = res.report
        assert res.kind == "report" and rep.market.country == "United Kingdom" and not rep.market.thin
        assert rep.market.forecast_source == "product_country" and len(rep.opportunities) == 10
        assert rep.slow_mover_count > 50 and rep.reorders and res.reviews_status == "analyzed"
        for o in rep.opportunities:
            assert o.forecast_low <= o.forecast_units <= o.forecast_high and o.recent_selling_weeks >= 2
        for c in rep.forecasts:
            assert all(w.lo95 <= w.lo80 <= w.point <= w.hi80 <= w.hi95 for w in c.forecast)
        assert all(r.order_quantity >= 0 and r.safety_stock >= 0 for r in rep.reorders)
        assert rep.data_through == "2011-12-09" and len(rep.weekly) == 53
        for chart in res.charts:
            assert (settings.state_dir / chart["path"]).read_bytes().startswith(PNG)
        _, us = ask(deps, "weekly selection report for market US")
        assert us.report.market.thin and us.report.market.forecast_source == "product_share"
        from agents.selection_data import sales_cube

        descriptions = list(sales_cube(store).descriptions.values())
        assert [category(d) for d in descriptions] == [category_of(d) for d in descriptions]
    finally:
        store.close()
