"""The pricing agent: the price per product and market that maximises expected profit
from the elasticity model, under the minimum margin, the largest step per day, the
competitor band and the minimum advertised price, with cross-border landed costs.

Workflow (deterministic; the LLM supplies nothing): read the request
(agents/pricing_parse.py) -> check currency and markets against the rate tables ->
call the tools (``optimize_price``, ``landed_cost``, ``price_history``; audited) ->
draw the profit-vs-price chart and write the report (agents/pricing_report.py) -> reply
from templates in the user's language (prompts/pricing/<lang>.json). Setting a price is
a pending ``apply_price`` action (the approval step checks it against
CHUHAI_MAX_PRICE_CHANGE_PCT); recording a cost or competitor price is a pending
``record_pricing_input``. "All products" runs the bounded repricing pass
(agents/pricing_batch.py). Unknown products, markets and currencies, and constraints
that leave no price, get a clear answer and no proposal. The session remembers the
products and market, so "and in France?" continues.
"""
from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

from agents import pricing_rates as rates
from agents.base import AgentOutput, AgentRequest, PendingAction
from agents.pricing_inputs import PricingRefusal, market_id
from agents.pricing_parse import Money, PricingAsk, parse
from agents.pricing_replies import Texts, history_lines, landed_text, notes_lines, rates_line
from tools import call_tool
from tools.base import ToolContext
from tools.pricing_schemas import LandedCost, PriceHistory, PriceRecommendation

AGENT = "pricing"
MAX_ITEMS = 5            # product x market pairs answered in one chat request
WRITE_ROLES = ("admin", "operator", "scheduler")


class Proposal(BaseModel):
    action_id: str
    tool: str
    product: str
    market: str | None = None
    old_price: float | None = None
    new_price: float | None = None


class ItemFailure(BaseModel):
    product: str
    market: str
    code: str
    error: str


class PricingResult(BaseModel):
    """The agent's typed result (AgentOutput.data)."""
    kind: Literal["recommendation", "landed_cost", "batch", "history", "record", "no_product", "unknown_product",
                  "unknown_market", "no_rates", "unknown_currency", "refused", "unavailable", "failed"]
    markets: list[str] = Field(default_factory=list)
    products: list[str] = Field(default_factory=list)
    asked: dict[str, Any] = Field(default_factory=dict, description="what the request asked for, as parsed")
    recommendations: list[PriceRecommendation] = Field(default_factory=list)
    landed: list[LandedCost] = Field(default_factory=list)
    history: PriceHistory | None = None
    proposals: list[Proposal] = Field(default_factory=list)
    failures: list[ItemFailure] = Field(default_factory=list)
    batch: dict[str, Any] | None = None
    charts: list[dict[str, str]] = Field(default_factory=list)
    report_path: str | None = None
    error: str | None = None


class Run:
    """One request: the tool context, the texts, the session, the pending actions."""

    def __init__(self, req: AgentRequest):
        self.req, self.tx = req, Texts(req.language)
        self.ctx = ToolContext(deps=req.deps, role=req.role)
        self.session = dict(req.session or {})
        self.actions: list[PendingAction] = []

    @property
    def settings(self):
        return self.req.deps.settings

    def tool(self, name: str, **args):
        return call_tool(name, self.ctx, {k: v for k, v in args.items() if v is not None and v != []})

    def propose(self, tool: str, args: dict, summary: str) -> Proposal | None:
        if self.req.role.split(":", 1)[0] not in WRITE_ROLES:
            return None
        action_id = "act_" + uuid.uuid4().hex[:12]
        args = {**args, "proposal_id": action_id} if tool == "apply_price" else args
        self.actions.append(PendingAction(action_id=action_id, tool=tool, args=args, summary=summary, agent=AGENT,
                                          language=self.req.language))
        return Proposal(action_id=action_id, tool=tool, product=args["product"], market=args.get("market"),
                        old_price=args.get("old_price"), new_price=args.get("new_price"))

    def done(self, lines: list[str], result: PricingResult) -> AgentOutput:
        if result.markets:
            self.session["market"] = result.markets[0]
        if result.products:
            self.session["products"] = result.products[:MAX_ITEMS]
        return AgentOutput(agent=AGENT, text="\n".join(x for x in lines if x), data=result.model_dump(),
                           pending_actions=self.actions, tool_calls=self.ctx.audit, session=self.session)

    def refuse(self, template: str, ask: PricingAsk, kind: str | None = None, **kw) -> AgentOutput:
        """Answer with one template and no tool result (``kind`` defaults to the template's name)."""
        text = self.tx.t(template, **kw)
        return self.done([text], PricingResult(kind=kind or template, asked=asked(ask), error=text))


