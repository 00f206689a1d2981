"""The pricing agent's rate tables, kept as data with their date and source:

- exchange rates: agents/data/fx.yaml, the ONE FX table of Chuhai (ECB reference rates of
  one day, quoted per EUR; any cross rate is computed from them). The copywriter reads it
  through ``fx_view("USD")``.
- per market: currency, VAT/GST and whether prices include it, duty and shipping zones
  (agents/data/landed_cost/markets.yaml);
- import duty per duty zone and category group, with de-minimis thresholds (duty.yaml);
- shipping cost per unit per zone (shipping.yaml).

An unknown market or currency is a ``RateError`` whose code says which (``unknown_market``,
``no_rates`` for a known market without tax and duty rates, ``unknown_currency``), never a
guessed rate.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field

from tools.pricing_schemas import TableInfo

DATA = Path(__file__).resolve().parent / "data"
FX_FILE = DATA / "fx.yaml"
LANDED = DATA / "landed_cost"


class RateError(LookupError):
    """A market or currency the rate tables do not cover (``code`` says which)."""

    def __init__(self, message: str, code: str, name: str = ""):
        super().__init__(message)
        self.message, self.code, self.name = message, code, name


class DeMinimis(BaseModel):
    amount: float
    currency: str


class DutyZone(BaseModel):
    basis: Literal["CIF", "FOB"] = "CIF"
    de_minimis: DeMinimis | None = None
    default_pct: float = 0.0
    additional_pct: float = 0.0
    groups: dict[str, float] = Field(default_factory=dict)
    note: str = ""

    def rate_pct(self, group: str) -> float:
        return self.groups.get(group, self.default_pct) + self.additional_pct


class MarketRates(BaseModel):
    market: str
    currency: str
    vat_pct: float
    prices_include_tax: bool
    duty_zone: str
    shipping_zone: str
    duty: DutyZone
    shipping_per_unit_gbp: float


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _info(name: str, raw: dict) -> TableInfo:
    return TableInfo(table=name, as_of=str(raw["as_of"]), source=str(raw["source"]), verified=bool(raw["verified"]))


# ------------------------------------------------------------------ exchange rates
@lru_cache(maxsize=1)
def fx_file() -> dict:
    return _yaml(FX_FILE)


@lru_cache(maxsize=1)
def per_eur() -> dict[str, float]:
    """Units of every known currency per 1 EUR (ECB rates, pegs crossed through their anchor)."""
    raw = fx_file()
    rates = {k: float(v) for k, v in raw["rates"].items()}
    for code, peg in (raw.get("pegged") or {}).items():
        rates[code] = float(peg["rate"]) * rates[peg["to"]]
    return rates


def currencies() -> list[str]:
    return sorted(per_eur())


def check_currency(code: str) -> str:
    code = (code or "").strip().upper()
    if code not in per_eur():
        raise RateError(f"no exchange rate for currency '{code}'; known currencies: {', '.join(currencies())}",
                        "unknown_currency", code)
    return code


def rate(from_currency: str, to_currency: str) -> float:
    """Units of ``to_currency`` per 1 unit of ``from_currency``."""
    table = per_eur()
    return table[check_currency(to_currency)] / table[check_currency(from_currency)]


def convert(amount: float, from_currency: str, to_currency: str) -> float:
    return amount * rate(from_currency, to_currency)


def decimals(currency: str) -> int:
    return int(fx_file()["decimals"].get(check_currency(currency), 2))


def tick(currency: str) -> float:
    """The smallest price step of a currency (0.01, or 1 for JPY)."""
    return 10.0 ** -decimals(currency)


def fx_info() -> TableInfo:
    return _info("fx", fx_file())


def fx_view(base: str) -> dict:
    """The FX table as units of each currency per 1 ``base`` (the copywriter's USD view:
    ``base``, ``rates``, ``decimals``, ``as_of``, ``source``, ``verified``)."""
    raw = fx_file()
    return {"base": base, "as_of": str(raw["as_of"]), "source": str(raw["source"]), "verified": bool(raw["verified"]),
            "rates": {c: round(rate(base, c), 4) for c in currencies()}, "decimals": dict(raw["decimals"])}


# ------------------------------------------------------------------ markets, duty, shipping
@lru_cache(maxsize=1)
def markets_file() -> dict:
    return _yaml(LANDED / "markets.yaml")


@lru_cache(maxsize=1)
def duty_file() -> dict:
    return _yaml(LANDED / "duty.yaml")


@lru_cache(maxsize=1)
def shipping_file() -> dict:
    return _yaml(LANDED / "shipping.yaml")


def home_market() -> str:
    return str(markets_file()["home"])


def priced_markets() -> list[str]:
    return sorted(str(m) for m in markets_file()["markets"])


def market_rates(market: str) -> MarketRates:
    """Tax, duty and shipping rates of a market id (agents/data/markets.yaml ids)."""
    mid = (market or "").strip().upper()
    spec = markets_file()["markets"].get(mid)
    if spec is None:
        raise RateError(f"no VAT, duty and shipping rates for market '{market}'; markets with rates: "
                        f"{', '.join(priced_markets())}", "no_rates", mid)
    zone = DutyZone.model_validate(duty_file()["zones"][spec["duty_zone"]])
    ship = shipping_file()["zones"][spec["shipping_zone"]]
    check_currency(spec["currency"])
    return MarketRates(market=mid, currency=spec["currency"], vat_pct=float(spec["vat_pct"]),
                       prices_include_tax=bool(spec["prices_include_tax"]), duty_zone=str(spec["duty_zone"]),
                       shipping_zone=str(spec["shipping_zone"]), duty=zone,
                       shipping_per_unit_gbp=float(ship["per_unit"]))


def duty_groups() -> list[str]:
    return list(duty_file()["groups"])


def tables_info() -> list[TableInfo]:
    """Date and source of every table a landed cost uses."""
    return [fx_info(), _info("vat", markets_file()), _info("duty", duty_file()), _info("shipping", shipping_file())]
