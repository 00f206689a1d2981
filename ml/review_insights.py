"""What customers praise and complain about in a set of reviews: a pain-point summary.

Input is a list of review texts or a CSV (``parse_reviews_csv``: a header row, one review a
row, the text in a column named like ``text`` / ``review`` / ``comment`` or given by
name; bad input raises ``ReviewInputError`` with a message that names the fix). Output
(``summarize_reviews``): sentiment counts, the aspects with the most negative mentions
(pain points) and the most positive ones (praise), each with counts and example quotes,
and the keywords that separate negative from positive reviews: weighted log-odds with a
Dirichlet prior (Monroe et al. 2008) on words and word pairs (Chinese: character pairs;
Japanese: kanji and katakana runs), or plain document frequency when one side has fewer
than ``MIN_GROUP`` reviews.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from ml.data_files import read_json
from ml.review_aspects import AspectMention, ReviewAnalysis, analyze_reviews

if TYPE_CHECKING:
    from ml.reviews import SentimentModel

MAX_REVIEWS = 5000
MAX_CHARS = 5000  # a longer review is cut to its first 5000 characters
MIN_GROUP = 3  # reviews on each side before keywords are contrasted
MIN_TERM_REVIEWS = 2
TEXT_COLUMNS = ("text", "review", "review_text", "reviewtext", "review_body", "body", "comment", "comments",
                "content", "feedback", "message", "bewertung", "kommentar", "avis", "commentaire", "reseña",
                "comentario", "评论", "评价", "レビュー", "コメント")


class ReviewInputError(ValueError):
    """Reviews that cannot be read; the message says what to change."""


class TermCount(BaseModel):
    term: str
    reviews: int = Field(description="reviews on this side that contain the term")
    z: float | None = Field(None, description="log-odds z-score against the other side (None: plain count)")


class AspectSummary(BaseModel):
    aspect: str
    label: str
    mentions: int
    negative: int
    positive: int
    negative_share: float
    examples: list[str] = Field(default_factory=list, description="quotes, most telling first")


class ReviewSummary(BaseModel):
    n_reviews: int
    skipped: int = Field(0, description="empty rows or texts left out")
    positive: int
    negative: int
    languages: dict[str, int]
    pain_points: list[AspectSummary]
    praise: list[AspectSummary]
    complaint_terms: list[TermCount]
    praise_terms: list[TermCount]
    negative_without_aspect: int = Field(description="negative reviews that name no known aspect")
    summary: str


def clean_texts(texts: Sequence[object]) -> tuple[list[str], int]:
    """Non-empty texts (cut to ``MAX_CHARS``) and how many were left out."""
    if isinstance(texts, (str, bytes)):
        raise ReviewInputError("Give the reviews as a list of texts, not one string.")
    kept = [str(t).strip()[:MAX_CHARS] for t in texts if t is not None and str(t).strip()]
    if not kept:
        raise ReviewInputError("No review text found: every review is empty.")
    if len(kept) > MAX_REVIEWS:
        raise ReviewInputError(f"Too many reviews ({len(kept)}); at most {MAX_REVIEWS} a call: split them.")
    return kept, len(texts) - len(kept)


def parse_reviews_csv(text: str, text_column: str | None = None) -> tuple[list[str], int]:
    """Review texts of a CSV given as text, and how many rows were empty."""
    if not text or not text.strip():
        raise ReviewInputError("The CSV is empty.")
    text = text.lstrip("\ufeff")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    try:
        header = [h.strip() for h in next(reader)]
        if not any(header):
            raise ReviewInputError("The first line must be a header row that names the columns.")
        column = _text_column(header, text_column)
        values = []
        for row in reader:
            if len(row) > len(header) and any(row[len(header):]):
                raise ReviewInputError(
                    f"Line {reader.line_num} has {len(row)} fields but the header has {len(header)}: put "
                    "double quotes around review texts that contain the delimiter "
                    f"{delimiter!r}.")
            values.append(row[column] if column < len(row) else "")
    except csv.Error as e:
        raise ReviewInputError(f"Malformed CSV near line {reader.line_num}: {e}. Quote fields that hold the "
                               "delimiter or a line break with double quotes.") from None
    if not values:
        raise ReviewInputError(f"The CSV has a header ({', '.join(header)}) but no rows.")
    return clean_texts(values)


def load_reviews_csv(path: Path, text_column: str | None = None) -> tuple[list[str], int]:
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ReviewInputError(f"{path} is not UTF-8 text: save the CSV as UTF-8.") from None
    return parse_reviews_csv(text, text_column)


def _text_column(header: list[str], wanted: str | None) -> int:
    names = [h.lower() for h in header]
    if wanted:
        if wanted.strip().lower() in names:
            return names.index(wanted.strip().lower())
        raise ReviewInputError(f"No column {wanted!r} in the CSV; its columns are: {', '.join(header)}.")
    for name in TEXT_COLUMNS:
        if name in names:
            return names.index(name)
    if len(header) == 1:
        return 0
    raise ReviewInputError(f"No review text column: name it one of {', '.join(TEXT_COLUMNS[:8])} (or pass "
                           f"text_column); the CSV's columns are: {', '.join(header)}.")


_LATIN = re.compile(r"[^\W\d_][\w'-]*[^\W\d_]|[^\W\d_]{2,}")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
_JA_RUN = re.compile(r"[\u4e00-\u9fff]{2,}|[\u30a0-\u30ff]{2,}")


def terms_of(text: str, language: str) -> set[str]:
    """The distinct keyword candidates of one review."""
    text = text.lower()
    if language == "zh":
        stop = _stop_words("zh")
        return {run[i:i + 2] for run in _HAN_RUN.findall(text) for i in range(len(run) - 1)
                if not (set(run[i:i + 2]) & stop)}
    if language == "ja":
        return set(_JA_RUN.findall(text))
    words = [w for w in _LATIN.findall(text) if len(w) >= 3]
    stop = _stop_words(language)
    keep = [w if w not in stop else None for w in words]
    pairs = {f"{a} {b}" for a, b in zip(keep, keep[1:]) if a and b}
    return {w for w in keep if w} | pairs


@lru_cache(maxsize=None)
def _stop_words(language: str) -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    words = read_json("review_stopwords.json")
    if language == "zh":
        return frozenset(words["zh_chars"])
    return frozenset(ENGLISH_STOP_WORDS) | frozenset(words["en"]) | frozenset(words.get(language, []))


def contrast_terms(analyses: Sequence[ReviewAnalysis], top: int = 10) -> tuple[list[TermCount], list[TermCount]]:
    """(complaint terms, praise terms): the words most typical of negative / positive reviews."""
    df = {"negative": Counter(), "positive": Counter()}
    for a in analyses:
        df[a.sentiment].update(terms_of(a.text, a.language))
    n_docs = Counter(a.sentiment for a in analyses)
    if min(n_docs["negative"], n_docs["positive"]) < MIN_GROUP:
        return tuple(  # type: ignore[return-value]
            [TermCount(term=t, reviews=c) for t, c in df[side].most_common() if c >= MIN_TERM_REVIEWS][:top]
            for side in ("negative", "positive"))
    neg, pos = df["negative"], df["positive"]
    n_neg, n_pos = sum(neg.values()), sum(pos.values())
    prior = {t: 0.5 * (neg[t] + pos[t]) + 0.01 for t in neg.keys() | pos.keys()}
    a0 = sum(prior.values())
    z = {}
    for t, a in prior.items():
        delta = (math.log((neg[t] + a) / (n_neg + a0 - neg[t] - a))
                 - math.log((pos[t] + a) / (n_pos + a0 - pos[t] - a)))
        z[t] = delta / math.sqrt(1 / (neg[t] + a) + 1 / (pos[t] + a))
    complaints = sorted((t for t in neg if neg[t] >= MIN_TERM_REVIEWS and z[t] > 0), key=lambda t: -z[t])
    praise = sorted((t for t in pos if pos[t] >= MIN_TERM_REVIEWS and z[t] < 0), key=lambda t: z[t])
    return ([TermCount(term=t, reviews=neg[t], z=round(z[t], 2)) for t in complaints[:top]],
            [TermCount(term=t, reviews=pos[t], z=round(-z[t], 2)) for t in praise[:top]])


def _aspect_rows(analyses: Sequence[ReviewAnalysis], side: str, top: int, examples: int) -> list[AspectSummary]:
    """The ``top`` aspects by mentions of polarity ``side``, quoting that side (fixed-
    polarity terms first, then the most decided clauses)."""
    mentions: dict[str, dict[str, list[AspectMention]]] = {}
    for a in analyses:
        for m in a.aspects:
            mentions.setdefault(m.aspect, {"negative": [], "positive": []})[m.polarity].append(m)
    rows = []
    for aspect, by_side in mentions.items():
        neg, pos, own = by_side["negative"], by_side["positive"], by_side[side]
        if not own:
            continue
        quotes = sorted(own, key=lambda m: (m.source != "lexicon", -abs(m.score - 0.5)))
        rows.append(AspectSummary(aspect=aspect, label=own[0].label, mentions=len(neg) + len(pos),
                                  negative=len(neg), positive=len(pos),
                                  negative_share=round(len(neg) / (len(neg) + len(pos)), 3),
                                  examples=list(dict.fromkeys(_quote(m.clause) for m in quotes))[:examples]))
    rows.sort(key=lambda r: (-(r.negative if side == "negative" else r.positive), r.aspect))
    return rows[:top]


def _quote(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def summarize_analyses(analyses: Sequence[ReviewAnalysis], *, skipped: int = 0, top: int = 5,
                       examples: int = 3) -> ReviewSummary:
    complaint_terms, praise_terms = contrast_terms(analyses)
    n_neg = sum(a.sentiment == "negative" for a in analyses)
    summary = ReviewSummary(
        n_reviews=len(analyses), skipped=skipped, positive=len(analyses) - n_neg, negative=n_neg,
        languages=dict(Counter(a.language for a in analyses).most_common()),
        pain_points=_aspect_rows(analyses, "negative", top, examples),
        praise=_aspect_rows(analyses, "positive", top, examples),
        complaint_terms=complaint_terms, praise_terms=praise_terms,
        negative_without_aspect=sum(a.sentiment == "negative" and not a.aspects for a in analyses), summary="")
    summary.summary = summary_line(summary)
    return summary


def summary_line(s: ReviewSummary) -> str:
    """One English sentence or three for a person or an answer template."""
    parts = [f"{s.n_reviews} reviews: {s.positive} positive, {s.negative} negative."]
    if s.pain_points:
        parts.append("Top complaints: " + "; ".join(
            f"{p.label} ({p.negative} negative of {p.mentions} mentions"
            + (f', e.g. "{p.examples[0]}")' if p.examples else ")") for p in s.pain_points[:3]) + ".")
    if s.praise:
        parts.append("Most praised: " + ", ".join(f"{p.label} ({p.positive})" for p in s.praise[:3]) + ".")
    return " ".join(parts)


def summarize_reviews(model: SentimentModel, texts: Sequence[object], *, languages: Sequence[str | None] | None = None,
                      top: int = 5, examples: int = 3) -> ReviewSummary:
    """Pain-point summary of a list of reviews (empty ones are skipped and counted);
    ``languages``, when given, has one code (or None: detect) a review."""
    clean, skipped = clean_texts(texts)
    if languages is not None:
        if len(languages) != len(texts):
            raise ReviewInputError(f"languages has {len(languages)} entries for {len(texts)} reviews.")
        languages = [lang for t, lang in zip(texts, languages) if t is not None and str(t).strip()]
    return summarize_analyses(analyze_reviews(model, clean, languages), skipped=skipped, top=top, examples=examples)


__all__ = ["ReviewInputError", "ReviewSummary", "AspectSummary", "TermCount", "summarize_reviews",
           "summarize_analyses", "parse_reviews_csv", "load_reviews_csv", "clean_texts", "contrast_terms", "terms_of"]
