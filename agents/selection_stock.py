"""Forecasts for one market and reorder quantities from them.

Forecast source per market (ml/forecast.py serves product series, and product x country
series for the 10 countries with the most lines):
- ``product_country``: the market's own series;
- ``product_share``: other countries get the product's forecast scaled by the market's
  share of the product's units over the last ``share_weeks`` (all weeks when those hold
  none); intervals are scaled the same way, which is an approximation the report states;
- ``product``: all markets together.

Reorder quantity (periodic review, order-up-to): with lead time L and review period R in
weeks, protection interval P = L + R,
    demand over P = sum of the weekly point forecasts over P (a part week pro rata),
    sigma over P  = sqrt(sum of weekly sigma^2)  (weekly errors taken as independent),
    weekly sigma  = mean of (hi80 - point) / z(0.90) and (hi95 - point) / z(0.975)
                    (the upper side of the forecast's conformal intervals; the lower one
                    is cut at zero),
    safety stock  = z(service level) * sigma over P,
    order-up-to   = demand over P + safety stock; reorder point = demand over L + safety stock,
    order qty     = max(0, ceil(order-up-to - on hand)).
Past the model's last forecast week the last four weeks' mean carries on (flagged).
"""
from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from tools.selection_schemas import ForecastChart, ForecastSourceKind, Reorder
from ml.forecast import ForecastResult, ForecastWeek, WeekValue
from ml.sales_series import UnknownSeries

Z90, Z975 = NormalDist().inv_cdf(0.90), NormalDist().inv_cdf(0.975)


class MarketForecasts:
    """Forecasts of one market (``country`` None = all markets) from a Forecaster, with
    the market's own weekly history from the sales cube."""

    def __init__(self, model, cube, country: str | None, share_weeks: int):
        self.model, self.cube, self.country = model, cube, country
        self.horizon_max = len(getattr(model, "future_weeks", []) or []) or 12
        if model is None:
            self.kind: ForecastSourceKind = "none"
        elif country is None:
            self.kind = "product"
        else:
            self.kind = "product_country" if country in getattr(model, "countries", []) else "product_share"
        self._shares = self._share_table(share_weeks) if self.kind == "product_share" else {}
        self._cache: dict[str, tuple[ForecastResult, float, ForecastSourceKind] | None] = {}

    def _share_table(self, share_weeks: int) -> dict[str, float]:
        weekly = self.cube.weekly
        since = self.cube.weeks[-share_weeks] if len(self.cube.weeks) >= share_weeks else self.cube.weeks[0]
        shares = {}
        for part in (weekly[weekly["week"] >= since], weekly):
            total = part.groupby("stock_code", observed=True)["units"].sum()
            here = part[part["country"] == self.country].groupby("stock_code", observed=True)["units"].sum()
            for code, units in here.items():
                if code not in shares and units > 0 and total.get(code, 0) > 0:
                    shares[code] = float(units / total[code])
        return shares

    def get(self, code: str, horizon: int) -> tuple[ForecastResult, float, ForecastSourceKind] | None:
        """(forecast over ``horizon`` weeks in market units, scale applied, source) or None."""
        if self.model is None:
            return None
        if code not in self._cache:
            self._cache[code] = self._fetch(code)
        found = self._cache[code]
        if found is None:
            return None
        result, scale, kind = found
        return result.model_copy(update={"forecast": result.forecast[:horizon]}), scale, kind

    def _fetch(self, code: str):
        h = self.horizon_max
        if self.kind == "product_country":
            try:
                return self.model.forecast(code, self.country, h, 0), 1.0, "product_country"
            except UnknownSeries:
                pass
        if self.kind == "product":
            try:
                return self.model.forecast(code, None, h, 0), 1.0, "product"
            except UnknownSeries:
                return None
        share = self._shares.get(code) if self.kind == "product_share" else None
        if not share:  # no sale of it here (a product x country series exists for every pair sold)
            return None
        try:
            base = self.model.forecast(code, None, h, 0)
        except UnknownSeries:
            return None
        weeks = [ForecastWeek(week=w.week, **{k: round(getattr(w, k) * share, 3)
                                              for k in ("point", "lo80", "hi80", "lo95", "hi95")})
                 for w in base.forecast]
        return base.model_copy(update={"forecast": weeks, "country": self.country}), share, "product_share"

    def chart(self, code: str, description: str, horizon: int, history_weeks: int) -> ForecastChart | None:
        found = self.get(code, horizon)
        if found is None:
            return None
        result, scale, kind = found
        frame = self.cube.market(self.country)
        rows = frame[frame["stock_code"] == code].set_index("week")["units"]
        weeks = self.cube.weeks[-history_weeks:]
        history = [WeekValue(week=str(w.date()), quantity=float(rows.get(w, 0.0))) for w in weeks]
        return ForecastChart(product=code, description=description, source=kind,
                             share=None if kind != "product_share" else round(scale, 4),
                             method=result.method, history=history, forecast=result.forecast)


def weekly_sigma(week: ForecastWeek) -> float:
    return max(0.0, ((week.hi80 - week.point) / Z90 + (week.hi95 - week.point) / Z975) / 2)


def _over(weeks: list[ForecastWeek], span: float) -> tuple[float, float, bool]:
    """(demand, variance) over ``span`` weeks, and whether it ran past the forecasts."""
    points = [w.point for w in weeks]
    var = [weekly_sigma(w) ** 2 for w in weeks]
    capped = span > len(weeks)
    if capped:
        tail = max(1, min(4, len(weeks)))
        extra = math.ceil(span) - len(weeks)
        points += [float(np.mean(points[-tail:]))] * extra
        var += [float(np.mean(var[-tail:]))] * extra
    full = int(math.floor(span))
    frac = span - full
    demand = sum(points[:full]) + (points[full] * frac if frac and full < len(points) else 0.0)
    variance = sum(var[:full]) + (var[full] * frac if frac and full < len(var) else 0.0)
    return demand, variance, capped


def reorder(code: str, description: str, result: ForecastResult, scale: float, kind: ForecastSourceKind,
            lead_time: float, review_period: float, service_level: float, on_hand: int | None) -> Reorder:
    """The order-up-to quantity for one product (see the module docstring)."""
    z = NormalDist().inv_cdf(service_level)
    demand_l, _, _ = _over(result.forecast, lead_time)
    demand_p, var_p, capped = _over(result.forecast, lead_time + review_period)
    sigma = math.sqrt(var_p)
    safety = z * sigma
    up_to = demand_p + safety
    have = on_hand or 0
    return Reorder(product=code, description=description, source=kind,
                   share=round(scale, 4) if kind == "product_share" else None, lead_time_weeks=lead_time,
                   review_period_weeks=review_period, service_level=service_level, z=round(z, 3),
                   demand_lead_time=round(demand_l, 1), demand_protection=round(demand_p, 1),
                   sigma_protection=round(sigma, 1), safety_stock=round(safety, 1),
                   reorder_point=round(demand_l + safety, 1), order_up_to=round(up_to, 1), on_hand=have,
                   on_hand_given=on_hand is not None, order_quantity=max(0, math.ceil(up_to - have - 1e-9)),
                   horizon_capped=capped)
