"""The pricing agent end to end on a small known sales history (tests/agents/pricing_fakes.py)
with stand-in elasticity and forecast models: the typed result, the pending action (nothing
written before approval), the chart and report, conflicts, target prices, landed costs,
unknown products/markets/currencies, six languages, the repricing pass, and the approval
path through the real graph (applied and audited; over the limit refused; stale refused;
a scheduler re-run supersedes its earlier proposals). The slow test runs the real trained
models over the real store."""
from __future__ import annotations

from pathlib import Path

import pytest
from pricing_fakes import CLOCK, FakeElasticity, FakeForecaster, pricing_deps, pricing_sales, pricing_store  # noqa: F401

from agents import pricing
from agents.base import AgentRequest, PendingAction
from agents.pricing import PricingResult
from store import prices as db

PNG = b"\x89PNG\r\n\x1a\n"


def ask(deps, text: str, lang: str = "en", session: dict | None = None, role: str = "operator"):
    out = pricing.run(AgentRequest(text=text, redacted_text=text, channel="operator", language=lang, role=role,
                                   deps=deps, session=session or {}))
    return out, PricingResult.model_validate(out.data)


def test_a_recommendation_is_a_pending_action_with_a_chart_and_nothing_is_written(pricing_deps):
    out, res = ask(pricing_deps, "What price should I charge for 20001A in the UK?")
    rec = res.recommendations[0]
    assert res.kind == "recommendation" and res.markets == ["GB"] and rec.current_price == 2.95
    assert rec.current_price_source == "sales_history_median"   # last 90 days of UK lines: 2.95, not 2.55
    # trusted elasticity -1.3, landed 0.98 + 0.08: the optimum (net 4.3x landed) is above +20%: the step binds
    assert (rec.status, rec.binding_constraint, rec.price) == ("recommended", "max_step", 3.54)
    assert rec.units_current == 100.0 and rec.units_new == pytest.approx(100 * (3.54 / 2.95) ** -1.3, abs=1e-3)
    assert rec.profit_new_gbp > rec.profit_current_gbp and rec.demand_basis == "forecast_country"
    [action] = out.pending_actions
    assert action.tool == "apply_price" and action.agent == "pricing"
    assert action.args == {"product": "20001A", "market": "GB", "currency": "GBP", "old_price": 2.95,
                           "new_price": 3.54, "reason": "profit-maximising price; binding: max_step",
                           "proposal_id": action.action_id}
    assert [p.action_id for p in res.proposals] == [action.action_id]
    assert db.change_count(pricing_deps.store) == 0 and db.current_price(pricing_deps.store, "20001A", "GB") is None
    root = Path(pricing_deps.settings.state_dir)
    assert (root / res.charts[0]["path"]).read_bytes().startswith(PNG)
    md = (root / res.report_path).read_text(encoding="utf-8")
    assert "## Constraints" in md and "## Landed cost per unit" in md and "max_step" in md
    assert [c["tool"] for c in out.tool_calls] == ["optimize_price"] and out.tool_calls[0]["ok"]
    assert "3.54 GBP" in out.text and "largest step" in out.text and "Proposed for approval" in out.text
    assert "cost is 40%" in out.text  # the flagged default cost assumption is said


def test_cost_competitors_and_margin_from_the_request(pricing_deps):
    out, res = ask(pricing_deps, "Recommend a price for 20001A in Germany. Competitors are at €3.40 and €3.60, "
                                 "our unit cost is £1.20, minimum margin 30%")
    rec = res.recommendations[0]
    assert rec.market == "DE" and rec.currency == "EUR" and rec.current_price_source == "converted_from_home"
    assert rec.competitor_prices == [3.4, 3.6] and rec.competitor_source == "request" and rec.min_margin_pct == 30.0
    assert rec.landed_current.unit_cost_gbp == 1.2 and rec.landed_current.cost_source == "request"
    band = next(b for b in rec.bounds if b.name == "competitor_band")
    assert (band.low, band.high) == pytest.approx((3.06, 3.96))
    assert rec.price is None or band.low <= rec.price <= band.high


