"""Tools over the sales-history models: demand forecast and price elasticity.

Both read precomputed results (``ml/forecast.py``, ``ml/elasticity.py``) from the deps
object or the trained files (``tools.base.trained_model``), so a call is a look-up, never a fit.
A product or country the models do not cover is a typed ``not_found``.
"""
from __future__ import annotations

from pydantic import BaseModel, Field

from ml.elasticity import ElasticityEstimate
from ml.forecast import H_MAX, ForecastResult
from ml.sales_series import UnknownSeries
from tools.base import ToolContext, ToolFailure, tool, trained_model

PRODUCT = Field(min_length=1, max_length=20, pattern=r"^\s*\w+\s*$",
                description="Online Retail stock code, e.g. 85123A")


class ForecastIn(BaseModel):
    product: str = PRODUCT
    country: str | None = Field(None, min_length=2, max_length=40,
                                description="a country name from the sales history; omit for all countries")
    horizon: int = Field(4, ge=1, le=H_MAX, description="weeks ahead")
    history_weeks: int = Field(12, ge=0, le=60, description="past weeks to return")


class ElasticityIn(BaseModel):
    product: str = PRODUCT


@tool("forecast_demand", ForecastIn, ForecastResult, agents=("selection", "pricing"))
def forecast_demand(ctx: ToolContext, args: ForecastIn) -> ForecastResult:
    """Weekly unit demand forecast for a product (optionally in one country), with 80% and
    95% intervals, the method chosen by backtest, and the recent weekly history."""
    try:
        return trained_model(ctx, "forecast").forecast(args.product, args.country, args.horizon, args.history_weeks)
    except UnknownSeries as e:
        raise ToolFailure(str(e), "not_found") from e


@tool("price_elasticity", ElasticityIn, ElasticityEstimate, agents=("pricing",))
def price_elasticity(ctx: ToolContext, args: ElasticityIn) -> ElasticityEstimate:
    """Price elasticity of demand for a product from its sales history: estimate, 95% CI,
    observations, own or category-pooled, and whether it is trustworthy (with reasons)."""
    try:
        return trained_model(ctx, "elasticity").elasticity(args.product)
    except UnknownSeries as e:
        raise ToolFailure(str(e), "not_found") from e


ML_TOOLS = [forecast_demand, price_elasticity]
