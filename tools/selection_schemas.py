"""Typed inputs and outputs of the selection researcher's tools (tools/selection_tools.py):
the `selection_report` tool's report and the `market_trends` overview. Kept in tools/ so
the tool registry can import them without importing the agents package."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator

from ml.forecast import ForecastWeek, WeekValue

ForecastSourceKind = Literal["product_country", "product_share", "product", "none"]


class Note(BaseModel):
    """Something the reader must know, as a code the reply and report render per language."""
    code: str
    params: dict[str, Any] = Field(default_factory=dict)


class WeekPoint(BaseModel):
    week: str = Field(description="Saturday that starts the week (weeks run Saturday-Friday)")
    units: float
    revenue: float


class Growth(BaseModel):
    recent_units: float = Field(description="units of the last `recent_weeks` weeks")
    prior_units: float = Field(description="units of the `recent_weeks` weeks before those")
    growth_pct: float | None = Field(description="recent vs prior, percent; null when prior is 0")
    recent_revenue: float = Field(description="revenue of the recent weeks, in the history's currency")
    trend_pct_per_week: float | None = Field(None, description="least-squares slope of weekly units over the "
                                             "last `trend_weeks` weeks, percent of their mean per week")


class CountryTrend(Growth):
    country: str
    market_id: str | None = None
    lines: int


class CategoryTrend(Growth):
    category: str
    products: int = Field(description="products with a sale in the recent weeks")
    share_pct: float = Field(description="share of the market's recent units")


class ProductLine(BaseModel):
    product: str
    description: str
    category: str
    recent_units: float
    prior_units: float
    growth_pct: float | None
    recent_selling_weeks: int
    avg_price: float = Field(description="revenue / units over the recent weeks (else all weeks)")
    forecast_units: float | None = Field(None, description="sum of the weekly point forecasts over the horizon")
    forecast_low: float | None = Field(None, description="sum of the weekly 80% lower bounds")
    forecast_high: float | None = Field(None, description="sum of the weekly 80% upper bounds")
    forecast_revenue: float | None = None
    method: str | None = None
    seasonal: bool = Field(False, description="a Christmas/seasonal line: its Q4 rise will not last")


class SlowMover(BaseModel):
    product: str
    description: str
    category: str
    earlier_selling_weeks: int = Field(description="weeks with a sale before the recent window")
    recent_selling_weeks: int
    earlier_weekly_units: float = Field(description="units per week from its first sale to the recent window")
    recent_weekly_units: float
    rate_ratio: float = Field(description="recent weekly units / earlier weekly units")
    forecast_weekly_units: float | None = None
    lost_weekly_revenue: float = Field(description="earlier minus recent weekly revenue")
    seasonal: bool = False


class Reorder(BaseModel):
    product: str
    description: str
    source: ForecastSourceKind
    share: float | None = Field(None, description="the market's share of the product's units (product_share)")
    lead_time_weeks: float
    review_period_weeks: float
    service_level: float
    z: float
    demand_lead_time: float = Field(description="forecast units over the lead time")
    demand_protection: float = Field(description="forecast units over lead time + review period")
    sigma_protection: float = Field(description="forecast error (sd) over lead time + review period")
    safety_stock: float
    reorder_point: float
    order_up_to: float
    on_hand: int
    on_hand_given: bool
    order_quantity: int
    horizon_capped: bool = Field(False, description="lead time + review period is longer than the forecasts")
    requested: bool = Field(False, description="named in the request (else one of the top opportunities)")


class ForecastChart(BaseModel):
    product: str
    description: str
    source: ForecastSourceKind
    share: float | None = None
    method: str
    history: list[WeekValue]
    forecast: list[ForecastWeek]


class UnknownProduct(BaseModel):
    product: str
    reason: Literal["unknown", "not_sold_in_market", "no_forecast"]
    message: str


class MarketInfo(BaseModel):
    id: str | None = Field(description="market id (agents/data/markets.yaml); null = all markets")
    name: str
    country: str | None = Field(description="the sales history's country; null = all countries")
    lines: int
    customers: int
    recent_selling_weeks: int
    thin: bool
    forecast_source: ForecastSourceKind


class SelectionReport(BaseModel):
    market: MarketInfo
    data_through: str | None
    last_week: str
    currency: str
    category: str | None = None
    horizon_weeks: int
    lead_time_weeks: float
    review_period_weeks: float
    service_level: float
    windows: dict[str, int]
    thresholds: dict[str, dict[str, float]]
    trend: Growth
    weekly: list[WeekPoint]
    countries: list[CountryTrend]
    categories: list[CategoryTrend]
    opportunities: list[ProductLine]
    slow_movers: list[SlowMover]
    slow_mover_count: int
    reorders: list[Reorder]
    forecasts: list[ForecastChart]
    elsewhere: list[ProductLine] = Field(default_factory=list, description="best sellers in other markets "
                                         "not sold in this one in the recent weeks")
    unknown_products: list[UnknownProduct] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)


class MarketData(BaseModel):
    id: str | None
    name: str
    country: str
    lines: int


class MarketTrends(BaseModel):
    last_week: str | None
    windows: dict[str, int]
    countries: list[CountryTrend]
    categories: list[CategoryTrend] = Field(default_factory=list)
    market: str | None = None
    markets_with_data: list[MarketData]


# ------------------------------------------------------------------ tool inputs
StockCode = Annotated[str, Field(pattern=r"^\s*\d{5}[A-Za-z]{0,2}\s*$", description="e.g. 85123A")]
Units = Annotated[int, Field(ge=0, le=100_000_000)]


def _known_category(value: str | None) -> str | None:
    from ml.sales_categories import categories

    if value is not None and value not in categories():
        raise ValueError(f"unknown category {value!r}; categories: {', '.join(categories())}")
    return value


class TrendsIn(BaseModel):
    market: str | None = Field(None, min_length=2, max_length=60, description="a market id, code or name "
                               "(DE, UK, Germany, 德国, EIRE); omit for the per-country overview only")
    category: str | None = Field(None, max_length=40, description="one sales category (ml/data/sales_categories.json)")

    _category = field_validator("category")(_known_category)


class ReportIn(BaseModel):
    market: str | None = Field(None, min_length=2, max_length=60, description="a market id, code or name "
                               "(DE, UK, Germany, 德国, EIRE); omit for all markets together")
    category: str | None = Field(None, max_length=40, description="only this sales category's products")
    products: list[StockCode] = Field(default_factory=list, max_length=20, description="stock codes to forecast "
                                      "and reorder")
    horizon_weeks: int | None = Field(None, ge=1, le=12, description="forecast weeks (default in "
                                      "agents/data/selection.yaml)")
    lead_time_weeks: float | None = Field(None, ge=0, le=52, description="supplier lead time, weeks")
    review_period_weeks: float | None = Field(None, ge=0, le=12, description="weeks between two orders")
    service_level: float | None = Field(None, gt=0.5, lt=0.9999, description="cycle service level, e.g. 0.95")
    on_hand: dict[StockCode, Units] = Field(default_factory=dict, description="stock code -> units on hand (else 0)")
    top: int | None = Field(None, ge=1, le=50, description="rows per table")

    _category = field_validator("category")(_known_category)

    @field_validator("products")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(c.strip().upper() for c in v))

    @field_validator("on_hand")
    @classmethod
    def _stock(cls, v: dict[str, int]) -> dict[str, int]:
        return {c.strip().upper(): n for c, n in v.items()}
