"""Search keywords mined from similar real product titles.

Sources (read-only, by path under the shared data folder): the PriceRunner titles
(``product_titles/pricerunner_titles.csv``, 35k titles from 306 merchants, some German)
and the Online Retail product descriptions (``sales/online_retail.csv.gz``, 4k gift-ware
products). A title is *similar* to a store product when it names the product: its English
name or a multi-word English name from the support glossary (German titles: the German
names), not right after "with"/"mit" (a microwave *with grill* is not a grill).

Terms (words and word pairs) of the similar titles are ranked by TF-IDF: how many similar
titles use the term times log(N / titles using it anywhere). Brands (the first word of
PriceRunner's product clusters), numbers and stop words are dropped. A term is
**supported** when it names something the store knows about this product (its name or a
glossary synonym, an option name, an option value or its glossary synonyms): only those
go into a listing; the rest are returned as suggestions to verify ("sim free" may be
false for this phone). Most store products (apparel, sports, home) have no similar titles
in these two sets: their keywords then come from the glossaries only, and the draft says so.
"""
from __future__ import annotations

import csv
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from agents import copy_data as data
from tools.copy_schemas import MinedKeyword, MinedKeywords

TITLES_FILE = Path("product_titles") / "pricerunner_titles.csv"
RETAIL_FILE = Path("sales") / "online_retail.csv.gz"
TOP_K = 10            # mined keywords a draft is scored on
MIN_TITLES = 2        # a term must appear in at least this many similar titles
FEATURE_WORDS = ("with", "w/", "mit", "avec", "con", "+", "&", "and", "und")
GERMAN_HINTS = re.compile(r"[äöüß]|\b(und|mit|für|schwarz|weiß|weiss|silber|grau|spacegrau|kühl|gefrier|"
                          r"waschmaschine|geschirrspüler|kamera|handy|prozessor|einbau)\w*", re.I)
WORD = re.compile(r"[a-zà-ÿ0-9]+(?:[-'][a-zà-ÿ0-9]+)*")


@dataclass(frozen=True)
class Title:
    text: str
    language: str
    source: str
    kind: str = ""     # PriceRunner category as a singular noun phrase ("microwave"); "" for Online Retail


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).lower()


class TitleIndex:
    """All titles of both sources with document frequencies of words and word pairs."""

    def __init__(self, titles: list[Title], brands: set[str]):
        self.titles = titles
        self.brands = brands
        self.df: Counter = Counter()
        for t in titles:
            self.df.update(set(terms(t.text)))
        self.n = len(titles)

    @classmethod
    def load(cls, shared: Path) -> TitleIndex:
        from ml.data_files import shared_file

        titles, brands = [], Counter()
        with shared_file(shared, TITLES_FILE).open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                text = _norm(row["product_title"])
                kind = " ".join(re.sub(r"s$", "", w) for w in _norm(row["category_label"]).split())
                titles.append(Title(text, "de" if GERMAN_HINTS.search(text) else "en", "pricerunner", kind))
                brands[_norm(row["cluster_label"]).split(" ")[0]] += 1
        titles.extend(Title(d, "en", "online_retail") for d in _retail_descriptions(shared))
        return cls(titles, {b for b, n in brands.items() if n >= 3 and not b.isdigit()})

    def similar(self, phrases_by_language: dict[str, list[str]]) -> list[Title]:
        out = []
        for lang, phrases in phrases_by_language.items():
            rx = _phrase_regex(phrases)
            if rx is None:
                continue
            out.extend(t for t in self.titles if (lang == "en" or t.language == lang) and _names(rx, t))
        return list(dict.fromkeys(out))


def _retail_descriptions(shared: Path) -> list[str]:
    import pandas as pd

    from ml.data_files import shared_file

    col = pd.read_csv(shared_file(shared, RETAIL_FILE), usecols=["Description"], encoding="latin1")["Description"]
    return sorted({_norm(d).strip() for d in col.dropna() if str(d).strip()})


def _phrase_regex(phrases: list[str]) -> re.Pattern | None:
    alts = sorted({re.escape(p.lower()).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]?") for p in phrases if p},
                  key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(alts) + r")(?:e?s)?(?![\w-])") if alts else None


