"""Keyword search: BM25 over the same chunks as the dense index.

Dense vectors miss exact terms (a form name like "IOSS", a law like "VerpackG", a number
like "150"); BM25 catches them. The tokenizer splits European text into accent-folded
lower-case words (minus a short stop list) and Chinese/Japanese/Korean runs into
character bigrams (a one-character run stays as it is), which needs no dictionary and
works for both Chinese and Japanese. Token order is irrelevant to BM25, so words and CJK
bigrams are collected in two passes (faster than one pass that keeps order).
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from typing import Iterable

import numpy as np

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_WORD = re.compile(f"[^\\W_{_CJK}]+")
_CJK_RUN = re.compile(f"[{_CJK}]+")
STOPWORDS = frozenset("""
a an and are as at be by can do does for from has have how i in is it its my of on or our that the their
this to was what when where which who why will with you your
der die das den dem des ein eine einen einem und oder ist sind wie was wer wann wo fur mit von zu im an auf
ich mein meine muss bei nicht es sie wir
le la les un une des du de et ou est sont pour avec en au aux dans que qui quoi comment je mon ma mes il
el los las una unos unas y o es son para con del al como mi mis se por
""".split())


def _fold_table() -> dict[int, str]:
    """Latin letters with diacritics -> base letters (é->e, ß->ss); kana are untouched."""
    table = {}
    for cp in range(0xC0, 0x250):
        base = "".join(c for c in unicodedata.normalize("NFD", chr(cp)) if not unicodedata.combining(c))
        if base and base != chr(cp):
            table[cp] = base
    table[ord("ß")] = "ss"
    return table


_FOLD = _fold_table()


def tokenize(text: str) -> list[str]:
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_FOLD)
    text = text.lower()
    out = [w for w in _WORD.findall(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    if not text.isascii():
        for run in _CJK_RUN.findall(text):
            out.extend([run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)])
    return out


_IDENT = re.compile(r"(?<![A-Za-z0-9])(?:[A-Za-z0-9]*[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*|[A-Za-z]*\d[A-Za-z0-9/.-]*)")


def identifier_terms(query: str) -> list[str]:
    """Terms that mean the same in every language: acronyms and names with two or more
    capitals (IOSS, LUCID, VerpackG) and anything with a digit (150, 2023/988)."""
    return tokenize(" ".join(_IDENT.findall(query)))


class BM25Index:
    """Okapi BM25 (k1=1.2, b=0.75) over an inverted index (term -> positions, counts):
    scoring touches only the postings of the query's terms. Built from per-chunk term
    counts, which callers keep so that an incremental change re-tokenizes nothing."""

    def __init__(self, ids: list[str], counts: list[Counter], k1: float = 1.2, b: float = 0.75):
        self.ids, self.k1, self.b = list(ids), k1, b
        self.pos = {cid: i for i, cid in enumerate(self.ids)}
        lengths = np.array([sum(c.values()) for c in counts], dtype=np.float32)
        avg = float(lengths.mean()) if len(counts) and lengths.mean() > 0 else 1.0
        self.norm = k1 * (1 - b + b * lengths / avg)
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for i, c in enumerate(counts):
            for term, tf in c.items():
                p = postings.get(term)
                if p is None:
                    postings[term] = p = ([], [])
                p[0].append(i)
                p[1].append(tf)
        n = len(counts)
        self.postings = {t: (np.array(ix, np.int32), np.array(tf, np.float32),
                             math.log(1 + (n - len(ix) + 0.5) / (len(ix) + 0.5)))
                         for t, (ix, tf) in postings.items()}

    @classmethod
    def from_texts(cls, ids: list[str], texts: list[str]) -> "BM25Index":
        return cls(ids, [Counter(tokenize(t)) for t in texts])

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: str, k: int = 10, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        return self.search_terms(tokenize(query), k, mask)

    def search_terms(self, terms: Iterable[str], k: int = 10,
                     mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Top `k` (id, score) with a positive score, among positions where `mask` is true."""
        if not self.ids:
            return []
        scores = np.zeros(len(self.ids), np.float32)
        for term in set(terms):
            if term in self.postings:
                idx, tf, idf = self.postings[term]
                scores[idx] += idf * tf * (self.k1 + 1) / (tf + self.norm[idx])
        if mask is not None:
            scores[~mask] = 0.0
        order = np.flatnonzero(scores > 0)
        if len(order) > k:
            order = order[np.argpartition(-scores[order], k - 1)[:k]]
        order = order[np.argsort(-scores[order], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in order]
