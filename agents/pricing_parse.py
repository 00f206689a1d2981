"""Deterministic reading of a pricing request (en zh es de fr ja): products (stock codes),
markets (agents/selection_markets.py, the one market-name table), what is asked (a price
recommendation, a landed cost, a price to set, a repricing pass over all products, the
price history, recording an input) and the numbers that go with it: unit cost, shipping,
competitor prices, minimum advertised price, minimum margin, largest step, each with its
currency. Words are data (agents/data/pricing_terms.yaml, agents/data/fx.yaml); nothing
here calls a model.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from agents import pricing_rates as rates
from agents.selection_markets import MarketMention, find_markets

TERMS = Path(__file__).resolve().parent / "data" / "pricing_terms.yaml"
CODE = re.compile(r"(?<![A-Za-z0-9.,])(\d{5}[A-Za-z]{0,2})(?![.,]?[0-9])(?![A-Za-z])")
NUM = r"(\d+(?:[.,]\d{3})*(?:[.,]\d+)?)"
_NUMBER = re.compile(r"(?<![A-Za-z0-9.,])" + NUM + r"(?![A-Za-z0-9])")
_PERCENT = re.compile(r"(?<![A-Za-z0-9.,])" + NUM + r"\s?(?:%|％|percent|per cent|prozent|por ciento|pour cent|パーセント)",
                      re.I)
_CLAUSE_END = re.compile(r"[;。！？!?\n]|\.\s|\.$")
_LATIN = re.compile(r"^[a-z0-9à-ÿ' .-]+$")
_CODE3 = re.compile(r"\b([A-Z]{3})\b")
NOT_CURRENCIES = {"VAT", "GST", "MAP", "SKU", "FBA", "EAN", "UPC", "CIF", "FOB", "DDP", "DAP", "IVA", "TVA", "USA",
                  "GBR", "DEU", "FRA", "ESP", "ITA", "JPN", "CHN", "NOR", "CHE", "AUS", "IRL", "NLD", "BEL", "PRT",
                  "AUT", "SWE", "DNK", "POL", "FIN", "GRC", "CAN", "ISL", "MWST", "KPI", "ROI", "API", "CSV", "PDF",
                  "AND", "THE", "FOR", "PER", "NET", "BUT", "ALL", "NEW", "OUR", "MAX", "MIN", "UND", "DER", "DIE",
                  "DAS", "LOS", "LAS", "DES", "LES", "UNE", "GER", "EIRE"}
# currency tokens that contain a market code ("US$", "A$"): hidden from the market finder
_CURRENCY_CODES_WITH_MARKET = re.compile(r"(?:US|AU|CA|NZ|HK|S|A|C|R)\$")


@dataclass
class Money:
    value: float
    currency: str | None      # None: not stated (the market's currency)


@dataclass
class PricingAsk:
    mode: str                               # optimise | landed | target | batch | history | record
    products: list[str] = field(default_factory=list)
    markets: MarketMention = field(default_factory=MarketMention)
    unit_cost: Money | None = None
    shipping: Money | None = None
    competitors: list[Money] = field(default_factory=list)
    map_price: Money | None = None
    target: Money | None = None
    min_margin_pct: float | None = None
    max_step_pct: float | None = None
    units_per_shipment: int | None = None
    currencies: list[str] = field(default_factory=list)   # every currency named
    unknown_currency: str | None = None
    record: bool = False


@lru_cache(maxsize=1)
def terms() -> dict:
    return yaml.safe_load(TERMS.read_text(encoding="utf-8"))


def fold(text: str) -> str:
    """NFKC + lower(): the same length as the NFKC text, so spans line up."""
    return unicodedata.normalize("NFKC", text).lower()


@lru_cache(maxsize=None)
def _words(key: str) -> re.Pattern:
    words = sorted(terms()[key], key=len, reverse=True)
    return re.compile("|".join(("(?<![\\w])" if _LATIN.match(w) else "") + re.escape(w)
                               + ("(?![\\w])" if _LATIN.match(w) and len(w) <= 4 else "") for w in words))


@lru_cache(maxsize=1)
def _currency_words() -> list[tuple[re.Pattern, str, list[str]]]:
    """(pattern, kind, currencies) for symbols, names and codes of the FX table."""
    fx = rates.fx_file()
    out = [(re.compile(re.escape(sym)), "symbol", list(codes)) for sym, codes in fx["symbols"].items()]
    for code, names in fx["names"].items():
        for name in names:
            bound = "(?<![\\w])" if _LATIN.match(name) else ""
            out.append((re.compile(bound + re.escape(name) + ("(?![\\w])" if bound else ""), re.I), "name", [code]))
    out += [(re.compile(rf"\b{code}\b"), "code", [code]) for code in rates.currencies()]
    return sorted(out, key=lambda t: -len(t[0].pattern))


def to_number(text: str, language: str) -> float:
    """'3,50' -> 3.5; '1.234,50' -> 1234.5; '1,234.50' -> 1234.5; '3,500' -> 3500 in en/zh/ja, 3.5 elsewhere."""
    if "," in text and "." in text:
        dec = "," if text.rfind(",") > text.rfind(".") else "."
        return float(text.replace("." if dec == "," else ",", "").replace(",", "."))
    if "," in text:
        head, _, tail = text.rpartition(",")
        if len(tail) == 3 and language in ("en", "zh", "ja") or text.count(",") > 1:
            return float(text.replace(",", ""))
        return float(head.replace(",", "") + "." + tail)
    if text.count(".") > 1:
        return float(text.replace(".", ""))
    return float(text)


def _currency_near(text: str, start: int, end: int) -> str | None:
    """The currency written right before or after the number at text[start:end]."""
    before, after = text[max(0, start - 5):start], text[end:end + 14]
    for rx, kind, codes in _currency_words():
        hit = rx.search(after)
        if hit and not after[:hit.start()].strip():
            return codes[0]
        hit = None if kind == "name" else next((m for m in rx.finditer(before) if not before[m.end():].strip()), None)
        if hit:
            return codes[0]
    return None


def _moneys(text: str, lang: str, skip: set[str]) -> list[tuple[int, int, Money]]:
    out = []
    for m in _NUMBER.finditer(text):
        if m.group(1).upper() in skip:
            continue
        after = text[m.end():m.end() + 2]
        if after.lstrip().startswith(("%", "％")):
            continue
        out.append((m.start(), m.end(), Money(to_number(m.group(1), lang), _currency_near(text, m.start(), m.end()))))
    return out


def _keyword_spans(folded: str) -> list[tuple[int, int, str]]:
    spans = []
    for key in ("cost", "competitor", "map", "margin", "step", "shipping", "units_per_shipment"):
        spans += [(m.start(), m.end(), key) for m in _words(key).finditer(folded)]
    spans.sort()
    kept, last_end = [], -1
    for s, e, k in spans:  # the longest keyword wins where two overlap ("unit cost" over "cost")
        if s >= last_end:
            kept.append((s, e, k))
            last_end = e
    return kept


def _clause(folded: str, start: int, spans: list[tuple[int, int, str]]) -> int:
    nxt = min([s for s, _, _ in spans if s >= start] + [len(folded)])
    end = _CLAUSE_END.search(folded, start)
    return min(nxt, end.start() if end else len(folded))


def _percent_near(folded: str, start: int, end: int, clause_end: int, lang: str) -> float | None:
    hit = _PERCENT.search(folded, end, clause_end)
    if hit:
        return to_number(hit.group(1), lang)
    before = list(_PERCENT.finditer(folded, max(0, start - 16), start))
    return to_number(before[-1].group(1), lang) if before else None


def _target(folded: str, lang: str, moneys: list[tuple[int, int, Money]]) -> Money | None:
    """The price to set: after a set phrase (zh, ja) or a set verb and a preposition; only
    among the numbers no other keyword took (not "competitors sell at 3.50")."""
    cur = r"(?:[€£$¥￥]|ポンド|ユーロ|ドル|円|元|英镑|欧元|美元|日元)"
    for pattern in terms()["set_patterns"]:
        rx = re.compile(pattern.replace("{cur}", cur).replace("{num}", NUM))
        hit = rx.search(folded)
        if hit:
            return next((mo for s, e, mo in moneys if s <= hit.start(1) < e), None)
    verb = _words("set_verbs").search(folded)
    if not verb:
        return None
    preps = "|".join(re.escape(p) for p in terms()["set_preps"])
    for s, _, mo in moneys:
        if s > verb.end() and re.search(rf"(?<![\w])(?:{preps})\s*(?:[€£$¥]|us\$|[a-z]{{3}}\s)?\s*$", folded[max(0, s - 12):s]):
            return mo
    return None


def parse(text: str, language: str = "en") -> PricingAsk:
    raw = unicodedata.normalize("NFKC", text)
    folded = fold(text)
    products = list(dict.fromkeys(m.group(1).upper() for m in CODE.finditer(raw)
                                  if _currency_near(raw, m.start(), m.end()) is None))
    ask = PricingAsk(mode="optimise", products=products, markets=find_markets(_CURRENCY_CODES_WITH_MARKET.sub(" ", raw)))
    moneys = _moneys(folded, language, {p.upper() for p in products} | {p.lower() for p in products})
    spans = _keyword_spans(folded)
    taken: set[int] = set()
    for s, e, key in spans:
        end = _clause(folded, e, [sp for sp in spans if sp[0] > s])
        inside = [mo for ms, _, mo in moneys if e <= ms < end]
        taken |= {ms for ms, _, _ in moneys if e <= ms < end} if key in ("cost", "competitor", "map", "shipping") else set()
        if key in ("margin", "step"):
            pct = _percent_near(folded, s, e, end, language)
            if pct is not None:
                setattr(ask, "min_margin_pct" if key == "margin" else "max_step_pct", pct)
        elif key == "competitor" and inside:
            ask.competitors += inside[:10]
        elif key == "units_per_shipment":
            before = [mo for _, me, mo in moneys if s - 8 <= me <= s]
            value = (before or inside or [None])[-1 if before else 0]
            ask.units_per_shipment = int(value.value) if value and value.value >= 1 else None
        elif inside and getattr(ask, {"cost": "unit_cost", "map": "map_price", "shipping": "shipping"}[key]) is None:
            setattr(ask, {"cost": "unit_cost", "map": "map_price", "shipping": "shipping"}[key], inside[0])
    ask.target = _target(folded, language, [m for m in moneys if m[0] not in taken])
    ask.currencies = list(dict.fromkeys(mo.currency for _, _, mo in moneys if mo.currency)) + _named_currencies(raw)
    ask.currencies = list(dict.fromkeys(ask.currencies))
    ask.unknown_currency = _unknown_currency(raw, folded)
    ask.record = bool(_words("record").search(folded))
    ask.mode = _mode(folded, ask)
    return ask


def _named_currencies(raw: str) -> list[str]:
    """Currencies named without a number ("in USD", "en euros")."""
    found = []
    for rx, kind, codes in _currency_words():
        if kind != "symbol" and rx.search(raw):
            found.append(codes[0])
    return found


def _unknown_currency(raw: str, folded: str) -> str | None:
    for name in terms_unknown():
        if re.search(("(?<![\\w])" if _LATIN.match(name) else "") + re.escape(name)
                     + ("(?![\\w])" if _LATIN.match(name) else ""), folded):
            return name
    known = set(rates.currencies())
    for m in _CODE3.finditer(raw):
        code = m.group(1)
        if code in known or code in NOT_CURRENCIES:
            continue
        near = raw[max(0, m.start() - 3):m.start()] + raw[m.end():m.end() + 3]
        if re.search(r"\d", near):
            return code
    return None


@lru_cache(maxsize=1)
def terms_unknown() -> tuple[str, ...]:
    return tuple(sorted(rates.fx_file()["unknown_names"], key=len, reverse=True))


def _mode(folded: str, ask: PricingAsk) -> str:
    if _words("batch").search(folded):
        return "batch"
    if _words("history").search(folded):
        return "history"
    if ask.record and (ask.unit_cost or ask.competitors or ask.map_price) and not ask.target:
        return "record"
    if ask.target is not None:
        return "target"
    if _words("landed").search(folded) and not _words("decide").search(folded):
        return "landed"
    return "optimise"