def _names(rx: re.Pattern, title: Title) -> bool:
    """The title names the product, not only as a feature of another kind of product
    ("microwave with grill", "combi microwave grill" in the Microwaves category)."""
    text = title.text
    if title.kind and re.search(rf"\b{re.escape(title.kind)}", text) and not rx.search(title.kind):
        return False
    for m in rx.finditer(text):
        before = text[:m.start()].split()
        if not before or before[-1] not in FEATURE_WORDS:
            return True
    return False


def terms(text: str) -> list[str]:
    words = WORD.findall(_norm(text))
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from ml.data_files import read_json

    extra = read_json("review_stopwords.json")
    return frozenset(ENGLISH_STOP_WORDS) | frozenset(extra.get("en", [])) | frozenset(extra.get("de", []))


@lru_cache(maxsize=2)
def title_index(shared: str) -> TitleIndex:
    """The index of the shared data folder (built once per process, ~2 s)."""
    return TitleIndex.load(Path(shared))


def concepts(name: str, options: dict[str, list[str]]) -> dict[str, str]:
    """Lower-case term -> concept, for everything the store knows about the product."""
    from agents.support_parse import glossary as support_glossary

    out: dict[str, str] = {}
    for term in [name, name.replace("-", " "), *(t for ts in data.product_names(name).values() for t in ts)]:
        out.setdefault(_norm(term), "product")
    values_gloss = support_glossary().get("option_values", {})
    for key, values in options.items():
        out.setdefault(_norm(key), f"key:{key}")
        for v in values:
            for term in (v, *values_gloss.get(v, [])):
                out.setdefault(_norm(term), f"value:{v}")
            for word in _norm(v).split():   # "steel" of "stainless steel"; not words of synonyms
                if len(word) > 3:
                    out.setdefault(word, f"value:{v}")
    return out


def concept_of(term: str, known: dict[str, str]) -> str | None:
    for candidate in (term, term[:-1] if term.endswith("s") else term, term[:-2] if term.endswith("es") else term):
        if candidate in known:
            return known[candidate]
    return None


def mine(name: str, options: dict[str, list[str]], shared: Path) -> MinedKeywords:
    """Ranked keywords from the titles similar to a product (its English name and options)."""
    key = tuple((k, tuple(v)) for k, v in options.items())
    return _mine(name, key, str(shared)).model_copy(deep=True)


@lru_cache(maxsize=256)
def _mine(name: str, options: tuple, shared: str) -> MinedKeywords:
    index = title_index(shared)
    names = data.product_names(name)
    phrases = {"en": [name, name.replace("-", " "), *(t for t in names.get("en", []) if " " in t)],
               "de": [t for t in names.get("de", []) if len(t) >= 6]}
    similar = index.similar(phrases)
    known = concepts(name, {k: list(v) for k, v in options})
    stop = _stop_words()
    counts: dict[tuple[str, str], int] = Counter()
    for t in similar:
        for term in set(terms(t.text)):
            counts[(term, t.language)] += 1
    mined = []
    for (term, lang), n in counts.items():
        if n < MIN_TITLES or _rejected(term, stop, index.brands, known):
            continue
        score = n * math.log(index.n / (1 + index.df[term]))
        mined.append(MinedKeyword(term=term, language=lang, titles=n, score=round(score, 3),
                                  concept=concept_of(term, known)))
    mined.sort(key=lambda k: (-k.score, k.term))
    seen: set[tuple[str, str]] = set()   # "smartphones" after "smartphone", "5 x" after "5x"
    mined = [k for k in mined if not ((_dedup_key(k.term), k.language) in seen
                                      or seen.add((_dedup_key(k.term), k.language)))]
    return MinedKeywords(product=name, similar_titles=len(similar),
                         sources=dict(Counter(t.source for t in similar)),
                         supported=[k for k in mined if k.concept][:TOP_K],
                         to_verify=[k for k in mined if not k.concept][:TOP_K])


def _dedup_key(term: str) -> str:
    return re.sub(r"(?<=[a-z])s$", "", term.replace(" ", ""))


def _rejected(term: str, stop: frozenset[str], brands: set[str], known: dict[str, str]) -> bool:
    words = term.split()
    if any(w in brands for w in words) or any(w in stop for w in (words[0], words[-1])):
        return True
    if any(re.search(r"\d", w) for w in words):   # numbers only as the product's own values ("64gb")
        return known.get(term, "").replace(" ", "").lower() != "value:" + term.replace(" ", "")
    return min(len(w) for w in words) < 3
