"""The selection researcher's words: reply, report summary and notes from templates per
language (prompts/selection/<lang>.json) filled with the report's figures. Product
descriptions stay as the sales history spells them (English); numbers use the language's
separators (agents/copy_localize.number)."""
from __future__ import annotations

from agents.copy_localize import number
from agents.selection_markets import markets
from prompts import load_templates
from tools.selection_schemas import SelectionReport, UnknownProduct

LISTED = 3   # rows per section in the chat reply (the report has them all)
MIN_CATEGORY_SHARE = 2.0   # percent of the market's recent units: the "fastest-growing" category is not a sliver


def _load(lang: str) -> dict:
    return load_templates("selection", lang)


class Texts:
    """Templates of one language, English where a key is missing."""

    def __init__(self, lang: str):
        self.lang = lang if _load(lang) else "en"
        self._t, self._en = _load(self.lang), _load("en")

    def t(self, key: str, **kw) -> str:
        return (self._t.get(key) or self._en[key]).format(**kw)

    @property
    def cols(self) -> dict[str, str]:
        return {**self._en["cols"], **(self._t.get("cols") or {})}

    def category(self, name: str | None) -> str:
        return {**self._en["categories"], **(self._t.get("categories") or {})}.get(name or "", name or "")

    def aspect(self, aspect: str, label: str) -> str:
        return (self._t.get("aspects") or {}).get(aspect) or label

    def market_name(self, market_id: str | None, fallback: str = "") -> str:
        if market_id is None:
            return self.t("all_markets")
        market = markets().get(market_id)
        return market.name(self.lang) if market else fallback or market_id

    def market(self, report: SelectionReport) -> str:
        return self.market_name(report.market.id, report.market.name)

    def join(self, parts: list[str]) -> str:
        return self.t("sep").join(parts)

    def unknown_product(self, u: UnknownProduct, report: SelectionReport) -> str:
        return self.t(f"unknown_product_{u.reason}", code=u.product, market=self.market(report))

    def definitions(self, report: SelectionReport) -> str:
        o, s, th = report.thresholds["opportunities"], report.thresholds["slow_movers"], report.thresholds["thin_data"]
        return self.t("definitions", recent=report.windows["recent_weeks"], trend_weeks=report.windows["trend_weeks"],
                      share_weeks=report.windows["share_weeks"], min_weeks=int(o["min_recent_selling_weeks"]),
                      pool=int(o["candidate_pool"]), prior_weeks=int(s["min_prior_selling_weeks"]),
                      slow_share=pct(s["max_recent_selling_share"] * 100, lang=self.lang),
                      ratio=pct(s["max_rate_ratio"] * 100, lang=self.lang),
                      thin_lines=int(th["min_lines"]), thin_weeks=int(th["min_recent_selling_weeks"]),
                      level=pct(report.service_level * 100, lang=self.lang))


def fmt(x: float | None, digits: int = 0, lang: str = "en") -> str:
    return "-" if x is None else number(float(x), lang, digits)


def pct(x: float | None, sign: bool = False, lang: str = "en") -> str:
    if x is None:
        return "-"
    return ("+" if sign and x > 0 else "") + number(float(x), lang, 1) + "%"


def growth(tx: Texts, value: float | None) -> str:
    return tx.t("growth_new") if value is None else pct(value, sign=True, lang=tx.lang)


