"""Market names in requests -> the sales history's countries (agents/data/markets.yaml).

"德国", "Alemania", "Allemagne", "ドイツ", "DE" and "the German market" all name the market
``DE``, whose sales are recorded under the country "Germany"; "UK", "GB", "英国" and
"United Kingdom" name ``GB`` ("United Kingdom"); "EIRE" and "Ireland" name ``IE``. The
table is data; this module only compiles and applies it.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

TABLE = Path(__file__).resolve().parent / "data" / "markets.yaml"
LANGS = ("en", "zh", "es", "de", "fr", "ja")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_LANGUAGE_SUFFIX = "(?![语語文])"  # 德语, ドイツ語, 日本文: a language, not a market


@dataclass(frozen=True)
class Market:
    id: str
    country: str | None          # the sales history's spelling; None = no sales recorded
    names: dict[str, list[str]]
    codes: tuple[str, ...] = ()
    listed: bool = True

    def name(self, lang: str = "en") -> str:
        return (self.names.get(lang) or self.names["en"])[0]


@dataclass
class MarketMention:
    """What a request says about markets: known ids in order of mention, and a name the
    table does not know ("market Narnia")."""
    ids: list[str] = field(default_factory=list)
    unknown: str | None = None


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _name_pattern(name: str) -> str:
    folded = re.escape(_fold(name)).replace(r"\ ", r"[\s-]+")
    if _CJK.search(name):
        return folded + _LANGUAGE_SUFFIX
    return rf"(?<![\w]){folded}(?![\w])"


@lru_cache(maxsize=1)
def _table() -> dict:
    return yaml.safe_load(TABLE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def markets() -> dict[str, Market]:
    out = {}
    for mid, spec in _table()["markets"].items():
        mid = str(mid)
        out[mid] = Market(id=mid, country=spec.get("country"), names={k: list(v) for k, v in spec["names"].items()},
                          codes=tuple(spec.get("codes") or ()), listed=spec.get("listed", True))
    return out


@lru_cache(maxsize=1)
def _patterns() -> tuple[list, list, list, list, list[re.Pattern], frozenset]:
    """(names, codes, context codes, adjectives) as (compiled, market id) lists, the
    unknown-market patterns and their stop words."""
    names, codes, context, adjectives = [], [], [], []
    for mid, spec in _table()["markets"].items():
        mid = str(mid)
        all_names = {n for lang in spec["names"].values() for n in lang}
        names += [(re.compile(_name_pattern(n)), mid) for n in sorted(all_names, key=len, reverse=True)]
        codes += [(re.compile(rf"(?<![\w.-]){re.escape(c)}(?![\w-])"), mid) for c in spec.get("codes") or ()]
        context += [(str(c), mid) for c in spec.get("context_codes") or ()]
        adjectives += [(re.compile(_name_pattern(a)), mid) for a in spec.get("adjectives") or ()]
    unknown = [re.compile(p) for p in _table()["unknown_market_patterns"]]
    stop = frozenset(_table()["unknown_market_stopwords"])
    return names, codes, context, adjectives, unknown, stop


@lru_cache(maxsize=None)
def _words(*keys: str) -> re.Pattern:
    words = sorted({w for k in keys for w in _table()[k]}, key=len, reverse=True)
    return re.compile("(?i:" + "|".join(re.escape(w) for w in words) + ")")


def _next_to(text: str, start: int, end: int, market_words: re.Pattern) -> bool:
    """Whether a market word stands right before or right after text[start:end]."""
    return bool(re.search(rf"(?:{market_words.pattern})\s*$", text[max(0, start - 12):start])
                or re.match(rf"[\s-]*(?:{market_words.pattern})", text[end:end + 12]))


def _context_code_hits(text: str, context: list, market_words: re.Pattern) -> list[tuple[int, str]]:
    return [(m.start(), mid) for code, mid in context
            for m in re.finditer(rf"(?<![\w.-]){re.escape(code)}(?![\w])", text)
            if _next_to(text, m.start(), m.end(), market_words)]


def find_markets(text: str) -> MarketMention:
    """Markets a request names, in order of mention (names and codes first; demonyms only
    when nothing else matched), or the name of a market the table lacks."""
    names, codes, context, adjectives, unknown, stop = _patterns()
    raw = unicodedata.normalize("NFKC", text)
    folded = _fold(text)
    hits = [(m.start(), mid) for rx, mid in names for m in rx.finditer(folded)]
    hits += [(m.start(), mid) for rx, mid in codes for m in rx.finditer(raw)]
    hits += _context_code_hits(raw, context, _words("market_words", "market_prepositions"))
    if not hits:  # demonyms: those next to a market word first ("marché allemand" over "en français")
        found = [(m, mid) for rx, mid in adjectives for m in rx.finditer(folded)]
        near = [(m.start(), mid) for m, mid in found if _next_to(folded, m.start(), m.end(), _words("market_words"))]
        hits = near or [(m.start(), mid) for m, mid in found]
    if hits:
        return MarketMention(ids=list(dict.fromkeys(mid for _, mid in sorted(hits))))
    for rx in unknown:
        for m in rx.finditer(raw):
            word = m.group(1).strip("-")
            if word.casefold() not in stop:
                return MarketMention(unknown=word)
    return MarketMention()


def resolve(name: str) -> Market | None:
    """A market from an id, code, name or sales-history country ("DE", "Germany", "德国",
    "EIRE"); None when nothing matches."""
    wanted = name.strip()
    by_id = markets()
    if wanted.upper() in by_id:
        return by_id[wanted.upper()]
    for m in by_id.values():
        if (m.country and _fold(m.country) == _fold(wanted)) or wanted.upper() in m.codes:
            return m
    found = find_markets(wanted).ids
    return by_id[found[0]] if found else None


def for_country(country: str) -> Market | None:
    """The market whose sales-history country is ``country``."""
    return next((m for m in markets().values() if m.country == country), None)
