"""The selection researcher: what to sell, stock or stop restocking in a market.

Workflow (deterministic; the LLM supplies nothing): read the request
(agents/selection_parse.py: market, products, category, lead time, review period,
service level, stock on hand, horizon, currency, pasted competitor reviews) -> call the
`selection_report` tool (trend and growth per country and category, opportunities with
forecasts and intervals, slow movers, reorder quantities, best sellers elsewhere) and,
when reviews were given, `review_insights` -> write the Markdown report with PNG charts
(agents/selection_report.py) -> reply from templates in the user's language
(prompts/selection/<lang>.json). An unknown market, a market without sales, an unknown
product or currency, and an empty sales history each get a clear answer. The session
remembers the market, so "and for 85123A?" stays in the same market.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from agents import selection_report
from agents.base import AgentOutput, AgentRequest
from agents.selection_data import config, sales_cube
from agents.selection_parse import SelectionAsk, parse, split_reviews
from agents.selection_replies import Texts, notes_text, reviews_lines, summary_lines
from ml.review_insights import ReviewSummary
from tools import call_tool
from tools.base import ToolContext
from tools.selection_schemas import MarketData, SelectionReport

AGENT = "selection"


class SelectionResult(BaseModel):
    """The agent's typed result (AgentOutput.data)."""
    kind: Literal["report", "unknown_market", "no_data", "no_sales_history", "failed"]
    market: str | None = Field(None, description="market id (agents/data/markets.yaml); null = all markets")
    market_name: str | None = None
    country: str | None = Field(None, description="the sales history's country")
    asked: dict[str, Any] = Field(default_factory=dict, description="what the request asked for, as parsed")
    report: SelectionReport | None = None
    reviews: ReviewSummary | None = None
    reviews_status: Literal["analyzed", "not_given", "failed"] = "not_given"
    reviews_error: str | None = None
    markets_with_data: list[MarketData] = Field(default_factory=list)
    charts: list[dict[str, str]] = Field(default_factory=list)
    report_path: str | None = None
    error: str | None = None


class _Run:
    def __init__(self, req: AgentRequest):
        self.req, self.tx = req, Texts(req.language)
        self.ctx = ToolContext(deps=req.deps, role=req.role)
        self.session = dict(req.session or {})

    def tool(self, name: str, **args):
        return call_tool(name, self.ctx, {k: v for k, v in args.items() if v is not None})

    def done(self, text: str, result: SelectionResult) -> AgentOutput:
        if result.market:
            self.session["market"] = result.market
        return AgentOutput(agent=AGENT, text=text, data=result.model_dump(), tool_calls=self.ctx.audit,
                           session=self.session)


def _asked(ask: SelectionAsk) -> dict[str, Any]:
    out = {"markets": ask.markets.ids, "unknown_market": ask.markets.unknown, "products": ask.products,
           "category": ask.category, "lead_time_weeks": ask.lead_time_weeks,
           "review_period_weeks": ask.review_period_weeks, "service_level": ask.service_level,
           "on_hand": ask.on_hand, "horizon_weeks": ask.horizon_weeks, "currency": ask.currency,
           "unknown_currency": ask.unknown_currency,
           "reviews": len(ask.reviews) if ask.reviews else (1 if ask.reviews_csv else 0)}
    return {k: v for k, v in out.items() if v not in (None, [], {}, 0)}


def _catalog(req: AgentRequest) -> dict[str, str] | None:
    """Stock code -> description of the sales history (None when the store has none)."""
    try:
        cube = sales_cube(req.deps.store)
    except Exception:  # noqa: BLE001 - a store without the table: the tool call says why
        return None
    return None if cube.empty else cube.descriptions


