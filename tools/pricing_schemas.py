"""Typed inputs and outputs of the pricing tools (tools/pricing_tools.py), shared with the
pricing agent (agents/pricing*.py). Money is per unit: ``*_gbp`` in the seller's currency
(GBP), plain fields in the market's currency; profits and units are per week."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

PRODUCT = Field(min_length=1, max_length=20, pattern=r"^\s*\w+\s*$",
                description="Online Retail stock code, e.g. 85123A")
MARKET = Field(min_length=2, max_length=40, description="market id (GB, DE, US, JP, ...) or its name")
CURRENCY = Field(None, min_length=3, max_length=3, description="ISO 4217 code; default: the market's currency")
MONEY = Field(gt=0, le=1_000_000)


class TableInfo(BaseModel):
    """Where a rate table's numbers come from."""
    table: str
    as_of: str
    source: str
    verified: bool


class Note(BaseModel):
    """An assumption, fallback or warning the answer must show (``code`` is stable;
    ``values`` fill the reply template of that code)."""
    code: str
    detail: str
    values: dict[str, str | float] = Field(default_factory=dict)


# ------------------------------------------------------------------ landed cost
class LandedCostIn(BaseModel):
    product: str | None = Field(None, min_length=1, max_length=20, pattern=r"^\s*\w+\s*$",
                                description="stock code: its category picks the duty rate and its cost is looked up")
    market: str = MARKET
    price: float | None = Field(None, gt=0, le=1_000_000,
                                description="shelf price in `currency`; default: the product's current price there")
    currency: str | None = CURRENCY
    unit_cost: float | None = Field(None, gt=0, le=1_000_000, description="product cost per unit in GBP")
    shipping: float | None = Field(None, ge=0, le=1_000_000, description="shipping per unit in GBP")
    category: str | None = Field(None, description="category group for the duty rate (default: the product's)")
    units_per_shipment: int | None = Field(None, ge=1, le=100_000, description="units per consignment (de-minimis "
                                           "test); default CHUHAI_PRICING_UNITS_PER_SHIPMENT")


class LandedCost(BaseModel):
    product: str | None = None
    description: str = ""
    market: str
    currency: str
    price: float = Field(description="shelf price in the market's currency")
    fx_per_gbp: float = Field(description="units of the market's currency per 1 GBP")
    vat_pct: float
    prices_include_tax: bool
    vat: float = Field(description="VAT/GST inside the shelf price (0 where tax is added at checkout)")
    net_price: float = Field(description="shelf price without VAT, market currency")
    net_price_gbp: float
    unit_cost_gbp: float
    cost_source: str = Field(description="request | stored | default_ratio")
    shipping_gbp: float
    shipping_source: str = Field(description="request | table")
    category: str
    duty_zone: str
    duty_pct: float
    duty_basis: str
    customs_value_gbp: float
    de_minimis_gbp: float | None = None
    duty_applied: bool
    duty_gbp: float
    fx_fee_pct: float
    fx_fee_gbp: float
    landed_cost_gbp: float = Field(description="cost + shipping + duty + FX fee, per unit")
    landed_cost: float = Field(description="the landed cost in the market's currency")
    unit_profit_gbp: float
    margin_pct: float = Field(description="unit profit over landed cost, percent")
    notes: list[Note] = Field(default_factory=list)
    tables: list[TableInfo] = Field(default_factory=list)


# ------------------------------------------------------------------ price optimisation
class OptimizeIn(BaseModel):
    product: str = PRODUCT
    market: str = MARKET
    min_margin_pct: float | None = Field(None, ge=0, le=1000, description="minimum margin over landed cost")
    max_step_pct: float | None = Field(None, gt=0, le=100, description="maximum change per step (per day)")
    competitor_prices: list[float] = Field(default_factory=list, max_length=50,
                                           description="competitor shelf prices (default: stored, recent ones)")
    competitor_currency: str | None = CURRENCY
    map_price: float | None = Field(None, gt=0, le=1_000_000, description="minimum advertised price")
    map_currency: str | None = CURRENCY
    unit_cost: float | None = Field(None, gt=0, le=1_000_000, description="product cost per unit in GBP")
    shipping: float | None = Field(None, ge=0, le=1_000_000, description="shipping per unit in GBP")
    target_price: float | None = Field(None, gt=0, le=1_000_000,
                                       description="check this price against the constraints instead of optimising")
    target_currency: str | None = CURRENCY
    units_per_shipment: int | None = Field(None, ge=1, le=100_000)
    curve: bool = Field(True, description="return the profit-vs-price curve (for the chart)")


