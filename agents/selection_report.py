"""The selection report on disk: PNG charts (the market's weekly units, category growth,
top opportunities, and history + forecast with 80%/95% intervals per charted product) and
a Markdown report in the request's language, under
CHUHAI_DATA_DIR/reports/selection/<report id>/ (agents/charts.py). Chart text stays in
English (no CJK font is assumed on the server); the chart titles handed to Slack are
localised."""
from __future__ import annotations

import uuid
from pathlib import Path

from agents.charts import markdown_table, report_dir, save_chart, write_markdown
from agents.selection_replies import Texts, fmt, growth, notes_text, pct, summary_lines
from tools.selection_schemas import ForecastChart, SelectionReport

AGENT = "selection"


def _weekly(report: SelectionReport):
    def draw(fig, ax):
        weeks = [p.week for p in report.weekly]
        recent = report.windows["recent_weeks"]
        colours = ["#9bb7d4"] * (len(weeks) - recent) + ["#1f77b4"] * min(recent, len(weeks))
        ax.bar(range(len(weeks)), [p.units for p in report.weekly], color=colours)
        ticks = list(range(0, len(weeks), 4))
        ax.set_xticks(ticks, [weeks[i][5:] for i in ticks], rotation=45, fontsize=7)
        ax.set_ylabel("units per week")
        ax.set_xlabel(f"week (Sat-Fri); dark: last {recent} weeks")
    return draw


def _categories(report: SelectionReport):
    rows = [c for c in report.categories if c.growth_pct is not None][:12]

    def draw(fig, ax):
        names = [c.category for c in rows][::-1]
        values = [c.growth_pct for c in rows][::-1]
        ax.barh(names, values, color=["#2ca02c" if v >= 0 else "#d62728" for v in values])
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel(f"units, last {report.windows['recent_weeks']} weeks vs the {report.windows['recent_weeks']} "
                      "before (%)")
    return draw


def _opportunities(report: SelectionReport):
    rows = report.opportunities[::-1]

    def value(o, units):
        return (units if units is not None else o.recent_units) * o.avg_price

    def draw(fig, ax):
        labels = [f"{o.product} {o.description[:28]}" for o in rows]
        mid = [value(o, o.forecast_units) for o in rows]
        low = [max(0.0, m - value(o, o.forecast_low)) if o.forecast_low is not None else 0 for o, m in zip(rows, mid)]
        high = [max(0.0, value(o, o.forecast_high) - m) if o.forecast_high is not None else 0 for o, m in zip(rows, mid)]
        ax.barh(labels, mid, xerr=[low, high], color="#1f77b4", ecolor="#555555", capsize=3)
        ax.tick_params(axis="y", labelsize=7)
        basis = f"forecast revenue, next {report.horizon_weeks} weeks" if any(
            o.forecast_units is not None for o in rows) else f"revenue, last {report.windows['recent_weeks']} weeks"
        ax.set_xlabel(f"{basis} ({report.currency}); whiskers: sum of weekly 80% bounds")
    return draw


def _forecast(chart: ForecastChart):
    def draw(fig, ax):
        hx = list(range(len(chart.history)))
        fx = list(range(len(chart.history), len(chart.history) + len(chart.forecast)))
        ax.plot(hx, [h.quantity for h in chart.history], color="#333333", label="history (store)")
        ax.fill_between(fx, [f.lo95 for f in chart.forecast], [f.hi95 for f in chart.forecast], color="#1f77b4",
                        alpha=0.15, label="95% interval")
        ax.fill_between(fx, [f.lo80 for f in chart.forecast], [f.hi80 for f in chart.forecast], color="#1f77b4",
                        alpha=0.3, label="80% interval")
        ax.plot(fx, [f.point for f in chart.forecast], color="#1f77b4", marker="o", markersize=3,
                label=f"forecast ({chart.method})")
        weeks = [h.week for h in chart.history] + [f.week for f in chart.forecast]
        ticks = list(range(0, len(weeks), 4))
        ax.set_xticks(ticks, [weeks[i][5:] for i in ticks], rotation=45, fontsize=7)
        ax.set_ylabel("units per week" + (f" (x share {chart.share:.3f})" if chart.share else ""))
        ax.legend(fontsize=7, loc="upper left")
    return draw


