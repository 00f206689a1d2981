"""The copywriter's data, read once per process: platform limits (agents/data/listing_limits.yaml),
markets (copy_markets.yaml), exchange rates (fx.yaml, shared with the pricing agent), units and sizes
(copy_units.yaml, copy_sizes.yaml), listing glossary (copy_glossary.json), the product
names of agents/support_glossary.json, and the listing and reply templates per language
(prompts/copywriter/<lang>.json)."""
from __future__ import annotations

from prompts import load_templates

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel

DATA = Path(__file__).resolve().parent / "data"
LANGUAGES = ("en", "de", "es", "fr", "zh", "ja")
# Languages the bundled model may polish (it writes English only acceptably; see DESIGN.md).
LLM_LANGUAGES = ("en",)

Unit = Literal["chars", "utf8_bytes", "width"]


class FieldLimit(BaseModel):
    unit: Unit = "chars"
    max: int | None = None
    target: int | None = None
    target_words: int | None = None
    note: str = ""
    source: str = ""


class BulletLimit(FieldLimit):
    field: bool = True
    count: int = 5


class KeywordLimit(BaseModel):
    kind: Literal["backend", "tags", "none"] = "none"
    unit: Unit = "chars"
    max: int | None = None          # backend: the whole field
    count: int | None = None        # tags: how many
    max_each: int | None = None     # tags: each tag
    exclude_title_words: bool = False
    note: str = ""


class TitleRules(BaseModel):
    banned_chars: str = ""
    max_word_repeats: int | None = None
    no_all_caps_words: bool = False
    promotional_phrases: bool = False


class PlatformLimits(BaseModel):
    key: str
    name: str
    markets: list[str]
    source: str
    citations: list[str] = []       # knowledge-base chunk ids the numbers come from
    local_names: dict[str, str] = {}
    title: FieldLimit
    title_rules: TitleRules = TitleRules()
    bullets: BulletLimit
    description: FieldLimit
    keywords: KeywordLimit


def _yaml(name: str) -> Any:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def limits_file() -> dict:
    return _yaml("listing_limits.yaml")


@lru_cache(maxsize=None)
def platform(key: str) -> PlatformLimits:
    spec = limits_file()["platforms"][key]
    return PlatformLimits(key=key, **spec)


def platform_name(key: str, language: str) -> str:
    lim = platform(key)
    return lim.local_names.get(language, lim.name)


def platforms() -> list[str]:
    return list(limits_file()["platforms"])


def promotional_phrases(language: str) -> list[str]:
    return list(limits_file()["promotional_phrases"].get(language, []))


@lru_cache(maxsize=1)
def markets_file() -> dict:
    return _yaml("copy_markets.yaml")


def markets() -> dict[str, dict]:
    return markets_file()["markets"]


@lru_cache(maxsize=1)
def fx() -> dict:
    """The one FX table (agents/data/fx.yaml, agents/pricing_rates.py) as units per 1 USD."""
    from agents.pricing_rates import fx_view

    return fx_view("USD")


@lru_cache(maxsize=1)
def units() -> dict:
    return _yaml("copy_units.yaml")


@lru_cache(maxsize=1)
def sizes() -> dict:
    return _yaml("copy_sizes.yaml")


@lru_cache(maxsize=1)
def glossary() -> dict:
    return json.loads((DATA / "copy_glossary.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def templates(language: str) -> dict:
    """The language's listing and reply templates; English fills any key a language lacks."""
    def load(lang: str) -> dict:
        return load_templates("copywriter", lang)

    base = load("en")
    own = load(language) if language != "en" else base
    return {part: {**base.get(part, {}), **own.get(part, {})} for part in ("listing", "reply")}


def product_names(name: str) -> dict[str, list[str]]:
    """A store product's names per language, from the support agent's glossary."""
    from agents.support_parse import glossary as support_glossary

    return support_glossary().get("products", {}).get(name, {})


def product_display_name(name: str, language: str) -> str | None:
    """The product's name in ``language`` for a listing: the support glossary's first name
    (or the one ``product_name_choice`` picks among its names), with proper names (LED,
    Bluetooth) in their casing and, in German, capitalised nouns. None when the support
    glossary has no name in that language."""
    if language == "en":
        return name
    names = product_names(name).get(language) or []
    if not names:
        return None
    text = glossary().get("product_name_choice", {}).get(name, {}).get(language) or names[0]
    if language == "de":
        text = re.sub(r"[^\W\d_]+", lambda m: m.group(0)[:1].upper() + m.group(0)[1:], text)
    elif language in ("es", "fr"):
        text = text[:1].upper() + text[1:]
    for word in glossary().get("proper_names", []):
        text = re.sub(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", word, text, flags=re.I)
    return text


def language_name(code: str, in_language: str) -> str:
    return markets_file()["languages"][code]["name"].get(in_language, code)


def market_name(code: str, in_language: str) -> str:
    return markets()[code]["name"].get(in_language, code)


@lru_cache(maxsize=1)
def _corpus_chunks() -> dict:
    from vectorstore.corpus import load_corpus
    from vectorstore.kb import REPO_CORPUS

    chunks, _ = load_corpus(REPO_CORPUS)
    return {c.chunk_id: c for c in chunks}


def platform_citations(key: str, max_text: int = 300) -> list[dict]:
    """The knowledge-base sections a platform's limits come from, in the RunResult
    citation format (vectorstore/citations.py)."""
    out = []
    for chunk_id in platform(key).citations:
        c = _corpus_chunks().get(chunk_id)
        if c is not None:
            text = c.text if len(c.text) <= max_text else c.text[:max_text].rsplit(" ", 1)[0] + " …"
            out.append({"doc_id": c.doc_id, "title": c.title, "section": c.section, "source": c.source,
                        "chunk_id": c.chunk_id, "text": text})
    return out