def asked(ask: PricingAsk) -> dict[str, Any]:
    def money(m: Money | None):
        return None if m is None else {"value": m.value, "currency": m.currency}

    out = {"mode": ask.mode, "products": ask.products, "markets": ask.markets.ids, "unknown_market": ask.markets.unknown,
           "unit_cost": money(ask.unit_cost), "shipping": money(ask.shipping), "map_price": money(ask.map_price),
           "competitors": [money(c) for c in ask.competitors], "target": money(ask.target),
           "min_margin_pct": ask.min_margin_pct, "max_step_pct": ask.max_step_pct,
           "units_per_shipment": ask.units_per_shipment, "currencies": ask.currencies,
           "unknown_currency": ask.unknown_currency}
    return {k: v for k, v in out.items() if v not in (None, [], {})}


def _markets(run: Run, ask: PricingAsk) -> tuple[list[str], list[str]] | AgentOutput:
    """(market ids, lines to say first) or the refusal for an unknown market."""
    priced = ", ".join(run.tx.market(m) for m in rates.priced_markets())
    if ask.markets.unknown and not ask.markets.ids:
        return run.refuse("unknown_market", ask, name=ask.markets.unknown, markets=priced)
    ids = []
    for name in ask.markets.ids:
        try:
            ids.append(market_id(name))
        except PricingRefusal as e:
            if e.code == "no_rates":
                return run.refuse("no_rates", ask, market=run.tx.market(name), markets=priced)
            return run.refuse("unknown_market", ask, name=name, markets=priced)
    if ids:
        return ids, []
    if run.session.get("market"):
        return [run.session["market"]], []
    home = rates.home_market()
    return [home], [run.tx.t("no_market", market=run.tx.market(home))]


def _products(run: Run, ask: PricingAsk) -> list[str]:
    if ask.products:
        return ask.products
    from agents.pricing_batch import named_products  # a catalogue scan only when no stock code was given

    return named_products(run.req.deps.store, run.req.text) or list(run.session.get("products") or [])


def run(req: AgentRequest) -> AgentOutput:
    r = Run(req)
    ask = parse(req.text, req.language)
    if ask.unknown_currency:
        return r.refuse("unknown_currency", ask, name=ask.unknown_currency, currencies=", ".join(rates.currencies()))
    found = _markets(r, ask)
    if isinstance(found, AgentOutput):
        return found
    market_ids, intro = found
    if ask.mode == "batch":
        if ask.target is not None:
            return r.refuse("batch_fixed_price", ask, kind="refused")
        from agents.pricing_batch import repricing_pass

        return repricing_pass(r, ask, market_ids if ask.markets.ids else list(r.settings.pricing_batch_markets))
    products = _products(r, ask)
    if not products:
        return r.done([r.tx.t("no_product")], PricingResult(kind="no_product", asked=asked(ask), markets=market_ids))
    if ask.mode == "history":
        return _history(r, ask, products[0], market_ids if ask.markets.ids else [])
    if ask.mode == "record":
        return _record(r, ask, products[0], market_ids[0] if ask.markets.ids else None)
    pairs = [(p, m) for p in products for m in market_ids]
    lines = intro + ([r.tx.t("too_many", n=MAX_ITEMS)] if len(pairs) > MAX_ITEMS else [])
    pairs = pairs[:MAX_ITEMS]
    if ask.mode == "landed":
        return _landed(r, ask, pairs, lines)
    from agents.pricing_batch import price_pairs

    return price_pairs(r, ask, pairs, lines)


def failure_result(r: Run, ask: PricingAsk, failures: list[ItemFailure], lines: list[str], **kw) -> AgentOutput:
    """The answer when every item failed: the first failure decides the kind."""
    f = failures[0]
    priced = ", ".join(r.tx.market(m) for m in rates.priced_markets())
    kind = {"not_found": "unknown_product", "unavailable": "unavailable"}.get(f.code, "failed")
    text = r.tx.t(kind, code=f.product, error=f.error, markets=priced)
    return r.done(lines + [text], PricingResult(kind=kind, asked=asked(ask), failures=failures, error=f.error, **kw))


