"""Builds the selection report of one market (the `selection_report` tool's body) and
the per-country overview (`market_trends`), from the store's sales cube and the trained
forecast model. A market or product the history lacks is a typed failure or an
``unknown_products`` entry; a forecast model that is not trained yet leaves the history
figures and says so."""
from __future__ import annotations

import ml
from agents import selection_analysis as an
from agents.selection_data import config, sales_cube
from agents.selection_markets import Market, for_country, resolve
from tools.selection_schemas import (MarketData, MarketInfo, MarketTrends, Note, ProductLine, ReportIn,
                                     SelectionReport, SlowMover, TrendsIn, UnknownProduct)
from agents.selection_stock import MarketForecasts, reorder
from tools.base import ToolFailure

ALL_MARKETS = "All markets"


def markets_with_data(cube) -> list[MarketData]:
    out = []
    for country in cube.countries:
        market = for_country(country)
        if market is None or market.listed:
            out.append(MarketData(id=market.id if market else None, name=market.name() if market else country,
                                  country=country, lines=cube.lines[country]))
    return out


def _market_list(cube, n: int = 12) -> str:
    return ", ".join(f"{m.name} ({m.id})" if m.id else m.name for m in markets_with_data(cube)[:n])


def _cube(deps):
    cube = sales_cube(deps.store)
    if cube.empty:
        raise ToolFailure("The store holds no sales history: load it with `chuhai store reset` "
                          "(it reads shared/data/sales/online_retail.csv.gz).", "unavailable")
    return cube


def _market(cube, name: str | None) -> Market | None:
    """The market asked for (None = all markets); a typed not_found naming the markets with data."""
    if name is None:
        return None
    market = resolve(name)
    if market is None:
        raise ToolFailure(f"Unknown market '{name}'. Markets with sales data: {_market_list(cube)}.", "not_found")
    if not market.country or market.country not in cube.lines:
        raise ToolFailure(f"No sales to {market.name()} in the sales history. Markets with sales data: "
                          f"{_market_list(cube)}.", "not_found")
    return market


def market_trends(deps, args: TrendsIn) -> MarketTrends:
    cube = _cube(deps)
    market = _market(cube, args.market)
    win = config()["windows"]
    categories = []
    if market is not None:
        categories = an.category_trends(cube.market(market.country), cube.weeks, win, cube.descriptions)
        categories = [c for c in categories if args.category in (None, c.category)]
    return MarketTrends(last_week=str(cube.weeks[-1].date()), windows=win, countries=an.country_trends(cube, win),
                        categories=categories, market=market.id if market else None,
                        markets_with_data=markets_with_data(cube))


def _line(code: str, row, found, horizon: int) -> ProductLine:
    line = ProductLine(product=code, description=row["description"], category=row["category"],
                       recent_units=round(float(row["recent_units"]), 1), prior_units=round(float(row["prior_units"]), 1),
                       growth_pct=row["growth_pct"] if row["growth_pct"] == row["growth_pct"] else None,
                       recent_selling_weeks=int(row["recent_selling_weeks"]), avg_price=round(float(row["avg_price"]), 2),
                       seasonal=row["category"] == an.SEASONAL)
    if found is not None:
        result = found[0]
        weeks = result.forecast[:horizon]
        units = sum(w.point for w in weeks)
        line.forecast_units = round(units, 1)
        line.forecast_low = round(sum(w.lo80 for w in weeks), 1)
        line.forecast_high = round(sum(w.hi80 for w in weeks), 1)
        line.forecast_revenue = round(units * line.avg_price, 2)
        line.method = result.method
    return line


def _forecast_model(deps, notes: list[Note]):
    try:
        return ml.trained(deps, "forecast")
    except ml.NotTrained as e:
        notes.append(Note(code="forecast_unavailable", params={"detail": str(e)}))
        return None