def test_crossing_constraints_propose_nothing_and_say_which(pricing_deps):
    out, res = ask(pricing_deps, "Reprice 20001A in the UK: competitors sell it at £1.00 and £1.10.")
    rec = res.recommendations[0]
    assert rec.status == "conflict" and rec.price is None and not out.pending_actions
    assert [b.name for b in rec.clash] == ["max_step", "competitor_band"]
    assert "no price meets every constraint" in out.text and "Nothing was proposed" in out.text


def test_a_target_price_is_checked_and_proposed_or_refused(pricing_deps):
    out, res = ask(pricing_deps, "Set the price of 20001A to £3.20 in the UK")
    assert res.recommendations[0].status == "target_ok" and out.pending_actions[0].args["new_price"] == 3.2
    out, res = ask(pricing_deps, "Drop 20001A to £0.50 in the UK")
    rec = res.recommendations[0]
    assert rec.status == "target_violates" and set(rec.violations) == {"min_margin", "max_step"}
    assert not out.pending_actions and "breaks" in out.text


def test_a_positive_elasticity_keeps_the_price(pricing_deps):
    out, res = ask(pricing_deps, "best price for 20003 in the UK?")
    rec = res.recommendations[0]
    assert (rec.status, rec.binding_constraint, rec.price) == ("keep", "hold", 4.95) and not out.pending_actions


def test_an_untrusted_and_a_missing_elasticity_take_the_small_step(pricing_deps):
    _, res = ask(pricing_deps, "price for 20002 in the UK")
    assert res.recommendations[0].binding_constraint == "untrusted_step"
    assert abs(res.recommendations[0].change_pct) <= 5.0
    _, res = ask(pricing_deps, "price for 20005 in the UK")   # no estimate: the category pool, untrusted
    rec = res.recommendations[0]
    assert rec.elasticity.method == "category" and not rec.elasticity.trusted
    assert "elasticity_category" in [n.code for n in rec.notes]


def test_landed_cost_question(pricing_deps):
    out, res = ask(pricing_deps, "What's the landed cost of 20002 in the US, with duty?")
    [lc] = res.landed
    assert res.kind == "landed_cost" and lc.market == "US" and lc.duty_basis == "FOB" and lc.duty_pct == 19.8
    assert not out.pending_actions and "FOB" in out.text and "REGENCY CAKESTAND" in out.text


@pytest.mark.parametrize("text, kind, said", [
    ("What should 10999 cost in Germany?", "unknown_product", "10999"),
    ("price 20001A for the Narnia market", "unknown_market", "Narnia"),
    ("price 20001A for Brazil", "no_rates", "Brazil"),
    ("price 20001A for Germany in bitcoin", "unknown_currency", "bitcoin"),
    ("competitor sells 20001A at 3.50 XYZ in Germany", "unknown_currency", "XYZ"),
    ("what price should I set for the purple unicorn lamp?", "no_product", "stock code"),
    ("Set every product's price to $0.01 now", "refused", "repricing pass"),
])
def test_what_cannot_be_priced_gets_a_clear_answer(pricing_deps, text, kind, said):
    out, res = ask(pricing_deps, text)
    assert res.kind == kind and said in out.text and not out.pending_actions


def test_a_product_named_by_its_full_description(pricing_deps):
    _, res = ask(pricing_deps, "price the regency cakestand 3 tier for the UK")
    assert res.products == ["20002"]


@pytest.mark.parametrize("lang, text, words", [
    ("zh", "20001A在德国应该定价多少？", ["建议价格", "德国"]),
    ("es", "¿Qué precio recomiendas para 20001A en España?", ["precio recomendado", "España"]),
    ("de", "Welchen Preis empfiehlst du für 20001A in Deutschland?", ["empfohlener Preis", "Deutschland"]),
    ("fr", "Quel prix recommandes-tu pour 20001A en France ?", ["prix recommandé", "France"]),
    ("ja", "20001Aのドイツでの最適価格は？", ["推奨価格", "ドイツ"]),
    ("en", "Which price do you recommend for 20001A in Germany?", ["recommended price", "Germany"]),
])
def test_six_languages(pricing_deps, lang, text, words):
    out, res = ask(pricing_deps, text, lang)
    assert res.kind == "recommendation" and res.recommendations[0].status == "recommended"
    assert all(w in out.text for w in words), out.text


