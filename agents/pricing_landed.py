"""Landed cost of one unit sold cross-border, and what the seller keeps of a shelf price.

For a shelf price ``p`` in the market's currency (rates: agents/pricing_rates.py):

    net price     = p / (1 + VAT)            where shelf prices include VAT, else p
    net in GBP    = net price / FX           (FX = units of the market currency per GBP)
    customs value = net in GBP (+ shipping in CIF zones)          per unit
    duty          = duty rate x customs value, unless the consignment's customs value
                    (units_per_shipment units) is at or under the zone's de-minimis
    FX fee        = fee % x net in GBP       (foreign-currency sales only)
    landed cost   = product cost + shipping + duty + FX fee       (GBP per unit)
    unit profit   = net in GBP - landed cost
    margin        = unit profit / landed cost

Duty and the FX fee grow with the price, so the landed cost is a function of ``p``;
``Economics.evaluate`` works on numpy arrays (the optimiser's price grid) and
``Economics.breakdown`` gives one price's itemised ``LandedCost``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents import pricing_rates as rates
from tools.pricing_schemas import LandedCost, Note

HOME_CURRENCY = "GBP"


@dataclass(frozen=True)
class Economics:
    market: str
    currency: str
    fx_per_gbp: float
    vat_pct: float
    prices_include_tax: bool
    unit_cost_gbp: float
    shipping_gbp: float
    category: str
    duty_zone: str
    duty_pct: float
    duty_basis: str                 # CIF | FOB
    de_minimis_gbp: float | None    # None: no threshold (duty from the first penny)
    fx_fee_pct: float
    units_per_shipment: int = 1
    cost_source: str = "request"
    shipping_source: str = "table"

    def net_price(self, p):
        return p / (1.0 + self.vat_pct / 100.0) if self.prices_include_tax else p

    def evaluate(self, prices) -> dict[str, np.ndarray]:
        """Per-unit figures in GBP for an array of shelf prices."""
        p = np.asarray(prices, dtype=float)
        net_gbp = self.net_price(p) / self.fx_per_gbp
        customs = net_gbp + (self.shipping_gbp if self.duty_basis == "CIF" else 0.0)
        if self.de_minimis_gbp is None:
            dutiable = np.ones_like(p, dtype=bool)
        else:
            dutiable = customs * self.units_per_shipment > self.de_minimis_gbp
        duty = np.where(dutiable, customs * self.duty_pct / 100.0, 0.0)
        fx_fee = net_gbp * self.fx_fee_pct / 100.0
        landed = self.unit_cost_gbp + self.shipping_gbp + duty + fx_fee
        return {"net_gbp": net_gbp, "customs_gbp": customs, "dutiable": dutiable, "duty_gbp": duty,
                "fx_fee_gbp": fx_fee, "landed_gbp": landed, "unit_profit_gbp": net_gbp - landed}

    def meets_margin(self, prices, min_margin_pct: float) -> np.ndarray:
        """Whether each price keeps net >= landed x (1 + min margin)."""
        e = self.evaluate(prices)
        return e["net_gbp"] >= e["landed_gbp"] * (1.0 + min_margin_pct / 100.0)

    def breakdown(self, price: float) -> LandedCost:
        e = {k: float(v[()]) for k, v in self.evaluate(np.array(price)).items()}
        net = float(self.net_price(price))
        notes = []
        if self.de_minimis_gbp is not None and not e["dutiable"] and self.duty_pct > 0:
            notes.append(Note(code="de_minimis", detail=f"consignment of {self.units_per_shipment} unit(s) is at or "
                              f"under the {self.duty_zone} de-minimis (GBP {self.de_minimis_gbp:.2f}): no duty",
                              values={"units": self.units_per_shipment, "zone": self.duty_zone,
                                      "threshold": round(self.de_minimis_gbp, 2)}))
        if self.cost_source == "default_ratio":
            notes.append(Note(code="cost_assumed", detail="no product cost given or stored: a default share of the "
                              "historical median price is assumed (CHUHAI_PRICING_DEFAULT_COST_RATIO)"))
        if self.shipping_source == "table":
            notes.append(Note(code="shipping_assumed", detail="shipping per unit from the zone table "
                              "(agents/data/landed_cost/shipping.yaml: assumptions, not carrier rates)"))
        landed = e["landed_gbp"]
        return LandedCost(
            market=self.market, currency=self.currency, price=round(price, 6), fx_per_gbp=round(self.fx_per_gbp, 6),
            vat_pct=self.vat_pct, prices_include_tax=self.prices_include_tax, vat=round(price - net, 4),
            net_price=round(net, 4), net_price_gbp=round(e["net_gbp"], 4), unit_cost_gbp=round(self.unit_cost_gbp, 4),
            cost_source=self.cost_source, shipping_gbp=round(self.shipping_gbp, 4), shipping_source=self.shipping_source,
            category=self.category, duty_zone=self.duty_zone, duty_pct=self.duty_pct, duty_basis=self.duty_basis,
            customs_value_gbp=round(e["customs_gbp"], 4),
            de_minimis_gbp=None if self.de_minimis_gbp is None else round(self.de_minimis_gbp, 4),
            duty_applied=bool(e["dutiable"]) and self.duty_pct > 0, duty_gbp=round(e["duty_gbp"], 4),
            fx_fee_pct=self.fx_fee_pct, fx_fee_gbp=round(e["fx_fee_gbp"], 4), landed_cost_gbp=round(landed, 4),
            landed_cost=round(landed * self.fx_per_gbp, 4), unit_profit_gbp=round(e["unit_profit_gbp"], 4),
            margin_pct=round(e["unit_profit_gbp"] / landed * 100.0, 2) if landed > 0 else 0.0,
            notes=notes, tables=rates.tables_info())


def economics(market: str, category: str, unit_cost_gbp: float, *, fx_fee_pct: float, shipping_gbp: float | None = None,
              units_per_shipment: int = 1, cost_source: str = "request") -> Economics:
    """The economics of selling one product (``category``, cost in GBP) in ``market``,
    from the rate tables; ``shipping_gbp`` overrides the zone's shipping rate."""
    mr = rates.market_rates(market)
    group = category if category in rates.duty_groups() else "other"
    de_min = mr.duty.de_minimis
    de_min_gbp = None if de_min is None else rates.convert(de_min.amount, de_min.currency, HOME_CURRENCY)
    return Economics(
        market=mr.market, currency=mr.currency, fx_per_gbp=rates.rate(HOME_CURRENCY, mr.currency),
        vat_pct=mr.vat_pct, prices_include_tax=mr.prices_include_tax, unit_cost_gbp=float(unit_cost_gbp),
        shipping_gbp=mr.shipping_per_unit_gbp if shipping_gbp is None else float(shipping_gbp), category=group,
        duty_zone=mr.duty_zone, duty_pct=mr.duty.rate_pct(group), duty_basis=mr.duty.basis, de_minimis_gbp=de_min_gbp,
        fx_fee_pct=0.0 if mr.currency == HOME_CURRENCY else float(fx_fee_pct), units_per_shipment=units_per_shipment,
        cost_source=cost_source, shipping_source="table" if shipping_gbp is None else "request")
