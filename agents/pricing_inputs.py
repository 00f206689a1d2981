"""Everything one price decision needs, gathered from the store, the models and the rate
tables: the product and its category, the market's current price (stored, else the sales
history's median at home, else converted from home), the unit cost (request, stored, or a
flagged default), the elasticity (own, pooled, or the category's), the base weekly demand
(forecast, else history), competitor prices and the MAP (request, else stored), and the
day's opening price for the per-day step. Each fallback leaves a ``Note``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import ml
from agents import pricing_rates as rates
from agents.pricing_landed import HOME_CURRENCY, Economics, economics
from agents.selection_markets import markets as known_markets
from agents.selection_markets import resolve
from ml.sales_categories import category_of
from ml.sales_series import UnknownSeries, normalize_code
from store import prices as db
from tools.pricing_schemas import Elasticity, Note

FORECAST_WEEKS = 4
HISTORY_WEEKS = 53


class PricingRefusal(LookupError):
    """A request the pricing tools cannot answer; ``code`` sorts it for the caller
    (unknown_product, unknown_market, no_rates, unknown_currency, unavailable)."""

    def __init__(self, message: str, code: str, name: str = ""):
        super().__init__(message)
        self.message, self.code, self.name = message, code, name


@dataclass
class PriceInputs:
    product: str
    description: str
    category: str
    market: str
    country: str | None
    currency: str
    current: float
    current_source: str
    econ: Economics
    elasticity: Elasticity
    q0: float
    demand_basis: str
    day_start: float | None = None
    competitors: list[float] = field(default_factory=list)
    competitor_source: str = "none"
    map_price: float | None = None
    notes: list[Note] = field(default_factory=list)


def utc_now(deps) -> datetime:
    """The deps' clock as a naive UTC datetime (the store's convention)."""
    now = getattr(deps, "clock", lambda: datetime.now(timezone.utc))()
    return now.astimezone(timezone.utc).replace(tzinfo=None) if now.tzinfo else now


def market_id(name: str) -> str:
    """A market id with tax and duty rates, from an id, code or name in any language."""
    found = resolve(name)
    mid = found.id if found is not None else name.strip().upper()
    if found is None and mid not in rates.priced_markets():
        raise PricingRefusal(f"unknown market '{name}'; markets with rates: {', '.join(rates.priced_markets())}",
                             "unknown_market", name)
    try:
        rates.market_rates(mid)
    except rates.RateError as e:
        raise PricingRefusal(e.message, e.code, mid) from None
    return mid


def currency_code(code: str | None, default: str) -> str:
    try:
        return rates.check_currency(code or default)
    except rates.RateError as e:
        raise PricingRefusal(e.message, e.code, e.name) from None


def country_of(mid: str) -> str | None:
    m = known_markets().get(mid)
    return m.country if m else None


def round_price(price: float, currency: str) -> float:
    return round(price, rates.decimals(currency))


def home_reference(deps, product: str) -> tuple[float, str, float]:
    """(home price, its source, the history's median home price): stored, else the history."""
    settings, home = deps.settings, rates.home_market()
    window = settings.pricing_price_window_days
    hist = db.history_price(deps.store, product, country_of(home), window) or \
        db.history_price(deps.store, product, None, window)
    if hist is None:
        raise PricingRefusal(f"unknown product '{product}': it has no sale in the sales history", "unknown_product",
                             product)
    history = round_price(hist["price"], HOME_CURRENCY)
    stored = db.current_price(deps.store, product, home)
    return (stored["price"], "stored", history) if stored else (history, "sales_history_median", history)


def current_price(deps, product: str, mid: str, currency: str,
                  home_ref: tuple[float, str, float] | None = None) -> tuple[float, str]:
    """The product's current shelf price in a market and where it comes from."""
    stored = db.current_price(deps.store, product, mid)
    if stored is not None:
        return stored["price"], "stored"
    home_price, source, _ = home_ref or home_reference(deps, product)
    if mid == rates.home_market():
        return home_price, source
    home, there = rates.market_rates(rates.home_market()), rates.market_rates(mid)
    net_gbp = home_price / (1 + home.vat_pct / 100) if home.prices_include_tax else home_price
    shelf = net_gbp * rates.rate(HOME_CURRENCY, currency) * ((1 + there.vat_pct / 100) if there.prices_include_tax else 1)
    return round_price(shelf, currency), "converted_from_home"


def _elasticity(deps, product: str, category: str, notes: list[Note]) -> Elasticity:
    try:
        model = ml.trained(deps, "elasticity")
    except ml.NotTrained as e:
        raise PricingRefusal(str(e), "unavailable") from None
    try:
        est = model.elasticity(product)
    except UnknownSeries:
        pools = getattr(model, "pools", {}) or {}
        pool = pools.get(category) or pools.get("_all")
        if not pool:
            raise PricingRefusal(f"no elasticity for product '{product}'", "unavailable", product) from None
        notes.append(Note(code="elasticity_category", detail=f"no own estimate: the {category} category average is used",
                          values={"category": category}))
        mu = float(pool["mu"])
        return Elasticity(estimate=mu, ci_low=mu, ci_high=mu, trusted=False, method="category",
                          reasons=["no priced sale by a registered customer: category average"], used=mu)
    return Elasticity(estimate=est.estimate, ci_low=est.ci_low, ci_high=est.ci_high, trusted=est.trusted,
                      method=est.method, reasons=list(est.reasons), used=est.estimate)


def _demand(deps, product: str, country: str | None, facts: dict, notes: list[Note]) -> tuple[float, str]:
    """Base weekly units at the current price: the country's forecast, else the product's
    forecast times the country's share of its units, else the history's weekly average."""
    units = facts["units"]
    share = (units.get(country, 0) / sum(units.values())) if country and units else 0.0
    try:
        model = ml.trained(deps, "forecast")
    except ml.NotTrained:
        model = None
    tries = ([(country, 1.0, "forecast_country")] if country else []) + [(None, share, "forecast_share")]
    if model is not None:
        for place, scale, basis in tries:
            try:
                fc = model.forecast(product, place, FORECAST_WEEKS, 0)
            except (UnknownSeries, ValueError):
                continue
            q = sum(w.point for w in fc.forecast) / len(fc.forecast) * scale
            if q > 0:
                return q, basis
    if share > 0:
        notes.append(Note(code="demand_history", detail="no forecast: base demand is the history's weekly average"))
        return units[country] / HISTORY_WEEKS, "history_average"
    notes.append(Note(code="no_demand", detail="no sales in this market in the history: units and profit are per "
                      "1 unit a week of base demand"))
    return 1.0, "none"


def unit_cost(deps, product: str, given: float | None, history_home: float) -> tuple[float, str]:
    """GBP per unit: the request's, else the latest stored, else the flagged default ratio."""
    if given is not None:
        return given, "request"
    stored = db.inputs(deps.store, "unit_cost", product)
    if stored:
        return rates.convert(stored[0]["value"], stored[0]["currency"], HOME_CURRENCY), "stored"
    home = rates.market_rates(rates.home_market())
    net = history_home / (1 + home.vat_pct / 100) if home.prices_include_tax else history_home
    return deps.settings.pricing_default_cost_ratio * net, "default_ratio"


def _converted(values: list[float], currency: str | None, target: str) -> list[float]:
    cur = currency_code(currency, target)
    return [round(rates.convert(v, cur, target), 6) for v in values]


def gather(deps, args) -> PriceInputs:
    """The inputs of one decision for ``args`` (tools.pricing_schemas.OptimizeIn)."""
    product, mid = normalize_code(args.product), market_id(args.market)
    facts = db.product_facts(deps.store, product)
    if facts is None:
        raise PricingRefusal(f"unknown product '{args.product}': it has no sale in the sales history",
                             "unknown_product", args.product)
    notes: list[Note] = []
    category = category_of(facts["description"])
    currency = rates.market_rates(mid).currency
    home_ref = home_reference(deps, product)
    current, source = current_price(deps, product, mid, currency, home_ref)
    cost, cost_source = unit_cost(deps, product, args.unit_cost, home_ref[2])
    econ = economics(mid, category, cost, fx_fee_pct=deps.settings.pricing_fx_fee_pct, shipping_gbp=args.shipping,
                     units_per_shipment=args.units_per_shipment or deps.settings.pricing_units_per_shipment,
                     cost_source=cost_source)
    country = country_of(mid)
    q0, basis = _demand(deps, product, country, facts, notes)
    now = utc_now(deps)
    inputs = PriceInputs(product=product, description=facts["description"], category=econ.category, market=mid,
                         country=country, currency=currency, current=current, current_source=source, econ=econ,
                         elasticity=_elasticity(deps, product, category, notes), q0=q0, demand_basis=basis,
                         day_start=db.day_start_price(deps.store, product, mid, now), notes=notes)
    _competitors(deps, args, inputs, now)
    if args.map_price is not None:
        inputs.map_price = _converted([args.map_price], args.map_currency, currency)[0]
    else:
        stored = db.inputs(deps.store, "map_price", product, mid)
        if stored:
            inputs.map_price = _converted([stored[0]["value"]], stored[0]["currency"], currency)[0]
    _fx_age(deps, inputs, now)
    return inputs


def _competitors(deps, args, inputs: PriceInputs, now: datetime) -> None:
    if args.competitor_prices:
        inputs.competitors = _converted(list(args.competitor_prices), args.competitor_currency, inputs.currency)
        inputs.competitor_source = "request"
        return
    since = now - timedelta(days=deps.settings.pricing_competitor_max_age_days)
    latest: dict[str, dict] = {}
    for row in db.inputs(deps.store, "competitor_price", inputs.product, inputs.market, since=since):
        latest.setdefault(row["source"] or f"#{row['input_id']}", row)  # newest first: the first per source wins
    if latest:
        inputs.competitors = [_converted([r["value"]], r["currency"], inputs.currency)[0] for r in latest.values()]
        inputs.competitor_source = "stored"


def _fx_age(deps, inputs: PriceInputs, now: datetime) -> None:
    if inputs.currency == HOME_CURRENCY:
        return
    info = rates.fx_info()
    age = (now.date() - datetime.fromisoformat(info.as_of).date()).days
    if age > deps.settings.pricing_fx_max_age_days:
        inputs.notes.append(Note(code="fx_stale", detail=f"exchange rates are {age} days old ({info.as_of}, {info.source})",
                                 values={"days": age, "as_of": info.as_of}))
