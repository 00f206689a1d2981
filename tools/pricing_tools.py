"""The pricing agent's tools: landed cost, price optimisation under constraints, the
approved price change (write), recorded pricing inputs (write), and price history.

The engine lives in agents/pricing_*.py, imported when a tool runs (the agents package
imports this registry, so importing it here would be circular). A product without sales,
a market without rate tables and an unknown currency are typed failures that name what
would work; a missing elasticity model is ``unavailable``.
"""
from __future__ import annotations

from tools.base import ToolContext, ToolFailure, tool
from tools.pricing_schemas import (ApplyPriceIn, HistoryIn, LandedCost, LandedCostIn, OptimizeIn, PriceChange,
                                   PriceHistory, PriceRecommendation, RecordedInput, RecordInputIn)

FAILURE_CODES = {"unknown_product": "not_found", "unknown_market": "not_found", "no_rates": "not_found",
                 "unknown_currency": "invalid", "invalid": "invalid", "unavailable": "unavailable"}


def _run(fn, *args):
    from agents.pricing_inputs import PricingRefusal

    try:
        return fn(*args)
    except PricingRefusal as e:
        raise ToolFailure(e.message, FAILURE_CODES.get(e.code, "refused")) from None


@tool("landed_cost", LandedCostIn, LandedCost, agents=("pricing",))
def landed_cost_tool(ctx: ToolContext, args: LandedCostIn) -> LandedCost:
    """Landed cost of one unit sold in a market at a shelf price: product cost, shipping,
    import duty (category x destination, de-minimis), VAT/GST inside the price, FX rate and
    conversion fee, with the unit profit, the margin and each rate table's date and source."""
    from agents.pricing_service import landed_cost

    return _run(landed_cost, ctx.deps, args)


@tool("optimize_price", OptimizeIn, PriceRecommendation, agents=("pricing",))
def optimize_price_tool(ctx: ToolContext, args: OptimizeIn) -> PriceRecommendation:
    """The price of a product in a market that maximises expected weekly profit from its
    price elasticity, within the minimum margin, the largest step per day, the competitor
    band and the minimum advertised price; expected units and profit, the binding
    constraint, or why the constraints conflict. With target_price: checks that price."""
    from agents.pricing_service import recommend

    return _run(recommend, ctx.deps, args)


@tool("apply_price", ApplyPriceIn, PriceChange, write=True, agents=("pricing",))
def apply_price_tool(ctx: ToolContext, args: ApplyPriceIn) -> PriceChange:
    """Set a product's price in a market (runs only after approval). Refuses when the price
    moved since the proposal (old_price); records who, when, old, new and why."""
    from agents.pricing_service import apply_price

    return _run(apply_price, ctx.deps, args, ctx.role)


@tool("record_pricing_input", RecordInputIn, RecordedInput, write=True, agents=("pricing",))
def record_pricing_input_tool(ctx: ToolContext, args: RecordInputIn) -> RecordedInput:
    """Record a product's unit cost (GBP unless a currency is given), its minimum advertised
    price in a market, or a competitor's price there; the optimiser uses the latest ones."""
    from agents.pricing_service import record_input

    return _run(record_input, ctx.deps, args, ctx.role)


@tool("price_history", HistoryIn, PriceHistory, agents=("pricing",))
def price_history_tool(ctx: ToolContext, args: HistoryIn) -> PriceHistory:
    """A product's stored prices per market and its applied price changes, newest first."""
    from agents.pricing_service import history

    return _run(history, ctx.deps, args)


PRICING_TOOLS = [landed_cost_tool, optimize_price_tool, apply_price_tool, record_pricing_input_tool,
                 price_history_tool]
