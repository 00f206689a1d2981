"""The sales history as weekly figures per country and product, aggregated in SQL.

One GROUP BY over the store's ``sales_lines`` (country x product x week: units, revenue,
lines) serves every market and category. It is cached per store and history version
(first and last id, last date: cheap on their indexes), so a weekly run over five markets reads the table once;
reloading the history changes the version and the next request aggregates again.

Weeks run Saturday-Friday and are labelled by their Saturday, as in ml/sales_series.py
(the shop does not trade on Saturdays); the first, three-day week is dropped. On SQLite
the week is computed in SQL; other engines group by day and the week is computed here.
Lines above ``outliers.max_line_quantity`` units are left out and counted (see
agents/data/selection.yaml).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml
from sqlalchemy import func, select, text

from ml.sales_series import FIRST_FULL_WEEK, WEEK_FREQ
from store.models import SalesLine

SETTINGS = Path(__file__).resolve().parent / "data" / "selection.yaml"
_SQLITE_WEEK = ("date(invoice_date, '-' || ((CAST(strftime('%w', invoice_date) AS INTEGER) + 1) % 7) || ' days')")
_LOCK = threading.Lock()
_CACHE: dict[str, tuple[tuple, SalesCube]] = {}


@lru_cache(maxsize=1)
def config() -> dict:
    """agents/data/selection.yaml: defaults, windows and thresholds."""
    return yaml.safe_load(SETTINGS.read_text(encoding="utf-8"))


@dataclass
class SalesCube:
    weekly: pd.DataFrame                  # country, stock_code, week, units, revenue, lines
    weeks: list[pd.Timestamp]             # every full week, oldest first
    descriptions: dict[str, str]          # stock code -> most common description
    lines: dict[str, int]                 # country -> sales lines
    customers: dict[str, int]             # country -> distinct customer ids
    customers_total: int = 0              # distinct customer ids over all countries
    excluded_lines: int = 0
    excluded_units: int = 0
    last_date: str | None = None
    _markets: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def empty(self) -> bool:
        return self.weekly.empty

    @property
    def countries(self) -> list[str]:
        """Countries by sales lines, most first."""
        return sorted(self.lines, key=lambda c: -self.lines[c])

    def market(self, country: str | None) -> pd.DataFrame:
        """stock_code, week, units, revenue, lines of one country (None: all countries)."""
        key = country or ""
        if key not in self._markets:
            rows = self.weekly if country is None else self.weekly[self.weekly["country"] == country]
            self._markets[key] = rows.groupby(["stock_code", "week"], as_index=False, observed=True)[
                ["units", "revenue", "lines"]].sum()
        return self._markets[key]


def _version(conn) -> tuple:
    # one aggregate a statement: SQLite answers a lone MIN/MAX from the index, not a pair
    return tuple(str(conn.execute(select(agg)).scalar()) for agg in
                 (func.min(SalesLine.id), func.max(SalesLine.id), func.max(SalesLine.invoice_date)))


def _weekly_rows(conn, max_q: int, portable: bool = False) -> pd.DataFrame:
    cols = ["country", "stock_code", "week", "units", "revenue", "lines"]
    if conn.dialect.name == "sqlite" and not portable:
        sql = text(f"SELECT country, stock_code, {_SQLITE_WEEK} AS week, SUM(quantity), "
                   "SUM(quantity * unit_price), COUNT(*) FROM sales_lines WHERE quantity <= :q "
                   "GROUP BY country, stock_code, week")
        frame = pd.DataFrame(conn.execute(sql, {"q": max_q}).fetchall(), columns=cols)
        frame["week"] = pd.to_datetime(frame["week"])
        return frame
    day = func.date(SalesLine.invoice_date).label("day")
    stmt = (select(SalesLine.country, SalesLine.stock_code, day, func.sum(SalesLine.quantity),
                   func.sum(SalesLine.quantity * SalesLine.unit_price), func.count())
            .where(SalesLine.quantity <= max_q).group_by(SalesLine.country, SalesLine.stock_code, day))
    frame = pd.DataFrame(conn.execute(stmt).fetchall(), columns=cols)
    frame["week"] = pd.to_datetime(frame["week"]).dt.to_period(WEEK_FREQ).dt.start_time
    return frame.groupby(cols[:3], as_index=False)[cols[3:]].sum()


def _descriptions(conn) -> dict[str, str]:
    rows = conn.execute(select(SalesLine.stock_code, SalesLine.description, func.count())
                        .group_by(SalesLine.stock_code, SalesLine.description)).fetchall()
    best: dict[str, tuple[int, str]] = {}
    for code, description, n in rows:
        if description and (code not in best or n > best[code][0]):
            best[code] = (n, description)
    return {code: d for code, (_, d) in best.items()}


def build_cube(conn, max_line_quantity: int, portable: bool = False) -> SalesCube:
    """Aggregate the history (a few seconds for the full 530k lines on SQLite).
    ``portable``: group by day in SQL and make weeks here, as on engines other than SQLite."""
    weekly = _weekly_rows(conn, max_line_quantity, portable)
    lines = weekly.groupby("country")["lines"].sum().astype(int).to_dict()
    weekly = weekly[weekly["week"] >= FIRST_FULL_WEEK].reset_index(drop=True)
    weekly = weekly.astype({"country": "category", "units": float, "revenue": float, "lines": int})
    customers = dict(conn.execute(select(SalesLine.country, func.count(func.distinct(SalesLine.customer_id)))
                                  .group_by(SalesLine.country)).fetchall())
    excluded = conn.execute(select(func.count(), func.coalesce(func.sum(SalesLine.quantity), 0))
                            .where(SalesLine.quantity > max_line_quantity)).one()
    total = conn.execute(select(func.count(func.distinct(SalesLine.customer_id)))).scalar() or 0
    last = conn.execute(select(func.max(SalesLine.invoice_date))).scalar()
    weeks = list(pd.date_range(FIRST_FULL_WEEK, weekly["week"].max(), freq="7D")) if len(weekly) else []
    return SalesCube(weekly=weekly, weeks=weeks, descriptions=_descriptions(conn), lines=lines,
                     customers={k: int(v) for k, v in customers.items()}, customers_total=int(total),
                     excluded_lines=int(excluded[0]),
                     excluded_units=int(excluded[1]), last_date=str(last)[:10] if last else None)


def sales_cube(store) -> SalesCube:
    """The store's cube, aggregated once per history version (thread-safe)."""
    max_q = int(config()["outliers"]["max_line_quantity"])
    with store.transaction() as conn:
        version = _version(conn) + (max_q,)
        cached = _CACHE.get(store.url)
        if cached and cached[0] == version:
            return cached[1]
    with _LOCK:
        cached = _CACHE.get(store.url)
        if cached and cached[0] == version:
            return cached[1]
        with store.transaction() as conn:
            cube = build_cube(conn, max_q)
        _CACHE[store.url] = (version, cube)
        return cube
