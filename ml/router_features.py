"""What the request router sees: its labels, text normalisation, clause splitting and the
six-language cue lexicon (data in ``ml/data/router_cues.json``), and the feature union
built from them. The model itself is in ``ml/router.py``."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from ml.data_files import read_json

AGENTS: tuple[str, ...] = ("selection", "copywriter", "pricing", "support", "chargeback", "compliance")
NONE = "none"
LABELS: tuple[str, ...] = AGENTS + (NONE,)
LANGS: tuple[str, ...] = ("en", "zh", "es", "de", "fr", "ja")
CUES_FILE = "router_cues.json"
LEXICON_WEIGHT = 0.7

# ---------------------------------------------------------------- text handling

_ORDER_ID = re.compile(r"#?(?<![a-z0-9])w\d{5,}\b")
_WS = re.compile(r"\s+")


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = _ORDER_ID.sub(" #wid ", text)
    return _WS.sub(" ", text).strip()


@lru_cache(maxsize=1)
def _split_pattern() -> re.Pattern[str]:
    """Sequencing cues (``clause_cues`` of the data file) and sentence ends."""
    cues = read_json(CUES_FILE)["clause_cues"]
    return re.compile(
        r"(?:\b(?:" + "|".join(cues["latin"]) + r")\b)"
        + "|" + "|".join(re.escape(c) for c in cues["cjk"])
        + r"|[?!;。！？；]+|(?<!\d)\.(?=\s|$)"
    )


_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def _content_size(clause: str) -> int:
    cjk = len(_CJK_CHAR.findall(clause))
    words = len(re.findall(r"[^\W\d_]{2,}", _CJK_CHAR.sub(" ", clause)))
    return words + cjk


_WEAK_SPLIT = re.compile(r"\b(?:and|und|sowie|y|e|et|plus)\b|&|和|并|顺便|(?<=て)、")


def split_clauses(text: str, weak: bool = False) -> list[str]:
    """Clauses of a normalized text, in order; tiny fragments join their neighbour.
    ``weak`` also cuts at plain conjunctions ("and", "y", "und", "et", "和", "并", "顺便",
    Japanese "〜て、"), which join single requests as often as they join steps."""
    parts = _split_pattern().split(text)
    if weak:
        parts = [q for p in parts for q in _WEAK_SPLIT.split(p)]
    parts = [p.strip(" ,、，:：-") for p in parts]
    parts = [p for p in parts if p]
    least = 2 if weak else 1
    merged: list[str] = []
    for part in parts:
        if merged and (_content_size(part) < least or _content_size(merged[-1]) < least):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return merged or [text]


# ---------------------------------------------------------------- domain lexicon
# Cue words per label in the six languages (``lexicon`` of the data file). Each group
# becomes one feature, log(1 + hits) * LEXICON_WEIGHT, so a test request that uses an
# unseen word of a known group still gets its signal.

_NOT_LATIN_BEFORE = r"(?<![a-z\u00c0-\u024f])"
_NOT_LATIN_AFTER = r"(?![a-z\u00c0-\u024f])"
_INFLECTION = r"(?:s|es|ed|d|ing|er|ers|en|e|n|ly|ion|ions)?"


def _term_pattern(term: str) -> str:
    """Latin terms match whole words plus a common inflection ("refund" -> "refunds",
    "refunded"); 'x*' is a stem (any ending), '=x' exact, '~x' anywhere (German compounds),
    ASCII terms of three letters or fewer exact. Han and kana terms match anywhere."""
    if term.startswith("~") or not re.search(r"[a-z]", term):
        return re.escape(term.lstrip("~"))
    if term.endswith("*"):
        return _NOT_LATIN_BEFORE + re.escape(term[:-1])
    exact = term.startswith("=") or (term.isascii() and len(term) <= 3)
    term = term.lstrip("=")
    return _NOT_LATIN_BEFORE + re.escape(term) + ("" if exact else _INFLECTION) + _NOT_LATIN_AFTER


def _compile_terms(terms: list[str]) -> list[tuple[str, re.Pattern | None]]:
    """(literal, pattern) per term; the literal is a fast substring pre-check and the
    whole test for Han/kana terms (pattern None)."""
    out = []
    for term in terms:
        literal = term.strip("~=*")
        plain = term.startswith("~") or not re.search(r"[a-z]", term)
        out.append((literal, None if plain else re.compile(_term_pattern(term))))
    return out


@lru_cache(maxsize=1)
def _lexicon_terms() -> dict[str, list[tuple[str, re.Pattern | None]]]:
    return {label: _compile_terms(terms) for label, terms in read_json(CUES_FILE)["lexicon"].items()}


def lexicon_hits(text: str) -> list[int]:
    """Cue hits per label (in ``LABELS`` order) in a normalized text."""
    lexicon = _lexicon_terms()
    hits = []
    for label in LABELS:
        n = 0
        for literal, pattern in lexicon[label]:
            if literal in text:
                n += text.count(literal) if pattern is None else len(pattern.findall(text))
        hits.append(n)
    return hits


class LexiconFeatures(BaseEstimator, TransformerMixin):
    """Per-label cue counts, log(1 + hits), times ``weight``."""

    def __init__(self, weight: float = LEXICON_WEIGHT) -> None:
        self.weight = weight

    def fit(self, texts, y=None):
        return self

    def transform(self, texts):
        rows = [np.log1p(lexicon_hits(text)) for text in texts]
        return csr_matrix(np.array(rows).reshape(len(rows), len(LABELS)) * self.weight)


def make_features(lexicon_weight: float = LEXICON_WEIGHT) -> FeatureUnion:
    """TF-IDF char_wb 1-4 grams + word 1-2 grams + the lexicon (last)."""
    return FeatureUnion([
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True)),
        ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                                 token_pattern=r"(?u)\b\w+\b|#wid")),
        ("lexicon", LexiconFeatures(lexicon_weight)),
    ])
