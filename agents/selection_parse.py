"""Deterministic reading of a selection request (en zh es de fr ja): the market, products
(stock codes, or a product's full description), a category, lead time, review period,
service level, stock on hand, forecast horizon, a currency, and pasted competitor
reviews. Words are data (agents/data/selection_terms.yaml); nothing here calls a model.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from agents.selection_markets import MarketMention, find_markets, markets

TERMS = Path(__file__).resolve().parent / "data" / "selection_terms.yaml"
CODE = re.compile(r"(?<![\w.])(\d{5}[A-Za-z]{0,2})(?![\w.])")
NUMBER = r"(\d+(?:[.,]\d+)?)"
_LATIN = re.compile(r"^[a-z0-9à-ÿ' .-]+$")
_CSV_HEADER = re.compile(r"(?i)\b(text|review|reviews|comment|comments|body|content|rating|stars)\b|评论|评价|レビュー")
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d+[.)])\s+")
MIN_DESCRIPTION = 10   # a description named in full counts as the product from this length on


@dataclass
class SelectionAsk:
    markets: MarketMention
    products: list[str] = field(default_factory=list)
    category: str | None = None
    lead_time_weeks: float | None = None
    review_period_weeks: float | None = None
    service_level: float | None = None
    on_hand: dict[str, int] = field(default_factory=dict)
    horizon_weeks: int | None = None
    currency: str | None = None
    unknown_currency: str | None = None
    reviews: list[str] | None = None
    reviews_csv: str | None = None


@lru_cache(maxsize=1)
def terms() -> dict:
    return yaml.safe_load(TERMS.read_text(encoding="utf-8"))


def _fold(text: str) -> str:
    """NFKC + lower(): same length as the NFKC text, so spans line up (casefold is not)."""
    return unicodedata.normalize("NFKC", text).lower()


@lru_cache(maxsize=None)
def _words(key: str) -> re.Pattern:
    """Any of the keywords under ``key``: Latin ones at a word start, CJK ones anywhere."""
    words = sorted(terms()[key], key=len, reverse=True)
    return re.compile("|".join(("(?<![\\w])" if _LATIN.match(w) else "") + re.escape(w) for w in words))


@lru_cache(maxsize=1)
def _durations() -> re.Pattern:
    units = [(u, kind) for kind, us in terms()["units"].items() for u in us]
    alts = [f"(?P<{kind}_{i}>{re.escape(u)}{'(?![a-zà-ÿ])' if _LATIN.match(u) else ''})"
            for i, (u, kind) in enumerate(sorted(units, key=lambda x: len(x[0]), reverse=True))]
    return re.compile(NUMBER + r"\s*-?\s*(?:" + "|".join(alts) + ")")


def _number(s: str) -> float:
    return float(s.replace(",", "."))


def _duration_near(text: str, key: str, taken: list[tuple[int, int]], before: bool = True) -> float | None:
    """Weeks of the first "<number> <unit>" right after a ``key`` keyword (or right before
    it); its span is added to ``taken``."""
    win = terms()["window"]
    for kw in _words(key).finditer(text):
        after = [(m.start() - kw.end(), m) for m in _durations().finditer(text, kw.end(), kw.end() + win)]
        ahead = [(kw.start() - m.end(), m) for m in _durations().finditer(text, max(0, kw.start() - win), kw.start())]
        found = [(d, m) for d, m in after[:1] + (ahead[-1:] if before else []) if not _overlaps(m.span(), taken)]
        if found:
            m = min(found, key=lambda x: x[0])[1]  # the nearer one: "6-week lead time, next 12 weeks"
            taken.append(m.span())
            kind = next(k for k, v in m.groupdict().items() if v).split("_")[0]
            return round(_number(m.group(1)) * {"weeks": 1.0, "days": 1 / 7, "months": 52 / 12}[kind], 3)
    return None


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < b and a < span[1] for a, b in taken)


def _service_level(text: str, taken: list[tuple[int, int]]) -> float | None:
    win = terms()["window"]
    for kw in _words("service_level").finditer(text):
        for lo, hi in ((kw.end(), kw.end() + win), (max(0, kw.start() - win), kw.start())):
            m = re.search(NUMBER + r"\s*%|(?<![\d.])(0[.,]\d+)", text[lo:hi])
            if m:
                taken.append((lo + m.start(), lo + m.end()))
                value = _number(m.group(1)) / 100 if m.group(1) else _number(m.group(2))
                return value
    return None


def split_reviews(text: str) -> tuple[str, list[str] | None, str | None]:
    """(request without the review block, review lines, or CSV text)."""
    rx = re.compile("|".join(terms()["review_markers"]), re.I)
    m = rx.search(unicodedata.normalize("NFKC", text))
    if not m:
        return text, None, None
    request, block = text[:m.start()], text[m.end():].strip()
    lines = [ln.strip() for ln in block.splitlines() if ln.strip()]
    if len(lines) > 1 and "," in lines[0] and _CSV_HEADER.search(lines[0]):
        return request, None, "\n".join(lines)
    if len(lines) == 1:
        lines = [p.strip() for p in re.split(r"\s\|\s|[;；]", lines[0]) if p.strip()]
    return request, [_BULLET.sub("", ln) for ln in lines if _BULLET.sub("", ln)], None


def _products(raw: str, folded: str, catalog: Mapping[str, str] | None, taken: list) -> list[str]:
    found: list[tuple[int, str]] = []
    product_word = _words("product_words")
    for m in CODE.finditer(raw):
        code = m.group(1).upper()
        if _overlaps(m.span(), taken):
            continue
        named = product_word.search(folded[max(0, m.start() - 16):m.start()])
        if (catalog is not None and code in catalog) or named or (catalog is None and not code.isdigit()):
            found.append((m.start(), code))
            taken.append(m.span())
    if catalog:
        upper = raw.upper()
        for code, description in catalog.items():
            if len(description) >= MIN_DESCRIPTION and description.upper() in upper:
                found.append((upper.index(description.upper()), code))
    return list(dict.fromkeys(code for _, code in sorted(found)))


def _on_hand(raw: str, folded: str, products: list[str], taken: list) -> dict[str, int]:
    """Stock on hand: "on hand 85123A=120, 22423: 40", "120 units of 85123A in stock", or
    one number for the one product named."""
    out: dict[str, int] = {}
    not_a_count = _durations()
    for kw in _words("on_hand").finditer(folded):
        lo, hi = max(0, kw.start() - 60), min(len(raw), kw.end() + 120)
        zone = raw[lo:hi]
        for m in re.finditer(r"(\d{5}[A-Za-z]{0,2})\s*[=:：x×]?\s*(\d+)(?!\s*%)", zone):
            if m.group(1).upper() in products and not not_a_count.match(zone, m.start(2)):
                out[m.group(1).upper()] = int(m.group(2))
        if out:
            return out
        numbers = [m for m in re.finditer(r"(?<![\w.])(\d+)(?![\w.,%])", raw[kw.end():hi])
                   if not _overlaps((kw.end() + m.start(), kw.end() + m.end()), taken)
                   and m.group(1).upper() not in products and not not_a_count.match(raw, kw.end() + m.start())]
        if numbers and len(products) == 1:
            return {products[0]: int(numbers[0].group(1))}
    return out


def _currency(raw: str, folded: str) -> tuple[str | None, str | None]:
    """(currency named, unknown currency code named)."""
    t = terms()
    known = set(t["currencies"])
    codes = {c for m in markets().values() for c in m.codes}
    for m in re.finditer(r"(?<![A-Za-z])([A-Z]{3})(?![A-Za-z])", raw):
        if m.group(1) in known:
            return m.group(1), None
    for code, names in t["currency_names"].items():
        if any((re.search(r"(?<![\w])" + re.escape(n) + r"(?![\w])", folded) if _LATIN.match(n) else n in folded)
               for n in names):
            return code, None
    words = _words("currency_words")
    for m in re.finditer(r"(?<![A-Za-z])([A-Z]{3})(?![A-Za-z])", raw):
        before = _fold(raw[max(0, m.start() - 12):m.start()])
        if m.group(1) not in codes and words.search(before) and re.search(r"[\s:：]$", before):
            return None, m.group(1)
    return None, None


def _category(folded: str) -> str | None:
    hits = []
    for category, words in terms()["categories"].items():
        for w in words:
            rx = (r"(?<![\w])" if _LATIN.match(w) else "") + re.escape(w)
            m = re.search(rx, folded)
            if m:
                hits.append((m.start(), category))
    return min(hits)[1] if hits else None


def parse(text: str, catalog: Mapping[str, str] | None = None) -> SelectionAsk:
    """``catalog``: stock code -> description of the sales history, when there is one (a
    5-digit number is a product when the history knows it or a product word precedes it)."""
    request, reviews, csv_text = split_reviews(text)
    raw = unicodedata.normalize("NFKC", request)
    folded = _fold(request)
    taken: list[tuple[int, int]] = []
    ask = SelectionAsk(markets=find_markets(request), reviews=reviews, reviews_csv=csv_text)
    ask.lead_time_weeks = _duration_near(folded, "lead_time", taken)
    ask.review_period_weeks = _duration_near(folded, "review_period", taken)
    ask.service_level = _service_level(folded, taken)
    horizon = _duration_near(folded, "horizon", taken, before=False)
    ask.horizon_weeks = max(1, round(horizon)) if horizon else None
    ask.products = _products(raw, folded, catalog, taken)
    ask.on_hand = _on_hand(raw, folded, ask.products, taken)
    ask.currency, ask.unknown_currency = _currency(raw, folded)
    ask.category = _category(folded)
    return ask