def build_report(deps, args: ReportIn) -> SelectionReport:
    """The whole report of one market (see agents/selection_analysis.py for definitions)."""
    cfg, cube = config(), _cube(deps)
    market = _market(cube, args.market)
    country = market.country if market else None
    d, win = cfg["defaults"], cfg["windows"]
    horizon = args.horizon_weeks or d["horizon_weeks"]
    lead = d["lead_time_weeks"] if args.lead_time_weeks is None else args.lead_time_weeks
    review = d["review_period_weeks"] if args.review_period_weeks is None else args.review_period_weeks
    level = args.service_level or d["service_level"]
    top = args.top or d["top"]
    notes: list[Note] = [Note(code="one_year", params={"weeks": len(cube.weeks)})]
    frame = cube.market(country)
    trend, weekly = an.market_trend(frame, cube.weeks, win)
    stats = an.product_stats(frame, cube.weeks, win, cube.descriptions)
    chosen = an.in_category(stats, args.category)
    forecasts = MarketForecasts(_forecast_model(deps, notes), cube, country, win["share_weeks"])

    pool = an.opportunity_pool(chosen, cfg["opportunities"])
    lines = [_line(code, row, forecasts.get(code, horizon), horizon) for code, row in pool.iterrows()]
    # by forecast revenue; without forecasts by recent revenue
    lines.sort(key=lambda x: -(x.forecast_revenue if x.forecast_revenue is not None else x.avg_price * x.recent_units))
    opportunities = lines[:top]

    slow_all = an.slow_movers(chosen, cfg["slow_movers"], win["recent_weeks"])
    slow = [_slow(code, row, forecasts.get(code, horizon), horizon) for code, row in slow_all.head(top).iterrows()]

    unknown, focus = _focus(args.products, cube, stats, forecasts, market)
    reorders = []
    for code in list(dict.fromkeys(focus + [o.product for o in opportunities])):
        found = forecasts.get(code, forecasts.horizon_max)
        if found is not None:
            line = reorder(code, cube.descriptions.get(code, ""), *found, lead, review, level, args.on_hand.get(code))
            reorders.append(line.model_copy(update={"requested": code in focus}))
    charted = [c for code in list(dict.fromkeys(focus + [o.product for o in opportunities]))[:d["charted_forecasts"]]
               if (c := forecasts.chart(code, cube.descriptions.get(code, ""), horizon, win["trend_weeks"]))]

    elsewhere = []
    if country is not None:
        other = an.in_category(an.elsewhere(cube, country, win, win["recent_weeks"] // 2), args.category)
        elsewhere = [_line(code, row, None, horizon) for code, row in other.head(cfg["other_markets"]["top"]).iterrows()]

    selling_weeks = int((frame.groupby("week")["units"].sum().reindex(cube.weeks[-win["recent_weeks"]:]).fillna(0) > 0)
                        .sum()) if not frame.empty else 0
    lines_n = cube.lines.get(country, 0) if country else sum(cube.lines.values())
    thin_cfg = cfg["thin_data"]
    thin = lines_n < thin_cfg["min_lines"] or selling_weeks < thin_cfg["min_recent_selling_weeks"]
    customers = cube.customers.get(country, 0) if country else cube.customers_total
    if thin:
        notes.append(Note(code="thin_data", params={"lines": lines_n, "customers": customers,
                                                    "selling_weeks": selling_weeks, "weeks": win["recent_weeks"]}))
    notes += _notes(cube, forecasts, reorders, opportunities)
    info = MarketInfo(id=market.id if market else None, name=market.name() if market else ALL_MARKETS,
                      country=country, lines=lines_n, customers=customers, recent_selling_weeks=selling_weeks,
                      thin=thin, forecast_source=forecasts.kind)
    return SelectionReport(
        market=info, data_through=cube.last_date, last_week=str(cube.weeks[-1].date()), currency=cfg["currency"],
        category=args.category, horizon_weeks=horizon, lead_time_weeks=lead, review_period_weeks=review,
        service_level=level, windows=win,
        thresholds={k: cfg[k] for k in ("opportunities", "slow_movers", "thin_data")},
        trend=trend, weekly=weekly, countries=an.country_trends(cube, win),
        categories=an.category_trends(frame, cube.weeks, win, cube.descriptions), opportunities=opportunities,
        slow_movers=slow, slow_mover_count=len(slow_all), reorders=reorders, forecasts=charted, elsewhere=elsewhere,
        unknown_products=unknown, notes=notes)


def _slow(code: str, row, found, horizon: int) -> SlowMover:
    return SlowMover(
        product=code, description=row["description"], category=row["category"],
        earlier_selling_weeks=int(row["earlier_selling_weeks"]), recent_selling_weeks=int(row["recent_selling_weeks"]),
        earlier_weekly_units=round(float(row["earlier_weekly_units"]), 2),
        recent_weekly_units=round(float(row["recent_weekly_units"]), 2), rate_ratio=round(float(row["rate_ratio"]), 3),
        forecast_weekly_units=round(sum(w.point for w in found[0].forecast) / horizon, 2) if found else None,
        lost_weekly_revenue=round(float(row["lost_weekly_revenue"]), 2), seasonal=row["category"] == an.SEASONAL)


def _notes(cube, forecasts: MarketForecasts, reorders: list, opportunities: list[ProductLine]) -> list[Note]:
    """What the reader must know about the sources and assumptions behind the figures."""
    cfg, notes = config(), []
    if forecasts.kind == "product_share":
        notes.append(Note(code="share_scaled", params={"weeks": cfg["windows"]["share_weeks"]}))
    if cube.excluded_lines:
        notes.append(Note(code="outliers_excluded", params={"lines": cube.excluded_lines, "units": cube.excluded_units,
                                                            "max": cfg["outliers"]["max_line_quantity"]}))
    if reorders and any(not r.on_hand_given for r in reorders):
        notes.append(Note(code="on_hand_assumed_zero"))
    if any(r.horizon_capped for r in reorders):
        notes.append(Note(code="horizon_capped", params={"weeks": forecasts.horizon_max}))
    if any(o.seasonal for o in opportunities):
        notes.append(Note(code="seasonal_lines"))
    return notes


def _focus(products: list[str], cube, stats, forecasts: MarketForecasts, market: Market | None):
    """(unknown products with the reason, the named products the market sells)."""
    where = market.name() if market else ALL_MARKETS
    unknown, focus = [], []
    for code in products:
        if code not in cube.descriptions:
            unknown.append(UnknownProduct(product=code, reason="unknown",
                                          message=f"unknown product '{code}': no sale of it in the sales history"))
        elif code not in stats.index:
            unknown.append(UnknownProduct(product=code, reason="not_sold_in_market",
                                          message=f"'{code}' was never sold to {where} in the sales history"))
        elif forecasts.kind != "none" and forecasts.get(code, 1) is None:
            unknown.append(UnknownProduct(product=code, reason="no_forecast",
                                          message=f"the forecast model has no series for '{code}' in {where}"))
        else:
            focus.append(code)
    return unknown, focus
