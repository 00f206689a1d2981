"""The selection researcher's tools: per-country trends and a market's selection report.

Both read the store's sales history through one cached SQL aggregation
(agents/selection_data.py) and the trained forecast model (ml/forecast.py, loaded once,
never fitted here). Definitions and defaults: agents/data/selection.yaml. A market with
no sales in the history is a typed ``not_found`` that names the markets with data; an
empty sales history is ``unavailable`` with the command that loads it.
"""
from __future__ import annotations

from tools.base import ToolContext, tool
from tools.selection_schemas import MarketTrends, ReportIn, SelectionReport, TrendsIn

# The engine lives in agents/ (agents/selection_*.py), imported when a tool runs: the
# agents package imports this registry, so importing it here would be circular.


@tool("market_trends", TrendsIn, MarketTrends, agents=("selection",))
def market_trends_tool(ctx: ToolContext, args: TrendsIn) -> MarketTrends:
    """Demand trend and growth per country of the sales history (units and revenue of the
    last 8 weeks against the 8 before, weekly trend over 26 weeks), the markets that have
    sales data, and, for a market, the same figures per product category."""
    from agents.selection_build import market_trends

    return market_trends(ctx.deps, args)


@tool("selection_report", ReportIn, SelectionReport, agents=("selection",))
def selection_report_tool(ctx: ToolContext, args: ReportIn) -> SelectionReport:
    """What to sell, stock or stop restocking in one market (or all): the market's trend
    and growth, per-category and per-country growth, top opportunities ranked by forecast
    revenue (forecasts with 80% bounds), slow movers to drop, reorder quantities from the
    forecast for a lead time, review period and service level (minus stock on hand),
    best sellers elsewhere not yet sold there, and notes on thin data and assumptions."""
    from agents.selection_build import build_report

    return build_report(ctx.deps, args)


SELECTION_TOOLS = [market_trends_tool, selection_report_tool]