def _landed(r: Run, ask: PricingAsk, pairs: list[tuple[str, str]], lines: list[str]) -> AgentOutput:
    landed, failures, notes = [], [], []
    for product, market in pairs:
        res = r.tool("landed_cost", product=product, market=market, **money_args(ask))
        if not res.ok:
            failures.append(ItemFailure(product=product, market=market, code=res.code, error=res.error))
            continue
        lc = LandedCost.model_validate(res.result)
        landed.append(lc)
        lines += [r.tx.t("landed_head", code=product, description=lc.description, market=r.tx.market(market),
                         price=r.tx.money(lc.price, lc.currency)), landed_text(r.tx, lc)]
        notes += lc.notes
    if not landed:
        return failure_result(r, ask, failures, lines, markets=[m for _, m in pairs], products=[p for p, _ in pairs])
    lines += [r.tx.t("item_failed", code=f.product, market=f.market, error=f.error) for f in failures]
    lines += notes_lines(r.tx, notes, {"ratio": r.settings.pricing_default_cost_ratio * 100}) + [rates_line(r.tx)]
    return r.done(lines, PricingResult(kind="landed_cost", asked=asked(ask), landed=landed, failures=failures,
                                       markets=list(dict.fromkeys(m for _, m in pairs)),
                                       products=list(dict.fromkeys(p for p, _ in pairs))))


def money_args(ask: PricingAsk) -> dict:
    """Unit cost and shipping in GBP (converted when given in another currency), and the
    units per shipment, as tool arguments."""
    def gbp(m: Money | None) -> float | None:
        if m is None:
            return None
        return m.value if m.currency in (None, "GBP") else round(rates.convert(m.value, m.currency, "GBP"), 6)

    return {"unit_cost": gbp(ask.unit_cost), "shipping": gbp(ask.shipping),
            "units_per_shipment": ask.units_per_shipment}


def _history(r: Run, ask: PricingAsk, product: str, markets: list[str]) -> AgentOutput:
    res = r.tool("price_history", product=product, market=markets[0] if markets else None)
    if not res.ok:
        f = ItemFailure(product=product, market=markets[0] if markets else "", code=res.code, error=res.error)
        return failure_result(r, ask, [f], [])
    hist = PriceHistory.model_validate(res.result)
    from store.prices import product_facts

    facts = product_facts(r.req.deps.store, product) or {}
    lines = history_lines(r.tx, product, facts.get("description", ""), hist.prices, hist.changes)
    return r.done(lines, PricingResult(kind="history", asked=asked(ask), history=hist, products=[product],
                                       markets=markets))


def _record(r: Run, ask: PricingAsk, product: str, market: str | None) -> AgentOutput:
    """Recording inputs is a write: one pending ``record_pricing_input`` per value."""
    items: list[tuple[str, Money, str | None]] = []
    if ask.unit_cost:
        items.append(("unit_cost", ask.unit_cost, None))
    items += [("competitor_price", c, market or rates.home_market()) for c in ask.competitors]
    if ask.map_price:
        items.append(("map_price", ask.map_price, market or rates.home_market()))
    lines, proposals = [], []
    for kind, value, mid in items:
        currency = value.currency or ("GBP" if mid is None else rates.market_rates(mid).currency)
        where = "" if mid is None else f" ({r.tx.market(mid)})"
        text = r.tx.t("record_proposed", what=r.tx.word("record_what", kind), value=r.tx.money(value.value, currency),
                      code=product, where=where)
        args = {"kind": kind, "product": product, "market": mid, "value": value.value, "currency": currency}
        p = r.propose("record_pricing_input", {k: v for k, v in args.items() if v is not None}, text)
        if p:
            proposals.append(p)
            lines.append(text)
    return r.done(lines or [r.tx.t("record_nothing")], PricingResult(
        kind="record", asked=asked(ask), proposals=proposals, products=[product], markets=[market] if market else []))


def render_executed(action, ok: bool, detail: str, approved: bool, result: dict | None) -> str:
    """The reply after an approved (or declined) price change or recorded input."""
    from agents.support_actions import render_executed as plain

    if not (ok and approved and result) or action.tool != "apply_price":
        return plain(action, ok, detail, approved, result)
    tx = Texts(action.language)
    return tx.t("applied", code=result["product"], market=tx.market(result["market"]),
                old=tx.money(result["old_price"], result["currency"]), new=tx.money(result["new_price"], result["currency"]),
                change=tx.pct(result["change_pct"]))


__all__ = ["ItemFailure", "PricingResult", "Proposal", "Run", "asked", "failure_result", "money_args", "render_executed",
           "run"]
