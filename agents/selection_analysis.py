"""Trends, growth, opportunities, slow movers and other markets' best sellers, from the
weekly sales cube (agents/selection_data.py). Pure pandas/numpy; the definitions (windows
and thresholds) come from agents/data/selection.yaml and are printed in every report.

- growth: units of the last ``recent_weeks`` against the ``recent_weeks`` before them;
- trend: least-squares slope of weekly units over the last ``trend_weeks``, as percent of
  their mean per week;
- opportunity: sold in at least ``min_recent_selling_weeks`` of the recent weeks, not
  shrinking; ranked by forecast revenue over the horizon (recent revenue without forecasts);
- slow mover (there is no stock count, so sell-through is read from sales alone): an
  established line (sold in ``min_prior_selling_weeks``+ weeks before the recent window)
  that now sells in at most ``max_recent_selling_share`` of the recent weeks at no more
  than ``max_rate_ratio`` of its earlier weekly rate.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from agents.selection_markets import for_country
from tools.selection_schemas import CategoryTrend, CountryTrend, Growth, WeekPoint
from ml.sales_categories import OTHER, _phrase_in, rules, words

SEASONAL = "seasonal"


@lru_cache(maxsize=20_000)
def category(description: str) -> str:
    """``ml.sales_categories.category_of`` with a prefilter: a keyword phrase is tried only
    when its first word (or its -S/-ES plural) is among the description's words. Same
    answers (a test compares them), ~13x faster: the report categorises every product of
    a market, 3,800 descriptions for the United Kingdom (4.5 s -> 0.35 s)."""
    tokens = words(description or "")
    present = set(tokens)
    for name, phrases in rules():
        for phrase in phrases:
            first = phrase[0]
            if (first in present or first + "S" in present or first + "ES" in present) and _phrase_in(phrase, tokens):
                return name
    return OTHER


def wide(frame: pd.DataFrame, weeks: list[pd.Timestamp], value: str = "units") -> pd.DataFrame:
    """product x week matrix of ``value`` (0 where nothing sold)."""
    if frame.empty:
        return pd.DataFrame(columns=weeks, dtype=float)
    table = frame.pivot_table(index="stock_code", columns="week", values=value, aggfunc="sum", observed=True)
    return table.reindex(columns=weeks).fillna(0.0)


def growth_pct(recent: float, prior: float) -> float | None:
    return round((recent / prior - 1) * 100, 1) if prior > 0 else None


def trend_pct(values: np.ndarray) -> float | None:
    """Least-squares slope as percent of the mean per week (None for flat zero series)."""
    values = np.asarray(values, dtype=float)
    if len(values) < 3 or values.mean() <= 0:
        return None
    slope = np.polyfit(np.arange(len(values)), values, 1)[0]
    return round(float(slope / values.mean() * 100), 2)


def _growth(units: np.ndarray, revenue: np.ndarray, win: dict) -> dict:
    r, t = win["recent_weeks"], win["trend_weeks"]
    recent, prior = float(units[-r:].sum()), float(units[-2 * r:-r].sum())
    return {"recent_units": round(recent, 1), "prior_units": round(prior, 1), "growth_pct": growth_pct(recent, prior),
            "recent_revenue": round(float(revenue[-r:].sum()), 2), "trend_pct_per_week": trend_pct(units[-t:])}


def market_trend(frame: pd.DataFrame, weeks: list[pd.Timestamp], win: dict) -> tuple[Growth, list[WeekPoint]]:
    totals = frame.groupby("week")[["units", "revenue"]].sum().reindex(weeks).fillna(0.0)
    units, revenue = totals["units"].to_numpy(), totals["revenue"].to_numpy()
    points = [WeekPoint(week=str(w.date()), units=round(float(u), 1), revenue=round(float(v), 2))
              for w, u, v in zip(weeks, units, revenue)]
    return Growth(**_growth(units, revenue, win)), points


def country_trends(cube, win: dict) -> list[CountryTrend]:
    """Every country of the history, by recent revenue."""
    totals = cube.weekly.groupby(["country", "week"], observed=True)[["units", "revenue"]].sum()
    out = []
    for country in cube.countries:
        rows = totals.loc[country].reindex(cube.weeks).fillna(0.0) if country in totals.index.get_level_values(0) \
            else pd.DataFrame({"units": 0.0, "revenue": 0.0}, index=cube.weeks)
        market = for_country(country)
        out.append(CountryTrend(country=country, market_id=market.id if market else None, lines=cube.lines[country],
                                **_growth(rows["units"].to_numpy(), rows["revenue"].to_numpy(), win)))
    return sorted(out, key=lambda c: -c.recent_revenue)


def product_stats(frame: pd.DataFrame, weeks: list[pd.Timestamp], win: dict, descriptions: dict) -> pd.DataFrame:
    """One row per product sold in ``frame``: recent/prior/earlier units and revenue,
    selling weeks, average price, category and description."""
    units, revenue = wide(frame, weeks), wide(frame, weeks, "revenue")
    if units.empty:
        return pd.DataFrame()
    u, v, r = units.to_numpy(), revenue.to_numpy(), win["recent_weeks"]
    sold = u > 0
    first = np.where(sold.any(axis=1), sold.argmax(axis=1), len(weeks))
    earlier_weeks = np.maximum(0, len(weeks) - r - first)
    stats = pd.DataFrame(index=units.index)
    stats["recent_units"] = u[:, -r:].sum(axis=1)
    stats["prior_units"] = u[:, -2 * r:-r].sum(axis=1)
    stats["recent_revenue"] = v[:, -r:].sum(axis=1)
    stats["recent_selling_weeks"] = sold[:, -r:].sum(axis=1)
    stats["earlier_selling_weeks"] = sold[:, :-r].sum(axis=1)
    stats["earlier_weeks"] = earlier_weeks
    with np.errstate(divide="ignore", invalid="ignore"):
        stats["earlier_weekly_units"] = np.where(earlier_weeks > 0, u[:, :-r].sum(axis=1) / earlier_weeks, 0.0)
        stats["earlier_weekly_revenue"] = np.where(earlier_weeks > 0, v[:, :-r].sum(axis=1) / earlier_weeks, 0.0)
        price_recent = np.where(stats["recent_units"] > 0, stats["recent_revenue"] / stats["recent_units"], np.nan)
        price_all = v.sum(axis=1) / np.maximum(u.sum(axis=1), 1e-9)
    stats["avg_price"] = np.where(np.isnan(price_recent), price_all, price_recent)
    stats["growth_pct"] = np.array([np.nan if (g := growth_pct(a, b)) is None else g
                                    for a, b in zip(stats["recent_units"], stats["prior_units"])], dtype=float)
    stats["description"] = [descriptions.get(code, "") for code in stats.index]
    stats["category"] = [category(d) for d in stats["description"]]
    return stats


def category_trends(frame: pd.DataFrame, weeks: list[pd.Timestamp], win: dict, descriptions: dict) -> list[CategoryTrend]:
    if frame.empty:
        return []
    cats = frame["stock_code"].map(lambda c: category(descriptions.get(c, "")))
    by_cat = frame.assign(category=cats).groupby(["category", "week"])[["units", "revenue"]].sum()
    r = win["recent_weeks"]
    recent_codes = frame[frame["week"] >= weeks[-r]].assign(category=cats).groupby("category")["stock_code"].nunique()
    total_recent = float(frame.loc[frame["week"] >= weeks[-r], "units"].sum()) or 1.0
    out = []
    for cat in by_cat.index.get_level_values(0).unique():
        rows = by_cat.loc[cat].reindex(weeks).fillna(0.0)
        g = _growth(rows["units"].to_numpy(), rows["revenue"].to_numpy(), win)
        out.append(CategoryTrend(category=cat, products=int(recent_codes.get(cat, 0)),
                                 share_pct=round(g["recent_units"] / total_recent * 100, 1), **g))
    return sorted(out, key=lambda c: -c.recent_revenue)


def in_category(stats: pd.DataFrame, wanted: str | None) -> pd.DataFrame:
    return stats if wanted is None or stats.empty else stats[stats["category"] == wanted]


def opportunity_pool(stats: pd.DataFrame, cfg: dict) -> pd.DataFrame:
    """Repeat sellers that are not shrinking, best recent revenue first (the pool that
    gets forecasts)."""
    if stats.empty:
        return stats
    keep = (stats["recent_selling_weeks"] >= cfg["min_recent_selling_weeks"]) & \
        (stats["growth_pct"].isna() | (stats["growth_pct"].fillna(0) >= cfg["min_growth_pct"]))
    return stats[keep].sort_values("recent_revenue", ascending=False).head(int(cfg["candidate_pool"]))


def slow_movers(stats: pd.DataFrame, cfg: dict, recent_weeks: int) -> pd.DataFrame:
    """Established lines that stopped selling (see the module docstring), largest lost
    weekly revenue first."""
    if stats.empty:
        return stats
    rate = stats["recent_units"] / recent_weeks
    ratio = rate / stats["earlier_weekly_units"].where(stats["earlier_weekly_units"] > 0)
    keep = (stats["earlier_selling_weeks"] >= cfg["min_prior_selling_weeks"]) & \
        (stats["recent_selling_weeks"] <= cfg["max_recent_selling_share"] * recent_weeks) & \
        (ratio <= cfg["max_rate_ratio"])
    out = stats[keep].assign(recent_weekly_units=rate[keep], rate_ratio=ratio[keep],
                             lost_weekly_revenue=(stats["earlier_weekly_revenue"]
                                                  - stats["recent_revenue"] / recent_weeks)[keep])
    return out.sort_values("lost_weekly_revenue", ascending=False)


def elsewhere(cube, country: str, win: dict, min_selling_weeks: int) -> pd.DataFrame:
    """Products selling every other week or more in the other countries together that the
    market has not bought in the recent weeks, best recent revenue first."""
    others = cube.weekly[cube.weekly["country"] != country]
    others = others.groupby(["stock_code", "week"], as_index=False, observed=True)[["units", "revenue", "lines"]].sum()
    stats = product_stats(others, cube.weeks, win, cube.descriptions)
    if stats.empty:
        return stats
    here = cube.market(country)
    bought = set(here.loc[here["week"] >= cube.weeks[-win["recent_weeks"]], "stock_code"])
    keep = (stats["recent_selling_weeks"] >= min_selling_weeks) & ~stats.index.isin(bought)
    return stats[keep].sort_values("recent_revenue", ascending=False)
