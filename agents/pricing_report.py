"""The pricing agent's report files (agents/charts.py): a profit-vs-price chart with the
feasible band, each constraint's bounds, the current, recommended and unconstrained prices
marked, and a Markdown report with the landed-cost breakdown, the constraints and the
rate tables' dates and sources; for a repricing pass, one chart of the proposed changes
and a table of every product."""
from __future__ import annotations

from agents.charts import markdown_table, report_dir, save_chart, write_markdown
from tools.pricing_schemas import LandedCost, PriceRecommendation

COLOURS = {"min_margin": "#d62728", "max_step": "#1f77b4", "daily_step": "#17becf", "untrusted_step": "#9467bd",
           "competitor_band": "#ff7f0e", "map": "#8c564b", "hold": "#7f7f7f"}


def _money(x: float | None, currency: str) -> str:
    return "-" if x is None else f"{x:,.2f} {currency}" if currency not in ("JPY", "KRW", "ISK", "HUF") \
        else f"{x:,.0f} {currency}"


def _draw_curve(rec: PriceRecommendation):
    def draw(fig, ax):
        xs = [p.price for p in rec.curve]
        ax.plot(xs, [p.profit_gbp for p in rec.curve], color="#333333", lw=1.6, label="expected profit / week (GBP)")
        feasible = [p.price for p in rec.curve if p.feasible]
        if feasible:
            ax.axvspan(min(feasible), max(feasible), color="#2ca02c", alpha=0.12, label="meets every constraint")
        for b in rec.bounds:
            for edge in (b.low, b.high):
                if edge is not None and xs and xs[0] <= edge <= xs[-1]:
                    ax.axvline(edge, color=COLOURS.get(b.name, "#999999"), ls="--", lw=1,
                               label=b.name + (" (binding)" if b.binding else ""))
        ax.axvline(rec.current_price, color="#555555", ls=":", lw=1.2, label=f"current {rec.current_price:g}")
        if rec.price is not None and rec.profit_new_gbp is not None:
            ax.plot([rec.price], [rec.profit_new_gbp], "o", color="#d62728", ms=8, label=f"chosen {rec.price:g}")
        if rec.unconstrained_price is not None and xs and xs[0] <= rec.unconstrained_price <= xs[-1]:
            ax.axvline(rec.unconstrained_price, color="#2ca02c", ls="-.", lw=1, label="unconstrained optimum")
        ax.set_xlabel(f"shelf price ({rec.currency})")
        ax.set_ylabel("GBP per week")
        handles, labels = ax.get_legend_handles_labels()
        seen = dict(zip(labels, handles))
        ax.legend(seen.values(), seen.keys(), fontsize=7, loc="best")
        ax.grid(alpha=0.3)
    return draw


def landed_rows(lc: LandedCost) -> list[list]:
    return [["shelf price", _money(lc.price, lc.currency)],
            [f"VAT/GST in the price ({lc.vat_pct:g}%{'' if lc.prices_include_tax else ', added at checkout'})",
             _money(lc.vat, lc.currency)],
            ["net price", f"{_money(lc.net_price, lc.currency)} = {lc.net_price_gbp:.4f} GBP at {lc.fx_per_gbp:g}"],
            [f"product cost ({lc.cost_source})", f"{lc.unit_cost_gbp:.4f} GBP"],
            [f"shipping ({lc.shipping_source})", f"{lc.shipping_gbp:.4f} GBP"],
            [f"import duty {lc.duty_pct:g}% {lc.duty_basis} ({lc.duty_zone}, {lc.category})"
             + ("" if lc.duty_applied else ": not charged"), f"{lc.duty_gbp:.4f} GBP"],
            [f"FX conversion fee {lc.fx_fee_pct:g}%", f"{lc.fx_fee_gbp:.4f} GBP"],
            ["landed cost", f"{lc.landed_cost_gbp:.4f} GBP ({_money(lc.landed_cost, lc.currency)})"],
            ["unit profit / margin over landed cost", f"{lc.unit_profit_gbp:.4f} GBP / {lc.margin_pct:g}%"]]