def test_the_session_continues_with_the_same_product(pricing_deps):
    out, _ = ask(pricing_deps, "price 20001A in the UK")
    _, res = ask(pricing_deps, "and in Germany?", session=out.session)
    assert res.products == ["20001A"] and res.markets == ["DE"]


def test_recording_a_cost_is_a_pending_action(pricing_deps):
    out, res = ask(pricing_deps, "remember that our unit cost for 20001A is £1.05")
    [action] = out.pending_actions
    assert res.kind == "record" and action.tool == "record_pricing_input"
    assert action.args == {"kind": "unit_cost", "product": "20001A", "value": 1.05, "currency": "GBP"}
    assert db.inputs(pricing_deps.store, "unit_cost", "20001A") == []


def test_the_repricing_pass_is_bounded_and_proposes_each_pair_once(pricing_deps):
    pricing_deps.settings.pricing_batch_max_products = 1
    out, res = ask(pricing_deps, "propose nightly repricing for all products")
    assert res.kind == "batch" and res.batch["criteria"] == "criteria_trusted"
    # trusted: 20001A and 20004; the best seller at home by revenue comes first and the cap is 1
    assert res.products == ["20001A"] and len(out.pending_actions) == 1
    pricing_deps.settings.pricing_batch_max_products = 25
    pricing_deps.settings.pricing_batch_markets = ["GB", "DE"]
    out, res = ask(pricing_deps, "propose nightly repricing for all products")
    pairs = [(a.args["product"], a.args["market"]) for a in out.pending_actions]
    assert sorted(res.products) == ["20001A", "20004"] and len(pairs) == len(set(pairs))
    assert {m for _, m in pairs} <= {"GB", "DE"} and res.report_path and db.change_count(pricing_deps.store) == 0


# ---------------------------------------------------------------- through the graph
@pytest.fixture
def graph_deps(make_deps, pricing_store):
    deps = make_deps(store=pricing_store)
    deps.elasticity, deps.forecast = FakeElasticity(), FakeForecaster()
    deps.clock = lambda: CLOCK
    return deps


def test_an_approved_price_is_applied_recorded_and_audited(graph_deps):
    from graphs.result import RunRequest
    from graphs.runner import Runner

    runner = Runner(graph_deps)
    res = runner.run(RunRequest(input="Set the price of 20001A to £3.20 in the UK", channel="operator"), role="operator")
    assert res.status == "awaiting_approval" and res.route == ["pricing"]
    [action] = res.pending_actions
    assert db.change_count(graph_deps.store) == 0
    done = runner.decide(res.thread_id, action.action_id, "approve", "operator")
    assert done.status == "completed" and "Done: 20001A" in done.output.text
    [change] = db.changes(graph_deps.store, "20001A")
    assert (change["old_price"], change["new_price"], change["actor"]) == (2.95, 3.2, "operator")
    assert change["proposal_id"] == action.action_id and change["reason"] == "operator's target price"
    assert db.current_price(graph_deps.store, "20001A", "GB")["price"] == 3.2
    assert any(e["action"] == "tool:apply_price" and e["outcome"] == "ok" for e in graph_deps.store.audit.entries())
    # the next recommendation starts from the applied price
    again = runner.run(RunRequest(input="price 20001A in the UK", channel="operator"), role="operator")
    assert again.output.data["pricing"]["recommendations"][0]["current_price"] == 3.2