def draw_charts(settings, folder: Path, report: SelectionReport, tx: Texts) -> list[dict]:
    """The report's PNGs; each entry's title is in the request's language."""
    where = report.market.name
    plans = [("market_weekly", f"{where}: units per week", tx.t("chart_weekly", market=tx.market(report)),
              _weekly(report))]
    if any(c.growth_pct is not None for c in report.categories):
        plans.append(("categories", f"{where}: growth per category", tx.t("chart_categories"), _categories(report)))
    if report.opportunities:
        plans.append(("opportunities", f"{where}: top opportunities", tx.t("chart_opportunities"),
                      _opportunities(report)))
    for chart in report.forecasts:
        plans.append((f"forecast_{chart.product}", f"{chart.product} {chart.description[:40]} - {where}",
                      tx.t("chart_forecast", code=chart.product, description=chart.description),
                      _forecast(chart)))
    out = []
    for name, title, local_title, draw in plans:
        entry = save_chart(settings, folder, name, title, draw)
        out.append({"title": local_title, "path": entry["path"], "file": Path(entry["path"]).name})
    return out


def _tables(report: SelectionReport, tx: Texts) -> list[str]:
    c = tx.cols

    def num(x, digits: int = 0) -> str:
        return fmt(x, digits, tx.lang)

    cur = report.currency
    parts = [f"## {tx.t('md_countries')}", markdown_table(
        [c["market"], c["lines"], c["recent_units"], c["prior_units"], c["growth"], c["recent_revenue"] + f" ({cur})",
         c["trend"]],
        [[row.country, num(row.lines), num(row.recent_units), num(row.prior_units), growth(tx, row.growth_pct),
          num(row.recent_revenue), pct(row.trend_pct_per_week, sign=True, lang=tx.lang)] for row in report.countries[:15]])]
    parts += [f"## {tx.t('md_categories')}", "![categories](categories.png)" if report.categories else "",
              markdown_table([c["category"], c["products"], c["recent_units"], c["share"], c["growth"], c["trend"]],
                             [[tx.category(r.category), r.products, num(r.recent_units), pct(r.share_pct, lang=tx.lang),
                               growth(tx, r.growth_pct), pct(r.trend_pct_per_week, sign=True, lang=tx.lang)] for r in report.categories])]
    parts += [f"## {tx.t('md_opportunities')}", "![opportunities](opportunities.png)" if report.opportunities
              else tx.t("no_opportunities"),
              markdown_table([c["rank"], c["product"], c["description"], c["category"], c["recent_units"], c["growth"],
                              c["weeks_sold"], c["forecast_units"], c["range80"], c["price"] + f" ({cur})",
                              c["forecast_revenue"] + f" ({cur})", c["method"]],
                             [[i, o.product, o.description, tx.category(o.category), num(o.recent_units),
                               growth(tx, o.growth_pct), o.recent_selling_weeks, num(o.forecast_units),
                               f"{num(o.forecast_low)}-{num(o.forecast_high)}" if o.forecast_low is not None else "-",
                               num(o.avg_price, 2), num(o.forecast_revenue), o.method or "-"]
                              for i, o in enumerate(report.opportunities, 1)]) if report.opportunities else ""]
    if report.forecasts:
        parts.append(f"## {tx.t('md_forecasts')}")
        for f in report.forecasts:
            caption = tx.t("forecast_caption", code=f.product, description=f.description, method=f.method,
                           source=tx.t("source_" + f.source))
            parts.append(f"![{f.product}](forecast_{f.product}.png)\n\n{caption}")
    parts += [f"## {tx.t('md_reorder')}", markdown_table(
        [c["product"], c["description"], c["demand_l"], c["demand_p"], c["safety"], c["reorder_point"], c["order_up_to"],
         c["on_hand"], c["order_qty"]],
        [[r.product, r.description, num(r.demand_lead_time), num(r.demand_protection), num(r.safety_stock),
          num(r.reorder_point), num(r.order_up_to), f"{r.on_hand}{'' if r.on_hand_given else ' *'}",
          f"**{r.order_quantity}**"] for r in report.reorders]) if report.reorders else tx.t("no_reorders")]
    parts += [f"## {tx.t('md_slow')}", tx.t("slow_count", n=report.slow_mover_count), markdown_table(
        [c["product"], c["description"], c["category"], c["earlier_weekly"], c["recent_weekly"], c["ratio"],
         c["weeks_sold"], c["forecast_weekly"], c["lost_revenue"] + f" ({cur})"],
        [[s.product, s.description, tx.category(s.category), num(s.earlier_weekly_units, 2),
          num(s.recent_weekly_units, 2), num(s.rate_ratio, 2), s.recent_selling_weeks, num(s.forecast_weekly_units, 2),
          num(s.lost_weekly_revenue, 2)] for s in report.slow_movers]) if report.slow_movers else ""]
    if report.elsewhere:
        parts += [f"## {tx.t('md_elsewhere')}", markdown_table(
            [c["product"], c["description"], c["category"], c["recent_units"], c["growth"], c["weeks_sold"]],
            [[e.product, e.description, tx.category(e.category), num(e.recent_units), growth(tx, e.growth_pct),
              e.recent_selling_weeks] for e in report.elsewhere])]
    return parts