def summary_lines(report: SelectionReport, tx: Texts) -> list[str]:
    """The report in a few lines (reply body and the Markdown summary)."""
    lang, w = tx.lang, report.windows
    lines = [tx.t("trend", recent=fmt(report.trend.recent_units, lang=lang), weeks=w["recent_weeks"],
                  growth=growth(tx, report.trend.growth_pct), trend=pct(report.trend.trend_pct_per_week, sign=True, lang=lang),
                  trend_weeks=w["trend_weeks"], revenue=fmt(report.trend.recent_revenue, lang=lang),
                  currency=report.currency)]
    lines += _reorder_lines(report, tx, [r for r in report.reorders if r.requested])
    if report.categories:
        best = max((c for c in report.categories if c.growth_pct is not None and c.share_pct >= MIN_CATEGORY_SHARE),
                   key=lambda c: c.growth_pct, default=None)
        if best is not None:
            lines.append(tx.t("best_category", category=tx.category(best.category), growth=growth(tx, best.growth_pct)))
    if report.opportunities:
        lines.append(tx.t("opportunities_head", h=report.horizon_weeks))
        for i, o in enumerate(report.opportunities[:LISTED], 1):
            key = "opportunity_line" if o.forecast_units is not None else "opportunity_line_history"
            lines.append(tx.t(key, i=i, code=o.product, description=o.description, units=fmt(o.forecast_units, lang=lang),
                              low=fmt(o.forecast_low, lang=lang), high=fmt(o.forecast_high, lang=lang),
                              revenue=fmt(o.forecast_revenue, lang=lang), currency=report.currency,
                              growth=growth(tx, o.growth_pct), recent=fmt(o.recent_units, lang=lang), weeks=w["recent_weeks"]))
    else:
        lines.append(tx.t("no_opportunities"))
    if report.slow_movers:
        lines.append(tx.t("slow_head", n=report.slow_mover_count))
        for i, s in enumerate(report.slow_movers[:LISTED], 1):
            lines.append(tx.t("slow_line", i=i, code=s.product, description=s.description,
                              recent=fmt(s.recent_weekly_units, 1, lang), earlier=fmt(s.earlier_weekly_units, 1, lang),
                              weeks=s.recent_selling_weeks, recent_weeks=w["recent_weeks"]))
    else:
        lines.append(tx.t("no_slow"))
    if not any(r.requested for r in report.reorders):
        lines += _reorder_lines(report, tx, report.reorders[:LISTED])
    if report.elsewhere:
        lines.append(tx.t("elsewhere", products=tx.join(f"{e.product} {e.description}" for e in report.elsewhere[:LISTED])))
    return lines


def _reorder_lines(report: SelectionReport, tx: Texts, reorders: list) -> list[str]:
    """Reorder quantities: the products the request named come first in the reply."""
    if not reorders:
        return []
    lang = tx.lang
    lines = [tx.t("reorder_head", lead=fmt(report.lead_time_weeks, 1, lang), review=fmt(report.review_period_weeks, 1, lang),
                  level=pct(report.service_level * 100, lang=lang))]
    for r in reorders:
        lines.append(tx.t("reorder_line", code=r.product, description=r.description, qty=fmt(r.order_quantity, lang=lang),
                          demand=fmt(r.demand_protection, lang=lang), p=fmt(r.lead_time_weeks + r.review_period_weeks, 1, lang),
                          safety=fmt(r.safety_stock, lang=lang), on_hand=fmt(r.on_hand, lang=lang)))
    return lines


def notes_text(report: SelectionReport, tx: Texts) -> list[str]:
    market = tx.market(report)
    out = []
    for note in report.notes:
        params = {**note.params, "market": market}
        if "units" in params:
            params["units"] = fmt(params["units"], lang=tx.lang)
        out.append(tx.t(f"note_{note.code}", **params))
    return out


def reviews_lines(tx: Texts, status: str, summary, error: str | None) -> list[str]:
    """Competitor review pain points (or how to give reviews, or why they failed)."""
    if status == "not_given":
        return [tx.t("reviews_how")]
    if status == "failed":
        return [tx.t("reviews_failed", error=error or "")]
    lines = [tx.t("reviews_head", n=summary.n_reviews, negative=summary.negative)]
    for p in summary.pain_points:
        quote = p.examples[0] if p.examples else ""
        lines.append(tx.t("pain_line", label=tx.aspect(p.aspect, p.label), count=p.negative, mentions=p.mentions,
                          quote=quote[:160]))
    if not summary.pain_points:
        lines.append(tx.t("reviews_no_pain"))
    return lines