def test_a_change_over_the_limit_is_refused_at_approval(graph_deps):
    from graphs.result import RunRequest
    from graphs.runner import Runner

    runner = Runner(graph_deps)
    # the request widens the step to 30%; the approval step still holds CHUHAI_MAX_PRICE_CHANGE_PCT (20%)
    res = runner.run(RunRequest(input="price 20001A in the UK, max change 30%", channel="operator"), role="operator")
    [action] = res.pending_actions
    assert action.args["new_price"] > 2.95 * 1.2
    done = runner.decide(res.thread_id, action.action_id, "approve", "operator")
    assert done.output.data["executed"][0]["blocked_by_policy"] == "price_change_over_limit"
    assert db.change_count(graph_deps.store) == 0
    assert any(g["name"] == "tool_policy" and g["action"] == "blocked" for g in done.guardrails)


def test_a_stale_proposal_is_refused_by_the_tool(graph_deps):
    from graphs.nodes import make_nodes

    action = PendingAction(tool="apply_price", args={"product": "20001A", "market": "GB", "currency": "GBP",
                                                     "old_price": 3.00, "new_price": 3.10}, summary="x", agent="pricing")
    state = {"run_id": "r", "text": "ok", "redacted": "ok", "channel": "operator", "role": "operator", "language": "en",
             "auto_approve": True, "pending": [action.model_dump()], "guardrails": [], "tool_calls": [], "timings": {}}
    out = make_nodes(graph_deps)["approval"](state)
    assert out["executed"][0]["ok"] is False and db.change_count(graph_deps.store) == 0


def test_a_scheduled_rerun_supersedes_its_unanswered_proposals(graph_deps):
    from graphs.result import RunRequest
    from graphs.runner import Runner

    runner = Runner(graph_deps)
    thread = "sched.repricing.all"

    def nightly():
        return runner.run(RunRequest(input="propose nightly repricing for all products", channel="schedule",
                                     thread_id=thread, language="en"), role="scheduler")

    first = nightly()
    assert first.status == "awaiting_approval" and first.pending_actions
    second = nightly()
    pending = runner.pending_actions(thread)
    assert {a["action_id"] for a in pending} == {a.action_id for a in second.pending_actions}
    assert not {a.action_id for a in first.pending_actions} & {a["action_id"] for a in pending}
    pairs = [(a["args"]["product"], a["args"]["market"]) for a in pending]
    assert len(pairs) == len(set(pairs)) and db.change_count(graph_deps.store) == 0


# ---------------------------------------------------------------- the real models
@pytest.mark.slow
def test_real_models_over_the_real_store(tmp_path, shared_data):
    """The trained elasticity and forecast models (settings.models_dir; trained when
    missing) over the full sales history, for a few products and markets."""
    from types import SimpleNamespace

    import ml
    from chuhai.settings import Settings
    from store import Store

    models_dir = Settings().models_dir
    store = Store(f"sqlite:///{tmp_path / 'sales.db'}")
    store.ensure_seeded(shared_data / "retail", shared_data / "sales" / "online_retail.csv.gz")
    deps = SimpleNamespace(settings=Settings(data_dir=tmp_path / "var", shared_data_dir=shared_data, llm_backend="none"),
                           store=store, clock=lambda: CLOCK, llm_enabled=False,
                           elasticity=ml.load("elasticity", models_dir, shared_data),
                           forecast=ml.load("forecast", models_dir, shared_data))
    for text, market in [("price 85123A in the UK", "GB"), ("price 22423 in Germany", "DE"),
                         ("price 84879 in France, competitors at €2.10", "FR"), ("price 23084 in Japan", "JP")]:
        out, res = ask(deps, text)
        rec = res.recommendations[0]
        assert res.kind == "recommendation" and rec.market == market
        assert rec.status in ("recommended", "keep", "conflict")
        assert rec.elasticity.estimate == deps.elasticity.elasticity(rec.product).estimate
        assert (rec.price is None) == (rec.status == "conflict") and bool(out.pending_actions) == (rec.status == "recommended")
    out, res = ask(deps, "propose nightly repricing for all products")
    assert res.kind == "batch" and 0 < len(res.products) <= deps.settings.pricing_batch_max_products
    assert all(deps.elasticity.elasticity(p).trusted for p in res.products)
    store.close()
