"""Aspects of a review and the sentiment about each: "the battery is great but shipping
was slow" -> battery positive, shipping negative.

How: the review is cut into clauses (sentence punctuation, commas, and contrast words
such as "but", "aber", "mais", "但是", "けど"); aspect terms from the hand-written lexicon
``ml/data/review_aspects.json`` are found in each clause (English terms everywhere, the
review's own language's terms too; the longest overlapping term wins). An aspect's
polarity is fixed by its term when the lexicon marks one ("too small", "broke", "comfy";
flipped after a negator such as "not", "nicht", "不"); otherwise it is the sentiment
model's for its clause, or for the whole review when the clause alone is unsure (within
``UNSURE`` of 0.5) or is the whole review.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from ml.data_files import read_json
from ml.language import detect_language

if TYPE_CHECKING:
    from ml.reviews import SentimentModel

LEXICON_FILE = "review_aspects.json"
UNSURE = 0.12  # |p - 0.5| below this: the clause alone does not decide
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_BREAKS = re.compile(r"[.!?;:\n。！？；：,，、…]+|\s[-–—]\s|\)\s|\s\(")

Polarity = Literal["positive", "negative"]
_FIXED: dict[str, Polarity] = {"+": "positive", "-": "negative"}


class AspectMention(BaseModel):
    aspect: str
    label: str
    polarity: Polarity
    source: Literal["model", "lexicon"] = Field(description="model: the clause's sentiment; lexicon: a "
                                                "fixed-polarity term such as 'too small'")
    score: float = Field(description="the sentiment model's P(positive) for the clause (when it is within "
                         "UNSURE of 0.5, the polarity is the whole review's)")
    term: str = Field(description="the lexicon term that matched")
    clause: str = Field(description="the clause the term is in (the quote)")


class ReviewAnalysis(BaseModel):
    text: str
    language: str
    sentiment: Polarity
    score: float = Field(description="P(positive) of the whole review")
    aspects: list[AspectMention] = Field(default_factory=list)


def aspect_labels() -> dict[str, str]:
    return {name: spec["label"] for name, spec in read_json(LEXICON_FILE)["aspects"].items()}


def _term_pattern(term: str) -> str:
    """Regex for one lexicon term (see the lexicon's "about")."""
    whole = term.endswith("$")
    term = term.rstrip("$")
    body = re.escape(term).replace(r"\ ", r"\s+").replace(r"\-", r"[-\s]?")
    if _CJK.search(term):
        return body
    return r"(?<!\w)" + body + (r"(?!\w)" if whole else "")


@lru_cache(maxsize=None)
def _matcher(language: str) -> tuple[re.Pattern, list[tuple[str, Polarity | None]]]:
    """One regex over the English and ``language`` terms, longest first, one capturing
    group a term; and (aspect, fixed polarity or None) of each group."""
    aspects = read_json(LEXICON_FILE)["aspects"]
    term_info: dict[str, tuple[str, Polarity | None]] = {}
    for lang in dict.fromkeys(("en", language)):
        for name, spec in aspects.items():
            for term in spec["terms"].get(lang, []):
                sign, bare = (term[0], term[1:]) if term[0] in "+-" else ("", term)
                term_info.setdefault(bare.lower(), (name, _FIXED.get(sign)))
    terms = sorted(term_info, key=lambda t: -len(t.rstrip("$")))
    pattern = re.compile("|".join(f"({_term_pattern(t)})" for t in terms))
    return pattern, [term_info[t] for t in terms]


@lru_cache(maxsize=None)
def _negators(language: str) -> tuple[frozenset[str], tuple[str, ...]]:
    neg = read_json(LEXICON_FILE)["negators"]
    return frozenset(neg["before"].get(language, []) + neg["before"]["en"]), tuple(neg["after"].get(language, []))


def _negated(text: str, start: int, end: int, language: str) -> bool:
    before, after = _negators(language)
    if language == "zh":
        return any(text[:start].endswith(w) or text[:start][:-1].endswith(w) for w in before)
    if language == "ja":
        return any(w in text[end:end + 4] for w in after)
    words = re.findall(r"[\w']+", text[:start])[-3:]
    return any(w in before or w.startswith("n'") for w in words)


def find_aspects(clause: str, language: str) -> list[tuple[str, str, Polarity | None]]:
    """(aspect, matched text, fixed polarity or None) for every lexicon term in
    ``clause``, in order; a fixed polarity after a negator is flipped."""
    pattern, groups = _matcher(language)
    text = clause.lower()
    found = []
    for m in pattern.finditer(text):
        aspect, fixed = groups[m.lastindex - 1]
        if fixed and _negated(text, m.start(), m.end(), language):
            fixed = "positive" if fixed == "negative" else "negative"
        found.append((aspect, m.group(0), fixed))
    return found


@lru_cache(maxsize=None)
def _contrast(language: str) -> re.Pattern:
    words = read_json(LEXICON_FILE)["clause_breaks"]
    alts = []
    for lang in dict.fromkeys(("en", language)):
        for w in sorted(words.get(lang, []), key=len, reverse=True):
            alts.append(re.escape(w) if _CJK.search(w) else r"(?<!\w)" + re.escape(w) + r"(?!\w)")
    return re.compile("(?=" + "|".join(alts) + ")", re.IGNORECASE)


def split_clauses(text: str, language: str) -> list[str]:
    """Clauses of a review, each stripped; a contrast word starts a new clause."""
    out = []
    for part in _BREAKS.split(text):
        for clause in _contrast(language).split(part):
            clause = clause.strip(" \t\"'“”«»()[]")
            if clause:
                out.append(clause)
    return out


def _polarity(p: float) -> Polarity:
    return "positive" if p >= 0.5 else "negative"


def _strength(m: AspectMention) -> float:
    """How decided a mention is: a fixed-polarity term beats any model probability."""
    return abs(m.score - 0.5) + (1.0 if m.source == "lexicon" else 0.0)


def analyze_reviews(model: SentimentModel, texts: Sequence[str],
                    languages: Sequence[str | None] | None = None) -> list[ReviewAnalysis]:
    """Sentiment and aspect mentions (one per aspect per review: its most decided clause)."""
    texts = [str(t) for t in texts]
    langs = [(languages[i] if languages and languages[i] else None) or detect_language(t)
             for i, t in enumerate(texts)]
    review_p = model.proba(texts)
    # (review index, clause, find_aspects(clause)) for clauses that carry an aspect
    hits: list[tuple[int, str, list[tuple[str, str, Polarity | None]]]] = []
    for i, (text, lang) in enumerate(zip(texts, langs)):
        clauses = split_clauses(text, lang)
        for clause in clauses:
            found = find_aspects(clause, lang)
            if found:
                hits.append((i, clause if len(clauses) > 1 else text, found))
    separate = sorted({clause for i, clause, _ in hits if clause != texts[i]})
    clause_p = dict(zip(separate, model.proba(separate)))
    labels = aspect_labels()
    best: dict[tuple[int, str], AspectMention] = {}
    for i, clause, found in hits:
        p = float(clause_p.get(clause, review_p[i]))
        decided = p if abs(p - 0.5) >= UNSURE else float(review_p[i])
        for aspect, term, fixed in found:
            mention = AspectMention(aspect=aspect, label=labels[aspect], polarity=fixed or _polarity(decided),
                                    source="lexicon" if fixed else "model", score=round(p, 4), term=term,
                                    clause=clause)
            old = best.get((i, aspect))
            if old is None or _strength(mention) > _strength(old):
                best[(i, aspect)] = mention
    mentions: dict[int, list[AspectMention]] = {}
    for (i, _), mention in best.items():
        mentions.setdefault(i, []).append(mention)
    return [ReviewAnalysis(text=text, language=lang, sentiment=_polarity(review_p[i]),
                           score=round(float(review_p[i]), 4), aspects=mentions.get(i, []))
            for i, (text, lang) in enumerate(zip(texts, langs))]


__all__ = ["AspectMention", "ReviewAnalysis", "analyze_reviews", "find_aspects", "split_clauses", "aspect_labels"]
