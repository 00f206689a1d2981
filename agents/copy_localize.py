"""Localising a product's facts for a market and language: option labels and values from the
listing glossary, numbers with units (inches, feet, pounds -> metric; ml -> fl oz for the
US), shoe and clothing sizes, and the list price in the market's currency. Every rule and
number is data under agents/data/ (copy_glossary.json, copy_units.yaml, copy_sizes.yaml,
fx.yaml, copy_markets.yaml)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from agents import copy_data as data
from tools.copy_schemas import LocalPrice

WEAR_KINDS = ("textiles", "footwear", "protective_equipment")


@dataclass
class LocalOption:
    """One option of a product as a listing shows it."""
    key: str
    label: str
    values: list[str]
    note: str = ""                       # e.g. the size system the values are in
    untranslated: list[str] = field(default_factory=list)


def number(x: float, language: str, digits: int = 2) -> str:
    """``x`` with at most ``digits`` decimals (trailing zeros dropped) in the language's format."""
    fmt = data.markets_file()["languages"][language]
    text = f"{round(x, digits):,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "\x00").replace(".", fmt["decimal"]).replace("\x00", fmt["thousands"])


def _plain_number(text: str, language: str) -> str:
    return number(float(text), language, 2)


def option_label(key: str, language: str, kinds: list[str]) -> tuple[str, bool]:
    """(label, found in the glossary)."""
    names = data.glossary()["option_names"]
    wear = any(k in kinds for k in WEAR_KINDS)
    spec = names.get(f"{key}@wear") if wear and f"{key}@wear" in names else names.get(key)
    if spec and language in spec:
        return spec[language], True
    return key[:1].upper() + key[1:], language == "en"


@lru_cache(maxsize=1)
def _unit_rules() -> list[tuple[str, re.Pattern, dict]]:
    return [(name, re.compile(spec["pattern"], re.I), spec) for name, spec in data.units()["units"].items()]


@lru_cache(maxsize=1)
def _kept_patterns() -> list[re.Pattern]:
    return [re.compile(p, re.I) for p in data.units()["kept_patterns"]]


def value_term(key: str, value: str, language: str, market: str) -> tuple[str, bool]:
    """(the value as the listing writes it, whether a rule or glossary term covered it)."""
    g = data.glossary()
    if f"{key}={value}" in g["key_values"] and language in g["key_values"][f"{key}={value}"]:
        return g["key_values"][f"{key}={value}"][language], True
    if value in g["kept"] or any(p.match(value) for p in _kept_patterns()):
        return _localise_decimal(value, language), True
    if re.fullmatch(r"\d+(?:\.\d+)?", value):
        count = data.units().get("count_keys", {}).get(key)
        n = _plain_number(value, language)
        return (count[language].format(n=n) if count else n), True
    for _name, rx, spec in _unit_rules():
        m = rx.match(value)
        if m:
            return _unit_text(key, m, spec, language, market), True
    if language == "en":
        return value, True
    term = g["option_values"].get(value, {}).get(language)
    return (term, True) if term else (value, False)


def _localise_decimal(value: str, language: str) -> str:
    dec = data.markets_file()["languages"][language]["decimal"]
    return re.sub(r"(?<=\d)\.(?=\d)", dec, value) if dec != "." else value


def _unit_text(key: str, m: re.Match, spec: dict, language: str, market: str) -> str:
    n, n2 = float(m.group("n")), float(m.group("n2")) if "n2" in m.groupdict() and m.group("n2") else None
    labels = spec["label"]
    if spec.get("singular") and n == 1:
        labels = spec["singular"]
    original = labels[language].format(n=number(n, language), n2=number(n2, language) if n2 is not None else "")
    system = data.markets()[market]["units"]
    metric, imperial = spec.get("metric"), spec.get("imperial")
    if metric and system == "metric":
        conv = _converted(n, n2, metric, language)
        return f"{original} ({conv})" if key in data.units()["original_first_keys"] else conv
    if imperial and system == "imperial":
        return f"{original} ({_converted(n, n2, imperial, language)})"
    return original


def _converted(n: float, n2: float | None, rule: dict, language: str) -> str:
    def one(x: float) -> str:
        return number(x * rule["factor"], language, rule["digits"])
    amount = one(n) if n2 is None else f"{one(n)}-{one(n2)}"
    sep = "" if language in ("zh", "ja") and rule["unit"] not in ("fl oz",) else " "
    return f"{amount}{sep}{rule['unit']}"


def localize_option(key: str, values: list[str], language: str, market: str, kinds: list[str]) -> LocalOption:
    """An option's label and values for the listing, sizes converted where the product is
    worn (shoes: US men's sizes assumed; clothing: JP and CN labels)."""
    label, label_ok = option_label(key, language, kinds)
    out = LocalOption(key=key, label=label, values=[], untranslated=[] if label_ok else [key])
    if key == "size" and "footwear" in kinds and all(v in data.sizes()["shoes"]["table"] for v in values):
        out.values, out.note = _shoe_sizes(values, language, market)
        return out
    if key == "size" and "textiles" in kinds and all(v in data.sizes()["clothing"]["table"] for v in values):
        out.values = _clothing_sizes(values, market)
        return out
    for v in values:
        term, ok = value_term(key, v, language, market)
        out.values.append(term)
        if not ok:
            out.untranslated.append(v)
    return out


def _shoe_sizes(values: list[str], language: str, market: str) -> tuple[list[str], str]:
    shoes = data.sizes()["shoes"]
    system = data.markets()[market]["shoe_sizes"]
    local, us = shoes["system_label"][system][language], shoes["system_label"]["US"][language]
    rendered = []
    for v in values:
        size = local.format(n=_localise_decimal(shoes["table"][v][system], language))
        rendered.append(size if system == "US" else f"{size} ({us.format(n=_localise_decimal(v, language))})")
    return rendered, shoes["assumed_label"][language]


def _clothing_sizes(values: list[str], market: str) -> list[str]:
    system = data.markets()[market]["clothing_sizes"]
    table = data.sizes()["clothing"]["table"]
    if system == "JP":
        return [table[v]["JP"] for v in values]
    if system == "CN":
        return [f"{v} ({table[v]['CN']})" for v in values]
    return list(values)


def price(usd_low: float, usd_high: float, market: str, language: str) -> LocalPrice:
    """The store's USD price range in the market's currency at the agents/data/fx.yaml rate."""
    fx = data.fx()
    currency = data.markets()[market]["currency"]
    rate = float(fx["rates"][currency])
    digits = int(fx["decimals"][currency])
    low, high = round(usd_low * rate, digits), round(usd_high * rate, digits)
    fmt = data.markets()[market]["price_format"]

    def money(x: float) -> str:
        text = f"{x:,.{digits}f}"
        lang = data.markets_file()["languages"][language]
        return fmt.format(amount=text.replace(",", "\x00").replace(".", lang["decimal"]).replace("\x00", lang["thousands"]))

    text = money(low) if low == high else f"{money(low)} - {money(high)}"
    return LocalPrice(currency=currency, low=low, high=high, text=text, usd_low=usd_low, usd_high=usd_high,
                      rate=rate, as_of=str(fx["as_of"]), source=str(fx["source"]))
