"""Product categories for the sales history, from keyword rules on the Description.

The Online Retail data has no category column. The rules are data
(``ml/data/sales_categories.json``: ordered categories, each with keywords; the first
match wins, else ``other``), so the grouping is reproducible and can be reviewed or edited
without touching code. Used by the elasticity model to let products with little price
variation borrow strength from their category.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from ml.data_files import read_json

RULES_FILE = "sales_categories.json"
OTHER = "other"
_NON_LETTER = re.compile(r"[^A-Z]+")


def words(description: str) -> list[str]:
    return _NON_LETTER.sub(" ", description.upper()).split()


def _word_matches(keyword_word: str, word: str) -> bool:
    return word in (keyword_word, keyword_word + "S", keyword_word + "ES")


def _phrase_in(phrase: tuple[str, ...], tokens: list[str]) -> bool:
    n = len(phrase)
    return any(all(_word_matches(k, t) for k, t in zip(phrase, tokens[i:i + n]))
               for i in range(len(tokens) - n + 1))


@lru_cache(maxsize=1)
def rules() -> tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]:
    """(category, keyword phrases as word tuples) in priority order."""
    data = read_json(RULES_FILE)
    return tuple((r["category"], tuple(tuple(words(k)) for k in r["keywords"])) for r in data["rules"])


def category_of(description: str) -> str:
    tokens = words(description or "")
    for category, phrases in rules():
        if any(_phrase_in(p, tokens) for p in phrases):
            return category
    return OTHER


def categorize(descriptions: Mapping[str, str]) -> dict[str, str]:
    """stock code -> category for a stock code -> description mapping."""
    return {code: category_of(text) for code, text in descriptions.items()}


def categories() -> list[str]:
    return [c for c, _ in rules()] + [OTHER]


def counts(labels: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {c: 0 for c in categories()}
    for label in labels:
        out[label] = out.get(label, 0) + 1
    return out