def _markdown(rec: PriceRecommendation, chart_name: str) -> str:
    lc = rec.landed_new or rec.landed_current
    lines = [f"# Price for {rec.product} {rec.description} in {rec.market}", "",
             f"Status: **{rec.status}**; current price {_money(rec.current_price, rec.currency)} "
             f"({rec.current_price_source}); chosen {_money(rec.price, rec.currency)}; binding constraint: "
             f"**{rec.binding_constraint}**." + (f" Conflict: {rec.conflict}." if rec.conflict else ""), "",
             f"![profit vs price]({chart_name})", "", "## Expected weekly units and profit", "",
             markdown_table(["", "units / week", "profit / week (GBP)"],
                            [["current price", rec.units_current, rec.profit_current_gbp],
                             ["chosen price", rec.units_new if rec.units_new is not None else "-",
                              rec.profit_new_gbp if rec.profit_new_gbp is not None else "-"]]),
             "", f"Demand: q(p) = q0 x (p / p0)^e with q0 = {rec.units_current} ({rec.demand_basis}) and e = "
             f"{rec.elasticity.used:g} ({rec.elasticity.method}, 95% CI {rec.elasticity.ci_low:g} to "
             f"{rec.elasticity.ci_high:g}, {'trusted' if rec.elasticity.trusted else 'NOT trusted'}).", "",
             "## Constraints", "",
             markdown_table(["constraint", "lowest", "highest", "binding", "detail"],
                            [[b.name, "-" if b.low is None else f"{b.low:.4g}", "-" if b.high is None else f"{b.high:.4g}",
                              "yes" if b.binding else "", b.detail] for b in rec.bounds]),
             "", f"## Landed cost per unit at {_money(lc.price, lc.currency)}", "",
             markdown_table(["item", "amount"], landed_rows(lc)), "", "## Notes", ""]
    lines += [f"- {n.code}: {n.detail}" for n in rec.notes + lc.notes] or ["- none"]
    lines += ["", "## Rate tables", "", markdown_table(["table", "as of", "verified", "source"],
                                                        [[t.table, t.as_of, t.verified, t.source] for t in rec.tables])]
    return "\n".join(lines) + "\n"


def single_report(settings, rec: PriceRecommendation, report_id: str) -> tuple[list[dict], str]:
    folder = report_dir(settings, "pricing", report_id)
    chart = save_chart(settings, folder, "profit_vs_price", f"{rec.product} in {rec.market}: profit vs price",
                       _draw_curve(rec))
    return [chart], write_markdown(settings, folder, _markdown(rec, "profit_vs_price.png"))


def batch_report(settings, recs: list[PriceRecommendation], proposed: set[tuple[str, str]], criteria: str,
                 report_id: str) -> tuple[list[dict], str]:
    folder = report_dir(settings, "pricing", report_id)
    moved = [r for r in recs if r.price is not None and (r.product, r.market) in proposed]

    def draw(fig, ax):
        labels = [f"{r.product} {r.market}" for r in moved]
        ax.barh(labels, [r.change_pct for r in moved], color=["#2ca02c" if r.change_pct > 0 else "#d62728" for r in moved])
        ax.axvline(0, color="#333333", lw=0.8)
        ax.set_xlabel("proposed change (%)")
        ax.invert_yaxis()

    charts = [save_chart(settings, folder, "proposed_changes", "Repricing pass: proposed changes", draw)] if moved else []
    rows = [[r.product, r.description[:40], r.market, _money(r.current_price, r.currency), _money(r.price, r.currency),
             "-" if r.change_pct is None else f"{r.change_pct:+.1f}%", r.status, r.binding_constraint,
             r.units_current, r.units_new, r.profit_current_gbp, r.profit_new_gbp,
             "yes" if (r.product, r.market) in proposed else ""] for r in recs]
    md = "\n".join(["# Repricing pass", "", f"Products: {criteria}.", "",
                    *(["![proposed changes](proposed_changes.png)", ""] if charts else []),
                    markdown_table(["product", "description", "market", "current", "recommended", "change", "status",
                                    "binding", "units now", "units new", "profit now (GBP)", "profit new (GBP)",
                                    "proposed"], rows)]) + "\n"
    return charts, write_markdown(settings, folder, md)