def run(req: AgentRequest) -> AgentOutput:
    """Product selection research for a market: trends, opportunities, slow movers,
    reorder quantities and competitor review pain points, as a typed report, a Markdown
    report with charts, and a reply in the user's language."""
    x = _Run(req)
    ask = parse(req.text, _catalog(req))
    asked = _asked(ask)
    if ask.markets.unknown and not ask.markets.ids:
        return _no_market(x, asked, "unknown_market", name=ask.markets.unknown)
    market = ask.markets.ids[0] if ask.markets.ids else x.session.get("market")
    out = x.tool("selection_report", market=market, category=ask.category, products=ask.products or None,
                 horizon_weeks=min(ask.horizon_weeks, 12) if ask.horizon_weeks else None,
                 lead_time_weeks=ask.lead_time_weeks, review_period_weeks=ask.review_period_weeks,
                 service_level=ask.service_level, on_hand=ask.on_hand or None)
    if not out.ok:
        if out.code == "not_found":
            name = x.tx.market_name(market) if market else ""
            return _no_market(x, asked, "no_data", name=name, market=market)
        if out.code == "unavailable":
            return x.done(x.tx.t("no_sales_history"), SelectionResult(kind="no_sales_history", asked=asked,
                                                                      error=out.error))
        return x.done(x.tx.t("failed", error=out.error), SelectionResult(kind="failed", asked=asked, error=out.error))
    report = SelectionReport.model_validate(out.result)
    return _report(x, ask, asked, report)


def _no_market(x: _Run, asked: dict, kind: str, name: str, market: str | None = None) -> AgentOutput:
    out = x.tool("market_trends")
    if not out.ok:
        return x.done(x.tx.t("no_sales_history"), SelectionResult(kind="no_sales_history", asked=asked,
                                                                  error=out.error))
    with_data = [MarketData.model_validate(m) for m in out.result["markets_with_data"]]
    listed = x.tx.join(f"{x.tx.market_name(m.id, m.name)} ({m.id})" if m.id else m.name for m in with_data[:15])
    text = x.tx.t(kind, name=name, market=name, markets=listed)
    return x.done(text, SelectionResult(kind=kind, market=None, market_name=name, asked=asked,
                                        markets_with_data=with_data, error=text))


def _reviews(x: _Run, ask: SelectionAsk):
    """(status, summary, error) of the competitor reviews given, read from the redacted
    text so no personal data reaches the report file."""
    _, texts, csv_text = split_reviews(x.req.redacted_text)
    if texts is None and csv_text is None:
        texts, csv_text = ask.reviews, ask.reviews_csv
    if not texts and not csv_text:
        return "not_given", None, None
    out = x.tool("review_insights", texts=texts, csv_text=csv_text, top=5, examples=1)
    if not out.ok:
        return "failed", None, out.error
    return "analyzed", ReviewSummary.model_validate(out.result["summary"]), None


def _report(x: _Run, ask: SelectionAsk, asked: dict, report: SelectionReport) -> AgentOutput:
    tx, base = x.tx, config()["currency"]
    status, summary, error = _reviews(x, ask)
    review_text = reviews_lines(tx, status, summary, error)
    result = SelectionResult(kind="report", market=report.market.id, market_name=report.market.name,
                             country=report.market.country, asked=asked, report=report, reviews=summary,
                             reviews_status=status, reviews_error=error)
    generated = x.req.deps.clock().strftime("%Y-%m-%d %H:%M")
    try:
        result.charts, result.report_path = selection_report.write(x.req.deps.settings, report, tx, review_text,
                                                                   generated)
    except Exception as e:  # noqa: BLE001 - the figures stand without the file; the reply says so
        result.error = f"report file: {type(e).__name__}: {e}"
    first = report.weekly[0].week if report.weekly else report.last_week
    lines = [tx.t("headline", market=tx.market(report), through=report.data_through, weeks=len(report.weekly),
                  first=first, last=report.last_week)]
    if len(ask.markets.ids) > 1:
        others = [tx.market_name(m) for m in ask.markets.ids[1:]]
        lines.append(tx.t("several_markets", market=tx.market(report), others=tx.join(others)))
    if report.market.id is None:
        lines.append(tx.t("no_market"))
    if report.category:
        lines.append(tx.t("category_only", category=tx.category(report.category)))
    lines += summary_lines(report, tx)
    lines += [tx.unknown_product(u, report) for u in report.unknown_products]
    lines += review_text
    if ask.unknown_currency:
        lines.append(tx.t("currency_unknown", asked=ask.unknown_currency, base=base))
    elif ask.currency and ask.currency != base:
        lines.append(tx.t("currency_other", asked=ask.currency, base=base))
    lines += notes_text(report, tx)
    lines.append(tx.t("report_saved", path=result.report_path) if result.report_path
                 else tx.t("report_failed", error=result.error))
    return x.done("\n".join(lines), result)


__all__ = ["run", "SelectionResult"]
