"""Compliance-relevant product kinds (electrical equipment, radio, batteries, textiles,
toys, cosmetics, food contact, ...) and the indicative rules each brings, kept as data in
``ml/data/product_kinds.json`` for the categoriser and the compliance agent.

A product's kinds come from two places: its PriceRunner category, when the title
classifier (``ml/categories.py``) places it in one of the 10 with confidence, and English
keywords in its title (and attributes). The 10 PriceRunner categories are all electronics
and large appliances, so for most of a general store's catalogue the keywords carry the
answer. ``general_consumer_product`` always applies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from ml.data_files import read_json

KINDS_FILE = "product_kinds.json"
GENERAL = "general_consumer_product"


def _phrase(words: Iterable[str]) -> re.Pattern | None:
    """Whole-word, case-insensitive alternation of phrases (plural 's'/'es' allowed)."""
    alts = sorted({re.escape(w.lower()).replace(r"\ ", r"[\s-]+") for w in words}, key=len, reverse=True)
    if not alts:
        return None
    return re.compile(r"(?<![\w.-])(?:" + "|".join(alts) + r")(?:e?s)?(?![\w-])", re.IGNORECASE)


@lru_cache(maxsize=1)
def _kind_patterns() -> dict[str, tuple[re.Pattern | None, re.Pattern | None]]:
    kinds = read_json(KINDS_FILE)["kinds"]
    return {name: (_phrase(spec["keywords"]), _phrase(spec.get("unless", []))) for name, spec in kinds.items()}


def kinds_from_text(text: str) -> dict[str, list[str]]:
    """Kind -> the keywords that matched in ``text`` (a keyword inside an 'unless'
    phrase of the same kind is ignored)."""
    found: dict[str, list[str]] = {}
    for kind, (pattern, unless) in _kind_patterns().items():
        if pattern is None:
            continue
        blocked = [m.span() for m in unless.finditer(text)] if unless else []
        hits = [m.group(0).lower() for m in pattern.finditer(text)
                if not any(a <= m.start() and m.end() <= b for a, b in blocked)]
        if hits:
            found[kind] = list(dict.fromkeys(hits))
    return found


def kinds_for_category(category: str | None) -> tuple[list[str], list[str]]:
    """(kinds that always apply, kinds that apply if the product has the feature)."""
    spec = read_json(KINDS_FILE)["categories"].get(category or "", {})
    return list(spec.get("kinds", [])), list(spec.get("maybe", []))


def kinds_for_product(title: str, detail: str = "", category: str | None = None
                      ) -> tuple[dict[str, list[str]], list[str]]:
    """(kind -> evidence, maybe-kinds) of a product from its category (or None) and the
    keywords in its title and details; ``general_consumer_product`` first."""
    evidence: dict[str, list[str]] = {GENERAL: ["every consumer product"]}
    always, maybe = kinds_for_category(category)
    for kind in always:
        evidence.setdefault(kind, []).append(f"category: {category}")
    for kind, words in kinds_from_text(f"{title} {detail}".strip()).items():
        evidence.setdefault(kind, []).extend(words)
    return evidence, [k for k in maybe if k not in evidence]


def categories() -> list[str]:
    return list(read_json(KINDS_FILE)["categories"])


def kind_labels() -> dict[str, str]:
    return {name: spec["label"] for name, spec in read_json(KINDS_FILE)["kinds"].items()}


def rules_for(kinds: Iterable[str]) -> dict[str, list[str]]:
    """Kind -> its indicative rules, for the given kinds plus ``general_consumer_product``."""
    spec = read_json(KINDS_FILE)["kinds"]
    unknown = [k for k in kinds if k not in spec]
    if unknown:
        raise KeyError(f"unknown product kinds {unknown}; known: {sorted(spec)}")
    return {k: list(spec[k]["rules"]) for k in dict.fromkeys([GENERAL, *kinds])}


__all__ = ["kinds_from_text", "kinds_for_category", "kinds_for_product", "rules_for", "kind_labels", "categories", "GENERAL"]