def markdown(report: SelectionReport, tx: Texts, reviews_lines: list[str], generated: str) -> str:
    c = tx.cols

    def num(x, digits: int = 0) -> str:
        return fmt(x, digits, tx.lang)

    settings_rows = [[c["horizon"], report.horizon_weeks], [c["lead_time"], num(report.lead_time_weeks, 1)],
                     [c["review_period"], num(report.review_period_weeks, 1)], [c["service_level"], pct(report.service_level * 100, lang=tx.lang)],
                     [c["forecast_source"], tx.t("source_" + report.market.forecast_source)],
                     [c["category"], tx.category(report.category) if report.category else tx.t("all_categories")],
                     [c["currency"], report.currency]]
    parts = [f"# {tx.t('md_title', market=tx.market(report))}",
             tx.t("md_meta", generated=generated, through=report.data_through, last=report.last_week,
                  lines=num(report.market.lines), customers=num(report.market.customers)),
             f"## {tx.t('md_summary')}", "\n".join(f"- {line}" for line in summary_lines(report, tx)),
             f"## {tx.t('md_settings')}", markdown_table([c["setting"], c["value"]], settings_rows),
             f"## {tx.t('md_trend')}", "![weekly](market_weekly.png)",
             tx.t("trend", recent=num(report.trend.recent_units), weeks=report.windows["recent_weeks"],
                  growth=growth(tx, report.trend.growth_pct), trend=pct(report.trend.trend_pct_per_week, sign=True, lang=tx.lang),
                  trend_weeks=report.windows["trend_weeks"], revenue=num(report.trend.recent_revenue),
                  currency=report.currency)]
    parts += _tables(report, tx)
    parts += [f"## {tx.t('md_reviews')}", "\n".join(reviews_lines)]
    unknown = [tx.unknown_product(u, report) for u in report.unknown_products]
    if unknown:
        parts += [f"## {tx.t('md_unknown')}", "\n".join(f"- {u}" for u in unknown)]
    parts += [f"## {tx.t('md_notes')}", "\n".join(f"- {n}" for n in notes_text(report, tx)) or "-",
              f"## {tx.t('md_definitions')}", tx.definitions(report)]
    return "\n\n".join(p for p in parts if p) + "\n"


def write(settings, report: SelectionReport, tx: Texts, reviews_lines: list[str], generated: str) -> tuple[list, str]:
    """(chart entries, report path), both relative to the data folder."""
    report_id = f"{report.market.id or 'ALL'}-{generated.replace(':', '').replace(' ', 'T')}-{uuid.uuid4().hex[:6]}"
    folder = report_dir(settings, AGENT, report_id)
    charts = draw_charts(settings, folder, report, tx)
    path = write_markdown(settings, folder, markdown(report, tx, reviews_lines, generated))
    return [{"title": c["title"], "path": c["path"]} for c in charts], path
