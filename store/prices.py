"""Prices per product and market, their change history, and the pricing inputs the seller
records (unit costs, minimum advertised prices, competitor prices).

- ``market_prices``: the current price of a product in a market (one row each), written
  only by ``apply_price_change`` (the approved ``apply_price`` tool).
- ``price_changes``: append-only history of every applied change: who, when, old, new,
  why, and the proposal (pending action) it came from.
- ``pricing_inputs``: append-only records of costs, MAPs and competitor prices; the
  latest record of a kind wins.

A product with no stored price in the home market has a *reference* price read from the
sales history (``history_price``: the median unit price of its registered-customer lines
in that country over the last ``window_days`` of its sales); nothing is written until a
change is approved. The tables live on the store's declarative Base in this module and
are created on first use (as store/listings.py does), so stores opened before this
module was imported get them too. No foreign keys: a seed reload never fails on them.
"""
from __future__ import annotations

import statistics
import weakref
from datetime import datetime, timedelta

from sqlalchemy import DateTime, Double, Index, Integer, String, func, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .errors import ActionRefused
from .models import Base, SalesLine

INPUT_KINDS = ("unit_cost", "map_price", "competitor_price")


class MarketPriceRow(Base):
    __tablename__ = "market_prices"
    __table_args__ = (Index("ix_market_prices_key", "product", "market", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    product: Mapped[str] = mapped_column(String(20))
    market: Mapped[str] = mapped_column(String(8))
    currency: Mapped[str] = mapped_column(String(3))
    price: Mapped[float] = mapped_column(Double)
    updated_by: Mapped[str] = mapped_column(String(120), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class PriceChangeRow(Base):
    __tablename__ = "price_changes"
    __table_args__ = (Index("ix_price_changes_key", "product", "market", "changed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    product: Mapped[str] = mapped_column(String(20))
    market: Mapped[str] = mapped_column(String(8))
    currency: Mapped[str] = mapped_column(String(3))
    old_price: Mapped[float] = mapped_column(Double)
    new_price: Mapped[float] = mapped_column(Double)
    reason: Mapped[str] = mapped_column(String(500), default="")
    actor: Mapped[str] = mapped_column(String(120), default="")
    proposal_id: Mapped[str | None] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(DateTime)


class PricingInputRow(Base):
    __tablename__ = "pricing_inputs"
    __table_args__ = (Index("ix_pricing_inputs_key", "kind", "product", "market"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    product: Mapped[str] = mapped_column(String(20))
    market: Mapped[str | None] = mapped_column(String(8))
    value: Mapped[float] = mapped_column(Double)
    currency: Mapped[str] = mapped_column(String(3))
    source: Mapped[str] = mapped_column(String(200), default="")
    recorded_by: Mapped[str] = mapped_column(String(120), default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


_TABLES = (MarketPriceRow, PriceChangeRow, PricingInputRow)
_READY: weakref.WeakSet = weakref.WeakSet()


def ensure_tables(store) -> None:
    """Create the pricing tables if this store lacks them (once per engine)."""
    if store.engine in _READY:
        return
    with store.transaction(write=True) as conn:
        for model in _TABLES:
            model.__table__.create(conn, checkfirst=True)
    _READY.add(store.engine)


def _iso(ts: datetime | None) -> str | None:
    return None if ts is None else ts.replace(microsecond=0).isoformat() + "Z"


# ------------------------------------------------------------------ current prices and changes
def price_view(row) -> dict:
    return {"product": row.product, "market": row.market, "currency": row.currency, "price": row.price,
            "source": "stored", "updated_at": _iso(row.updated_at)}


def current_price(store, product: str, market: str) -> dict | None:
    """The stored price of a product in a market, or None."""
    ensure_tables(store)
    with store.transaction() as conn:
        row = conn.execute(select(MarketPriceRow.__table__).where(
            MarketPriceRow.product == product, MarketPriceRow.market == market)).first()
    return None if row is None else price_view(row)


def stored_prices(store, product: str) -> list[dict]:
    """Every stored market price of a product."""
    ensure_tables(store)
    with store.transaction() as conn:
        rows = conn.execute(select(MarketPriceRow.__table__).where(MarketPriceRow.product == product)
                            .order_by(MarketPriceRow.market)).all()
    return [price_view(r) for r in rows]


def change_view(row) -> dict:
    pct = (row.new_price - row.old_price) / row.old_price * 100.0 if row.old_price else 0.0
    return {"change_id": row.id, "product": row.product, "market": row.market, "currency": row.currency,
            "old_price": row.old_price, "new_price": row.new_price, "change_pct": round(pct, 4),
            "reason": row.reason, "actor": row.actor, "proposal_id": row.proposal_id,
            "changed_at": _iso(row.changed_at)}


def changes(store, product: str | None = None, market: str | None = None, limit: int = 50) -> list[dict]:
    """Applied changes, newest first."""
    ensure_tables(store)
    stmt = select(PriceChangeRow.__table__).order_by(PriceChangeRow.id.desc()).limit(limit)
    if product is not None:
        stmt = stmt.where(PriceChangeRow.product == product)
    if market is not None:
        stmt = stmt.where(PriceChangeRow.market == market)
    with store.transaction() as conn:
        return [change_view(r) for r in conn.execute(stmt).all()]


def change_count(store) -> int:
    ensure_tables(store)
    with store.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(PriceChangeRow)).scalar())


def day_start_price(store, product: str, market: str, now: datetime) -> float | None:
    """The price before the first change of the last 24 hours, if the price moved since."""
    ensure_tables(store)
    since = now - timedelta(days=1)
    with store.transaction() as conn:
        row = conn.execute(select(PriceChangeRow.old_price).where(
            PriceChangeRow.product == product, PriceChangeRow.market == market, PriceChangeRow.changed_at > since)
            .order_by(PriceChangeRow.id).limit(1)).first()
    return None if row is None else float(row.old_price)


def apply_price_change(store, *, product: str, market: str, currency: str, expected_old: float, new_price: float,
                       reference_old: float | None, reason: str, actor: str, proposal_id: str | None,
                       now: datetime, tolerance: float) -> dict:
    """Set the price and append the change, in one write transaction. Refuses (and changes
    nothing) when the price moved since the proposal: the stored price, or the reference
    price when none is stored, must equal ``expected_old`` within ``tolerance``."""
    ensure_tables(store)
    with store.transaction(write=True) as conn:
        row = conn.execute(select(MarketPriceRow.__table__).where(
            MarketPriceRow.product == product, MarketPriceRow.market == market)).first()
        actual = row.price if row is not None else reference_old
        if row is not None and row.currency != currency:
            raise ActionRefused(f"{product} is priced in {row.currency} in {market}, not {currency}.",
                                code="bad_argument")
        if actual is None or abs(actual - expected_old) > tolerance:
            raise ActionRefused(f"The price of {product} in {market} is {actual} now, not {expected_old} as when "
                                "this change was proposed; ask for a new proposal.", code="stale")
        values = dict(price=new_price, currency=currency, updated_by=actor[:120], updated_at=now)
        if row is None:
            conn.execute(insert(MarketPriceRow).values(product=product, market=market, **values))
        else:
            conn.execute(update(MarketPriceRow).where(MarketPriceRow.id == row.id).values(**values))
        new_id = conn.execute(insert(PriceChangeRow).values(
            product=product, market=market, currency=currency, old_price=actual, new_price=new_price,
            reason=reason[:500], actor=actor[:120], proposal_id=proposal_id, changed_at=now)).inserted_primary_key[0]
        change = conn.execute(select(PriceChangeRow.__table__).where(PriceChangeRow.id == new_id)).first()
    return change_view(change)


# ------------------------------------------------------------------ recorded inputs
def record_input(store, *, kind: str, product: str, market: str | None, value: float, currency: str, source: str,
                 recorded_by: str, now: datetime) -> dict:
    if kind not in INPUT_KINDS:
        raise ActionRefused(f"kind must be one of {', '.join(INPUT_KINDS)}", code="bad_argument")
    ensure_tables(store)
    with store.transaction(write=True) as conn:
        new_id = conn.execute(insert(PricingInputRow).values(
            kind=kind, product=product, market=market, value=value, currency=currency, source=source[:200],
            recorded_by=recorded_by[:120], recorded_at=now)).inserted_primary_key[0]
        row = conn.execute(select(PricingInputRow.__table__).where(PricingInputRow.id == new_id)).first()
    return input_view(row)


def input_view(row) -> dict:
    return {"input_id": row.id, "kind": row.kind, "product": row.product, "market": row.market, "value": row.value,
            "currency": row.currency, "source": row.source, "recorded_by": row.recorded_by,
            "recorded_at": _iso(row.recorded_at)}


def inputs(store, kind: str, product: str, market: str | None = None, since: datetime | None = None) -> list[dict]:
    """Recorded inputs of a kind for a product (and market: its own, else market-less), newest first."""
    ensure_tables(store)
    stmt = select(PricingInputRow.__table__).where(PricingInputRow.kind == kind, PricingInputRow.product == product)
    if market is not None:
        stmt = stmt.where((PricingInputRow.market == market) | PricingInputRow.market.is_(None))
    if since is not None:
        stmt = stmt.where(PricingInputRow.recorded_at >= since)
    with store.transaction() as conn:
        return [input_view(r) for r in conn.execute(stmt.order_by(PricingInputRow.id.desc())).all()]


# ------------------------------------------------------------------ the sales history
def history_price(store, product: str, country: str | None, window_days: int) -> dict | None:
    """Median unit price of the product's registered-customer lines in ``country`` (None:
    anywhere) over the last ``window_days`` of its sales there (all lines when none has a
    customer id)."""
    stmt = select(SalesLine.unit_price, SalesLine.invoice_date, SalesLine.customer_id).where(
        SalesLine.stock_code == product)
    if country is not None:
        stmt = stmt.where(SalesLine.country == country)
    with store.transaction() as conn:
        rows = conn.execute(stmt).all()
    if not rows:
        return None
    registered = [r for r in rows if r.customer_id is not None] or rows
    last = max(r.invoice_date for r in registered)
    recent = [r.unit_price for r in registered if r.invoice_date >= last - timedelta(days=window_days)]
    return {"price": float(statistics.median(recent)), "lines": len(recent), "through": last.date().isoformat()}


def product_facts(store, product: str) -> dict | None:
    """Description, lines, units and revenue of a product in the sales history, per country."""
    with store.transaction() as conn:
        rows = conn.execute(select(SalesLine.country, func.count(), func.sum(SalesLine.quantity),
                                   func.sum(SalesLine.quantity * SalesLine.unit_price), func.max(SalesLine.description))
                            .where(SalesLine.stock_code == product).group_by(SalesLine.country)).all()
    if not rows:
        return None
    return {"description": max((r[4] or "" for r in rows), key=len), "lines": sum(r[1] for r in rows),
            "units": {r[0]: int(r[2]) for r in rows}, "revenue": {r[0]: float(r[3]) for r in rows}}


def top_products(store, country: str, window_days: int, limit: int) -> list[tuple[str, float]]:
    """(stock code, revenue) of the best sellers in ``country`` over the history's last ``window_days``."""
    with store.transaction() as conn:
        last = conn.execute(select(func.max(SalesLine.invoice_date))).scalar()
        if last is None:
            return []
        since = last - timedelta(days=window_days)
        revenue = func.sum(SalesLine.quantity * SalesLine.unit_price)
        rows = conn.execute(select(SalesLine.stock_code, revenue).where(
            SalesLine.country == country, SalesLine.invoice_date >= since)
            .group_by(SalesLine.stock_code).order_by(revenue.desc(), SalesLine.stock_code).limit(limit)).all()
    return [(r[0], float(r[1])) for r in rows]


def find_products(store, words: list[str], limit: int = 5) -> list[tuple[str, str]]:
    """(stock code, description) of products whose description holds every word."""
    if not words:
        return []
    stmt = select(SalesLine.stock_code, func.max(SalesLine.description)).group_by(SalesLine.stock_code)
    for w in words:
        stmt = stmt.where(func.upper(SalesLine.description).contains(w.upper()))
    with store.transaction() as conn:
        return [(r[0], r[1]) for r in conn.execute(stmt.limit(limit)).all()]


__all__ = ["INPUT_KINDS", "MarketPriceRow", "PriceChangeRow", "PricingInputRow", "apply_price_change", "change_count",
           "changes", "current_price", "day_start_price", "ensure_tables", "find_products", "history_price", "inputs",
           "product_facts", "record_input", "stored_prices", "top_products"]