class Elasticity(BaseModel):
    estimate: float
    ci_low: float
    ci_high: float
    trusted: bool
    method: str
    reasons: list[str] = Field(default_factory=list)
    used: float = Field(description="the elasticity the optimiser used")


class Bound(BaseModel):
    """One constraint as a price interval in the market's currency."""
    name: Literal["min_margin", "max_step", "daily_step", "untrusted_step", "competitor_band", "map", "hold"]
    low: float | None = None
    high: float | None = None
    detail: str = ""
    binding: bool = False


class CurvePoint(BaseModel):
    price: float
    units: float
    profit_gbp: float
    feasible: bool


class PriceRecommendation(BaseModel):
    product: str
    description: str = ""
    category: str
    market: str
    currency: str
    mode: Literal["optimise", "target"] = "optimise"
    current_price: float
    current_price_source: str = Field(description="stored | sales_history_median | converted_from_home")
    status: Literal["recommended", "keep", "conflict", "target_ok", "target_violates"]
    price: float | None = Field(None, description="the recommended (or checked target) price")
    change_pct: float | None = None
    binding_constraint: str = Field(description="the constraint that stops a better price, or 'none'")
    bounds: list[Bound] = Field(default_factory=list)
    violations: list[str] = Field(default_factory=list, description="constraints a target price breaks")
    conflict: str | None = Field(None, description="why no price meets every constraint")
    clash: list[Bound] = Field(default_factory=list, description="the floor and the ceiling that cross, if any")
    unconstrained_price: float | None = Field(None, description="the best price without constraints (None: unbounded)")
    units_current: float
    units_new: float | None = None
    profit_current_gbp: float
    profit_new_gbp: float | None = None
    demand_basis: str = Field(description="how base weekly demand was found")
    elasticity: Elasticity
    landed_current: LandedCost
    landed_new: LandedCost | None = None
    min_margin_pct: float
    max_step_pct: float
    competitor_prices: list[float] = Field(default_factory=list, description="in the market's currency")
    competitor_source: str = "none"
    map_price: float | None = None
    curve: list[CurvePoint] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)
    tables: list[TableInfo] = Field(default_factory=list)


# ------------------------------------------------------------------ writes and history
class ApplyPriceIn(BaseModel):
    product: str = PRODUCT
    market: str = MARKET
    currency: str = Field(min_length=3, max_length=3)
    old_price: float = Field(gt=0, le=1_000_000, description="the price the proposal was made against")
    new_price: float = MONEY
    reason: str = Field("", max_length=500)
    proposal_id: str | None = Field(None, max_length=64)


class PriceChange(BaseModel):
    change_id: int
    product: str
    market: str
    currency: str
    old_price: float
    new_price: float
    change_pct: float
    reason: str
    actor: str
    proposal_id: str | None = None
    changed_at: str


class RecordInputIn(BaseModel):
    kind: Literal["unit_cost", "map_price", "competitor_price"]
    product: str = PRODUCT
    market: str | None = Field(None, min_length=2, max_length=40, description="required for map/competitor prices")
    value: float = MONEY
    currency: str | None = CURRENCY
    source: str = Field("", max_length=200, description="competitor name, supplier invoice, ...")


class RecordedInput(BaseModel):
    input_id: int
    kind: str
    product: str
    market: str | None
    value: float
    currency: str
    source: str
    recorded_by: str
    recorded_at: str


class HistoryIn(BaseModel):
    product: str = PRODUCT
    market: str | None = Field(None, min_length=2, max_length=40)
    limit: int = Field(50, ge=1, le=500)


class MarketPrice(BaseModel):
    product: str
    market: str
    currency: str
    price: float
    source: str
    updated_at: str | None = None


class PriceHistory(BaseModel):
    product: str
    prices: list[MarketPrice]
    changes: list[PriceChange]
